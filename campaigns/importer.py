"""CSV/XLSX import of content for operators who prepare bulletins in spreadsheets.

One row per item; the first row names the columns, in English or Vietnamese (accents optional):

    title | tiêu đề          body | nội dung        kind | loại (tin, gương, thông báo, ...)
    level | mức độ (thông thường, ưu tiên, khẩn cấp)
    valid_from | từ ngày      valid_until | đến ngày   (dd/mm/yyyy or yyyy-mm-dd)
    areas | địa bàn (area codes or ids, separated by ";")   campaign_id | chiến dịch (id)

Only title, body and the two dates are required. All or nothing: any bad row rejects the whole
file, with every problem listed by row number; good files become drafts (or are submitted).
"""

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails
from sqlmodel import Session, col, select

from campaigns.contents import create_content, submit_content
from campaigns.models import ContentKind
from campaigns.schemas import ContentCreate
from core.areas import Area
from core.db import saved_id
from core.errors import DomainError, Forbidden, Invalid
from core.levels import ContentLevel
from core.users import Principal

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 1000
MAX_ERRORS_SHOWN = 30
# An XLSX is a zip: a small file can unpack to gigabytes ("zip bomb"). Its parts are checked before
# anything is unpacked, and no cell may be longer than a bulletin can be.
MAX_XLSX_UNPACKED_BYTES = 40 * 1024 * 1024
MAX_CELL_CHARS = 50_000


def _fold(text: str) -> str:
    """Lower-case ASCII key: "Tiêu đề" -> "tieu_de"."""
    text = unicodedata.normalize("NFD", text.strip().casefold().replace("đ", "d"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


COLUMNS = {
    "title": ("title", "tieu_de", "ten_tin", "ten_bai"),
    "body": ("body", "noi_dung", "van_ban"),
    "kind": ("kind", "loai", "the_loai", "loai_tin"),
    "level": ("level", "muc_do", "cap_do", "muc_do_uu_tien"),
    "valid_from": ("valid_from", "tu_ngay", "hieu_luc_tu", "ngay_bat_dau"),
    "valid_until": ("valid_until", "den_ngay", "hieu_luc_den", "ngay_ket_thuc"),
    "areas": ("areas", "area_ids", "dia_ban", "ma_dia_ban"),
    "campaign_id": ("campaign_id", "chien_dich", "ma_chien_dich"),
}
_HEADER = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}

LEVELS = {"normal": ContentLevel.normal, "thong_thuong": ContentLevel.normal,
          "priority": ContentLevel.priority, "uu_tien": ContentLevel.priority,
          "emergency": ContentLevel.emergency, "khan_cap": ContentLevel.emergency}
KINDS = {"news": ContentKind.news, "tin": ContentKind.news, "bai": ContentKind.news, "tin_bai": ContentKind.news,
         "exemplar": ContentKind.exemplar, "guong": ContentKind.exemplar, "dien_hinh": ContentKind.exemplar,
         "guong_dhtt_ntvt": ContentKind.exemplar, "dhtt": ContentKind.exemplar,
         "announcement": ContentKind.announcement, "thong_bao": ContentKind.announcement,
         "notice": ContentKind.notice, "thong_tin_can_biet": ContentKind.notice, "khuyen_cao": ContentKind.notice,
         "music": ContentKind.music, "nhac": ContentKind.music, "nhac_hieu": ContentKind.music}


@dataclass
class ImportOutcome:
    ids: list[int] = field(default_factory=list)
    submitted: int = 0


def read_rows(raw: bytes, filename: str) -> list[list[Any]]:
    """Cells of the first sheet (XLSX) or of the CSV (UTF-8, comma or semicolon separated)."""
    if len(raw) > MAX_IMPORT_BYTES:
        raise Invalid(f"Tệp quá lớn: tối đa {MAX_IMPORT_BYTES // (1024 * 1024)} MB.")
    if raw[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx"):
        return _xlsx_rows(raw)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid("Tệp CSV phải được lưu với mã hóa UTF-8.") from exc
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        # newline=None: a bare carriage return (old Mac, some exports) ends a line like \r\n does.
        rows = list(csv.reader(io.StringIO(text, newline=None), dialect))
    except csv.Error as exc:
        raise Invalid(f"Không đọc được tệp CSV: {exc}.") from exc
    _check_cells(rows)
    return rows


def _check_cells(rows: list[list[Any]]) -> None:
    for number, row in enumerate(rows, start=1):
        for cell in row:
            if isinstance(cell, str) and len(cell) > MAX_CELL_CHARS:
                raise Invalid(f"Dòng {number}: một ô dài hơn {MAX_CELL_CHARS:,} ký tự.".replace(",", "."))


def _check_unpacked_size(raw: bytes) -> None:
    """Refuse an XLSX whose parts would unpack past the limit, before unpacking any of them.

    The sizes come from the zip's directory; zipfile never returns more than a part's stated size.
    """
    from zipfile import BadZipFile, ZipFile

    try:
        with ZipFile(io.BytesIO(raw)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (BadZipFile, ValueError, OSError) as exc:
        raise Invalid("Không đọc được tệp Excel (.xlsx): tệp hỏng hoặc không đúng định dạng.") from exc
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise Invalid(f"Tệp Excel quá lớn khi giải nén (tối đa {MAX_XLSX_UNPACKED_BYTES // (1024 * 1024)} MB): "
                      "hãy chia thành nhiều tệp nhỏ hơn.")


def _xlsx_rows(raw: bytes) -> list[list[Any]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    _check_unpacked_size(raw)
    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (BadZipFile, KeyError, ValueError, OSError) as exc:
        raise Invalid("Không đọc được tệp Excel (.xlsx): tệp hỏng hoặc không đúng định dạng.") from exc
    try:
        sheet = book.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append(list(row))
            if len(rows) > MAX_IMPORT_ROWS + 1:
                break
        _check_cells(rows)
        return rows
    finally:
        book.close()


def import_contents(session: Session, raw: bytes, filename: str, *, actor: Principal, settings: Any,
                    campaign_id: int | None = None, submit: bool = False) -> ImportOutcome:
    rows = [r for r in read_rows(raw, filename) if any(_cell(c) for c in r)]
    if not rows:
        raise Invalid("Tệp không có dữ liệu.")
    header = [_HEADER.get(_fold(_cell(c))) for c in rows[0]]
    missing = [name for name in ("title", "body", "valid_from", "valid_until") if name not in header]
    if missing:
        raise Invalid("Thiếu cột: " + ", ".join(f"{m} ({COLUMNS[m][1]})" for m in missing)
                      + ". Dòng đầu tiên phải là tên cột.")
    if len(rows) - 1 > MAX_IMPORT_ROWS:
        raise Invalid(f"Tệp có quá nhiều dòng: tối đa {MAX_IMPORT_ROWS} tin mỗi lần nhập.")
    errors: list[str] = []
    forbidden = False
    outcome = ImportOutcome()
    for number, row in enumerate(rows[1:], start=2):
        values = {name: row[i] for i, name in enumerate(header) if name and i < len(row)}
        try:
            data = _row_data(session, values, campaign_id)
            content = create_content(session, data, actor=actor)
            if submit:
                submit_content(session, content, actor=actor, settings=settings)
                outcome.submitted += 1
            outcome.ids.append(saved_id(content))
        except ValidationError as exc:
            errors.append(f"Dòng {number}: " + "; ".join(_pydantic_message(e) for e in exc.errors()))
        except DomainError as exc:
            forbidden = forbidden or isinstance(exc, Forbidden)
            errors.append(f"Dòng {number}: {exc.message}")
    if errors:
        shown = " ".join(errors[:MAX_ERRORS_SHOWN])
        more = f" (và {len(errors) - MAX_ERRORS_SHOWN} lỗi khác)" if len(errors) > MAX_ERRORS_SHOWN else ""
        message = f"Không nhập tệp: {len(errors)} dòng có lỗi, chưa tin nào được lưu. {shown}{more}"
        raise Forbidden(message) if forbidden else Invalid(message)
    return outcome


def _row_data(session: Session, values: dict[str, Any], default_campaign: int | None) -> ContentCreate:
    data: dict[str, Any] = {"title": _cell(values.get("title")), "body": _cell(values.get("body"))}
    for name in ("valid_from", "valid_until"):
        data[name] = _date(values.get(name), name)
    if _cell(values.get("level")):
        data["level"] = _choice(values["level"], LEVELS, "mức độ")
    if _cell(values.get("kind")):
        data["kind"] = _choice(values["kind"], KINDS, "loại tin")
    campaign = _cell(values.get("campaign_id"))
    if campaign:
        if not campaign.isdigit():
            raise Invalid(f"mã chiến dịch {campaign!r} phải là số.")
        data["campaign_id"] = int(campaign)
    elif default_campaign is not None:
        data["campaign_id"] = default_campaign
    areas = _cell(values.get("areas"))
    if areas:
        data["area_ids"] = [_area_id(session, token) for token in re.split(r"[;,\n]+", areas) if token.strip()]
    return ContentCreate(**data)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value: Any, name: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _cell(value)
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    label = {"valid_from": "từ ngày", "valid_until": "đến ngày"}[name]
    raise Invalid(f"{label} {text!r} không phải ngày hợp lệ (dd/mm/yyyy)." if text else f"thiếu {label}.")


def _choice(value: Any, table: dict[str, Any], what: str):
    key = _fold(_cell(value))
    if key not in table:
        raise Invalid(f"{what} {_cell(value)!r} không hợp lệ.")
    return table[key]


def _ids_with_code(session: Session, code: str) -> list[int]:
    """Up to two areas with this code: enough to tell "exactly one" from "several"."""
    query = select(Area).where(Area.code == code).order_by(col(Area.id)).limit(2)
    return [area.id for area in session.exec(query) if area.id is not None]


def area_token(session: Session, area: Area) -> str:
    """How a sheet names `area`: its code when the code names only this area (looked up first), else its id."""
    if area.code and len(_ids_with_code(session, area.code)) == 1:
        return area.code
    return str(area.id)


def _area_id(session: Session, token: str) -> int:
    token = token.strip()
    matches = _ids_with_code(session, token)
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise Invalid(f"mã địa bàn {token!r} trùng ở nhiều nơi: hãy dùng mã số (id) của địa bàn.")
    if token.isdigit() and session.get(Area, int(token)) is not None:
        return int(token)
    raise Invalid(f"không có địa bàn mã {token!r}.")


def _pydantic_message(error: ErrorDetails) -> str:
    where = ".".join(str(p) for p in error.get("loc", ()))
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message
