"""Run every benchmark and keep the figures: `python -m bench [--quick] [--only NAME ...]`.

Each benchmark is its own script (run it alone for its options); this runner starts each one in a
fresh process (so one's memory and caches do not colour the next), collects the JSON document it
prints, and writes them all to bench/results/latest.json. Intelligibility needs a Whisper model and
minutes of CPU: it runs only when asked (`--only intelligibility`, or `--all`).
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# name -> (script, its arguments in full, its arguments with --quick)
BENCHES: dict[str, tuple[str, list[str], list[str]]] = {
    "normalizer": ("bench_normalizer.py", [], []),
    "render": ("bench_render.py", [], ["--quick"]),
    "playlists": ("bench_playlists.py", [], ["--quick"]),
    "airtime": ("bench_airtime.py", [], ["--quick"]),
    "agents": ("bench_agents.py", [], ["--quick"]),
    "rush": ("bench_rush.py", [], ["--quick"]),
    "media": ("bench_media.py", [], ["--quick"]),
    "intelligibility": ("bench_intelligibility.py", [], ["--quick"]),
}
DEFAULT = ["normalizer", "render", "playlists", "airtime", "agents", "rush", "media"]


def _last_json(text: str):
    """The JSON document a benchmark printed last (they may print progress before it)."""
    start = text.rfind("\n{")
    start = 0 if text.startswith("{") and start < 0 else start + 1
    return json.loads(text[start:])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller scale: minutes, not tens of minutes")
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHES), help="run just these")
    parser.add_argument("--all", action="store_true", help="also the slow intelligibility benchmark")
    args = parser.parse_args()
    names = args.only or (list(BENCHES) if args.all else DEFAULT)
    results, failed = {}, []
    for name in names:
        script, full_args, quick_args = BENCHES[name]
        cmd = [sys.executable, str(HERE / script), *(quick_args if args.quick else full_args)]
        print(f">> {name}: {' '.join(cmd[1:])}", file=sys.stderr, flush=True)
        started = time.monotonic()
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, cwd=HERE.parent)
        elapsed = round(time.monotonic() - started, 1)
        if proc.returncode != 0:
            failed.append(name)
            results[name] = {"error": f"exit {proc.returncode}", "wall_s": elapsed}
            continue
        try:
            results[name] = _last_json(proc.stdout)
        except json.JSONDecodeError:
            results[name] = {"output": proc.stdout[-2000:]}
        print(json.dumps({name: results[name]}, ensure_ascii=False, indent=2), flush=True)
    out = HERE / "results" / ("latest-quick.json" if args.quick else "latest.json")
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2))
    print(f">> figures saved to {out.relative_to(HERE.parent)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
