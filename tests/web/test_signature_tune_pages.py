"""The signature tune from the slot pages: the shipped default in one click, per area (every slot set on the area
and its clusters) or per slot end, and off again; what a slot of another area or an unknown choice gets."""

from sqlmodel import Session, select

from core.files import file_sha256
from playlists.models import SlotTemplateRow
from playlists.signature_tune import DEFAULT_TUNE, default_tune_hash
from tests.web.test_schedule_pages import _slot


def _tunes(engine) -> dict[str, tuple[str | None, str | None]]:
    with Session(engine) as s:
        return {row.name: (row.intro_sha256, row.outro_sha256) for row in s.exec(select(SlotTemplateRow))}


def test_the_default_tune_is_the_shipped_file():
    assert DEFAULT_TUNE.is_file() and 10_000 < DEFAULT_TUNE.stat().st_size < 100_000
    assert default_tune_hash() == file_sha256(DEFAULT_TUNE)


def test_area_and_slot_tunes_in_one_click(client, world, settings, engine, web_login):
    csrf = web_login("operator_a")
    commune, cluster = world.commune_a.id, world.clusters_a[0].id
    assert _slot(client, csrf, commune).status_code == 200
    assert _slot(client, csrf, cluster, name="Tin thôn", start_time="18:00").status_code == 200
    page = client.get(f"/slots?area_id={commune}")
    assert "Dùng nhạc hiệu mặc định cho mọi khung giờ của" in page.text
    listen = client.get("/slots/default-tune.mp3")
    assert listen.status_code == 200 and listen.headers["content-type"] == "audio/mpeg"
    assert listen.content == DEFAULT_TUNE.read_bytes()

    done = client.post(f"/slots/areas/{commune}/tune", data={"action": "default", "csrf_token": csrf})
    assert done.status_code == 200, done.text[-3000:]
    assert "Đã đặt nhạc hiệu mặc định ở đầu và cuối 2 khung giờ của Phường Cam Đường." in done.text
    sha = default_tune_hash()
    assert _tunes(engine) == {"Bản tin sáng": (sha, sha), "Tin thôn": (sha, sha)}
    assert (settings.media_dir / sha[:2]).exists() or any(settings.media_dir.rglob(f"{sha}.mp3"))
    assert done.text.count("mở đầu (mặc định)") == 2

    # one end of one slot off, then on again
    slot_id = next(row_id for row_id in _ids(engine) if _name(engine, row_id) == "Tin thôn")
    off = client.post(f"/slots/{slot_id}/tune", data={"which": "outro", "action": "none", "csrf_token": csrf})
    assert off.status_code == 200 and "Đã lưu nhạc hiệu của khung giờ “Tin thôn”." in off.text
    assert _tunes(engine)["Tin thôn"] == (sha, None)
    assert 'id="tune-outro"' in off.text and "Không có" in off.text
    on = client.post(f"/slots/{slot_id}/tune", data={"which": "outro", "action": "default", "csrf_token": csrf})
    assert on.status_code == 200 and _tunes(engine)["Tin thôn"] == (sha, sha)

    bad = client.post(f"/slots/{slot_id}/tune", data={"which": "middle", "action": "default", "csrf_token": csrf})
    assert bad.status_code == 422 and "Vị trí nhạc hiệu không hợp lệ" in bad.text
    vague = client.post(f"/slots/areas/{commune}/tune", data={"action": "maybe", "csrf_token": csrf})
    assert vague.status_code == 422 and "dùng nhạc hiệu mặc định" in vague.text

    # with every slot of the area on the default tune, a new slot starts with it (the box is ticked)
    form = client.get(f"/slots?area_id={commune}").text
    assert 'name="default_tune" value="true" checked' in form
    added = _slot(client, csrf, commune, name="Bản tin tối", start_time="19:00", default_tune="true")
    assert added.status_code == 200 and _tunes(engine)["Bản tin tối"] == (sha, sha)
    plain = _slot(client, csrf, commune, name="Bản tin trưa", start_time="11:00")
    assert plain.status_code == 200 and _tunes(engine)["Bản tin trưa"] == (None, None)
    assert 'name="default_tune" value="true" checked' not in client.get(f"/slots?area_id={commune}").text
    client.post(f"/slots/areas/{commune}/tune", data={"action": "default", "csrf_token": csrf})

    cleared = client.post(f"/slots/areas/{commune}/tune", data={"action": "none", "csrf_token": csrf})
    assert "Đã bỏ nhạc hiệu ở 4 khung giờ của Phường Cam Đường." in cleared.text
    assert set(_tunes(engine).values()) == {(None, None)}


def test_an_area_without_slots_or_out_of_scope_is_refused(client, world, web_login):
    csrf = web_login("operator_a")
    empty = client.post(f"/slots/areas/{world.commune_a.id}/tune", data={"action": "default",
                                              "csrf_token": csrf})
    assert empty.status_code == 422 and "chưa có khung giờ nào" in empty.text
    other = client.post(f"/slots/areas/{world.commune_b.id}/tune", data={"action": "default",
                                              "csrf_token": csrf})
    assert other.status_code == 403


def _ids(engine) -> list[int]:
    with Session(engine) as s:
        return [row.id for row in s.exec(select(SlotTemplateRow)) if row.id is not None]


def _name(engine, slot_id: int) -> str:
    with Session(engine) as s:
        row = s.get(SlotTemplateRow, slot_id)
        assert row is not None
        return row.name
