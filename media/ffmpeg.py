"""The one checked way to run ffmpeg, ffprobe and other helper programs.

Every external program runs in its own process group with a timeout; on timeout
(or when the caller is interrupted) the whole group is killed, so no orphaned
encoder keeps writing after we gave up. ffmpeg failures raise MediaError with the
tail of ffmpeg's stderr, which is where ffmpeg explains itself.
"""

import os
import signal
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

FFMPEG_ENV = "LOAXA_FFMPEG"
FFPROBE_ENV = "LOAXA_FFPROBE"
DEFAULT_TIMEOUT_S = 600.0
PROBE_TIMEOUT_S = 60.0
STDERR_TAIL_CHARS = 1500


class MediaError(RuntimeError):
    """An audio tool failed; the message ends with what the tool said."""

    def __init__(self, message: str, *, stderr: str = "") -> None:
        self.stderr_tail = stderr[-STDERR_TAIL_CHARS:].strip()
        super().__init__(f"{message}: {self.stderr_tail}" if self.stderr_tail else message)


class ProcessTimedOut(RuntimeError):
    """A helper program ran past its timeout and its process group was killed."""

    def __init__(self, program: str, timeout_s: float) -> None:
        self.program = program
        self.timeout_s = timeout_s
        super().__init__(f"{program} chạy quá {timeout_s:g} giây và đã bị dừng")


@dataclass(frozen=True)
class ProcessResult:
    returncode: int
    stdout: bytes
    stderr: bytes

    @property
    def stderr_text(self) -> str:
        return self.stderr.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class ConcatList:
    """A concat-demuxer list file: several files that ffmpeg reads as one input."""

    path: Path


Source = Path | ConcatList


def run_process(
    cmd: Sequence[str],
    *,
    timeout_s: float,
    input_bytes: bytes | None = None,
    env: dict[str, str] | None = None,
) -> ProcessResult:
    """Run a program to completion; kill its whole process group on timeout or interruption.

    Raises FileNotFoundError when the program does not exist and ProcessTimedOut on timeout.
    """
    proc = subprocess.Popen(
        list(cmd),
        stdin=subprocess.PIPE if input_bytes is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # own process group, so children die with it
        env=env,
    )
    try:
        stdout, stderr = proc.communicate(input_bytes, timeout=timeout_s)
    except subprocess.TimeoutExpired as exc:
        _kill_group(proc)
        raise ProcessTimedOut(Path(cmd[0]).name, timeout_s) from exc
    except BaseException:
        # KeyboardInterrupt, a cancelled worker...: leave nothing running behind us.
        _kill_group(proc)
        raise
    return ProcessResult(proc.returncode, stdout, stderr)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # the group already exited between the timeout and the kill
    proc.communicate()  # reap it and close the pipes


def ffmpeg_bin() -> str:
    return os.environ.get(FFMPEG_ENV) or "ffmpeg"


def ffprobe_bin() -> str:
    return os.environ.get(FFPROBE_ENV) or "ffprobe"


def input_args(source: Source) -> list[str]:
    """ffmpeg arguments that open `source` as an input."""
    if isinstance(source, ConcatList):
        return ["-f", "concat", "-safe", "0", "-i", _file_url(source.path)]
    return ["-i", _file_url(source)]


def _file_url(path: Path) -> str:
    # "file:" stops ffmpeg from reading a name like "a:b.wav" as a protocol.
    return "file:" + str(path)


def output_arg(path: Path) -> str:
    return _file_url(path)


def run_ffmpeg(args: Sequence[str], *, timeout_s: float = DEFAULT_TIMEOUT_S) -> str:
    """Run ffmpeg with `args`; return its stderr text (where filters print their reports)."""
    cmd = [ffmpeg_bin(), "-hide_banner", "-nostdin", "-nostats", "-loglevel", "info", *args]
    return _run_checked(cmd, timeout_s=timeout_s, env_name=FFMPEG_ENV).stderr_text


def run_ffprobe(args: Sequence[str], *, timeout_s: float = PROBE_TIMEOUT_S) -> str:
    """Run ffprobe with `args`; return its stdout text."""
    cmd = [ffprobe_bin(), "-hide_banner", "-loglevel", "error", *args]
    result = _run_checked(cmd, timeout_s=timeout_s, env_name=FFPROBE_ENV)
    return result.stdout.decode("utf-8", errors="replace")


def _run_checked(cmd: list[str], *, timeout_s: float, env_name: str) -> ProcessResult:
    program = Path(cmd[0]).name
    try:
        result = run_process(cmd, timeout_s=timeout_s)
    except FileNotFoundError as exc:
        raise MediaError(f"Không tìm thấy chương trình {cmd[0]} (đặt đường dẫn qua {env_name})") from exc
    except ProcessTimedOut as exc:
        raise MediaError(str(exc)) from exc
    if result.returncode != 0:
        raise MediaError(f"{program} thất bại (mã {result.returncode})", stderr=result.stderr_text)
    return result
