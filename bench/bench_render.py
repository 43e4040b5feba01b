"""Render throughput: seconds of audio produced per CPU-second, against a bare baseline.

    .venv/bin/python bench/bench_render.py            # prints JSON
    .venv/bin/python bench/bench_render.py --quick    # the first three items only
    .venv/bin/python bench/bench_render.py --bulletins # the 33 short held-out bulletins (~23 s each) instead

The seed directives (campaigns/seed_texts, or $LOAXA_SEEDS_DIR) are cut into content items of
whole paragraphs, up to ~2,500 characters each (2-4 min of speech, like a bulletin item).
Each item is rendered by the full pipeline (normalize -> espeak-ng -> join -> loudness
-> MP3 -> store) into an empty store, and by the baseline: espeak-ng reading the same
normalized text in one process, plus one ffmpeg MP3 encode with the same settings.
CPU time is this process plus its children (resource.getrusage), so it counts espeak-ng
and ffmpeg. One warm-up render before timing pays the per-process encoder calibration.
Then each item is rendered again: the cache hit's wall time is the cache latency.
"""

import argparse
import functools
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from campaigns.seeds import SEED_DIR  # noqa: E402
from media.encode import encode  # noqa: E402
from media.ffmpeg import run_process  # noqa: E402
from media.join import wav_duration_ms  # noqa: E402
from media.store import MediaStore  # noqa: E402
from tts.normalizer import NormalizeError, normalize  # noqa: E402
from tts.pipeline import RenderSettings, render, render_text  # noqa: E402

T = TypeVar("T")
ITEM_CHARS = 2500
SETTINGS = RenderSettings()


def seed_dir() -> Path:
    for candidate in (os.environ.get("LOAXA_SEEDS_DIR"), SEED_DIR):
        if candidate and Path(candidate).is_dir() and any(Path(candidate).glob("*.txt")):
            return Path(candidate)
    raise FileNotFoundError("Không tìm thấy thư mục văn bản mẫu (seeds): đặt LOAXA_SEEDS_DIR.")


def seed_items() -> list[str]:
    """Consecutive paragraphs of each directive, grouped up to ITEM_CHARS."""
    items: list[str] = []
    for path in sorted(seed_dir().glob("*.txt")):
        current: list[str] = []
        for paragraph in path.read_text(encoding="utf-8").split("\n\n"):
            if current and sum(len(p) for p in current) + len(paragraph) > ITEM_CHARS:
                items.append("\n\n".join(current))
                current = []
            if paragraph.strip():
                current.append(paragraph.strip())
        if current:
            items.append("\n\n".join(current))
    readable = []
    for item in items:
        try:
            normalize(item)
        except NormalizeError:
            continue
        readable.append(item)
    return readable


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(work: Callable[[], T]) -> tuple[T, float, float]:
    cpu, wall = cpu_seconds(), time.perf_counter()
    value = work()
    return value, cpu_seconds() - cpu, time.perf_counter() - wall


def baseline(spoken_text: str, folder: Path) -> float:
    """espeak-ng on the whole normalized text + one MP3 encode; returns seconds of audio."""
    wav, mp3 = folder / "baseline.wav", folder / "baseline.mp3"
    cmd = [
        "espeak-ng",
        "-v",
        SETTINGS.voice or "vi",
        "-s",
        str(SETTINGS.rate_wpm),
        "-b",
        "1",
        "-w",
        str(wav),
        "--stdin",
    ]
    result = run_process(cmd, timeout_s=600, input_bytes=spoken_text.encode("utf-8"))
    if result.returncode != 0:
        raise RuntimeError(result.stderr_text)
    encode(wav, mp3, SETTINGS.encode_spec)
    seconds = wav_duration_ms(wav) / 1000
    wav.unlink()
    mp3.unlink()
    return seconds


def heldout_items() -> list[str]:
    """The 33 held-out bulletins (bench/data/heldout_bulletins.txt): short items, where fixed costs show."""
    blocks = (REPO / "bench" / "data" / "heldout_bulletins.txt").read_text(encoding="utf-8").split("\n## ")[1:]
    return [" ".join(block.partition("\n")[2].split()) for block in blocks]


def run(quick: bool = False, bulletins: bool = False) -> dict[str, Any]:
    items = (heldout_items() if bulletins else seed_items())[: 3 if quick else None]
    spoken = [normalize(item).text for item in items]
    with tempfile.TemporaryDirectory(prefix="loaxa-bench-render-") as tmp:
        folder = Path(tmp)
        store = MediaStore(folder / "media")
        render(normalize("Bà con chú ý."), settings=SETTINGS, store=MediaStore(folder / "warmup"))

        pipe_cpu = pipe_wall = pipe_audio = base_cpu = base_wall = base_audio = 0.0
        results = []
        for item, text in zip(items, spoken, strict=True):
            seconds, cpu, wall = timed(functools.partial(baseline, text, folder))
            base_cpu += cpu
            base_wall += wall
            base_audio += seconds
            result, cpu, wall = timed(functools.partial(render_text, item, settings=SETTINGS, store=store))
            pipe_cpu += cpu
            pipe_wall += wall
            pipe_audio += result.duration_ms / 1000
            results.append(result)

        hits = []
        for item in items:
            result, _, wall = timed(functools.partial(render_text, item, settings=SETTINGS, store=store))
            assert result.cache_hit
            hits.append(wall * 1000)

    pipe_rate = pipe_audio / pipe_cpu
    base_wall_rate = base_audio / base_wall
    base_rate = base_audio / base_cpu
    lufs = [r.loudness.integrated_lufs for r in results]
    return {
        "items": len(items),
        "characters": sum(len(item) for item in items),
        "cpu_count": os.cpu_count(),
        "pipeline": {
            "audio_seconds": round(pipe_audio, 1),
            "cpu_seconds": round(pipe_cpu, 2),
            "wall_seconds": round(pipe_wall, 2),
            "audio_seconds_per_cpu_second": round(pipe_rate, 1),
            "realtime_factor_wall": round(pipe_audio / pipe_wall, 1),
        },
        "baseline_espeak_plus_mp3_encode": {
            "audio_seconds": round(base_audio, 1),
            "cpu_seconds": round(base_cpu, 2),
            "audio_seconds_per_cpu_second": round(base_rate, 1),
            "realtime_factor_wall": round(base_wall_rate, 1),
        },
        "cpu_per_audio_second_vs_baseline": round(base_rate / pipe_rate, 2),
        "wall_vs_baseline": round(pipe_wall / base_wall, 2),
        "goal": {"within_2x_of_baseline": base_rate / pipe_rate <= 2.0, "at_least_50x_realtime": pipe_rate >= 50},
        "cache_hit_ms": {"median": round(statistics.median(hits), 2), "max": round(max(hits), 2)},
        "loudness": {
            "target_lufs": SETTINGS.target_lufs,
            "integrated_lufs_min": min(lufs),
            "integrated_lufs_max": max(lufs),
            "true_peak_dbtp_max": round(max(r.loudness.true_peak_dbtp for r in results), 2),
        },
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Render throughput benchmark")
    parser.add_argument("--quick", action="store_true", help="first three items only")
    parser.add_argument("--bulletins", action="store_true", help="the 33 short held-out bulletins")
    args = parser.parse_args()
    print(json.dumps(run(quick=args.quick, bulletins=args.bulletins), ensure_ascii=False, indent=2))
