"""The agent's command line: `loaxa agent ...` hands over to it, install-service writes a systemd unit,
status speaks Vietnamese even before the first run."""

import subprocess
import sys
from pathlib import Path

import pytest

from agent.cli import main
from agent.state import Device, save_device
from tests.agent.harness import ROOT, VENV


def test_loaxa_agent_is_the_agents_own_command_line() -> None:
    done = subprocess.run([str(VENV / "loaxa"), "agent", "run", "--help"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert "usage: loaxa agent run" in done.stdout and "--clock" in done.stdout and "--player" in done.stdout
    done = subprocess.run([str(VENV / "loaxa"), "agent", "status", "--state", "/nonexistent/state"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "Chưa ghép thiết bị" in done.stderr


def test_install_service_writes_a_unit_that_restarts_and_waits_for_the_network(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    unit = tmp_path / "loaxa-agent.service"
    assert main(["install-service", "--state", str(tmp_path / "state"), "--user", "loa", "--output", str(unit),
                 "--player", "mpv"]) == 0
    text = unit.read_text()
    for line in ("Restart=always", "After=network-online.target sound.target", "Wants=network-online.target",
                 "User=loa", "WantedBy=multi-user.target"):
        assert line in text.splitlines(), line
    [exec_start] = [x for x in text.splitlines() if x.startswith("ExecStart=")]
    assert exec_start == (f"ExecStart={sys.executable} -m agent run --state {tmp_path / 'state'} --player mpv")
    out = capsys.readouterr().out
    assert "systemctl daemon-reload" in out and "systemctl enable --now loaxa-agent.service" in out


def test_status_before_the_first_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    save_device(tmp_path, Device(server="http://127.0.0.1:9", cluster_id=4, token="t", cluster_name="Cụm bản Mường"))
    assert main(["status", "--state", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "cụm loa Cụm bản Mường (mã 4)" in out and "chưa chạy lần nào" in out


def test_a_bad_clock_is_refused_in_vietnamese(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["run", "--state", "/tmp/x", "--clock", "2026-12-03T06:59:55"])
    assert "thiếu múi giờ" in capsys.readouterr().err


def test_run_from_the_module_entry_point(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "agent", "--version"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("loaxa-agent ")
