"""Encode audio for delivery: MP3 (default), OGG Vorbis or WAV, mono speech settings."""

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from media.ffmpeg import DEFAULT_TIMEOUT_S, Source, input_args, output_arg, run_ffmpeg
from media.store import atomic_output

Format = Literal["mp3", "ogg", "wav"]
FORMATS: tuple[Format, ...] = ("mp3", "ogg", "wav")
SAMPLE_RATES = (22050, 24000, 44100, 48000)


@dataclass(frozen=True)
class EncodeSpec:
    """How to write the delivered file.

    Speech is mono; 22.05 kHz carries everything a horn loudspeaker reproduces and halves
    the MP3 encoder's work compared with 44.1 kHz. CBR keeps duration exact on old players.
    """

    format: Format = "mp3"
    sample_rate: int = 22050
    bitrate_kbps: int = 64
    channels: int = 1

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"Định dạng không hỗ trợ: {self.format!r}; chọn một trong {', '.join(FORMATS)}")
        if self.sample_rate not in SAMPLE_RATES:
            raise ValueError(f"Tần số lấy mẫu không hỗ trợ: {self.sample_rate}")
        if not 32 <= self.bitrate_kbps <= 192:
            raise ValueError(f"Tốc độ bit ngoài khoảng 32-192 kbps: {self.bitrate_kbps}")
        if self.channels not in (1, 2):
            raise ValueError(f"Số kênh phải là 1 hoặc 2: {self.channels}")

    @property
    def ext(self) -> str:
        return self.format

    def output_args(self) -> list[str]:
        """ffmpeg output options (everything between the filters and the output file)."""
        common = ["-ac", str(self.channels), "-ar", str(self.sample_rate), "-map_metadata", "-1"]
        # bitexact keeps ffmpeg's version string out of the file, so equal audio hashes equal.
        bitexact = ["-fflags", "+bitexact", "-flags:a", "+bitexact"]
        if self.format == "mp3":
            codec = ["-c:a", "libmp3lame", "-b:a", f"{self.bitrate_kbps}k", "-f", "mp3"]
        elif self.format == "ogg":
            codec = ["-c:a", "libvorbis", "-b:a", f"{self.bitrate_kbps}k", "-f", "ogg"]
        else:
            codec = ["-c:a", "pcm_s16le", "-f", "wav"]
        return [*common, *bitexact, *codec]


WAV_PCM = EncodeSpec(format="wav")


def encode(
    source: Source, out_path: Path, spec: EncodeSpec = EncodeSpec(), *, timeout_s: float = DEFAULT_TIMEOUT_S
) -> None:
    """Encode `source` (a file or a concat list) to `out_path`, atomically."""
    with atomic_output(out_path) as tmp:
        run_ffmpeg([*input_args(source), "-vn", *spec.output_args(), "-y", output_arg(tmp)], timeout_s=timeout_s)
