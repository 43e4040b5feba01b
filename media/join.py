"""Join audio without holding it in memory: WAV pieces with silences, and programme files.

ffmpeg streams the pieces (the concat demuxer for same-format WAVs, the concat filter for
programme files of any format), so an hour of audio costs ffmpeg a few MB, not the
~1.5 GB of PCM a Python-side join would hold.
"""

import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from media.encode import EncodeSpec
from media.ffmpeg import DEFAULT_TIMEOUT_S, ConcatList, MediaError, input_args, output_arg, run_ffmpeg
from media.store import atomic_output, atomic_write_text

MAX_PAUSE_MS = 60_000


@dataclass(frozen=True)
class Piece:
    """A WAV file (or the part of it from `start_ms` to `end_ms`) followed by `pause_after_ms` of silence."""

    path: Path
    pause_after_ms: int = 0
    start_ms: int | None = None
    end_ms: int | None = None


@dataclass(frozen=True)
class WavFormat:
    channels: int
    sample_width: int
    sample_rate: int


def wav_format(path: Path) -> WavFormat:
    try:
        with wave.open(str(path), "rb") as w:
            return WavFormat(w.getnchannels(), w.getsampwidth(), w.getframerate())
    except (wave.Error, EOFError) as exc:
        raise MediaError(f"Không đọc được tệp WAV {path.name}: {exc}") from exc


def wav_duration_ms(path: Path) -> int:
    try:
        with wave.open(str(path), "rb") as w:
            return round(w.getnframes() * 1000 / w.getframerate())
    except (wave.Error, EOFError) as exc:
        raise MediaError(f"Không đọc được tệp WAV {path.name}: {exc}") from exc


def write_silence(path: Path, fmt: WavFormat, ms: int) -> None:
    """`ms` of digital silence as a WAV in `fmt`."""
    frames = fmt.sample_rate * ms // 1000
    with wave.open(str(path), "wb") as w:
        w.setnchannels(fmt.channels)
        w.setsampwidth(fmt.sample_width)
        w.setframerate(fmt.sample_rate)
        w.writeframes(bytes(frames * fmt.channels * fmt.sample_width))


def _quote(path: Path) -> str:
    # concat-script quoting: inside '...', a quote is written '\''
    return "'" + str(path.resolve()).replace("'", "'\\''") + "'"


def write_concat_list(pieces: Sequence[Piece], list_path: Path) -> ConcatList:
    """Write a concat-demuxer list for `pieces`, with silence files beside the list.

    All pieces must share one WAV format (the demuxer does not convert); silences are
    written in that format, one file per distinct length.
    """
    if not pieces:
        raise MediaError("Không có đoạn âm thanh nào để ghép")
    fmt = wav_format(pieces[0].path)
    lines: list[str] = []
    silences: dict[int, Path] = {}
    for piece in pieces:
        other = wav_format(piece.path)
        if other != fmt:
            raise MediaError(f"Các đoạn WAV khác định dạng: {pieces[0].path.name} {fmt}, {piece.path.name} {other}")
        lines.append(f"file {_quote(piece.path)}")
        if piece.start_ms is not None:
            lines.append(f"inpoint {piece.start_ms / 1000:.3f}")
        if piece.end_ms is not None:
            lines.append(f"outpoint {piece.end_ms / 1000:.3f}")
        if not 0 <= piece.pause_after_ms <= MAX_PAUSE_MS:
            raise MediaError(f"Khoảng lặng ngoài khoảng 0-{MAX_PAUSE_MS} ms: {piece.pause_after_ms}")
        if piece.pause_after_ms:
            silence = silences.get(piece.pause_after_ms)
            if silence is None:
                silence = list_path.with_name(f"{list_path.stem}.silence-{piece.pause_after_ms}ms.wav")
                write_silence(silence, fmt, piece.pause_after_ms)
                silences[piece.pause_after_ms] = silence
            lines.append(f"file {_quote(silence)}")
    atomic_write_text(list_path, "ffconcat version 1.0\n" + "\n".join(lines) + "\n")
    return ConcatList(list_path)


def join_wavs(
    pieces: Sequence[Piece],
    out_path: Path,
    *,
    spec: EncodeSpec | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> None:
    """Join WAV pieces with their silences into `out_path`: a WAV in the pieces' own format
    (samples copied, not re-encoded) unless `spec` asks for an encoding."""
    listing = write_concat_list(pieces, out_path.with_name(f".{out_path.name}.concat.txt"))
    output = (
        spec.output_args() if spec else ["-c:a", "copy", "-map_metadata", "-1", "-fflags", "+bitexact", "-f", "wav"]
    )
    try:
        with atomic_output(out_path) as tmp:
            run_ffmpeg([*input_args(listing), "-vn", *output, "-y", output_arg(tmp)], timeout_s=timeout_s)
    finally:
        _remove_listing(listing)


def _remove_listing(listing: ConcatList) -> None:
    for extra in listing.path.parent.glob(f"{listing.path.stem}.silence-*ms.wav"):
        extra.unlink()
    listing.path.unlink(missing_ok=True)


def concat_programme(
    paths: Sequence[Path],
    out_path: Path,
    *,
    spec: EncodeSpec = EncodeSpec(),
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> None:
    """Join programme items (MP3 or any audio) into one continuous file, re-encoded.

    Each item is decoded (ffmpeg's decoder drops the encoder delay/padding recorded in the
    LAME header) and resampled to one format before the concat filter, so the joins have
    none of the ~29 ms gaps a stream copy of MP3s leaves.
    """
    if not paths:
        raise MediaError("Chương trình không có tệp nào")
    inputs: list[str] = []
    chains: list[str] = []
    for i, path in enumerate(paths):
        inputs += input_args(path)
        layout = "mono" if spec.channels == 1 else "stereo"
        chains.append(f"[{i}:a:0]aresample={spec.sample_rate},aformat=sample_fmts=fltp:channel_layouts={layout}[a{i}]")
    labels = "".join(f"[a{i}]" for i in range(len(paths)))
    graph = ";".join([*chains, f"{labels}concat=n={len(paths)}:v=0:a=1[out]"])
    with atomic_output(out_path) as tmp:
        run_ffmpeg(
            [*inputs, "-filter_complex", graph, "-map", "[out]", *spec.output_args(), "-y", output_arg(tmp)],
            timeout_s=timeout_s,
        )
