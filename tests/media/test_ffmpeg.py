"""The checked runner: timeouts kill the whole process group, failures carry ffmpeg's words."""

import os
import time
from pathlib import Path

import pytest

from media.ffmpeg import FFMPEG_ENV, MediaError, ProcessTimedOut, run_ffmpeg, run_ffprobe, run_process


def _alive(pid: int) -> bool:
    """Running, and not a zombie waiting for its reaper."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_timeout_kills_the_program_and_its_children(tmp_path):
    pids = tmp_path / "pids"
    script = f"echo $$ > {pids}; sleep 30 & echo $! >> {pids}; wait"
    started = time.monotonic()
    with pytest.raises(ProcessTimedOut, match="quá 0.5 giây"):
        run_process(["sh", "-c", script], timeout_s=0.5)
    assert time.monotonic() - started < 5
    shell, child = (int(line) for line in pids.read_text().split())
    deadline = time.monotonic() + 5
    while (_alive(shell) or _alive(child)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(shell) and not _alive(child)


def test_ffmpeg_failure_raises_with_stderr_tail(tmp_path):
    missing = tmp_path / "missing.wav"
    with pytest.raises(MediaError) as caught:
        run_ffmpeg(["-i", f"file:{missing}", "-f", "null", "-"])
    assert "missing.wav" in caught.value.stderr_tail
    assert "No such file" in str(caught.value)


def test_binary_path_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(FFMPEG_ENV, str(tmp_path / "no-ffmpeg-here"))
    with pytest.raises(MediaError, match=FFMPEG_ENV):
        run_ffmpeg(["-version"])


def test_environment_override_is_really_used(monkeypatch, tmp_path):
    fake = tmp_path / "fake-ffmpeg"
    fake.write_text("#!/bin/sh\necho 'fake ffmpeg ran' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setenv(FFMPEG_ENV, str(fake))
    with pytest.raises(MediaError, match="fake ffmpeg ran") as caught:
        run_ffmpeg(["-version"])
    assert "mã 3" in str(caught.value)


def test_ffprobe_timeout_becomes_media_error(monkeypatch, tmp_path):
    slow = tmp_path / "slow-ffprobe"
    slow.write_text("#!/bin/sh\nsleep 30\n")
    slow.chmod(0o755)
    monkeypatch.setenv("LOAXA_FFPROBE", str(slow))
    with pytest.raises(MediaError, match="quá 0.3 giây"):
        run_ffprobe(["-version"], timeout_s=0.3)


def test_process_runs_in_its_own_group():
    result = run_process(["sh", "-c", "ps -o pgid= -p $$"], timeout_s=10)
    assert int(result.stdout) != os.getpgrp()
