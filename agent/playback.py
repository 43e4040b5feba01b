"""One sound on air: a `Playback` can be polled for its end and stopped at once (for an emergency).

Players (agent/player.py) return one of these: a subprocess (mpv, ffplay, aplay), a timer (no sound:
`--player none`), a stream check (agent/streams.py), or an immediate failure.
"""

import os
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from typing import Protocol

STOP_GRACE_S = 1.0
STDERR_TAIL = 400


@dataclass(frozen=True)
class Outcome:
    ok: bool
    error: str | None = None


class Playback(Protocol):
    def poll(self) -> Outcome | None:
        """None while it plays; the outcome once it ended on its own."""

    def stop(self) -> None:
        """Stop now (idempotent)."""


class TimedPlayback:
    """No sound, real time: ends after the item's duration."""

    def __init__(self, duration_ms: int) -> None:
        self._ends = time.monotonic() + duration_ms / 1000

    def poll(self) -> Outcome | None:
        return Outcome(True) if time.monotonic() >= self._ends else None

    def stop(self) -> None:
        self._ends = time.monotonic()


class FailedPlayback:
    def __init__(self, error: str) -> None:
        self._outcome = Outcome(False, error)

    def poll(self) -> Outcome | None:
        return self._outcome

    def stop(self) -> None:
        return None


class ProcessPlayback:
    """A player program in its own process group, so stopping it stops its children too."""

    def __init__(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        self.argv = argv
        self._stderr = tempfile.TemporaryFile()
        self._outcome: Outcome | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        try:
            self._proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                          stderr=self._stderr, start_new_session=True, env=env)
        except OSError as exc:
            self._outcome = Outcome(False, f"không chạy được {argv[0]}: {exc}")
            self._stderr.close()

    def _tail(self) -> str:
        self._stderr.seek(0)
        text = self._stderr.read().decode("utf-8", "replace").strip()
        self._stderr.close()
        return text[-STDERR_TAIL:]

    def poll(self) -> Outcome | None:
        if self._outcome is not None or self._proc is None:
            return self._outcome
        code = self._proc.poll()
        if code is None:
            return None
        tail = self._tail()
        if code == 0:
            self._outcome = Outcome(True)
        else:
            self._outcome = Outcome(False, f"{os.path.basename(self.argv[0])} thoát với mã {code}"
                                           + (f": {tail}" if tail else ""))
        return self._outcome

    def stop(self) -> None:
        proc = self._proc
        if proc is None or proc.poll() is not None:
            self.poll()
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(timeout=STOP_GRACE_S)
                break
            except subprocess.TimeoutExpired:
                continue
        if self._outcome is None:
            self._outcome = Outcome(True)
            if not self._stderr.closed:
                self._stderr.close()
