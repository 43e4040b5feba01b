"""Loudness: measure (EBU R128) and normalize speech to a target with a true-peak ceiling.

normalize() applies one linear gain followed by a peak limiter, in two ffmpeg passes for most
speech (three when the usual gain is off), with cheaper filters than `loudnorm` (which resamples
everything to 192 kHz and cost three times the whole espeak-ng + MP3 encode here; its linear mode
is also refused whenever gain would lift speech peaks over the ceiling, which is always for espeak-ng):

1. one pass measures the input's integrated loudness I0 (ebur128) and mean power, and
   runs the gain + limiter chain at the gain speech usually needs, measuring the mean
   power it adds and (standard profile) encoding its output as it goes. A limiter (and the
   horn compressor) shaves peaks, and the loudness it takes tracks the mean power it takes
   to within ~0.1 LU on speech, so that predicts the output loudness. When the prediction
   is within ENCODED_TOLERANCE_LU of the target (26 of the 33 held-out bulletins), the file
   is kept; otherwise the gain is corrected along the measured rate at which loudness
   follows gain through the limiter (further probes only when far off);
2. (only then) one pass encodes through the corrected chain;
3. one pass reads the delivered file's mean power and 4x oversampled true peak; its
   loudness is I0 plus the mean power the chain and encoder added (within 0.2 LU of
   ffmpeg's EBU R128 meter on the seed directives; tests hold it to that). If it missed
   (±0.5 LU, or true peak over: lossy codecs overshoot chaotically), it re-encodes once.
   Lossy encoders change the level (LAME lowers MP3s by ~0.45 dB): that offset is
   calibrated once per encoder setting on a test tone.

measure() is the reference: ffmpeg's ebur128 with its 192 kHz true-peak meter.
"""

import functools
import logging
import math
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from media.encode import WAV_PCM, EncodeSpec
from media.ffmpeg import DEFAULT_TIMEOUT_S, MediaError, Source, input_args, output_arg, run_ffmpeg
from media.store import atomic_output

log = logging.getLogger(__name__)

Profile = Literal["standard", "horn"]
PROFILES: tuple[Profile, ...] = ("standard", "horn")

# How far below the true-peak target the (sample-peak) limiter sets its ceiling: inter-sample
# peaks for WAV; lossy codecs add ringing on top, up to ~1.7 dB on limited espeak-ng speech in
# MP3 at 64 kbps, varying chaotically with the input, so those get a wider margin.
LIMITER_MARGIN_DB = {"wav": 0.7, "mp3": 1.5, "ogg": 1.5}
PROBE_TOLERANCE_LU = 0.15
# The file pass 1 wrote at the usual gain is kept when its predicted loudness is this close to the
# target: inaudible, inside the ±0.5 LU the delivered check holds, and a second encode costs more
# than the speech synthesis itself (bench/bench_render.py --bulletins: 2.12x -> 1.99x the baseline's CPU).
ENCODED_TOLERANCE_LU = 0.3
MAX_PROBES = 4
MAX_TRIM_DB = 24.0
# The first gain probe goes where speech usually lands (total gain; espeak-ng reads at about
# -19 LUFS), and loudness follows extra gain through the limiter at this rate (LU per dB,
# measured on the seed directives: the limiter gives back the rest). Within MODEL_RANGE_DB of
# the probe the rate is trusted; further off, more probes.
PRIOR_GAIN_DB = {"standard": 6.5, "horn": 9.5}
OUTPUT_SLOPE = {"standard": 0.35, "horn": 0.55}
MODEL_RANGE_DB = 2.5
RETRY_TOLERANCE_LU = 0.5
MAX_DELIVERIES = 3
ACCEPT_TOLERANCE_LU = 1.0
SILENCE_LUFS = -69.0
TRUE_PEAK_OVERSAMPLE = 4

# horn loudspeakers reproduce little below ~200 Hz; energy there only costs headroom.
HORN_HIGHPASS = "highpass=f=200:poles=2"
# gentle: 2:1 above -12 dBFS, soft knee, on a signal already brought to about the target loudness.
HORN_COMPRESSOR = "acompressor=threshold=-12dB:ratio=2:attack=10:release=200:knee=6"

# ebur128 prints a summary when each instance closes; a graph that ffmpeg reconfigures
# prints an empty one first, so the last summary is the one that counts.
EBUR128_SUMMARY_RE = re.compile(r"^\[Parsed_ebur128_\d+ @ 0x[0-9a-f]+\] Summary:$", re.M)
INTEGRATED_RE = re.compile(r"^\s+I:\s+(?P<value>-?\d+\.\d) LUFS$", re.M)
LRA_RE = re.compile(r"^\s+LRA:\s+(?P<value>-?\d+\.\d) LU$", re.M)
TRUE_PEAK_RE = re.compile(r"^\s+True peak:\n\s+Peak:\s+(?P<value>-?\d+\.\d|-inf) dBFS$", re.M)
SAMPLE_PEAK_RE = re.compile(r"^\s+Sample peak:\n\s+Peak:\s+(?P<value>-?\d+\.\d|-inf) dBFS$", re.M)
# volumedetect instances named in the graph ("volumedetect@raw"): mean power, to 0.1 dB
NAMED_MEAN_RE = re.compile(
    r"^\[volumedetect@(?P<name>\w+) @ 0x[0-9a-f]+\] mean_volume: (?P<value>-?\d+(?:\.\d+)?|-inf) dB$", re.M
)
NAMED_MAX_RE = re.compile(
    r"^\[volumedetect@(?P<name>\w+) @ 0x[0-9a-f]+\] max_volume: (?P<value>-?\d+(?:\.\d+)?|-inf) dB$", re.M
)


@dataclass(frozen=True)
class Loudness:
    """EBU R128 figures. From measure(): ffmpeg's meter. From normalize(): integrated is the
    input's measured loudness plus the mean power the chain added (within 0.2 LU of the meter),
    true peak is read at 4x oversampling, and lra is the input's (limiting narrows it ~0.5 LU)."""

    integrated_lufs: float
    true_peak_dbtp: float
    lra: float


@dataclass(frozen=True)
class Ebur128Summary:
    integrated_lufs: float
    lra: float
    true_peak_dbfs: float | None
    sample_peak_dbfs: float | None


class LoudnessError(MediaError):
    """Audio that cannot be brought to the loudness target."""


def _number(value: str) -> float:
    return -math.inf if value == "-inf" else float(value)


def _last(regex: re.Pattern[str], text: str, what: str) -> float:
    matches = regex.findall(text)
    if not matches:
        raise MediaError(f"Không đọc được {what} trong kết quả ffmpeg", stderr=text)
    return _number(matches[-1])


def parse_ebur128(stderr: str) -> Ebur128Summary:
    """The last ebur128 summary in ffmpeg's stderr."""
    starts = list(EBUR128_SUMMARY_RE.finditer(stderr))
    if not starts:
        raise MediaError("ffmpeg không in kết quả đo độ lớn (ebur128)", stderr=stderr)
    body = stderr[starts[-1].end() :]
    true_peak = TRUE_PEAK_RE.search(body)
    sample_peak = SAMPLE_PEAK_RE.search(body)
    return Ebur128Summary(
        integrated_lufs=_last(INTEGRATED_RE, body, "độ lớn tích hợp"),
        lra=_last(LRA_RE, body, "dải độ lớn"),
        true_peak_dbfs=_number(true_peak["value"]) if true_peak else None,
        sample_peak_dbfs=_number(sample_peak["value"]) if sample_peak else None,
    )


def named_mean(stderr: str, name: str) -> float:
    """Mean power (dB) printed by the volumedetect instance named `name` (the last, if reconfigured)."""
    found = [_number(m["value"]) for m in NAMED_MEAN_RE.finditer(stderr) if m["name"] == name]
    if not found or math.isinf(found[-1]):
        raise LoudnessError(f"Không đo được công suất trung bình ({name})", stderr=stderr)
    return found[-1]


_NULL_OUT = ["-f", "null", "-"]


def measure(source: Source | Path, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> Loudness:
    """EBU R128 loudness with ffmpeg's own true-peak meter (the reference measurement)."""
    stderr = run_ffmpeg(
        [*input_args(source), "-vn", "-af", "ebur128=peak=true:framelog=verbose", "-f", "null", "-"],
        timeout_s=timeout_s,
    )
    summary = parse_ebur128(stderr)
    assert summary.true_peak_dbfs is not None  # peak=true was asked for
    return Loudness(summary.integrated_lufs, summary.true_peak_dbfs, summary.lra)


def delivered_levels(path: Path, *, sample_rate: int, timeout_s: float = DEFAULT_TIMEOUT_S) -> tuple[float, float]:
    """Mean power (dB) of a finished file and its true peak, read on a 4x oversampled copy.

    One cheap pass (volumedetect, 0.1 dB steps); 4x is the oversampling ITU-R BS.1770 asks
    for (ffmpeg's own true-peak meter resamples to 192 kHz whatever the rate: 4x the cost).
    """
    graph = (
        "asplit[m][p];[m]volumedetect@mean,anullsink;"
        f"[p]aresample={sample_rate * TRUE_PEAK_OVERSAMPLE},volumedetect@peak"
    )
    stderr = run_ffmpeg([*input_args(path), "-vn", "-filter_complex", graph, *_NULL_OUT], timeout_s=timeout_s)
    return parse_delivered_levels(stderr)


def parse_delivered_levels(stderr: str) -> tuple[float, float]:
    """(mean power dB, oversampled peak dB) from delivered_levels' two named volumedetects."""
    peaks = [_number(m["value"]) for m in NAMED_MAX_RE.finditer(stderr) if m["name"] == "peak"]
    if not peaks:
        raise MediaError("ffmpeg không in đỉnh tín hiệu (volumedetect)", stderr=stderr)
    return named_mean(stderr, "mean"), peaks[-1]


def check_targets(target_lufs: float, true_peak_dbtp: float, profile: str) -> None:
    if not -40.0 <= target_lufs <= -5.0:
        raise ValueError(f"Độ lớn mục tiêu ngoài khoảng -40..-5 LUFS: {target_lufs}")
    if not -10.0 <= true_peak_dbtp <= 0.0:
        raise ValueError(f"Đỉnh thực mục tiêu ngoài khoảng -10..0 dBTP: {true_peak_dbtp}")
    if profile not in PROFILES:
        raise ValueError(f"Cấu hình âm thanh không hợp lệ: {profile!r}; chọn một trong {', '.join(PROFILES)}")


def _pre_filters(profile: Profile) -> list[str]:
    """Filters applied before loudness is measured (they shape the sound, not its level)."""
    return [HORN_HIGHPASS] if profile == "horn" else []


def _level_filters(profile: Profile, *, level_db: float, trim_db: float, ceiling_db: float) -> list[str]:
    """Gain to the target, the horn compressor working at that level, trim, then the limiter."""
    limiter = f"alimiter=limit={10 ** (ceiling_db / 20):.6f}:level=false"
    if profile == "horn":
        return [f"volume={level_db:.3f}dB", HORN_COMPRESSOR, f"volume={trim_db:.3f}dB", limiter]
    return [f"volume={level_db + trim_db:.3f}dB", limiter]


@functools.lru_cache(maxsize=16)
def encoder_gain_db(spec: EncodeSpec) -> float:
    """Level change the encoder itself applies (LAME lowers MP3s by ~0.45 dB), from a test tone."""
    if spec.format == "wav":
        return 0.0
    tone = f"sine=frequency=997:sample_rate={spec.sample_rate}:duration=3"
    with tempfile.TemporaryDirectory(prefix="loaxa-calib-") as folder:
        encoded = Path(folder) / f"tone.{spec.ext}"
        meter = "volumedetect@tone"
        before = run_ffmpeg(["-f", "lavfi", "-i", tone, "-af", meter, *spec.output_args(), "-y", output_arg(encoded)])
        after = run_ffmpeg([*input_args(encoded), "-af", meter, *_NULL_OUT])
    return named_mean(after, "tone") - named_mean(before, "tone")


def _run_chain(source: Source, filters: Sequence[str], output: Sequence[str], timeout_s: float) -> str:
    return run_ffmpeg([*input_args(source), "-vn", "-af", ",".join(filters), *output], timeout_s=timeout_s)


def normalize(
    source: Source,
    out_path: Path,
    *,
    target_lufs: float = -16.0,
    true_peak_dbtp: float = -1.5,
    profile: Profile = "standard",
    output: EncodeSpec = WAV_PCM,
    sample: Source | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> Loudness:
    """Write `source` to `out_path` (encoded as `output`) at `target_lufs`, true peak ≤ `true_peak_dbtp`.

    `sample`, if given, is a representative part of `source` (a minute or two of segments
    spread over the same speech) on which any further gain probes run. Returns the loudness
    measured on the written file. Raises LoudnessError when the result cannot be brought
    within ±1 LU of the target (silence, for one).
    """
    check_targets(target_lufs, true_peak_dbtp, profile)
    aim = target_lufs - encoder_gain_db(output)  # loudness before the encoder that comes out on target
    ceiling_db = true_peak_dbtp - LIMITER_MARGIN_DB[output.format]
    pre = _pre_filters(profile)
    slope = OUTPUT_SLOPE[profile]

    def probe(audio: Source, level_db: float, trim_db: float, *, loudness: bool = False,
              encode_to: Path | None = None) -> tuple[float, str]:
        """Mean power the chain adds (dB), optionally with the input's ebur128 in the same pass, and
        optionally writing the chain's output, encoded, to `encode_to` in that pass too."""
        chain = _level_filters(profile, level_db=level_db, trim_db=trim_db, ceiling_db=ceiling_db)
        meter = "ebur128=framelog=verbose," if loudness else ""
        graph = ",".join([*pre, "asplit"]) + f"[r][p];[r]{meter}volumedetect@raw,anullsink;"
        graph += "[p]" + ",".join([*chain, "volumedetect@out"])
        out = _NULL_OUT
        if encode_to is not None:
            graph += ",asplit[m][e];[m]anullsink"
            out = ["-map", "[e]", *output.output_args(), "-y", output_arg(encode_to)]
        stderr = run_ffmpeg([*input_args(audio), "-vn", "-filter_complex", graph, *out], timeout_s=timeout_s)
        return named_mean(stderr, "out") - named_mean(stderr, "raw"), stderr

    prior = PRIOR_GAIN_DB[profile]
    with atomic_output(out_path) as tmp:
        # Pass 1: the input's loudness and, in the same pass, the chain at the gain speech usually
        # needs, encoded as it goes: when that gain was close enough (most speech), the file is
        # written already and only the delivered check follows. The horn compressor works at a
        # level that needs I0 first: it probes after.
        encoded_at: float | None = None  # the trim the file in `tmp` was written at
        if profile == "standard":
            added, stderr = probe(source, prior, 0.0, loudness=True, encode_to=tmp)
        else:
            stderr = _run_chain(source, [*pre, "ebur128=framelog=verbose", "volumedetect@raw"], _NULL_OUT, timeout_s)
        summary = parse_ebur128(stderr)
        i0, raw_mean = summary.integrated_lufs, named_mean(stderr, "raw")
        if i0 <= SILENCE_LUFS:
            raise LoudnessError(f"Âm thanh gần như im lặng ({i0:.1f} LUFS), không thể chuẩn hóa độ lớn")
        level_db = aim - i0
        trim_db = prior - level_db
        if profile == "standard":
            encoded_at = trim_db
        else:
            added, _ = probe(sample or source, level_db, trim_db)

        def error_at(trim: float) -> float:
            return i0 + probe(sample or source, level_db, trim)[0] - aim

        # (trim, error) points seen so far: when the delivered file misses, the slope between the last
        # two tells how this material follows gain (speech through the limiter ~0.35; a steady tone the
        # limiter never touches, 1.0), so the correction does not overshoot on material unlike speech.
        seen = [(trim_db, i0 + added - aim)]
        if encoded_at is None or abs(i0 + added - aim) > ENCODED_TOLERANCE_LU:
            trim_db = _solve_trim(error_at, trim_db, i0 + added - aim, slope)
        for attempt in range(MAX_DELIVERIES):
            chain = _level_filters(profile, level_db=level_db, trim_db=trim_db, ceiling_db=ceiling_db)
            if trim_db != encoded_at:
                _run_chain(source, [*pre, *chain], [*output.output_args(), "-y", output_arg(tmp)], timeout_s)
            encoded_at = None
            mean, peak = delivered_levels(tmp, sample_rate=output.sample_rate, timeout_s=timeout_s)
            result = Loudness(round(i0 + mean - raw_mean, 2), peak, summary.lra)
            miss = target_lufs - result.integrated_lufs
            over = peak - true_peak_dbtp
            if abs(miss) <= RETRY_TOLERANCE_LU and over <= 0:
                break
            if attempt < MAX_DELIVERIES - 1:  # a correction from what the delivered file shows
                log.info("loudness retry: %.2f LU off target, true peak %.2f dB over", miss, max(over, 0.0))
                rate = _measured_slope(seen[-1], (trim_db, -miss)) or slope
                seen.append((trim_db, -miss))
                drop = over + 0.5 if over > 0 else 0.0
                ceiling_db -= drop
                # a lower ceiling limits harder: the trim makes up for the loudness that costs
                trim_db = _clamp(trim_db + (miss + drop * (1 - rate)) / rate)
        if abs(miss) > ACCEPT_TOLERANCE_LU or over > 0.1:
            raise LoudnessError(
                f"Không đạt độ lớn mục tiêu {target_lufs:g} LUFS / {true_peak_dbtp:g} dBTP: "
                f"đo được {result.integrated_lufs:.1f} LUFS, đỉnh {result.true_peak_dbtp:.1f} dBTP"
            )
    return result


def _measured_slope(a: tuple[float, float], b: tuple[float, float]) -> float | None:
    """LU of output per dB of trim between two measured points, when they are far enough apart to tell."""
    (x0, e0), (x1, e1) = a, b
    if abs(x1 - x0) < 0.3:
        return None
    rate = (e1 - e0) / (x1 - x0)
    return rate if 0.05 <= rate <= 1.2 else None


def _clamp(trim_db: float) -> float:
    return min(max(trim_db, -MAX_TRIM_DB), MAX_TRIM_DB)


def _solve_trim(error_at: Callable[[float], float], x0: float, e0: float, slope: float) -> float:
    """The trim where the estimated error is ~0, from one measured point (x0, e0).

    Near the point the expected slope is good enough (the delivered file is measured
    anyway); further away, secant steps with fresh probes.
    """
    if abs(e0) <= PROBE_TOLERANCE_LU:
        return x0
    x1 = _clamp(x0 - e0 / slope)
    if abs(x1 - x0) <= MODEL_RANGE_DB:
        return x1
    for _ in range(MAX_PROBES):
        e1 = error_at(x1)
        if abs(e1) <= PROBE_TOLERANCE_LU:
            return x1
        measured = (e1 - e0) / (x1 - x0) if x1 != x0 else 0.0
        if measured < 0.05:
            raise LoudnessError(
                "Không thể đạt độ lớn mục tiêu: bộ giới hạn đỉnh đã nén hết mức (âm thanh quá nhiều đỉnh nhọn)"
            )
        x0, e0, x1 = x1, e1, _clamp(x1 - e1 / measured)
    return x1
