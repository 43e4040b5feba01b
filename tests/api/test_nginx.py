"""Media through a real nginx (Debian's package) with the repository's configuration, docs/nginx/loaxa.conf,
in front of a real `loaxa serve` with LOAXA_MEDIA_ACCEL_PREFIX: nginx sends the bytes, loaxa decides who
may have them, and devices see the same answers as from loaxa alone (ETag, 304, Range, 401/403, 404)."""

import hashlib
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from core.areas import AreaLevel
from core.db import make_engine, saved_id, session_scope, upgrade_database
from core.timeutil import now_utc
from core.users import Role, issue_device_token, issue_user_token
from media.store import MediaStore
from tests.api.nginx_harness import ACCEL_PREFIX, Nginx, main_conf, nginx_binary, render_site
from tests.factories import area, user
from tests.playlists.helpers import add_content, add_slot, make_mp3
from tests.ports import free_port

pytestmark = pytest.mark.skipif(nginx_binary() is None,
                                reason="nginx is not installed (scripts/setup.sh test installs Debian's nginx)")

ROOT = Path(__file__).resolve().parents[2]
LOAXA = ROOT / ".venv" / "bin" / "loaxa"
TZ_NAME = "Asia/Ho_Chi_Minh"


@dataclass
class Site:
    nginx: str          # base URL through nginx
    loaxa: str          # base URL of loaxa alone (the same server nginx talks to)
    cluster: int
    other_cluster: int
    device: dict[str, str]
    other_device: dict[str, str]
    admin: dict[str, str]
    day: str
    sha256: str
    audio: bytes


def _serve(data_dir: Path, db_url: str, port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "LOAXA_DATA_DIR": str(data_dir), "LOAXA_DATABASE_URL": db_url,
           "LOAXA_SECRET_KEY": "nginx-test-secret-0123456789", "LOAXA_SCHEDULER_ENABLED": "false",
           "LOAXA_TIMEZONE": TZ_NAME, "LOAXA_MEDIA_ACCEL_PREFIX": ACCEL_PREFIX}
    with log.open("wb") as out:
        proc = subprocess.Popen([str(LOAXA), "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"loaxa serve exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError("loaxa serve did not start within 60 s")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A province with two clusters, one approved bulletin with audio, today's playlists built through
    nginx; loaxa on one free port, nginx on another (one of each for the module: the tests only read)."""
    tmp_path = tmp_path_factory.mktemp("nginx-site")
    data_dir = tmp_path / "data"
    db_url = f"sqlite:///{(tmp_path / 'loaxa.db').resolve()}"
    upgrade_database(db_url)
    engine = make_engine(db_url)
    store = MediaStore(data_dir / "media")
    audio = make_mp3(store, 3)
    with session_scope(engine) as s:
        province = area(s, "Tỉnh Lào Cai", AreaLevel.province, code="15")
        commune = area(s, "Xã Gia Phú", AreaLevel.commune, province, code="02923")
        clusters = [area(s, f"Cụm loa bản {i}", AreaLevel.cluster, commune, code=f"N{i}") for i in (1, 2)]
        tokens = [issue_device_token(s, c)[0] for c in clusters]
        admin = issue_user_token(s, user(s, "admin", Role.admin), minutes=60)
        province_id, cluster_ids = saved_id(province), [saved_id(c) for c in clusters]
    add_content(engine, "Tin thử qua nginx", [province_id], audio)
    add_slot(engine, province_id, "Bản tin sáng", dtime(6, 0), 2)
    engine.dispose()

    loaxa_port, nginx_port = free_port(), free_port()
    server = _serve(data_dir, db_url, loaxa_port, tmp_path / "serve.log")
    nginx = Nginx(tmp_path / "nginx", main_conf(tmp_path / "nginx", render_site(loaxa_port, nginx_port,
                                                                                  data_dir / "media")), nginx_port)
    try:
        nginx.start()
        day = now_utc().astimezone(ZoneInfo(TZ_NAME)).date().isoformat()
        headers = {"Authorization": f"Bearer {admin}"}
        built = httpx.post(f"{nginx.url}/api/v1/playlists/build", json={"date": day}, headers=headers, timeout=60)
        assert built.status_code == 200 and built.json()["playlists"] == 2, built.text
        yield Site(nginx.url, f"http://127.0.0.1:{loaxa_port}", cluster_ids[0], cluster_ids[1],
                   {"Authorization": f"Bearer {tokens[0]}"}, {"Authorization": f"Bearer {tokens[1]}"}, headers,
                   day, audio.sha256, store.path_for(audio.sha256, "mp3").read_bytes())
    finally:
        nginx.stop()
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert "[emerg]" not in nginx.log() and "[crit]" not in nginx.log(), nginx.log()
    assert "Traceback" not in (tmp_path / "serve.log").read_text(errors="replace")


def _programme(site: Site) -> str:
    return f"/api/v1/clusters/{site.cluster}/playlists/{site.day}/programme/0.mp3"


def test_playlist_etag_and_304_through_nginx(site: Site) -> None:
    url = f"{site.nginx}/api/v1/clusters/{site.cluster}/playlists/{site.day}"
    first = httpx.get(url, headers=site.device)
    assert first.status_code == 200 and first.json()["cluster_id"] == site.cluster
    etag = first.headers["etag"]
    again = httpx.get(url, headers=site.device | {"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    # The audio URLs the device is given are the public /media/ ones, through nginx's host.
    item = first.json()["slots"][0]["items"][0]
    assert item["audio_url"] == f"{site.nginx}/media/{site.sha256}.mp3"


def test_public_media_is_served_by_nginx_with_loaxas_etag_304_and_range(site: Site) -> None:
    url = f"{site.nginx}/media/{site.sha256}.mp3"
    whole = httpx.get(url)
    assert whole.status_code == 200 and hashlib.sha256(whole.content).hexdigest() == site.sha256
    assert whole.headers["etag"] == f'"{site.sha256}"' and whole.headers["content-type"] == "audio/mpeg"
    assert "immutable" in whole.headers["cache-control"]
    for sent in (f'"{site.sha256}"', f'W/"{site.sha256}", "other"', f'"other", "{site.sha256}"', "*"):
        assert httpx.get(url, headers={"If-None-Match": sent}).status_code == 304, sent
    assert httpx.get(url, headers={"If-None-Match": '"' + "0" * 64 + '"'}).status_code == 200
    head = httpx.head(url)
    assert head.status_code == 200 and int(head.headers["content-length"]) == len(site.audio) and not head.content
    part = httpx.get(url, headers={"Range": "bytes=100-299"})
    assert part.status_code == 206 and part.content == site.audio[100:300]
    assert part.headers["content-range"] == f"bytes 100-299/{len(site.audio)}"
    # A file nginx does not have is loaxa's 404, with its Vietnamese detail.
    missing = httpx.get(f"{site.nginx}/media/{'0' * 64}.mp3")
    assert missing.status_code == 404 and "tệp âm thanh" in missing.json()["detail"]


def test_protected_audio_is_authorised_by_loaxa_and_sent_by_nginx(site: Site) -> None:
    url = site.nginx + _programme(site)
    whole = httpx.get(url, headers=site.device, timeout=60)
    assert whole.status_code == 200 and whole.headers["content-type"] == "audio/mpeg"
    sha = hashlib.sha256(whole.content).hexdigest()
    assert whole.headers["etag"] == f'"{sha}"' and len(whole.content) > 10_000
    assert whole.headers["content-disposition"].startswith("inline; filename=")
    assert whole.headers["cache-control"] == "no-cache"
    part = httpx.get(url, headers=site.device | {"Range": "bytes=1000-1999"})
    assert part.status_code == 206 and part.content == whole.content[1000:2000]
    assert httpx.get(url, headers=site.device | {"Range": "bytes=999999999-"}).status_code == 416
    not_modified = httpx.get(url, headers=site.device | {"If-None-Match": whole.headers["etag"]})
    assert not_modified.status_code == 304 and not_modified.content == b""
    # loaxa itself sent no bytes: an empty answer naming the file under nginx's internal location.
    direct = httpx.get(site.loaxa + _programme(site), headers=site.device)
    assert direct.status_code == 200 and direct.content == b""
    assert direct.headers["x-accel-redirect"] == f"{ACCEL_PREFIX}/{sha[:2]}/{sha}.mp3"


def test_unauthorised_callers_get_loaxas_answer_and_no_bytes(site: Site) -> None:
    url = site.nginx + _programme(site)
    nobody = httpx.get(url)
    assert nobody.status_code == 401 and "mã truy cập" in nobody.json()["detail"]
    assert "x-accel-redirect" not in nobody.headers
    wrong = httpx.get(url, headers={"Authorization": "Bearer not-a-token"})
    assert wrong.status_code == 401 and wrong.headers["content-type"] == "application/json"
    other = httpx.get(url, headers=site.other_device)
    assert other.status_code == 403 and other.headers["content-type"] == "application/json"
    assert other.json()["detail"] and b"ID3" not in other.content


def test_the_internal_location_is_not_reachable_from_outside(site: Site) -> None:
    sha = site.sha256
    for path in (f"{ACCEL_PREFIX}/{sha[:2]}/{sha}.mp3", f"{ACCEL_PREFIX}/", f"{ACCEL_PREFIX}/../media/"):
        answer = httpx.get(site.nginx + path, headers=site.device)
        assert answer.status_code == 404 and site.audio[:64] not in answer.content, path
    # Nor through a redirect header a client sends itself (only an upstream's answer counts).
    forged = httpx.get(f"{site.nginx}/healthz", headers={"X-Accel-Redirect": f"{ACCEL_PREFIX}/{sha[:2]}/{sha}.mp3"})
    assert forged.status_code == 200 and site.audio[:64] not in forged.content
