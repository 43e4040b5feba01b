"""Airtime and quota rows as CSV: exactly the JSON API's fields, one line per row, UTF-8 with a BOM (for
tools); and the airtime report as a CSV for people (`to_csv_vi`): Vietnamese headers, minutes and
percentages rounded to one decimal with a decimal comma, dd/mm/yyyy, `;` between cells (what a spreadsheet
set to Vietnamese expects when a comma is the decimal mark)."""

import csv
import io
from collections.abc import Sequence

from airtime.exports.layout import AIRTIME_HEADERS
from airtime.report_values import ReportMeta, ReportRow, totals
from campaigns.quotas import QuotaRow
from core.formatting import date_text, minutes_text, percent_text

# The API's field names, in the API's order: `format=csv` must match the JSON rows.
CSV_COLUMNS = ("key", "label", "planned_seconds", "aired_seconds", "target_seconds", "compliance")
QUOTA_CSV_COLUMNS = ("unit_label", "rule_label", "period_label", "required", "submitted", "approved", "met")

# Spreadsheet programs run a cell starting with these as a formula ("CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    """Neutralise a leading formula character the way OWASP advises (a leading quote)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_number(value: float | None) -> str:
    # repr() round-trips a float exactly; None stays an empty cell like JSON null.
    return "" if value is None else repr(float(value))


def csv_bytes(header: Sequence[str], lines: list[list[str]], delimiter: str = ",") -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(lines)
    # The BOM makes Excel read UTF-8; without it Vietnamese shows as mojibake.
    return buf.getvalue().encode("utf-8-sig")


def to_csv(rows: Sequence[ReportRow], meta: ReportMeta | None = None) -> bytes:
    """The rows exactly as the JSON API has them, one line each, no totals line.

    Text cells that start with = + - @ get a leading quote so a spreadsheet does not run them.
    """
    return csv_bytes(CSV_COLUMNS, [
        [safe_cell(r.key), safe_cell(r.label), _csv_number(r.planned_seconds),
         _csv_number(r.aired_seconds), _csv_number(r.target_seconds), _csv_number(r.compliance)]
        for r in rows
    ])


VI_PERIOD_HEADERS = ("Từ ngày", "Đến ngày")


def to_csv_vi(rows: Sequence[ReportRow], meta: ReportMeta) -> bytes:
    """The airtime report for people: STT, the group's label, minutes planned / aired / target and the
    ratio achieved (one decimal, never rounded up to 100%), the period in dd/mm/yyyy on each line so a
    pasted row keeps it, and a "Tổng cộng" line. UTF-8 with a BOM so Excel shows Vietnamese correctly."""
    period = [date_text(meta.period_from), date_text(meta.period_to)]

    def line(stt: str, r: ReportRow) -> list[str]:
        return [stt, safe_cell(r.label), minutes_text(r.planned_seconds, ""), minutes_text(r.aired_seconds, ""),
                minutes_text(r.target_seconds, ""), percent_text(r.compliance, empty=""), *period]

    lines = [line(str(n), r) for n, r in enumerate(rows, start=1)]
    lines.append(line("", totals(rows)))
    return csv_bytes(("STT", meta.group_label, *AIRTIME_HEADERS, *VI_PERIOD_HEADERS), lines, delimiter=";")


def quota_to_csv(rows: Sequence[QuotaRow], meta: ReportMeta | None = None) -> bytes:
    return csv_bytes(QUOTA_CSV_COLUMNS, [
        [safe_cell(r.unit_label), safe_cell(r.rule_label), safe_cell(r.period_label),
         str(r.required), str(r.submitted), str(r.approved), "true" if r.met else "false"]
        for r in rows
    ])
