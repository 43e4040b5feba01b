"""Fetching audio over a real loopback HTTP server: a cut download resumes with Range, wrong bytes are
refused and fetched again, and a relay stream is read without sound at a bounded rate."""

import hashlib
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agent.clock import AgentClock, OffsetMeter
from agent.downloads import ChecksumError, DownloadError, fetch
from agent.server import ServerClient
from agent.state import Device
from agent.streams import StreamCheck
from tests.agent.stub_server import StubServer, add_media


def _client(url: str) -> ServerClient:
    return ServerClient(Device(server=url, cluster_id=1, token="t"), AgentClock(), OffsetMeter(), timeout_s=10)


def test_a_download_cut_in_the_middle_resumes_where_it_stopped(tmp_path: Path) -> None:
    data = os.urandom(300_000)
    with StubServer() as stub:
        sha = add_media(stub.state, data)
        name = f"{sha}.mp3"
        stub.state.cut_once.add(name)
        client = _client(stub.url)
        dest, tmp = tmp_path / name, tmp_path / "tmp"
        tmp.mkdir()
        with pytest.raises(DownloadError, match="bị ngắt"):
            fetch(client, f"{stub.url}/media/{name}", dest, sha, tmp)
        part = tmp / f"{name}.part"
        assert not dest.exists() and 0 < part.stat().st_size < len(data)
        kept = part.stat().st_size
        transferred = fetch(client, f"{stub.url}/media/{name}", dest, sha, tmp)
        assert transferred == len(data) - kept  # only the missing part travelled again
        ranges = [h.get("Range") for method, path, h in stub.state.requests if path == f"/media/{name}"]
        assert ranges == [None, f"bytes={kept}-"]
        assert dest.read_bytes() == data and not part.exists()
        client.close()


def test_bytes_that_do_not_match_the_sha256_are_refused_and_fetched_whole_again(tmp_path: Path) -> None:
    data = os.urandom(50_000)
    with StubServer() as stub:
        sha = add_media(stub.state, data)
        name = f"{sha}.mp3"
        stub.state.media[name] = b"x" * 50_000  # the server (or a proxy) serves something else
        client = _client(stub.url)
        with pytest.raises(ChecksumError, match="sai mã kiểm tra"):
            fetch(client, f"{stub.url}/media/{name}", tmp_path / name, sha, tmp_path)
        assert not (tmp_path / name).exists() and not (tmp_path / f"{name}.part").exists()
        stub.state.media[name] = data
        fetch(client, f"{stub.url}/media/{name}", tmp_path / name, sha, tmp_path)
        assert hashlib.sha256((tmp_path / name).read_bytes()).hexdigest() == sha
        client.close()


def test_a_relay_stream_is_read_continuously_at_a_bounded_rate(tmp_path: Path) -> None:
    with StubServer() as stub:
        client = _client(stub.url)
        rate = 16_000.0  # bytes per second, below the stream's own 40 kB/s
        check = StreamCheck(f"{stub.url}/stream.mp3", lambda url, t: client.stream(url, timeout_s=t), rate)
        started = time.monotonic()
        time.sleep(2.0)
        assert check.poll() is None  # healthy
        check.stop()
        elapsed = time.monotonic() - started
        assert rate * 1.0 < check.bytes_read <= rate * elapsed + 8192
        down = StreamCheck("http://127.0.0.1:9/nothing", lambda url, t: client.stream(url, timeout_s=t), rate)
        outcome = None
        deadline = time.monotonic() + 10
        while outcome is None and time.monotonic() < deadline:
            outcome = down.poll()
            time.sleep(0.05)
        assert outcome is not None and not outcome.ok and "không kết nối được" in (outcome.error or "")
        client.close()


def test_the_offset_meter_sees_the_servers_date(tmp_path: Path) -> None:
    with StubServer() as stub:
        start = datetime(2030, 1, 1, tzinfo=UTC)  # the agent's clock far ahead of the server's
        client = ServerClient(Device(server=stub.url, cluster_id=1, token="t"), AgentClock(start), OffsetMeter())
        client.request("GET", "/clusters/1/alerts")
        offset = client.offsets.offset_ms()
        assert offset is not None and offset < -10**9
        client.close()


def test_a_path_is_fetched_from_the_paired_server_keeping_its_prefix() -> None:
    from agent.server import absolute_url

    assert absolute_url("http://10.0.0.5:8000", "/media/ab.mp3") == "http://10.0.0.5:8000/media/ab.mp3"
    # behind a reverse proxy under a prefix, the server's paths are below it (as its /api/v1 is)
    assert absolute_url("https://tinh.vn/loaxa/", "/media/ab.mp3") == "https://tinh.vn/loaxa/media/ab.mp3"
    assert absolute_url("https://tinh.vn/loaxa", "media/ab.mp3") == "https://tinh.vn/loaxa/media/ab.mp3"
    assert absolute_url("https://tinh.vn", "//cdn.vn/x.mp3") == "https://cdn.vn/x.mp3"
    assert absolute_url("https://tinh.vn", "http://radio.vn/vov1") == "http://radio.vn/vov1"


def test_a_relative_audio_url_downloads_from_the_server(tmp_path: Path) -> None:
    data = os.urandom(20_000)
    with StubServer() as stub:
        sha = add_media(stub.state, data)
        dest = tmp_path / f"{sha}.mp3"
        fetch(_client(stub.url), f"/media/{sha}.mp3", dest, sha, tmp_path)
    assert dest.read_bytes() == data
