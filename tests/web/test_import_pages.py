"""Content import page: the template file (header + one Vietnamese example) imports as is, bad rows are
listed one per line and nothing is stored, roles and CSRF."""

import csv
import io

from openpyxl import Workbook

from tests.web.conftest import csrf_of
from tests.web.test_content_pages import _new_campaign


def _upload(client, csrf, name, raw, **data):
    return client.post(
        "/contents/import",
        data={"csrf_token": csrf, **data},
        files={"file": (name, raw, "text/csv" if name.endswith(".csv") else "application/octet-stream")},
    )


def test_template_has_header_and_one_example_row_that_imports(client, world, web_login):
    csrf = web_login("operator_a")
    page = client.get("/contents")
    assert 'href="/contents/import"' in page.text
    assert client.get("/contents/import").status_code == 200
    template = client.get("/contents/import/template.csv")
    assert template.status_code == 200 and "attachment" in template.headers["content-disposition"]
    assert template.content.startswith(b"\xef\xbb\xbf")  # BOM: Excel keeps the accents
    rows = list(csv.reader(io.StringIO(template.content.decode("utf-8-sig"))))
    assert rows[0] == ["tiêu đề", "nội dung", "loại", "mức độ", "từ ngày", "đến ngày", "địa bàn", "chiến dịch"]
    assert len(rows) == 2 and rows[1][6] == "02671" and "thi đua" in rows[1][1]
    imported = _upload(client, csrf, "mau.csv", template.content)
    assert imported.status_code == 200, imported.text
    assert (
        "Đã nhập 1 tin bài (bản nháp)." in imported.text and "Tuyên truyền phong trào thi đua yêu nước" in imported.text
    )


def test_bad_rows_are_listed_one_per_line_and_nothing_is_stored(client, world, web_login):
    csrf = web_login("operator_a")
    text = (
        "tiêu đề,nội dung,mức độ,từ ngày,đến ngày,địa bàn\n"
        "Tin tốt,Nội dung tốt,thông thường,01/06/2026,30/06/2026,02671\n"
        "Tin sai ngày,Nội dung,thông thường,31/06/2026,30/07/2026,02671\n"
        "Tin sai mức,Nội dung,rất gấp,01/06/2026,30/06/2026,02671\n"
        "Tin ngoài phạm vi,Nội dung,ưu tiên,01/06/2026,30/06/2026,02923\n"
    )
    response = _upload(client, csrf, "tin.csv", text.encode())
    assert response.status_code == 422
    errors = response.text.split('id="import-errors"')[1].split("</div>")[0]
    assert "Không nhập tệp: 3 dòng có lỗi, chưa tin nào được lưu." in errors
    assert "<li>Dòng 3: từ ngày &#39;31/06/2026&#39; không phải ngày hợp lệ (dd/mm/yyyy).</li>" in errors
    assert "<li>Dòng 4: mức độ &#39;rất gấp&#39; không hợp lệ.</li>" in errors
    assert "<li>Dòng 5: Địa bàn «Xã Gia Phú»" in errors
    assert "Tin tốt" not in client.get("/contents").text
    missing = _upload(client, csrf, "tin.csv", "tiêu đề,nội dung\nA,B\n".encode())
    assert missing.status_code == 422 and "Thiếu cột: valid_from (tu_ngay), valid_until (den_ngay)." in missing.text
    empty = client.post("/contents/import", data={"csrf_token": csrf})
    assert empty.status_code == 422 and "Chưa chọn tệp CSV hoặc Excel (.xlsx)." in empty.text
    broken = _upload(client, csrf, "tin.xlsx", b"PK\x03\x04 not really a workbook")
    assert broken.status_code == 422 and "Không đọc được tệp Excel (.xlsx)" in broken.text


def test_xlsx_with_a_default_campaign_submitted_at_once(client, world, web_login):
    csrf = web_login("operator_a")
    campaign_id = _new_campaign(client, csrf, world)
    book = Workbook()
    sheet = book.active
    sheet.append(["Tiêu đề", "Nội dung", "Loại", "Từ ngày", "Đến ngày"])
    sheet.append(
        [
            "Gương người tốt việc tốt",
            "Anh Nguyễn Văn A nhặt được ví và trả lại người đánh rơi.",
            "gương",
            "01/01/2025",
            "31/12/2030",
        ]
    )
    raw = io.BytesIO()
    book.save(raw)
    response = _upload(
        client,
        csrf_of(client.get("/contents/import").text),
        "tin.xlsx",
        raw.getvalue(),
        campaign_id=str(campaign_id),
        submit="true",
    )
    assert response.status_code == 200, response.text
    assert "Đã nhập 1 tin bài, đã gửi duyệt 1." in response.text and "Gương người tốt việc tốt" in response.text
    assert "Gương người tốt việc tốt" in client.get(f"/campaigns/{campaign_id}").text


def test_import_roles_and_csrf(client, world, web_login):
    web_login("approver")
    assert client.get("/contents/import").status_code == 403
    assert client.get("/contents/import/template.csv").status_code == 403
    assert 'href="/contents/import"' not in client.get("/contents").text
    csrf = web_login("supervisor")
    refused = _upload(client, csrf, "mau.csv", "tiêu đề\n".encode())
    assert refused.status_code == 403 and "không được dùng trang này" in refused.text
    web_login("operator_a")
    forged = _upload(client, "forged", "mau.csv", "tiêu đề\n".encode())
    assert forged.status_code == 403 and "Phiên làm việc đã hết hạn" in forged.text
