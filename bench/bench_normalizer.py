"""Normalizer throughput: characters of seed directive text turned into spoken form per second.

    .venv/bin/python bench/bench_normalizer.py      # prints JSON

Seeds are read from $LOAXA_SEEDS_DIR, else campaigns/seed_texts. One warm-up
pass (regex compilation, caches), then ``repeats`` timed passes over all seeds; the median counts.
"""

import json
import os
import statistics
import time
from pathlib import Path

from campaigns.seeds import SEED_DIR
from tts.normalizer import normalize

REPO = Path(__file__).resolve().parents[1]


def seed_dir() -> Path:
    candidates = [os.environ.get("LOAXA_SEEDS_DIR"), SEED_DIR]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir() and any(Path(candidate).glob("*.txt")):
            return Path(candidate)
    raise FileNotFoundError("Không tìm thấy thư mục văn bản mẫu (seeds): đặt LOAXA_SEEDS_DIR.")


def seed_texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(seed_dir().glob("*.txt")) if p.name != "README.md"]


def run(repeats: int = 7) -> dict[str, float | int]:
    texts = seed_texts()
    chars = sum(len(t) for t in texts)
    sentences = sum(len(normalize(t).sentences) for t in texts)  # warm-up
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        for text in texts:
            normalize(text)
        timings.append(time.perf_counter() - start)
    median = statistics.median(timings)
    return {
        "documents": len(texts),
        "characters": chars,
        "sentences": sentences,
        "repeats": repeats,
        "median_seconds": round(median, 6),
        "best_seconds": round(min(timings), 6),
        "characters_per_second": round(chars / median),
    }


if __name__ == "__main__":
    print(json.dumps(run(), ensure_ascii=False, indent=2))
