"""`pair` exchanges a one-time code for the device token over real HTTP (the loopback stub answers as
docs/devices.md says; the real server's endpoint arrives with the device fleet): state is written
only after success, mode 0600, and every failure says what to do, in Vietnamese."""

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from agent.cli import main
from agent.pairing import PairingError, normalize_code
from tests.agent.harness import ROOT
from tests.agent.stub_server import StubServer

ANSWER = {"cluster_id": 12, "cluster_name": "Cụm loa thôn 1", "device_id": 3, "token": "tok-" + "x" * 40,
          "heartbeat_interval_s": 60, "server_time": "2026-12-03T08:00:00+07:00",
          "mqtt": {"url": "mqtt://127.0.0.1:1883", "topic": "loaxa/clusters/12/commands",
                   "client_id": "loaxa-device-3", "qos": 1}}


def test_codes_are_typed_loosely_but_checked_before_any_request() -> None:
    assert normalize_code("k7qm-2xpa") == normalize_code(" K7QM 2XPA ") == "K7QM2XPA"
    with pytest.raises(PairingError, match="không đúng dạng"):
        normalize_code("K7QM-2XP")
    with pytest.raises(PairingError, match="ký tự không dùng trong mã: 0 O"):
        normalize_code("K7QM-0OPA")


def test_a_good_code_writes_the_state_with_the_token_readable_by_the_owner_only(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with StubServer() as stub:
        stub.state.pair_answers["K7QM2XPA"] = (200, ANSWER)
        done = subprocess.run([sys.executable, "-m", "agent", "pair", "--server", stub.url, "--code", "k7qm-2xpa",
                               "--state", str(state), "--name", "Máy xã"], cwd=ROOT, capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr
        assert "Đã ghép với cụm loa Cụm loa thôn 1 (mã 12)" in done.stdout
        [(method, path, _)] = stub.state.requests
        assert (method, path) == ("POST", "/api/v1/devices/pair")
    device = state / "device.json"
    assert stat.S_IMODE(device.stat().st_mode) == 0o600
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    saved = json.loads(device.read_text())
    assert saved["token"] == ANSWER["token"] and saved["cluster_id"] == 12 and saved["server"] == stub.url
    assert saved["mqtt"]["client_id"] == "loaxa-device-3" and saved["mqtt"]["topic"] == "loaxa/clusters/12/commands"
    # pairing again into the same directory needs --force
    assert main(["pair", "--server", stub.url, "--code", "K7QM2XPA", "--state", str(state)]) == 1


@pytest.mark.parametrize(("status", "words"), [
    (409, "đã được dùng"), (410, "đã hết hạn"), (404, "không tồn tại"), (429, "quá nhiều lần")])
def test_a_used_expired_or_unknown_code_fails_clearly_and_writes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], status: int, words: str) -> None:
    state = tmp_path / "state"
    with StubServer() as stub:
        stub.state.pair_answers["K7QM2XPA"] = (status, {"detail": "Máy chủ nói rõ lý do."})
        assert main(["pair", "--server", stub.url, "--code", "K7QM-2XPA", "--state", str(state)]) == 1
    err = capsys.readouterr().err
    assert words in err and "Máy chủ nói rõ lý do." in err
    assert not state.exists()


def test_an_unreachable_server_fails_clearly_and_writes_nothing(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "state"
    assert main(["pair", "--server", "http://127.0.0.1:9", "--code", "K7QM-2XPA", "--state", str(state)]) == 1
    assert "Không kết nối được máy chủ http://127.0.0.1:9" in capsys.readouterr().err
    assert not state.exists()
