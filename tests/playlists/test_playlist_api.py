"""Published playlists over HTTP: build, JSON with ETag, M3U8 played by a real ffmpeg, bundle, programme
file, media files, and who may read what."""

import hashlib
import io
import json
import re
import subprocess
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import httpx
import pytest

from core.timeutil import now_utc
from tests.factories import device_headers
from tests.playlists.helpers import add_campaign, add_content, make_mp3

TZ_TODAY = lambda settings: now_utc().astimezone(settings.tz).date()  # noqa: E731


@dataclass
class Published:
    day: date
    cluster: int
    other_cluster: int
    campaign: int
    contents: dict[str, int]
    total_ms: int


def _slot(client, headers, area_id, name, start, minutes, **extra):
    body = {"area_id": area_id, "name": name, "start_time": start, "duration_minutes": minutes, **extra}
    response = client.post("/api/v1/slots", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def published(client, world, auth, engine, store, settings) -> Published:
    """Province slots (morning 2 min, evening 1 min), a campaign with content, today built via the API."""
    op = auth("operator")
    a3, a4, a5 = make_mp3(store, 3), make_mp3(store, 4, 520), make_mp3(store, 5, 660)
    campaign = add_campaign(engine, "Thi đua yêu nước", [world.province.id], target_minutes_per_week=5)
    contents = {
        "province": add_content(engine, "Tin toàn tỉnh", [world.province.id], a3, campaign_id=campaign),
        "commune_a": add_content(engine, "Tin phường Cam Đường", [world.commune_a.id], a4, campaign_id=campaign),
        "priority": add_content(engine, "Thông báo ưu tiên", [world.province.id], a5, level="priority"),
    }
    _slot(client, op, world.province.id, "Bản tin sáng", "06:00", 2)
    _slot(client, op, world.province.id, "Bản tin chiều", "17:00", 1)
    day = TZ_TODAY(settings)
    response = client.post("/api/v1/playlists/build", json={"date": day.isoformat()}, headers=op)
    assert response.status_code == 200, response.text
    assert response.json()["playlists"] == 4  # 2 clusters in each commune of the province
    total = 2 * (a3.duration_ms + a4.duration_ms + a5.duration_ms)
    return Published(day, world.clusters_a[0].id, world.clusters_b[0].id, campaign, contents, total)


def _get(client, headers, cluster, day, suffix="", **kwargs):
    return client.get(f"/api/v1/clusters/{cluster}/playlists/{day.isoformat()}{suffix}", headers=headers, **kwargs)


def test_json_shape_and_hard_slot_end(client, auth, published):
    body = _get(client, auth("operator_a"), published.cluster, published.day).json()
    assert body["cluster_id"] == published.cluster and body["date"] == published.day.isoformat()
    assert body["version"] == 1
    assert [s["name"] for s in body["slots"]] == ["Bản tin sáng", "Bản tin chiều"]
    for slot in body["slots"]:
        assert slot["starts_at"].endswith("+07:00")
        ends = datetime.fromisoformat(slot["ends_at"])
        for item in slot["items"]:
            start = datetime.fromisoformat(item["starts_at"])
            assert start + timedelta(milliseconds=item["duration_ms"]) <= ends
        # priority first, then the campaign's items
        assert [i["level"] for i in slot["items"]] == ["priority", "normal", "normal"]
    titles = {i["title"] for s in body["slots"] for i in s["items"]}
    assert titles == {"Tin toàn tỉnh", "Tin phường Cam Đường", "Thông báo ưu tiên"}


def test_only_approved_valid_targeted_content_with_audio(client, auth, engine, store, world, published):
    a = make_mp3(store, 2, 300)
    day = published.day
    add_content(engine, "Bản nháp", [world.province.id], a, status="draft")
    add_content(engine, "Hết hạn", [world.province.id], a, valid_from=day - timedelta(days=10),
                valid_until=day - timedelta(days=1))
    add_content(engine, "Tỉnh khác", [world.other_province.id], a)
    add_content(engine, "Chưa có âm thanh", [world.province.id], None)
    add_content(engine, "Xã B", [world.commune_b.id], a)
    op = auth("operator")
    assert client.post("/api/v1/playlists/build", json={"date": day.isoformat()}, headers=op).status_code == 200
    body = _get(client, op, published.cluster, day).json()
    titles = {i["title"] for s in body["slots"] for i in s["items"]}
    assert titles == {"Tin toàn tỉnh", "Tin phường Cam Đường", "Thông báo ưu tiên"}
    explain = _get(client, op, published.cluster, day, "/explain").json()
    reasons = {lo["reason"] for lo in explain["left_out"]}
    assert "no_audio" in reasons


def test_etag_304_and_unchanged_build_keeps_it(client, auth, published, engine, store, world):
    op = auth("operator")
    first = _get(client, op, published.cluster, published.day)
    etag = first.headers["etag"]
    assert _get(client, {**op, "If-None-Match": etag}, published.cluster, published.day).status_code == 304
    rebuilt = client.post("/api/v1/playlists/build", json={"date": published.day.isoformat()}, headers=op).json()
    assert rebuilt["playlists"] == 4 and rebuilt["written"] == 0 and rebuilt["unchanged"] == 4
    again = _get(client, op, published.cluster, published.day)
    assert again.headers["etag"] == etag and again.json()["version"] == 1
    # New content for commune A only: A's clusters get version 2, B's keep theirs.
    add_content(engine, "Tin mới xã A", [world.commune_a.id], make_mp3(store, 2, 700))
    rebuilt = client.post("/api/v1/playlists/build", json={"date": published.day.isoformat()}, headers=op).json()
    assert rebuilt["written"] == 2 and rebuilt["unchanged"] == 2
    changed = _get(client, {**op, "If-None-Match": etag}, published.cluster, published.day)
    assert changed.status_code == 200 and changed.json()["version"] == 2 and changed.headers["etag"] != etag
    assert _get(client, op, published.other_cluster, published.day).json()["version"] == 1


def test_device_reads_only_its_own_cluster(client, auth, world, published):
    device = device_headers(client, auth("admin"), published.cluster)
    assert _get(client, device, published.cluster, published.day).status_code == 200
    assert _get(client, device, published.cluster, published.day, ".m3u8").status_code == 200
    assert client.get(f"/api/v1/clusters/{published.cluster}/alerts", headers=device).status_code == 200
    sibling = world.clusters_a[1].id
    for suffix in ("", ".m3u8", "/bundle", "/programme/0.mp3", "/explain"):
        assert _get(client, device, sibling, published.day, suffix).status_code == 403, suffix
        assert _get(client, device, published.other_cluster, published.day, suffix).status_code == 403, suffix
    assert client.get(f"/api/v1/clusters/{sibling}/alerts", headers=device).status_code == 403
    # Outside the caller's subtree, and without a token
    assert _get(client, auth("operator_b"), published.cluster, published.day).status_code == 403
    assert _get(client, {}, published.cluster, published.day).status_code == 401


def test_bundle_files_match_their_sha256(client, auth, published):
    op = auth("operator")
    response = _get(client, op, published.cluster, published.day, "/bundle")
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        names = set(zf.namelist()) - {"manifest.json"}
        wanted = {f"{i['sha256']}.{i['ext']}" for s in manifest["slots"] for i in s["items"]}
        assert names == wanted and len(names) == 3
        for name in names:
            assert hashlib.sha256(zf.read(name)).hexdigest() == name.split(".")[0]
    assert manifest["version"] == 1 and manifest["cluster_id"] == published.cluster
    etag = response.headers["etag"]
    assert _get(client, {**op, "If-None-Match": etag}, published.cluster, published.day,
                "/bundle").status_code == 304


def test_programme_file_is_one_continuous_mp3(client, auth, published, tmp_path):
    op = auth("operator")
    body = _get(client, op, published.cluster, published.day).json()
    slot = body["slots"][0]
    response = client.get(slot["programme_url"].replace("http://testserver", ""), headers=op)
    assert response.status_code == 200 and response.headers["content-type"] == "audio/mpeg"
    path = tmp_path / "programme.mp3"
    path.write_bytes(response.content)
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
                            str(path)], capture_output=True, text=True, check=True)
    expected = sum(i["duration_ms"] for i in slot["items"]) / 1000
    assert float(probe.stdout) == pytest.approx(expected, abs=0.3)
    # Cached: the same file (same ETag) the second time
    second = client.get(slot["programme_url"].replace("http://testserver", ""), headers=op)
    assert second.headers["etag"] == response.headers["etag"]
    assert response.headers["etag"].strip('"') == hashlib.sha256(response.content).hexdigest()


def test_media_files_need_no_token_and_are_content_addressed(client, auth, published):
    item = _get(client, auth("operator"), published.cluster, published.day).json()["slots"][0]["items"][0]
    url = item["audio_url"].replace("http://testserver", "")
    response = client.get(url)
    assert response.status_code == 200 and response.headers["content-type"] == "audio/mpeg"
    assert hashlib.sha256(response.content).hexdigest() == item["sha256"]
    assert response.headers["etag"] == f'"{item["sha256"]}"'
    assert client.get(url, headers={"If-None-Match": response.headers["etag"]}).status_code == 304
    partial = client.get(url, headers={"Range": "bytes=10-19"})
    assert partial.status_code == 206 and partial.content == response.content[10:20]
    device = device_headers(client, auth("admin"), published.cluster)
    assert client.get(url, headers=device).status_code == 200
    assert client.head(url).status_code == 200
    assert client.get(f"/media/{'0' * 64}.mp3").status_code == 404
    assert client.get("/media/not-a-hash.mp3").status_code == 422


@pytest.mark.parametrize("bad", ["2026-13-01", "2026-02-30", "tomorrow", "10/06/2026", ""])
def test_build_refuses_malformed_dates(client, auth, world, bad):
    response = client.post("/api/v1/playlists/build", json={"date": bad}, headers=auth("operator"))
    assert response.status_code == 422 and "detail" in response.json()


def test_build_refuses_far_dates_and_unknown_areas(client, auth, world, settings):
    op = auth("operator")
    far = TZ_TODAY(settings).replace(year=TZ_TODAY(settings).year + 10)
    response = client.post("/api/v1/playlists/build", json={"date": far.isoformat()}, headers=op)
    assert response.status_code == 422 and "366" in response.json()["detail"]
    today = TZ_TODAY(settings).isoformat()
    assert client.post("/api/v1/playlists/build", json={"date": today, "area_id": 999_999},
                       headers=auth("admin")).status_code == 404
    assert client.post("/api/v1/playlists/build", json={"date": today, "area_id": world.commune_b.id},
                       headers=auth("operator_a")).status_code == 403
    assert client.get(f"/api/v1/clusters/{world.clusters_a[0].id}/playlists/2026-02-30",
                      headers=op).status_code == 422
    assert client.get(f"/api/v1/clusters/{world.clusters_a[0].id}/playlists/{today}",
                      headers=op).status_code == 404


def test_background_build_reports_progress(client, auth, engine, published):
    from core import tasks

    response = client.post("/api/v1/playlists/build", json={"date": published.day.isoformat(), "background": True},
                           headers=auth("operator"))
    assert response.status_code == 202
    task = tasks.wait(engine, response.json()["task_id"], timeout=60)
    assert task.status == "done", task.error
    assert task.result["playlists"] == 4 and task.result["unchanged"] == 4


_TIME_RE = re.compile(r"time=(\d+):(\d+):(\d+\.\d+)")


def test_m3u8_is_played_to_the_end_by_ffmpeg(live_server, client, auth, published):
    """A real player over real HTTP: ffmpeg opens the list with the device's token and decodes every item."""
    device = device_headers(client, auth("admin"), published.cluster)
    url = f"{live_server}/api/v1/clusters/{published.cluster}/playlists/{published.day.isoformat()}.m3u8"
    text = httpx.get(url, headers=device, timeout=30).text
    assert text.startswith("#EXTM3U\n") and "#EXT-X-PLAYLIST-TYPE:VOD" in text and text.rstrip().endswith(
        "#EXT-X-ENDLIST")
    assert text.count("#EXTINF:") == 6 and f"{live_server}/media/" in text
    result = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostdin", "-stats", "-headers",
         f"Authorization: {device['Authorization']}\r\n", "-i", url, "-f", "null", "-"],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    hours, minutes, seconds = _TIME_RE.findall(result.stderr)[-1]
    played = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    assert played == pytest.approx(published.total_ms / 1000, abs=1.0)
    # Without the token the list itself is refused
    refused = subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-i", url, "-f", "null", "-"],
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0 and "401" in refused.stderr
