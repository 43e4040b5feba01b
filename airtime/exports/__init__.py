"""Airtime and quota reports as files: pure functions from rows (airtime.report_values) to bytes.

One module per format (`csv`, `xlsx`, `pdf`) and the administrative layout they share (`layout`);
the names callers use are gathered here.
"""

from airtime.exports.csv import CSV_COLUMNS, QUOTA_CSV_COLUMNS, csv_bytes, quota_to_csv, safe_cell, to_csv, to_csv_vi
from airtime.exports.layout import (
    MOTTO,
    NATIONAL_TITLE,
    SIGN_HINT,
    period_line,
    place_date_line,
    report_day,
    report_filename,
)
from airtime.exports.pdf import quota_to_pdf, register_fonts, to_pdf
from airtime.exports.xlsx import quota_to_xlsx, to_xlsx

__all__ = [
    "CSV_COLUMNS", "MOTTO", "NATIONAL_TITLE", "QUOTA_CSV_COLUMNS", "SIGN_HINT", "csv_bytes", "period_line",
    "place_date_line", "quota_to_csv", "quota_to_pdf", "quota_to_xlsx", "register_fonts", "report_day",
    "report_filename", "safe_cell", "to_csv", "to_csv_vi", "to_pdf", "to_xlsx",
]
