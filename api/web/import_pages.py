"""Content import from a CSV/XLSX sheet (campaigns.importer), with a template file to start from.

Included before content_pages: `/contents/import` must win over `/contents/{content_id}`."""

import csv
import io
import re
from datetime import timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from api.deps import SessionDep, SettingsDep
from api.web.common import (
    FormDep,
    OperatorPage,
    flash,
    form_value,
    local_today,
    redirect,
    render,
    trf,
    web_router,
)
from campaigns.campaigns import list_campaigns
from campaigns.importer import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, area_token, import_contents
from campaigns.models import KIND_LABELS
from core.errors import DomainError, Invalid
from core.levels import CONTENT_LEVEL_LABELS
from core.users import Principal

router = web_router()

TEMPLATE_HEADER = ["tiêu đề", "nội dung", "loại", "mức độ", "từ ngày", "đến ngày", "địa bàn", "chiến dịch"]
EXAMPLE_TITLE = "Tuyên truyền phong trào thi đua yêu nước"
EXAMPLE_BODY = ("Thực hiện Kế hoạch số 205/KH-UBND ngày 28/4/2021 của UBND tỉnh, Ủy ban nhân dân xã đề nghị "
                "các thôn, tổ dân phố đẩy mạnh phong trào thi đua yêu nước, chào mừng kỷ niệm Ngày Chủ tịch "
                "Hồ Chí Minh ra Lời kêu gọi thi đua ái quốc 11/6.")
# Values the importer accepts, as shown on the page (first one is what the template uses).
KIND_WORDS = {"news": "tin", "exemplar": "gương", "announcement": "thông báo", "notice": "khuyến cáo",
              "music": "nhạc"}
LEVEL_WORDS = {"normal": "thông thường", "priority": "ưu tiên", "emergency": "khẩn cấp"}
_ROW_START = re.compile(r"\s(?=Dòng \d+: )")
_MORE = re.compile(r"\s(\(và \d+ lỗi khác\))$")


def split_errors(message: str) -> tuple[str, list[str]]:
    """The importer's one-line message as a heading and one entry per bad row ("Dòng 3: ...")."""
    parts = _ROW_START.split(message)
    head, rows = parts[0], parts[1:]
    if rows:
        more = _MORE.search(rows[-1])
        if more:
            rows[-1] = rows[-1][:more.start()]
            rows.append(more.group(1))
    return head, rows


def _page(request: Request, session: Session, principal: Principal, *, status_code: int = 200,
          error: str | None = None, error_rows: list[str] | None = None, values: dict | None = None) -> HTMLResponse:
    campaigns, _ = list_campaigns(session, actor=principal, limit=300)
    return render(request, "content_import.html", status_code, campaigns=campaigns, error=error,
                  error_rows=error_rows or [], values=values or {}, max_rows=MAX_IMPORT_ROWS,
                  max_mb=MAX_IMPORT_BYTES // (1024 * 1024),
                  kinds=[(KIND_WORDS[k.value], label) for k, label in KIND_LABELS.items()],
                  levels=[(LEVEL_WORDS[lv.value], label) for lv, label in CONTENT_LEVEL_LABELS.items()])


@router.get("/contents/import", response_class=HTMLResponse)
def import_page(request: Request, session: SessionDep, principal: OperatorPage) -> HTMLResponse:
    return _page(request, session, principal)


@router.get("/contents/import/template.csv")
def import_template(request: Request, session: SessionDep, principal: OperatorPage) -> Response:
    """The header row and one example row; the example targets the user's own area when it has a code."""
    today = local_today(request)
    area = area_token(session, principal.scope) if principal.scope is not None else ""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(TEMPLATE_HEADER)
    writer.writerow([EXAMPLE_TITLE, EXAMPLE_BODY, "tin", "thông thường", f"{today:%d/%m/%Y}",
                     f"{today + timedelta(days=30):%d/%m/%Y}", area, ""])
    # A BOM so that Excel opens the UTF-8 file with its Vietnamese letters intact.
    return Response(("\ufeff" + out.getvalue()).encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="mau-nhap-tin-bai.csv"'})


@router.post("/contents/import", response_class=HTMLResponse)
def import_upload(request: Request, session: SessionDep, settings: SettingsDep, principal: OperatorPage,
                  form: FormDep) -> Response:
    values: dict[str, Any] = {"campaign_id": form_value(form, "campaign_id"),
                              "submit": form_value(form, "submit") == "true"}
    upload = form.get("file")
    raw = upload.file.read(MAX_IMPORT_BYTES + 1) if upload is not None and not isinstance(upload, str) else b""
    campaign = values["campaign_id"]
    try:
        if not raw:
            raise Invalid("Chưa chọn tệp CSV hoặc Excel (.xlsx).")
        outcome = import_contents(session, raw, getattr(upload, "filename", "") or "", actor=principal,
                                  settings=settings, campaign_id=int(campaign) if campaign and campaign.isdigit()
                                  else None, submit=values["submit"])
    except DomainError as exc:
        session.rollback()  # all or nothing, as in the API
        head, rows = split_errors(exc.message)
        return _page(request, session, principal, status_code=422, error=head, error_rows=rows, values=values)
    created = len(outcome.ids)
    if outcome.submitted:
        flash(request, trf(request, "Đã nhập {created} tin bài, đã gửi duyệt {submitted}.", created=created,
                           submitted=outcome.submitted))
    else:
        flash(request, trf(request, "Đã nhập {created} tin bài (bản nháp).", created=created))
    return redirect("/contents?mine=true" + ("&status=submitted" if outcome.submitted else "&status=draft"))
