"""Intelligibility: how much of the rendered bulletins a speech recogniser understands, and how fast.

    .venv/bin/python bench/bench_intelligibility.py --tool PATH                 # the held-out set (33 bulletins)
    .venv/bin/python bench/bench_intelligibility.py --tool PATH --bulletins 6   # the first 6, while tuning
    .venv/bin/python bench/bench_intelligibility.py --tool PATH --set seeds     # 12 seed paragraphs

Optional and slow (minutes; the first run of the tool installs its own venv and Whisper model): not part
of the test run. The held-out set (bench/data/heldout_bulletins.txt) is 33 bulletins written for this
benchmark in the style of commune programmes (weather warnings, meetings with dates and times,
exemplary people with place and ethnic-minority names, figures and units) and never used for tuning;
`--set seeds` takes about twelve paragraphs of the seed directives instead (from $LOAXA_SEEDS_DIR or
campaigns/seed_texts), round-robin over the directives among those with numbers, dates, document
symbols or abbreviations. Each text is rendered twice:

- pipeline: what tts.pipeline.render_text does, with default RenderSettings (normalizer, espeak-ng, pauses,
  lead-in, loudness, MP3), as a commune would hear it;
- raw espeak-ng: the raw text read by ``espeak-ng -v vi`` at its default rate, no normalizer.

Both are transcribed by the intelligibility tool (`--tool PATH`, or the command named by
$LOAXA_INTELLIGIBILITY_TOOL: faster-whisper, Whisper base, language "vi") and scored by character error
rate against the same reference, the normalizer's spoken form: what a listener should hear. Lower is
better; natural speech scores about 0.15. The report gives the mean, median and worst CER and names every
text not recognised as speech (an empty transcript, or CER ≥ 0.9). It also times the render: seconds of
audio per wall-clock second (× real time) for the pipeline on an empty cache, against espeak-ng on the
same spoken text plus one MP3 encode (bench/bench_render.py's baseline).

Voices side by side: ``--voices all`` (or ``--voices joe,giong-nam``) renders every text with the default
voice (espeak-ng ``vi``) and with each installed voice (``loaxa tts voices add``; read from the voices
folder of $LOAXA_DATA_DIR, or ``--voices-dir``), through the same pipeline, and prints one row per voice:
mean, median and worst CER, texts not recognised, and render speed (× real time, empty cache):

    .venv/bin/python bench/bench_intelligibility.py --tool PATH --voices all --bulletins 4

Tuning knobs (for experiments, defaults are the shipped settings): --voice, --rate, --word-gap, --pitch,
--comma-pause, --sentence-pause, --clause-pause, --paragraph-pause, --lead-in, --thousand,
--pipeline-only, --keep DIR (keep the audio and pairs files).
"""

import argparse
import functools
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
import tts.normalizer as normalizer  # noqa: E402
from bench.bench_render import baseline, timed  # noqa: E402
from campaigns.seeds import SEED_DIR  # noqa: E402
from media.store import MediaStore  # noqa: E402
from tts.normalizer import NormalizeError, NormalizeOptions, normalize  # noqa: E402
from tts.pipeline import RenderSettings, render  # noqa: E402

TOOL_ENV = "LOAXA_INTELLIGIBILITY_TOOL"
HELDOUT = REPO / "bench" / "data" / "heldout_bulletins.txt"
UNRECOGNISED_CER = 0.9  # at or above: the recogniser did not take it for speech (or heard something else)
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


_TOOL: list[Path] = []  # set from --tool


def tool_path() -> Path:
    path = str(_TOOL[0]) if _TOOL else os.environ.get(TOOL_ENV)
    if not path or not Path(path).is_file():
        raise FileNotFoundError(f"Không thấy công cụ đo độ dễ nghe: dùng --tool PATH hoặc đặt {TOOL_ENV} "
                                f"(hiện: {path!r}).")
    return Path(path)


def heldout_bulletins(count: int | None = None, first: int = 1) -> list[tuple[str, str]]:
    """(label, text) of the held-out set, in file order, from the `first` (1-based)."""
    blocks = HELDOUT.read_text(encoding="utf-8").split("\n## ")[1:]
    bulletins = []
    for block in blocks:
        label, _, text = block.partition("\n")
        bulletins.append((label.strip(), " ".join(text.split())))
    bulletins = bulletins[max(0, first - 1):]
    return bulletins[:count] if count else bulletins


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
    *, paragraphs: list[tuple[str, str]], settings: RenderSettings, options: NormalizeOptions, raw: bool,
    keep: Path | None
) -> dict[str, Any]:
    speed = {"audio_s": 0.0, "pipeline_wall_s": 0.0, "pipeline_cpu_s": 0.0, "baseline_wall_s": 0.0,
             "baseline_cpu_s": 0.0}
    with tempfile.TemporaryDirectory(prefix="loaxa-bench-intel-") as tmp:
        folder = keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        pairs: list[list[str]] = []
        rows = []
        # as in bench_render.py: one warm-up render pays the per-process encoder calibration before timing
        render(normalize("Bà con chú ý."), settings=settings, store=MediaStore(Path(tmp) / "warm-up"))
        for i, (label, paragraph) in enumerate(paragraphs):
            # what render_text does, with the normalizer's regional options; a new store: no cache hit
            spoken_form = normalize(paragraph, options=options)
            result, cpu, wall = timed(functools.partial(render, spoken_form, settings=settings,
                                                        store=MediaStore(Path(tmp) / f"media-{i}")))
            _, base_cpu, base_wall = timed(functools.partial(baseline, spoken_form.text, Path(tmp)))
            speed["audio_s"] += result.duration_ms / 1000
            speed["pipeline_wall_s"] += wall
            speed["pipeline_cpu_s"] += cpu
            speed["baseline_wall_s"] += base_wall
            speed["baseline_cpu_s"] += base_cpu
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
        "texts": len(report_rows),
        "settings": {
            "voice": settings.voice,
            "rate_wpm": settings.rate_wpm,
            "word_gap": espeak.WORD_GAP,
            "pitch": espeak.PITCH,
            "comma_pause_ms": espeak.COMMA_BREAK_MS,
            "thousand": options.thousand,
        },
        "mean_cer_pipeline": round(statistics.mean(r["cer_pipeline"] for r in report_rows), 3),
        "worst_cer_pipeline": max((r["cer_pipeline"], r["paragraph"]) for r in report_rows),
        "not_recognised_pipeline": [r["paragraph"] for r in report_rows
                                    if r["cer_pipeline"] >= UNRECOGNISED_CER or not r["heard_pipeline"]],
    }
    report["settings"].update({
        "lead_in_ms": settings.lead_in_ms,
        "pauses_ms": {"clause": normalizer.PAUSE_CLAUSE_MS, "sentence": normalizer.PAUSE_SENTENCE_MS,
                      "item": normalizer.PAUSE_ITEM_MS, "paragraph": normalizer.PAUSE_PARAGRAPH_MS},
    })
    pipe_x = speed["audio_s"] / speed["pipeline_wall_s"]
    base_x = speed["audio_s"] / speed["baseline_wall_s"]
    report["render_speed"] = {
        "audio_seconds": round(speed["audio_s"], 1),
        "pipeline_x_realtime": round(pipe_x, 1),
        "baseline_espeak_plus_mp3_x_realtime": round(base_x, 1),
        "pipeline_cpu_vs_baseline": round(speed["pipeline_cpu_s"] / speed["baseline_cpu_s"], 2),
        "pipeline_wall_vs_baseline": round(speed["pipeline_wall_s"] / speed["baseline_wall_s"], 2),
    }
    if raw:
        report["mean_cer_raw_espeak"] = round(statistics.mean(r["cer_raw_espeak"] for r in report_rows), 3)
        report["worst_cer_raw_espeak"] = max((r["cer_raw_espeak"], r["paragraph"]) for r in report_rows)
    # Whisper now and then hallucinates on synthetic speech ("hãy subscribe cho kênh..."), which
    # swings one paragraph's CER by 0.3: the median shows whether a change helped across the board.
    report["median_cer_pipeline"] = round(statistics.median(r["cer_pipeline"] for r in report_rows), 3)
    if raw:
        report["median_cer_raw_espeak"] = round(statistics.median(r["cer_raw_espeak"] for r in report_rows), 3)
    report["per_paragraph"] = report_rows
    return report


def compare_voices(*, paragraphs: list[tuple[str, str]], voices: list[tuple[str, RenderSettings]],
                   options: NormalizeOptions, keep: Path | None) -> dict[str, Any]:
    """Every text rendered with every voice (empty cache each time), all transcribed in one tool run."""
    with tempfile.TemporaryDirectory(prefix="loaxa-bench-voices-") as tmp:
        folder = keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        pairs: list[list[str]] = []
        rendered: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in voices}
        wall = {name: 0.0 for name, _ in voices}
        for i, (label, paragraph) in enumerate(paragraphs):
            spoken_form = normalize(paragraph, options=options)
            for v, (name, settings) in enumerate(voices):
                store = MediaStore(Path(tmp) / f"media-{i}-{v}")
                result, _cpu, seconds = timed(functools.partial(render, spoken_form, settings=settings, store=store))
                wall[name] += seconds
                audio = folder / f"{name}-{i:02d}.{result.ext}"
                audio.write_bytes(result.path.read_bytes())
                pairs.append([str(audio), result.spoken_text])
                rendered[name].append({"paragraph": label, "audio": str(audio), "engine": result.engine_used,
                                       "seconds": result.duration_ms / 1000})
        heard = transcribe(pairs, folder)
    table = []
    for name, settings in voices:
        rows = rendered[name]
        cers = [heard[r["audio"]]["cer"] for r in rows]
        audio_s = sum(r["seconds"] for r in rows)
        table.append({
            "voice": name, "engine": settings.engine, "engine_used": sorted({r["engine"] for r in rows}),
            "mean_cer": round(statistics.mean(cers), 3), "median_cer": round(statistics.median(cers), 3),
            "worst_cer": max(zip(cers, (r["paragraph"] for r in rows), strict=True)),
            "not_recognised": [r["paragraph"] for r, c in zip(rows, cers, strict=True)
                               if c >= UNRECOGNISED_CER or not heard[r["audio"]]["heard"]],
            "audio_seconds": round(audio_s, 1), "x_realtime": round(audio_s / wall[name], 1),
            "per_text": [{"paragraph": r["paragraph"], "cer": c, "heard": heard[r["audio"]]["heard"]}
                         for r, c in zip(rows, cers, strict=True)],
        })
    return {"texts": len(paragraphs), "voices": table}


def voices_table(report: dict[str, Any]) -> str:
    lines = ["| voice | engine | mean CER | median CER | worst CER | not recognised | × real time |",
             "|---|---|---|---|---|---|---|"]
    for row in report["voices"]:
        worst, where = row["worst_cer"]
        lines.append(f"| {row['voice']} | {row['engine']} | {row['mean_cer']:.3f} | {row['median_cer']:.3f} | "
                     f"{worst:.3f} ({where}) | {', '.join(row['not_recognised']) or 'none'} | {row['x_realtime']} |")
    return "\n".join(lines)


def installed_voices(wanted: str, folder: Path | None) -> list[tuple[str, RenderSettings]]:
    """("vi", espeak-ng defaults) then the installed voices asked for ("all", or names separated by commas)."""
    from core.config import get_settings
    from tts.config import voices_dir
    from tts.voices import list_voices

    root = folder or voices_dir(get_settings())
    available = {v.name: v for v in list_voices(root)}
    names = sorted(available) if wanted == "all" else [n.strip() for n in wanted.split(",") if n.strip()]
    chosen = [("vi", RenderSettings())]
    for name in names:
        if name == "vi":
            continue
        if name not in available:
            raise SystemExit(f"Không có giọng «{name}» trong {root} (loaxa tts voices list).")
        chosen.append((name, RenderSettings(engine=available[name].engine, voice=available[name].model)))
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description="Intelligibility benchmark (Whisper CER, lower is better)")
    parser.add_argument("--tool", type=Path, default=None,
                        help=f"the intelligibility tool (default: ${TOOL_ENV})")
    parser.add_argument("--set", choices=("heldout", "seeds"), default="heldout", dest="text_set",
                        help="held-out bulletins (default) or seed paragraphs")
    parser.add_argument("--bulletins", type=int, default=None, help="only N held-out bulletins")
    parser.add_argument("--first", type=int, default=1, help="start at this held-out bulletin (1-based)")
    parser.add_argument("--sentence-pause", type=int, default=None, help="ms after a sentence")
    parser.add_argument("--clause-pause", type=int, default=None, help="ms after a semicolon")
    parser.add_argument("--paragraph-pause", type=int, default=None, help="ms after a paragraph")
    parser.add_argument("--lead-in", type=int, default=None, help="ms of silence before the first word")
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
    parser.add_argument("--voices", default=None,
                        help="compare espeak-ng vi with installed voices side by side: all, or names a,b")
    parser.add_argument("--voices-dir", type=Path, default=None,
                        help="the installed voices (default: <LOAXA_DATA_DIR>/voices)")
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
    if args.lead_in is not None:
        settings = replace(settings, lead_in_ms=args.lead_in)
    if args.sentence_pause is not None:
        normalizer.PAUSE_SENTENCE_MS = args.sentence_pause
    if args.clause_pause is not None:
        normalizer.PAUSE_CLAUSE_MS = args.clause_pause
    if args.paragraph_pause is not None:
        normalizer.PAUSE_PARAGRAPH_MS = args.paragraph_pause
    if args.tool is not None:
        _TOOL.append(args.tool.resolve())
    tool_path()  # fail before rendering anything
    options = NormalizeOptions(thousand=args.thousand) if args.thousand else NormalizeOptions()
    if args.text_set == "seeds":
        paragraphs = seed_paragraphs(args.paragraphs or (QUICK_PARAGRAPHS if args.quick else PARAGRAPHS))
    else:
        paragraphs = heldout_bulletins(args.bulletins or (QUICK_PARAGRAPHS if args.quick else None), args.first)
    if args.voices:
        report = compare_voices(paragraphs=paragraphs, voices=installed_voices(args.voices, args.voices_dir),
                                options=options, keep=args.keep)
        print(voices_table(report), file=sys.stderr)
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    report = run(paragraphs=paragraphs, settings=settings, options=options, raw=not args.pipeline_only,
                 keep=args.keep)
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
