"""Intelligibility: how much of the rendered seed paragraphs a speech recogniser understands.

    .venv/bin/python bench/bench_intelligibility.py            # 12 paragraphs, prints JSON
    .venv/bin/python bench/bench_intelligibility.py --quick    # 4 paragraphs

Optional and slow (minutes; the first run installs the tool's own venv and Whisper model):
not part of the test run. About twelve seed paragraphs (from $LOAXA_SEEDS_DIR or
campaigns/seed_texts), picked round-robin over the directives among those with numbers, dates,
document symbols or abbreviations (single-line body paragraphs: letterheads and recipient lists
do not go on air), are rendered twice:

- pipeline: what tts.pipeline.render_text does, with default RenderSettings (normalizer, espeak-ng, pauses,
  loudness, MP3), as a commune would hear it;
- raw espeak-ng: the raw paragraph read by ``espeak-ng -v vi`` at its default rate, no normalizer.

Both are transcribed by the intelligibility tool (a command given by
$LOAXA_INTELLIGIBILITY_TOOL: faster-whisper, Whisper base, language "vi") and scored by
character error rate against the same reference, the normalizer's spoken form: what a listener
should hear. Lower is better; natural speech scores about 0.15.

Tuning knobs (for experiments, defaults are the shipped settings): --paragraphs, --voice, --rate,
--word-gap, --pitch, --comma-pause, --pipeline-only, --keep DIR (keep the audio and pairs files).
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

import tts.engines.espeak as espeak  # noqa: E402
from campaigns.seeds import SEED_DIR  # noqa: E402
from media.store import MediaStore  # noqa: E402
from tts.normalizer import NormalizeError, NormalizeOptions, normalize  # noqa: E402
from tts.pipeline import RenderSettings, render  # noqa: E402

TOOL_ENV = "LOAXA_INTELLIGIBILITY_TOOL"
PARAGRAPHS = 12
QUICK_PARAGRAPHS = 4
MIN_CHARS, MAX_CHARS = 120, 700  # one paragraph: 10-50 s of speech
TOOL_TIMEOUT_S = 3600
_HARD_RE = re.compile(r"\d|\b[A-ZĐ]{2,}\b")  # numbers, dates, symbols, abbreviations
_RESULT_RE = re.compile(r"^\{.*\}$")


def seed_dir() -> Path:
    for candidate in (os.environ.get("LOAXA_SEEDS_DIR"), SEED_DIR):
        if candidate and Path(candidate).is_dir() and any(Path(candidate).glob("*.txt")):
            return Path(candidate)
    raise FileNotFoundError("Không tìm thấy thư mục văn bản mẫu (seeds): đặt LOAXA_SEEDS_DIR.")


def tool_path() -> Path:
    path = os.environ.get(TOOL_ENV)
    if not path or not Path(path).is_file():
        raise FileNotFoundError(f"Không thấy công cụ đo độ dễ nghe: đặt {TOOL_ENV} (hiện: {path!r}).")
    return Path(path)


def seed_paragraphs(count: int) -> list[tuple[str, str]]:
    """(label, paragraph): round-robin over the directives, each one's hardest paragraphs first
    (most numbers and capitals), in a fixed order so that runs compare."""
    per_file: list[list[tuple[str, str]]] = []
    for path in sorted(seed_dir().glob("*.txt")):
        paragraphs = [p.strip() for p in path.read_text(encoding="utf-8").split("\n\n")]
        scored = []
        for index, paragraph in enumerate(paragraphs):
            # multi-line blocks are letterheads and recipient lists, not what goes on air
            if "\n" in paragraph or not MIN_CHARS <= len(paragraph) <= MAX_CHARS:
                continue
            try:
                normalize(paragraph)
            except NormalizeError:
                continue
            scored.append((-len(_HARD_RE.findall(paragraph)), index, paragraph))
        scored.sort()
        per_file.append([(f"{path.stem[:24]}#{index}", paragraph) for _, index, paragraph in scored])
    chosen: list[tuple[str, str]] = []
    rank = 0
    while len(chosen) < count and any(rank < len(items) for items in per_file):
        chosen += [items[rank] for items in per_file if rank < len(items)]
        rank += 1
    return chosen[:count]


def render_raw(text: str, out_wav: Path) -> None:
    """The baseline: espeak-ng's Vietnamese voice at its default rate on the raw text."""
    subprocess.run(["espeak-ng", "-v", "vi", "-w", str(out_wav), "--stdin"], input=text.encode("utf-8"),
                   check=True, timeout=600, capture_output=True)  # fmt: skip


def transcribe(pairs: list[list[str]], folder: Path) -> dict[str, dict[str, Any]]:
    """audio path -> {"cer", "heard"} from one run of the tool (one model load)."""
    pairs_file = folder / "pairs.json"
    pairs_file.write_text(json.dumps(pairs, ensure_ascii=False), encoding="utf-8")
    done = subprocess.run([str(tool_path()), "--pairs", str(pairs_file)], capture_output=True, text=True,
                          timeout=TOOL_TIMEOUT_S)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"intelligibility tool failed ({done.returncode}): {done.stderr[-2000:]}")
    results = {}
    for line in done.stdout.splitlines():
        if _RESULT_RE.match(line.strip()):
            row = json.loads(line)
            results[row["audio"]] = row
    missing = [audio for audio, _ in pairs if audio not in results]
    if missing:
        raise RuntimeError(f"intelligibility tool gave no result for {missing}")
    return results


def run(
    *, count: int, settings: RenderSettings, options: NormalizeOptions, raw: bool, keep: Path | None
) -> dict[str, Any]:
    paragraphs = seed_paragraphs(count)
    with tempfile.TemporaryDirectory(prefix="loaxa-bench-intel-") as tmp:
        folder = keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        store = MediaStore(Path(tmp) / "media")
        pairs: list[list[str]] = []
        rows = []
        for i, (label, paragraph) in enumerate(paragraphs):
            # what render_text does, with the normalizer's regional options
            result = render(normalize(paragraph, options=options), settings=settings, store=store)
            spoken = result.spoken_text
            piped = folder / f"pipeline-{i:02d}.{result.ext}"
            piped.write_bytes(result.path.read_bytes())
            pairs.append([str(piped), spoken])
            row: dict[str, Any] = {"paragraph": label, "spoken": spoken, "pipeline_audio": str(piped),
                                   "pipeline_seconds": round(result.duration_ms / 1000, 1)}  # fmt: skip
            if raw:
                raw_wav = folder / f"raw-{i:02d}.wav"
                render_raw(paragraph, raw_wav)
                pairs.append([str(raw_wav), spoken])
                row["raw_audio"] = str(raw_wav)
            rows.append(row)
        heard = transcribe(pairs, folder)

    report_rows = []
    for row in rows:
        item = {"paragraph": row["paragraph"], "pipeline_seconds": row["pipeline_seconds"],
                "cer_pipeline": heard[row["pipeline_audio"]]["cer"]}  # fmt: skip
        if raw:
            item["cer_raw_espeak"] = heard[row["raw_audio"]]["cer"]
        item["spoken"] = row["spoken"]
        item["heard_pipeline"] = heard[row["pipeline_audio"]]["heard"]
        if raw:
            item["heard_raw_espeak"] = heard[row["raw_audio"]]["heard"]
        report_rows.append(item)
    report: dict[str, Any] = {
        "paragraphs": len(report_rows),
        "settings": {
            "voice": settings.voice,
            "rate_wpm": settings.rate_wpm,
            "word_gap": espeak.WORD_GAP,
            "pitch": espeak.PITCH,
            "comma_pause_ms": espeak.COMMA_BREAK_MS,
            "thousand": options.thousand,
        },
        "mean_cer_pipeline": round(statistics.mean(r["cer_pipeline"] for r in report_rows), 3),
    }
    if raw:
        report["mean_cer_raw_espeak"] = round(statistics.mean(r["cer_raw_espeak"] for r in report_rows), 3)
    # Whisper now and then hallucinates on synthetic speech ("hãy subscribe cho kênh..."), which
    # swings one paragraph's CER by 0.3: the median shows whether a change helped across the board.
    report["median_cer_pipeline"] = round(statistics.median(r["cer_pipeline"] for r in report_rows), 3)
    if raw:
        report["median_cer_raw_espeak"] = round(statistics.median(r["cer_raw_espeak"] for r in report_rows), 3)
    report["per_paragraph"] = report_rows
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description="Intelligibility benchmark (Whisper CER, lower is better)")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_PARAGRAPHS} paragraphs only")
    parser.add_argument("--paragraphs", type=int, default=None, help="how many paragraphs (overrides --quick)")
    parser.add_argument("--voice", default=None, help="espeak-ng voice, e.g. vi+m3 (default: RenderSettings)")
    parser.add_argument("--rate", type=int, default=None, help="espeak-ng words per minute (default: RenderSettings)")
    parser.add_argument("--word-gap", type=int, default=None, help="espeak-ng -g, in 10 ms units")
    parser.add_argument("--pitch", type=int, default=None, help="espeak-ng -p, 0-99")
    parser.add_argument("--comma-pause", type=int, default=None, help="extra ms of silence after a comma")
    parser.add_argument("--thousand", choices=("nghìn", "ngàn"), default=None, help="normalizer's word for 1000")
    parser.add_argument("--pipeline-only", action="store_true", help="skip the raw espeak-ng baseline")
    parser.add_argument("--keep", type=Path, default=None, help="keep audio and pairs.json in this folder")
    args = parser.parse_args()
    settings = RenderSettings()
    if args.rate is not None:
        settings = replace(settings, rate_wpm=args.rate)
    if args.voice is not None:
        settings = replace(settings, voice=args.voice)
    if args.word_gap is not None:
        espeak.WORD_GAP = args.word_gap
    if args.pitch is not None:
        espeak.PITCH = args.pitch
    if args.comma_pause is not None:
        espeak.COMMA_BREAK_MS = args.comma_pause
    count = args.paragraphs or (QUICK_PARAGRAPHS if args.quick else PARAGRAPHS)
    options = NormalizeOptions(thousand=args.thousand) if args.thousand else NormalizeOptions()
    report = run(count=count, settings=settings, options=options, raw=not args.pipeline_only, keep=args.keep)
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
