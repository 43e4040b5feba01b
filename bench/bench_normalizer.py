"""Normalizer throughput (characters of seed directive text turned into spoken form per second) and
accuracy on held-out administrative phrasings.

    .venv/bin/python bench/bench_normalizer.py                  # throughput, JSON
    .venv/bin/python bench/bench_normalizer.py --heldout        # % read as an official would, and the misses
    .venv/bin/python bench/bench_normalizer.py --heldout --half tune    # only the half misses were looked at
    .venv/bin/python bench/bench_normalizer.py --heldout --file bench/data/fresh_phrasings.tsv   # never tuned on

The held-out set (bench/data/heldout_phrasings.tsv, 185 phrasings: document numbers, department
abbreviations, runs of abbreviations, Roman period numbers, ranges, percentages, phone numbers, money,
units, dates and times) was written before the normalizer was tuned on it. Its lines alternate between
two halves: "tune" (whose misses were read and fixed) and "check" (never read while tuning, so its
figure is the honest one). A phrasing counts as right when the spoken form equals one of the accepted
readings after lower-casing and dropping punctuation (pauses are not words), with regional variants
equal (nghìn/ngàn, linh/lẻ, "mươi tư"/"mươi bốn").

Seeds are read from $LOAXA_SEEDS_DIR, else campaigns/seed_texts. One warm-up
pass (regex compilation, caches), then ``repeats`` timed passes over all seeds; the median counts.
"""

import argparse
import json
import os
import re
import statistics
import sys
import time
import unicodedata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from campaigns.seeds import SEED_DIR  # noqa: E402
from tts.normalizer import NormalizeError, normalize  # noqa: E402

PHRASINGS = REPO / "bench" / "data" / "heldout_phrasings.tsv"
HALVES = ("tune", "check")
# regional variants an official may use either way
_VARIANTS = [(re.compile(r"\bngàn\b"), "nghìn"), (re.compile(r"\blẻ\b"), "linh"),
             (re.compile(r"\bmươi tư\b"), "mươi bốn")]


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


def canon(text: str) -> str:
    """Lower case, punctuation dropped, regional variants unified: what the listener hears as words."""
    text = unicodedata.normalize("NFC", text).lower()
    text = " ".join(re.sub(r"[^\w\s]", " ", text).split())
    for pattern, replacement in _VARIANTS:
        text = pattern.sub(replacement, text)
    return text


def phrasings(path: Path = PHRASINGS) -> list[tuple[str, str, str, list[str]]]:
    """(half, category, written, accepted readings) in file order; halves alternate."""
    rows: list[tuple[str, str, str, list[str]]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        category, written, spoken = line.split("\t")
        rows.append((HALVES[len(rows) % 2], category, written, [r.strip() for r in spoken.split(" | ")]))
    return rows


def heldout(half: str | None = None, path: Path = PHRASINGS) -> dict[str, Any]:
    by_half: dict[str, list[bool]] = {h: [] for h in HALVES}
    by_category: dict[str, list[bool]] = {}
    misses = []
    for which, category, written, accepted in phrasings(path):
        try:
            said = normalize(written).text
        except NormalizeError as exc:
            said = f"<lỗi: {exc}>"
        right = canon(said) in {canon(a) for a in accepted}
        by_half[which].append(right)
        by_category.setdefault(category, []).append(right)
        if not right and (half is None or half == which):
            misses.append({"half": which, "written": written, "said": said, "expected": accepted[0]})

    def pct(marks: list[bool]) -> float:
        return round(100 * sum(marks) / len(marks), 1)

    every = [m for marks in by_half.values() for m in marks]
    return {
        "phrasings": len(every),
        "percent_right": pct(every),
        "percent_right_by_half": {h: pct(marks) for h, marks in by_half.items()},
        "percent_right_by_category": {c: pct(marks) for c, marks in sorted(by_category.items())},
        "goal_97_percent": pct(every) >= 97.0,
        "misses": misses,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Normalizer throughput, or accuracy on held-out phrasings")
    parser.add_argument("--heldout", action="store_true", help="accuracy on bench/data/heldout_phrasings.tsv")
    parser.add_argument("--half", choices=HALVES, default=None, help="list only this half's misses")
    parser.add_argument("--file", type=Path, default=PHRASINGS,
                        help="phrasings file (bench/data/fresh_phrasings.tsv: the set written after tuning)")
    args = parser.parse_args()
    report = heldout(args.half, args.file) if args.heldout else run()
    print(json.dumps(report, ensure_ascii=False, indent=2))
