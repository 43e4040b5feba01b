"""The speech-engine interface, its errors, and the process runner engines share.

An engine turns text into a WAV file. Engines that are not installed or not configured
say so through available() (never raising); synthesize() raises EngineUnavailable or
EngineFailed with a Vietnamese message the operator can act on.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, Protocol, runtime_checkable

from media.ffmpeg import ProcessResult, ProcessTimedOut, run_process
from media.join import Piece, join_wavs

STDERR_TAIL_CHARS = 600


@dataclass(frozen=True)
class Availability:
    ok: bool
    reason: str


@dataclass(frozen=True)
class EngineStatus:
    name: str
    available: bool
    reason: str


class Phrase(NamedTuple):
    """One sentence to speak and the silence that follows it."""

    text: str
    pause_ms: int


class EngineUnavailable(RuntimeError):
    """The engine is not installed or not configured."""

    def __init__(self, engine: str, reason: str) -> None:
        self.engine = engine
        self.reason = reason
        super().__init__(f"Bộ đọc {engine} không dùng được: {reason}")


class EngineFailed(RuntimeError):
    """The engine ran and failed (error, timeout, no audio)."""

    def __init__(self, engine: str, reason: str) -> None:
        self.engine = engine
        self.reason = reason
        super().__init__(f"Bộ đọc {engine} bị lỗi: {reason}")


@runtime_checkable
class Engine(Protocol):
    name: str

    def available(self) -> Availability: ...

    def voice_id(self, voice: str | None) -> str:
        """What identifies the voice actually used (for the render cache key)."""
        ...

    def synthesize(self, text: str, out_wav: Path, *, voice: str | None, rate_wpm: int, timeout_s: float) -> None: ...

    def synthesize_phrases(
        self, phrases: Sequence[Phrase], out_wav: Path, *, voice: str | None, rate_wpm: int, timeout_s: float
    ) -> None:
        """Speak several sentences into one WAV, each followed by its pause except the last."""
        ...


class BaseEngine:
    """Shared behaviour: synthesize_phrases by speaking each sentence and joining the pieces.

    Engines that can speak many sentences in one process (espeak-ng with SSML breaks)
    override it: starting a process per sentence is most of the cost on long texts.
    """

    name = "base"

    def voice_id(self, voice: str | None) -> str:
        return voice or ""

    def synthesize(self, text: str, out_wav: Path, *, voice: str | None, rate_wpm: int, timeout_s: float) -> None:
        raise NotImplementedError

    def synthesize_phrases(
        self, phrases: Sequence[Phrase], out_wav: Path, *, voice: str | None, rate_wpm: int, timeout_s: float
    ) -> None:
        if len(phrases) == 1:
            self.synthesize(phrases[0].text, out_wav, voice=voice, rate_wpm=rate_wpm, timeout_s=timeout_s)
            return
        parts = [out_wav.with_name(f"{out_wav.stem}.{i:04d}.wav") for i in range(len(phrases))]
        try:
            for phrase, part in zip(phrases, parts, strict=True):
                self.synthesize(phrase.text, part, voice=voice, rate_wpm=rate_wpm, timeout_s=timeout_s)
            last = len(phrases) - 1
            pieces = [
                Piece(part, 0 if i == last else p.pause_ms)
                for i, (p, part) in enumerate(zip(phrases, parts, strict=True))
            ]
            join_wavs(pieces, out_wav)
        finally:
            for part in parts:
                part.unlink(missing_ok=True)


def require_text(engine: str, text: str) -> str:
    text = text.strip()
    if not text:
        raise EngineFailed(engine, "không có chữ nào để đọc")
    return text


def run_engine(
    engine: str,
    cmd: Sequence[str],
    *,
    timeout_s: float,
    input_bytes: bytes | None = None,
    env: dict[str, str] | None = None,
) -> ProcessResult:
    """Run an engine program; map every way it can fail to EngineUnavailable / EngineFailed."""
    try:
        result = run_process(cmd, timeout_s=timeout_s, input_bytes=input_bytes, env=env)
    except FileNotFoundError as exc:
        raise EngineUnavailable(engine, f"không tìm thấy chương trình {cmd[0]}") from exc
    except ProcessTimedOut as exc:
        raise EngineFailed(engine, str(exc)) from exc
    if result.returncode != 0:
        tail = result.stderr_text.strip()[-STDERR_TAIL_CHARS:]
        raise EngineFailed(engine, f"mã lỗi {result.returncode}: {tail or 'không có thông báo'}")
    return result


def check_output(engine: str, out_wav: Path) -> None:
    """An engine that exits 0 without writing audio has still failed."""
    if not out_wav.exists() or out_wav.stat().st_size <= 44:
        out_wav.unlink(missing_ok=True)
        raise EngineFailed(engine, "không tạo ra âm thanh")
