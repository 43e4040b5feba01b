"""The live 'Máy sẽ đọc là' preview and the pronunciation lexicon editor."""

import re

from tests.web.conftest import csrf_of


def test_preview_reads_administrative_text(client, world, web_login):
    csrf = web_login("operator_a")
    response = client.post("/preview/spoken", data={"body": "UBND xã họp ngày 28/4/2021."},
                           headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
    assert response.status_code == 200
    assert "Ủy ban nhân dân xã họp ngày hai mươi tám tháng tư năm hai nghìn không trăm hai mươi mốt" in response.text
    assert "<html" not in response.text  # a fragment for htmx, not a page
    empty = client.post("/preview/spoken", data={"body": "  "}, headers={"X-CSRF-Token": csrf})
    assert "Nhập nội dung" in empty.text
    assert client.post("/preview/spoken", data={"body": "UBND"}).status_code == 403  # no CSRF header


def test_area_override_changes_the_preview_of_that_area_only(client, world, web_login):
    csrf = web_login("operator_a")
    page = client.get(f"/lexicon?area_id={world.commune_a.id}")
    assert page.status_code == 200
    added = client.post("/lexicon", data={"term": "HTX", "spoken": "hợp tác xã nông nghiệp",
                                          "area_id": str(world.commune_a.id), "csrf_token": csrf})
    assert added.status_code == 200 and "Đã thêm cách đọc «HTX»" in added.text
    text = {"body": "HTX họp."}
    ours = client.post("/preview/spoken", data={**text, "preview_area_id": str(world.clusters_a[0].id)},
                       headers={"X-CSRF-Token": csrf})
    assert "Hợp tác xã nông nghiệp họp" in ours.text
    # Another commune is outside this operator's scope: refused, not silently read.
    outside = client.post("/preview/spoken", data={**text, "preview_area_id": str(world.commune_b.id)},
                          headers={"X-CSRF-Token": csrf})
    assert outside.status_code == 403
    web_login("operator_b")
    theirs = client.post("/preview/spoken", data={**text, "preview_area_id": str(world.commune_b.id)},
                         headers={"X-CSRF-Token": csrf_of(client.get("/").text)})
    assert "nông nghiệp" not in theirs.text


def test_lexicon_errors_edit_and_delete(client, world, web_login):
    csrf = web_login("operator_a")
    area = str(world.commune_a.id)
    digits = client.post("/lexicon", data={"term": "TDP", "spoken": "tổ 3 dân phố", "area_id": area,
                                           "csrf_token": csrf})
    assert digits.status_code == 422 and "không được chứa chữ số" in digits.text
    client.post("/lexicon", data={"term": "TDP", "spoken": "tổ dân phố", "area_id": area, "csrf_token": csrf})
    page = client.get(f"/lexicon?area_id={area}").text
    entry_id = re.search(r'action="/lexicon/(\d+)"', page).group(1)
    saved = client.post(f"/lexicon/{entry_id}", data={"spoken": "tổ dân phố số", "back_area_id": area,
                                                      "csrf_token": csrf})
    assert saved.status_code == 200 and 'value="tổ dân phố số"' in saved.text
    deleted = client.post(f"/lexicon/{entry_id}/delete", data={"back_area_id": area, "csrf_token": csrf})
    assert deleted.status_code == 200 and "Đã xóa cách đọc riêng của «TDP»." in deleted.text
    csrf = web_login("supervisor")
    refused = client.post("/lexicon", data={"term": "ABC", "spoken": "a bê xê", "area_id": area, "csrf_token": csrf})
    assert refused.status_code == 403
    assert 'method="post" action="/lexicon"' not in client.get(f"/lexicon?area_id={area}").text


def test_preview_names_codes_it_cannot_read_and_links_to_add_them(client, world, web_login):
    csrf = web_login("operator_a")
    area = str(world.commune_a.id)
    preview = client.post("/preview/spoken", data={"body": "Đội XYZT và HTX NN họp.", "preview_area_id": area},
                          headers={"X-CSRF-Token": csrf})
    assert "Không rõ cách đọc" in preview.text and "hợp tác xã nông nghiệp" in preview.text
    [link] = re.findall(r'<a href="([^"]+)"[^>]*>XYZT</a>', preview.text)
    assert link == f"/lexicon?term=XYZT&amp;area_id={area}#add-term"
    assert 'target="_blank"' in preview.text  # the text being written stays in its tab
    form = client.get(link.replace("&amp;", "&").split("#")[0]).text
    assert 'name="term" value="XYZT"' in form and "autofocus" in form
    added = client.post("/lexicon", data={"term": "XYZT", "spoken": "xung kích", "area_id": area,
                                          "csrf_token": csrf_of(form)})
    assert added.status_code == 200
    again = client.post("/preview/spoken", data={"body": "Đội XYZT họp.", "preview_area_id": area},
                        headers={"X-CSRF-Token": csrf})
    assert "Đội xung kích họp" in again.text and "Không rõ cách đọc" not in again.text
