"""The programs that make the sound: mpv, ffplay, aplay, or none (real time, no sound).

`auto` picks the first one installed. Every playback is a subprocess that can be stopped at once.
ffplay follows `SDL_AUDIODRIVER` (tests use `dummy`); `player_args` adds options (e.g. `--ao=null`
for mpv). aplay plays WAV only: other files are converted with ffmpeg when it is installed, else
they fail with a clear message; it cannot play a relay stream.
"""

import logging
import shlex
import shutil
import subprocess
from pathlib import Path

from agent.playback import FailedPlayback, Playback, ProcessPlayback, TimedPlayback
from agent.streams import Opener, StreamCheck

log = logging.getLogger("agent.player")

CHOICES = ("auto", "mpv", "ffplay", "aplay", "none")
AUTO_ORDER = ("mpv", "ffplay", "aplay")
PACKAGES = {"mpv": "mpv", "ffplay": "ffmpeg", "aplay": "alsa-utils"}


class PlayerError(Exception):
    pass


class Player:
    name = "none"

    def __init__(self, extra_args: str = "") -> None:
        self.extra = shlex.split(extra_args)

    def play_file(self, path: Path, duration_ms: int, volume: int) -> Playback:
        raise NotImplementedError

    def play_stream(self, url: str, duration_ms: int, volume: int) -> Playback:
        raise NotImplementedError


class NonePlayer(Player):
    """Keeps real time without sound; relay streams are still read and checked (agent/streams.py)."""

    name = "none"

    def __init__(self, opener: Opener, max_kbps: float, extra_args: str = "") -> None:
        super().__init__(extra_args)
        self._opener = opener
        self._rate = max_kbps * 1000 / 8

    def play_file(self, path: Path, duration_ms: int, volume: int) -> Playback:
        if not path.exists():
            return FailedPlayback(f"không có tệp {path.name}")
        return TimedPlayback(duration_ms)

    def play_stream(self, url: str, duration_ms: int, volume: int) -> Playback:
        return StreamCheck(url, self._opener, self._rate)


class ProgramPlayer(Player):
    """A player program that takes a file or a URL as its last argument."""

    def _argv(self, target: str, volume: int) -> list[str]:
        raise NotImplementedError

    def play_file(self, path: Path, duration_ms: int, volume: int) -> Playback:
        return ProcessPlayback(self._argv(str(path), volume))

    def play_stream(self, url: str, duration_ms: int, volume: int) -> Playback:
        return ProcessPlayback(self._argv(url, volume))


class MpvPlayer(ProgramPlayer):
    name = "mpv"

    def _argv(self, target: str, volume: int) -> list[str]:
        return ["mpv", "--no-video", "--no-terminal", "--really-quiet", f"--volume={volume}", *self.extra, target]


class FfplayPlayer(ProgramPlayer):
    name = "ffplay"

    def _argv(self, target: str, volume: int) -> list[str]:
        return ["ffplay", "-nodisp", "-autoexit", "-loglevel", "error", "-volume", str(volume), *self.extra, target]


class AplayPlayer(Player):
    name = "aplay"

    def __init__(self, wav_dir: Path, extra_args: str = "") -> None:
        super().__init__(extra_args)
        self.wav_dir = wav_dir

    def _wav(self, path: Path) -> Path:
        if path.suffix.lower() == ".wav":
            return path
        target = self.wav_dir / (path.stem + ".wav")
        if target.exists():
            return target
        if shutil.which("ffmpeg") is None:
            raise PlayerError(f"aplay chỉ phát được tệp WAV; {path.name} cần ffmpeg để chuyển đổi "
                              "(apt-get install ffmpeg) hoặc dùng --player mpv")
        self.wav_dir.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp.wav")
        done = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(path), "-ac", "2",
                               "-ar", "44100", "-f", "wav", str(tmp)], capture_output=True, timeout=120)
        if done.returncode != 0:
            tmp.unlink(missing_ok=True)
            raise PlayerError(f"không chuyển được {path.name} sang WAV cho aplay: "
                              f"{done.stderr.decode('utf-8', 'replace')[-300:]}")
        tmp.replace(target)
        return target

    def play_file(self, path: Path, duration_ms: int, volume: int) -> Playback:
        try:
            wav = self._wav(path)
        except (PlayerError, subprocess.TimeoutExpired, OSError) as exc:
            return FailedPlayback(str(exc))
        return ProcessPlayback(["aplay", "-q", *self.extra, str(wav)])

    def play_stream(self, url: str, duration_ms: int, volume: int) -> Playback:
        return FailedPlayback("aplay không phát được luồng tiếp sóng: hãy dùng --player mpv hoặc ffplay")


def available() -> list[str]:
    return [name for name in AUTO_ORDER if shutil.which(name)]


def make_player(choice: str, *, opener: Opener, tmp_dir: Path, extra_args: str = "",
                relay_max_kbps: float = 512.0) -> Player:
    if choice not in CHOICES:
        raise PlayerError(f"Trình phát {choice!r} không hỗ trợ; chọn một trong: {', '.join(CHOICES)}")
    if choice == "auto":
        found = available()
        if not found:
            raise PlayerError("Không tìm thấy trình phát nào (mpv, ffplay, aplay). Cài mpv: "
                              "`sudo apt-get install mpv`, hoặc chạy thử không phát âm thanh với --player none")
        choice = found[0]
        log.info("Tự chọn trình phát: %s", choice)
    elif choice != "none" and shutil.which(choice) is None:
        raise PlayerError(f"Không tìm thấy chương trình {choice}: cài gói {PACKAGES[choice]} "
                          "hoặc chọn --player auto")
    if choice == "mpv":
        return MpvPlayer(extra_args)
    if choice == "ffplay":
        return FfplayPlayer(extra_args)
    if choice == "aplay":
        return AplayPlayer(tmp_dir / "wav", extra_args)
    return NonePlayer(opener, relay_max_kbps, extra_args)
