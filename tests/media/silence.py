"""Measuring what a listener hears at the start of a file, with ffmpeg's own filters."""

import re
import subprocess
from pathlib import Path

_SILENCE_END_RE = re.compile(r"silence_end: (?P<end>-?\d+(?:\.\d+)?)")
_SILENCE_START_RE = re.compile(r"silence_start: (?P<start>-?\d+(?:\.\d+)?)")
_MEAN_RE = re.compile(r"mean_volume: (?P<db>-?\d+(?:\.\d+)?|-inf) dB")


def leading_silence_s(path: Path, *, threshold_db: float = -50.0) -> float:
    """Seconds of silence (below `threshold_db`) before the first sound; 0.0 if it starts with sound."""
    done = subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-i", str(path), "-af",
                           f"silencedetect=noise={threshold_db}dB:d=0.05", "-f", "null", "-"],
                          capture_output=True, text=True, check=True, timeout=120)
    starts = [float(m["start"]) for m in _SILENCE_START_RE.finditer(done.stderr)]
    ends = [float(m["end"]) for m in _SILENCE_END_RE.finditer(done.stderr)]
    if not starts or starts[0] > 0.01 or not ends:
        return 0.0
    return ends[0]


def mean_volume_db(path: Path, start_s: float, end_s: float, extra_filter: str | None = None) -> float:
    """Mean power (dBFS) of the stretch start_s..end_s, optionally through another filter first."""
    chain = f"atrim={start_s}:{end_s}" + (f",{extra_filter}" if extra_filter else "") + ",volumedetect"
    done = subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-i", str(path), "-af", chain, "-f", "null", "-"],
                          capture_output=True, text=True, check=True, timeout=120)
    match = _MEAN_RE.search(done.stderr)
    assert match, done.stderr[-1000:]
    return float("-inf") if match["db"] == "-inf" else float(match["db"])
