"""Morning-rush benchmark: N devices come back together after an outage, against one real `loaxa serve`.

    .venv/bin/python bench/bench_rush.py                 # 1,000 devices, SQLite then PostgreSQL
    .venv/bin/python bench/bench_rush.py --quick         # 100 devices
    .venv/bin/python bench/bench_rush.py --gate off      # the same without the write gate (to compare)

Everything runs on loopback (the server, its private Mosquitto, PostgreSQL on 127.0.0.1:5432 in a
database made for the run and dropped after, and the devices in this one process: asyncio + httpx, at
most `--connections` requests in flight). The world and the pairing are bench_agents.py's. Then:
1. before the outage each device fetched today's playlist once (its ETag is what it sends after);
2. baseline: N parallel `GET /healthz` (the same server and connections, no work);
3. the rush: every device at once (or spread over `--spread-s`) fetches today's playlist with
   `If-None-Match`, one audio file, flushes `--batches` batches of 500 as-run events stored during the
   outage, and sends a heartbeat. On 429/503 a device waits `Retry-After` (+ up to 20 %, as the agent
   does) and sends the same request again; every request and answer is counted.
Reported per database: requests/s, p50/p99 of one request (time in flight; a device's wait for a free
connection of this process is not counted), p99 against the baseline's, 5xx other than a proper busy
answer and failed connections (goal 0), 429/503 answers, the time until every event is stored, and a
check of the database afterwards (every event exactly once, every chain verifies). One JSON document,
also written to bench/results/rush.json unless --no-save.
"""

import argparse
import asyncio
import json
import os
import platform
import random
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlmodel import Session  # noqa: E402

from airtime.chain import verify_cluster  # noqa: E402
from bench.bench_agents import TZ, Agent, Errors, World, pair, summary, timed  # noqa: E402
from core.db import make_engine  # noqa: E402

EVENTS_PER_BATCH = 500
PG_BASE = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SHA = "cd" * 32


class Counts:
    """Every answer of the rush, by kind of request."""

    def __init__(self) -> None:
        self.statuses: Counter[int] = Counter()
        self.times: dict[str, list[float]] = {}
        self.requests = 0
        self.busy_without_retry_after = 0

    def add(self, kind: str, seconds: float, status: int) -> None:
        self.requests += 1
        self.statuses[status] += 1
        self.times.setdefault(kind, []).append(seconds)


async def request(http: httpx.AsyncClient, gate: asyncio.Semaphore, counts: Counts, errors: Errors, kind: str,
                  method: str, url: str, **kw: Any) -> httpx.Response | None:
    """One device request until it is answered for good: busy answers are waited out (Retry-After) and
    sent again; a connection the server closed while idle is opened again (counted apart)."""
    for _ in range(500):
        async with gate:
            started = time.monotonic()
            try:
                res = await http.request(method, url, **kw)
            except (httpx.RemoteProtocolError, httpx.ReadError):
                errors.retried += 1
                continue
            except httpx.HTTPError as exc:
                errors.check("rush", None, exc)
                return None
            counts.add(kind, time.monotonic() - started, res.status_code)
        if res.status_code in (429, 503):
            retry_after = res.headers.get("Retry-After", "")
            if not retry_after.isdigit():
                counts.busy_without_retry_after += 1
                errors.check("rush", res)  # a 503 that does not say when to come back is a failure
                return res
            await asyncio.sleep(int(retry_after) * random.uniform(1.0, 1.2))
            continue
        errors.check("rush", res)
        return res
    errors.check("rush", None, RuntimeError(f"{kind}: still busy after 500 tries"))
    return None


def batches(cluster: int, n: int, start: datetime) -> list[bytes]:
    """The events a device stored during the outage, as the bodies it sends (encoded once)."""
    out = []
    for b in range(n):
        events = [{"event_id": f"rush-{cluster}-{b}-{i}", "kind": "filler", "sha256": SHA, "status": "played",
                   "started_at": (start + timedelta(seconds=20 * (b * EVENTS_PER_BATCH + i))).isoformat(),
                   "duration_ms": 15_000} for i in range(EVENTS_PER_BATCH)]
        out.append(json.dumps({"events": events}).encode())
    return out


async def device(http: httpx.AsyncClient, gate: asyncio.Semaphore, counts: Counts, errors: Errors, agent: Agent,
                 day: str, bodies: list[bytes], delay: float) -> float | None:
    """One device back from the outage; returns when its last batch was acknowledged (monotonic)."""
    await asyncio.sleep(delay)
    auth = agent.headers()
    path = f"/clusters/{agent.cluster}/playlists/{day}"
    res = await request(http, gate, counts, errors, "playlist", "GET", path,
                        headers=auth | {"If-None-Match": agent.etags.get(day, "")})
    if res is not None and res.status_code == 200:
        agent.etags[day] = res.headers.get("etag", "")
    audio = agent.etags.get("audio")
    if audio:
        await request(http, gate, counts, errors, "audio", "GET", audio)
    acked = None
    for body in bodies:
        res = await request(http, gate, counts, errors, "plays", "POST", f"/clusters/{agent.cluster}/plays",
                            content=body, headers=auth | {"Content-Type": "application/json"})
        if res is None or res.status_code != 200:
            return None
        acked = time.monotonic()
    beat = {"agent_version": "bench-rush", "unsent_events": 0, "playlist_date": day, "push": "off"}
    await request(http, gate, counts, errors, "heartbeat", "POST", f"/clusters/{agent.cluster}/heartbeat",
                  json=beat, headers=auth)
    return acked


async def warm_up(http: httpx.AsyncClient, agents: list[Agent], day: str, errors: Errors) -> None:
    """Before the outage: each device had today's playlist (its ETag) and knew one audio file's URL."""
    gate = asyncio.Semaphore(50)

    async def one(agent: Agent) -> None:
        path = f"/clusters/{agent.cluster}/playlists/{day}"
        async with gate:
            res = await timed(errors, "warm-up", lambda: http.get(path, headers=agent.headers()))
        if res is not None and res.status_code == 200:
            agent.etags[day] = res.headers.get("etag", "")
            urls = [i["audio_url"] for s in res.json()["slots"] for i in s["items"] if i.get("audio_url")]
            if urls:
                agent.etags["audio"] = random.choice(urls)

    await asyncio.gather(*(one(a) for a in agents))


async def healthz(http: httpx.AsyncClient, gate: asyncio.Semaphore, errors: Errors, url: str) -> float:
    async with gate:
        started = time.monotonic()
        await timed(errors, "baseline", lambda: http.get(url))
        return time.monotonic() - started


async def run(world: World, setup: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    errors = Errors()
    agents = [Agent(c) for c in setup["clusters"]]
    limits = httpx.Limits(max_connections=args.connections, max_keepalive_connections=args.connections)
    day = datetime.now(TZ).date().isoformat()
    async with httpx.AsyncClient(base_url=f"{world.url}/api/v1", limits=limits, timeout=120) as http:
        pairing = asyncio.Semaphore(8)  # installers pair a few at a time (bench_agents.py)

        async def pair_one(agent: Agent) -> float:
            async with pairing:
                return await pair(http, world, agent, errors)

        await asyncio.gather(*(pair_one(a) for a in agents))
        await warm_up(http, agents, day, errors)
        gate = asyncio.Semaphore(args.connections)

        t = time.monotonic()
        base = await asyncio.gather(*(healthz(http, gate, errors, f"{world.url}/healthz") for _ in agents))
        base_wall = time.monotonic() - t

        outage_start = datetime.now(UTC) - timedelta(hours=30)
        bodies = {a.cluster: batches(a.cluster, args.batches, outage_start) for a in agents}
        counts = Counts()
        t = time.monotonic()
        acked = await asyncio.gather(*(
            device(http, gate, counts, errors, a, day, bodies[a.cluster], random.uniform(0, args.spread_s))
            for a in agents))
        wall = time.monotonic() - t
    done = [a for a in acked if a is not None]
    all_times = [s for times in counts.times.values() for s in times]
    base_sum, rush_sum = summary(base), summary(all_times)
    return {
        "baseline_healthz": {**base_sum, "wall_s": round(base_wall, 2),
                             "requests_per_s": round(len(base) / base_wall, 1)},
        "rush": {
            "requests": counts.requests, "wall_s": round(wall, 2),
            "requests_per_s": round(counts.requests / wall, 1),
            **{k: v for k, v in rush_sum.items() if k != "n"},
            "p99_ratio_to_healthz": round(rush_sum["p99_s"] / base_sum["p99_s"], 1)
            if rush_sum["p99_s"] and base_sum["p99_s"] else None,
            "by_request": {kind: summary(times) for kind, times in sorted(counts.times.items())},
            "statuses": {str(k): v for k, v in sorted(counts.statuses.items())},
            "busy_429_503": counts.statuses[429] + counts.statuses[503],
            "devices_fully_flushed": len(done),
            "all_events_stored_after_s": round(max(done) - t, 2) if len(done) == len(agents) else None,
            "events_per_s": round(len(done) * args.batches * EVENTS_PER_BATCH / (max(done) - t), 1) if done else None,
        },
        "server_errors": {"total": sum(errors.counts.values()), "by_phase": dict(errors.counts),
                          "busy_without_retry_after": counts.busy_without_retry_after,
                          "idle_connection_closed_and_reopened": errors.retried, "samples": errors.samples,
                          "tracebacks_in_server_log": world.log.read_text(errors="replace").count("Traceback")},
    }


def check_database(url: str, clusters: list[int], expected_each: int) -> dict[str, Any]:
    """Afterwards, straight from the database: every event stored exactly once, every chain intact."""
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            rows = dict(s.execute(sa.text("SELECT cluster_id, COUNT(*) FROM play_event GROUP BY cluster_id")).all())
            distinct = s.execute(sa.text("SELECT COUNT(DISTINCT cluster_id || ':' || event_id) FROM play_event"))\
                .scalar_one()
            broken = [c for c in clusters if not verify_cluster(s, c).ok]
    finally:
        engine.dispose()
    total = sum(rows.values())
    return {"events_stored": total, "events_expected": expected_each * len(clusters),
            "stored_twice": total - distinct,
            "clusters_incomplete": sum(1 for c in clusters if rows.get(c, 0) != expected_each),
            "chains_broken": len(broken)}


def one_database(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    started = time.monotonic()
    pg_name = f"loaxa_bench_rush_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(make_url(args.pg_url), isolation_level="AUTOCOMMIT") if kind == "postgresql" else None
    with tempfile.TemporaryDirectory(prefix="loaxa-bench-rush-") as tmp:
        world = World(args.devices, Path(tmp))
        if admin is not None:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{pg_name}"')
            url = make_url(args.pg_url).set(database=pg_name).render_as_string(hide_password=False)
        else:
            url = f"sqlite:///{(Path(tmp) / 'data' / 'loaxa.db').resolve()}"
        world.env["LOAXA_DATABASE_URL"] = url
        if args.gate == "off":
            world.env["LOAXA_WRITE_SLOTS"] = "0"
        try:
            world.start()
            setup = world.populate()
            figures = asyncio.run(run(world, setup, args))
            figures["database_after"] = check_database(url, setup["clusters"], args.batches * EVENTS_PER_BATCH)
        except BaseException:
            print(world.log.read_text(errors="replace")[-6000:], file=sys.stderr)
            raise
        finally:
            world.stop()
            if admin is not None:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
                admin.dispose()
    return {"database": kind, **figures, "setup_s": setup["setup_s"], "wall_s": round(time.monotonic() - started, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--devices", type=int, default=None, help="simulated devices (default 1000; --quick 100)")
    parser.add_argument("--quick", action="store_true", help="100 devices")
    parser.add_argument("--batches", type=int, default=1, help="500-event batches each device flushes (1)")
    parser.add_argument("--spread-s", type=float, default=0.0,
                        help="devices come back over this many seconds (0: all at once, as after a power cut)")
    parser.add_argument("--connections", type=int, default=200, help="requests in flight at most (this process)")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-url", default=os.environ.get("LOAXA_TEST_DATABASE_URL", PG_BASE),
                        help="a PostgreSQL server where a database can be created for the run")
    parser.add_argument("--gate", choices=["on", "off"], default="on",
                        help="off: LOAXA_WRITE_SLOTS=0, the server without its write gate (for the before figures)")
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args()
    args.devices = args.devices or (100 if args.quick else 1000)
    if not 1 <= args.devices <= 5000 or not 1 <= args.batches <= 20:
        parser.error("--devices 1..5000 and --batches 1..20 (one process, loopback only)")
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    started = time.monotonic()
    runs = [one_database(kind, args) for kind in kinds]
    result = {"benchmark": "rush", "devices": args.devices, "batches_each": args.batches,
              "events_each": args.batches * EVENTS_PER_BATCH, "gate": args.gate, "spread_s": args.spread_s,
              "connections": args.connections, "quick": args.quick,
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
              "runs": runs, "wall_s": round(time.monotonic() - started, 1)}
    text = json.dumps(result, ensure_ascii=False, indent=2)
    if not args.no_save:
        out = ROOT / "bench" / "results" / f"rush{'-no-gate' if args.gate == 'off' else ''}.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(text)
    print(text)
    clean = all(r["server_errors"]["total"] == 0 and r["database_after"]["stored_twice"] == 0
                and r["database_after"]["events_stored"] == r["database_after"]["events_expected"]
                and r["database_after"]["chains_broken"] == 0 for r in runs)
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
