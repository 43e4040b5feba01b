"""CSV and XLSX import of content: Vietnamese headers, dd/mm/yyyy dates, area codes, all or nothing."""

import io
from datetime import timedelta

from openpyxl import Workbook

from tests.campaigns.helpers import API, create_campaign, today


def _import(client, headers, name: str, data: bytes, **form):
    return client.post(f"{API}/contents/import", headers=headers, data={k: str(v) for k, v in form.items()},
                       files={"file": (name, data, "application/octet-stream")})


def _d(day) -> str:
    return day.strftime("%d/%m/%Y")


def test_csv_with_vietnamese_headers(client, world, auth):
    op = auth("operator_a")
    campaign = create_campaign(client, op, [world.commune_a.id])
    start, end = _d(today()), _d(today() + timedelta(days=30))
    csv_text = (
        "Tiêu đề;Nội dung;Loại;Mức độ;Từ ngày;Đến ngày;Địa bàn\n"
        f"Gương sáng;\"Anh A, thôn 1, giúp dân làm đường.\";Gương;Ưu tiên;{start};{end};"
        f"{world.clusters_a[0].code}\n"
        f"Lịch tiêm phòng;Tiêm phòng dại ngày 28/4.;thông báo;thông thường;{start};{end};\n"
    )
    response = _import(client, op, "tin.csv", ("\ufeff" + csv_text).encode(), campaign_id=campaign["id"])
    assert response.status_code == 201, response.text
    result = response.json()
    assert result["created"] == 2 and result["submitted"] == 0
    first, second = (client.get(f"{API}/contents/{i}", headers=op).json() for i in result["ids"])
    assert (first["title"], first["body"], first["kind"], first["level"]) == (
        "Gương sáng", "Anh A, thôn 1, giúp dân làm đường.", "exemplar", "priority")
    assert first["area_ids"] == [world.clusters_a[0].id] and first["campaign_id"] == campaign["id"]
    assert first["valid_from"] == str(today()) and first["status"] == "draft"
    assert second["area_ids"] == [world.commune_a.id]  # the campaign's areas by default
    assert second["kind"] == "announcement"


def test_xlsx_with_date_cells_and_submission(client, world, auth):
    book = Workbook()
    sheet = book.active
    sheet.append(["title", "body", "level", "valid_from", "valid_until", "areas"])
    sheet.append(["Thông báo mưa lũ", "Bà con chú ý mưa lớn.", "khẩn cấp", today(), today() + timedelta(days=2),
                  f"{world.commune_a.code}; {world.commune_b.code}"])
    sheet.append([None, None, None, None, None, None])  # blank rows are skipped
    sheet.append(["Tin thứ hai", "Nội dung thứ hai.", None, str(today()), str(today()), world.commune_b.code])
    buffer = io.BytesIO()
    book.save(buffer)
    op = auth("operator")
    response = _import(client, op, "bang-tin.xlsx", buffer.getvalue(), submit="true")
    assert response.status_code == 201, response.text
    assert response.json()["created"] == 2 and response.json()["submitted"] == 2
    first = client.get(f"{API}/contents/{response.json()['ids'][0]}", headers=op).json()
    assert first["level"] == "emergency" and first["status"] == "submitted"
    assert first["area_ids"] == sorted([world.commune_a.id, world.commune_b.id])
    assert first["spoken_text"]


def test_one_bad_row_rejects_the_whole_file(client, world, auth):
    op = auth("operator_a")
    start = _d(today())
    csv_text = (
        "title,body,valid_from,valid_until,areas\n"
        f"Tốt,Nội dung tốt.,{start},{start},{world.commune_a.code}\n"
        f"Ngày sai,Nội dung.,31/02/2026,{start},{world.commune_a.code}\n"
        f"Trống,,{start},{start},{world.commune_a.code}\n"
        f"Địa bàn lạ,Nội dung.,{start},{start},XYZ\n"
    )
    response = _import(client, op, "tin.csv", csv_text.encode())
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "3 dòng có lỗi" in detail and "Dòng 3" in detail and "Dòng 4" in detail and "Dòng 5" in detail
    assert "Dòng 2" not in detail
    assert client.get(f"{API}/contents?status=draft", headers=op).json() == []


def test_rows_outside_the_subtree_are_forbidden(client, world, auth):
    op = auth("operator_a")
    csv_text = f"title,body,valid_from,valid_until,areas\nX,Y,{_d(today())},{_d(today())},{world.commune_b.code}\n"
    response = _import(client, op, "tin.csv", csv_text.encode())
    assert response.status_code == 403 and "Dòng 2" in response.json()["detail"]


def test_unreadable_files(client, auth):
    op = auth("operator_a")
    assert _import(client, op, "tin.csv", "tiêu đề\n".encode("utf-16")).status_code == 422
    missing = _import(client, op, "tin.csv", b"title,body\nA,B\n")
    assert missing.status_code == 422 and "valid_from" in missing.json()["detail"]
    broken = _import(client, op, "tin.xlsx", b"PK\x03\x04 not really a zip")
    assert broken.status_code == 422 and "Excel" in broken.json()["detail"]
    assert _import(client, op, "tin.csv", b"").status_code == 422


def test_an_xlsx_that_unpacks_to_gigabytes_is_refused_before_unpacking(client, auth):
    """A zip bomb: a 1 MB file whose shared strings unpack to far more than any bulletin list (issue 16 item 5)."""
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            chunk = b"A" * (1024 * 1024)
            for _ in range(300):  # 300 MB unpacked, about 300 KB packed
                part.write(chunk)
    assert len(buffer.getvalue()) < 2 * 1024 * 1024
    response = _import(client, auth("operator_a"), "bom.xlsx", buffer.getvalue())
    assert response.status_code == 422 and "giải nén" in response.json()["detail"]


def test_a_giant_cell_and_bare_carriage_returns(client, world, auth):
    op = auth("operator_a")
    day = _d(today())
    giant = f"title,body,valid_from,valid_until\nTin,{'x' * 60_000},{day},{day}\n"
    response = _import(client, op, "tin.csv", giant.encode())
    assert response.status_code == 422 and "ký tự" in response.json()["detail"]
    # Lines ended by a bare CR (old exports) read like any other file.
    old_mac = f"title,body,valid_from,valid_until,areas\rTin CR,Nội dung,{day},{day},{world.commune_a.code}\r"
    response = _import(client, op, "tin.csv", old_mac.encode())
    assert response.status_code in (200, 201), response.text
