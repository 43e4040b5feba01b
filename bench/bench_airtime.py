"""Airtime benchmark: ingest a province-year of as-run events, then report on it.

Long on purpose: one benchmark that reads top to bottom: the synthetic province, each measured phase, the
report.

    .venv/bin/python bench/bench_airtime.py                 # 10 million events, SQLite and PostgreSQL
    .venv/bin/python bench/bench_airtime.py --events 500000 --backends sqlite

What it does, per backend, on a fresh database (SQLite file under /tmp; PostgreSQL: its own
database on 127.0.0.1:5432, dropped afterwards):
1. a synthetic province: `--communes` communes × 12 clusters, 5 campaigns with weekly targets,
   300 approved content items;
2. ingest: every cluster reports its days (2 bulletins × 10 items a day) in batches of `--batch`
   events through the service layer (`airtime.ingest.ingest_plays`, one transaction per batch,
   as the API does; events as JSON-ready dicts with ISO timestamps, as a device sends them).
   Timed: the service calls only (generation is outside the clock); events/s;
   optionally a sample over real HTTP (`--http-sample`, uvicorn on a free port);
3. the published plan of the same cluster-days (one playlist item per event), bulk-inserted;
4. reports for the whole period grouped by campaign and by commune (`airtime.reports.airtime_rows`),
   against the same aggregate written as one plain SQL statement in the same run: latency (median of
   `--repeat` runs after one warm-up) and the ratio;
5. storage per million events (table and indexes).
Prints one JSON document (also written to bench/results/airtime.json unless --no-save).
"""

import argparse
import hashlib
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import Engine, make_url  # noqa: E402

from airtime.aggregate import (  # noqa: E402
    ReportQuery,
    _aired,
    _planned,
    _planned_by_campaign,
    _sql_key,
    aggregate_statement,
)
from airtime.ingest import ingest_plays  # noqa: E402
from airtime.reports import airtime_rows  # noqa: E402
from campaigns.models import Campaign, CampaignArea, Content, ContentRevision  # noqa: E402
from core.areas import Area, AreaLevel, get_area  # noqa: E402
from core.db import create_all, make_engine, saved_id, session_scope, table_of  # noqa: E402
from playlists.models import PlanItem, Playlist, PlaylistItem  # noqa: E402

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PG_BASE = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
CLUSTERS_PER_COMMUNE = 12
ITEMS_PER_SLOT = 10
SLOTS = ((6, 0), (17, 30))  # local start of the morning and evening bulletins
EVENTS_PER_DAY = ITEMS_PER_SLOT * len(SLOTS)
CAMPAIGNS = 5
CONTENTS = 300
FIRST_DAY = date(2025, 1, 1)


# ---------------------------------------------------------------- set-up


def _pg_database(base: str) -> tuple[str, str]:
    name = f"loaxa_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False), name


def _drop_pg(base: str, name: str) -> None:
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def build_province(engine: Engine, communes: int) -> tuple[int, list[int], dict[int, int]]:
    """Province id, cluster ids, cluster -> commune."""
    area = table_of(Area)
    with engine.begin() as conn:
        province = conn.execute(area.insert().values(name="Tỉnh Thử Nghiệm", level=AreaLevel.province.value,
                                                     code="BENCH", path="", created_at=datetime(2024, 1, 1,
                                                                                                tzinfo=UTC))
                                .returning(area.c.id)).scalar_one()
        conn.execute(area.update().where(area.c.id == province).values(path=f"/{province}/"))
        cluster_of: dict[int, int] = {}
        for c in range(communes):
            commune = conn.execute(area.insert().values(
                name=f"Xã {c + 1:03d}", level=AreaLevel.commune.value, code=f"X{c:05d}", parent_id=province,
                path="", created_at=datetime(2024, 1, 1, tzinfo=UTC)).returning(area.c.id)).scalar_one()
            conn.execute(area.update().where(area.c.id == commune).values(path=f"/{province}/{commune}/"))
            for k in range(CLUSTERS_PER_COMMUNE):
                cl = conn.execute(area.insert().values(
                    name=f"Cụm loa thôn {k + 1}", level=AreaLevel.cluster.value, code=f"C{k}", parent_id=commune,
                    path="", created_at=datetime(2024, 1, 1, tzinfo=UTC)).returning(area.c.id)).scalar_one()
                conn.execute(area.update().where(area.c.id == cl).values(path=f"/{province}/{commune}/{cl}/"))
                cluster_of[cl] = commune
    return province, sorted(cluster_of), cluster_of


def build_content(engine: Engine, province: int, days: int) -> list[tuple[int, int, int | None]]:
    """(content id, duration ms, campaign id) for CONTENTS approved items over CAMPAIGNS campaigns."""
    rng = random.Random(7)
    last = FIRST_DAY + timedelta(days=days)
    out = []
    with session_scope(engine) as s:
        campaigns = []
        for k in range(CAMPAIGNS):
            c = Campaign(name=f"Chiến dịch {k + 1}", starts_on=FIRST_DAY, ends_on=last,
                         target_minutes_per_week=30.0 + 10 * k)
            s.add(c)
            s.flush()
            s.add(CampaignArea(campaign_id=saved_id(c), area_id=province))
            campaigns.append(c.id)
        for i in range(CONTENTS):
            campaign = campaigns[i % CAMPAIGNS] if i % 10 else None  # a tenth has no campaign
            content = Content(title=f"Tin bài {i}", campaign_id=campaign, valid_from=FIRST_DAY, valid_until=last,
                              status="approved")
            s.add(content)
            s.flush()
            rev = ContentRevision(content_id=saved_id(content), title=content.title, body="...", valid_from=FIRST_DAY,
                                  valid_until=last, status="approved",
                                  decided_at=datetime(2024, 12, 1, tzinfo=UTC))
            s.add(rev)
            s.flush()
            content.airing_revision_id = rev.id
            s.add(content)
            out.append((saved_id(content), rng.randint(30, 300) * 1000, campaign))
    return out


def commune_plan(rng: random.Random, day: date, contents: list) -> list[tuple[datetime, int, int]]:
    """A commune's plan for a day, (start, content id, planned ms): its clusters all hear it, as a build
    gives clusters with equal inputs one shared plan (same plan_hash)."""
    plan = []
    picks = rng.sample(contents, EVENTS_PER_DAY)
    n = 0
    for hh, mm in SLOTS:
        at = datetime(day.year, day.month, day.day, hh, mm, tzinfo=TZ)
        for _ in range(ITEMS_PER_SLOT):
            content_id, planned, _campaign = picks[n]
            n += 1
            plan.append((at, content_id, planned))
            at += timedelta(milliseconds=planned + 2000)
    return plan


def cluster_day_events(rng: random.Random, plan: list[tuple[datetime, int, int]]) -> list[dict[str, Any]]:
    """What one cluster reports of its plan: mostly played, some interrupted, skipped or failed."""
    events = []
    for at, content_id, planned in plan:
        r = rng.random()
        status = "played" if r < 0.90 else "interrupted" if r < 0.95 else "skipped" if r < 0.98 else "failed"
        duration = planned if status == "played" else planned // 2 if status == "interrupted" else 0
        events.append({"event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "content_id": content_id,
                       "started_at": at.isoformat(), "duration_ms": duration, "status": status})
    return events


# ---------------------------------------------------------------- ingest


def run_ingest(engine: Engine, clusters: list[int], commune_of: dict[int, int], contents: list, days: int,
               batch: int, events_wanted: int, plans: dict | None) -> dict[str, Any]:
    """Batches of `batch` events per cluster, walking the period in windows of batch/20 days."""
    rng = random.Random(11)
    window = max(1, batch // EVENTS_PER_DAY)
    service_s = 0.0
    sent = accepted = 0
    batches = 0
    wall0 = time.perf_counter()
    for first in range(0, days, window):
        span = [FIRST_DAY + timedelta(days=d) for d in range(first, min(days, first + window))]
        window_plans: dict[tuple[int, date], list] = {}
        for cluster in clusters:
            evs: list[dict[str, Any]] = []
            for day in span:
                key = (commune_of[cluster], day)
                if key not in window_plans:
                    window_plans[key] = commune_plan(rng, day, contents)
                evs.extend(cluster_day_events(rng, window_plans[key]))
                if plans is not None:
                    plans.setdefault(key, {"plan": window_plans[key], "clusters": []})["clusters"].append(cluster)
            if sent + len(evs) > events_wanted:
                evs = evs[:events_wanted - sent]
            if not evs:
                break
            for start in range(0, len(evs), batch):
                chunk = evs[start:start + batch]
                t0 = time.perf_counter()
                with session_scope(engine) as s:
                    result = ingest_plays(s, cluster_id=cluster, events=chunk, tz=TZ,
                                          now=datetime(2100, 1, 1, tzinfo=UTC))
                service_s += time.perf_counter() - t0
                accepted += result.accepted
                sent += len(chunk)
                batches += 1
        if sent >= events_wanted:
            break
    wall = time.perf_counter() - wall0
    return {"events": sent, "accepted": accepted, "batches": batches, "batch_size": batch,
            "service_seconds": round(service_s, 2), "events_per_second": round(sent / service_s),
            "wall_seconds_incl_generation": round(wall, 2)}


def run_http_sample(engine: Engine, url: str, clusters: list[int], contents: list, n_events: int,
                    batch: int) -> dict[str, Any]:
    """The same ingest over real HTTP (uvicorn in a thread, httpx client), for a sample."""
    import socket
    import threading

    import httpx
    import uvicorn

    from api.app import create_app
    from core.config import Settings
    from core.users import issue_device_token

    tmp = tempfile.TemporaryDirectory(prefix="loaxa-bench-http-")
    settings = Settings(data_dir=Path(tmp.name), database_url=url, secret_key="bench-secret-key-0123456789",
                        scheduler_enabled=False)
    app = create_app(settings, engine=engine, migrate=False, start_scheduler=False)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    rng = random.Random(99)
    later = FIRST_DAY - timedelta(days=400)  # days nobody else reported: all new events
    try:
        sent = 0
        elapsed = 0.0
        with httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", timeout=60) as client:
            cl_index = 0
            while sent < n_events:
                cluster = clusters[cl_index % len(clusters)]
                cl_index += 1
                with session_scope(engine) as s:
                    token, _ = issue_device_token(s, get_area(s, cluster))
                evs: list[dict[str, Any]] = []
                day = later
                with engine.connect() as conn:  # a device reports only what its playlists carried
                    carried = set(conn.execute(sa.select(PlaylistItem.content_id)  # type: ignore[call-overload]
                                               .where(PlaylistItem.cluster_id == cluster).distinct()).scalars())
                while len(evs) < batch:
                    evs.extend(e for e in cluster_day_events(rng, commune_plan(rng, day, contents))
                               if e["content_id"] in carried)
                    day += timedelta(days=1)
                payload = evs[:batch]
                t0 = time.perf_counter()
                res = client.post(f"/clusters/{cluster}/plays", json={"events": payload},
                                  headers={"Authorization": f"Bearer {token}"})
                elapsed += time.perf_counter() - t0
                res.raise_for_status()
                assert res.json()["rejected"] == 0, res.json()["errors"][:3]  # every event really stored
                sent += len(payload)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        tmp.cleanup()
    return {"events": sent, "batch_size": batch, "seconds": round(elapsed, 2),
            "events_per_second": round(sent / elapsed)}


# ---------------------------------------------------------------- the plan


def insert_plan(engine: Engine, plans: dict) -> dict[str, Any]:
    """The published plan of the same cluster-days, as the playlists package stores it: one current
    playlist per cluster-day (clusters of a commune share a plan_hash) and its plan's items, stored once
    per plan (bulk, untimed)."""
    t0 = time.perf_counter()
    playlists = table_of(Playlist)
    items = table_of(PlanItem)
    with engine.begin() as conn:
        content = table_of(Content)
        campaign_of: dict[int, int | None] = dict(conn.execute(sa.select(content.c.id, content.c.campaign_id)).all())
    keys = sorted(plans)
    n_playlists = n_items = 0
    for start in range(0, len(keys), 200):
        with engine.begin() as conn:
            for commune, day in keys[start:start + 200]:
                entry = plans[(commune, day)]
                plan_hash = hashlib.sha256(f"{commune}:{day}".encode()).hexdigest()
                ids = conn.execute(playlists.insert().returning(playlists.c.id, sort_by_parameter_order=True), [
                    {"cluster_id": c, "day": day, "version": 1, "etag": "e", "inputs_hash": plan_hash,
                     "plan_hash": plan_hash, "built_at": datetime(2024, 12, 31, tzinfo=UTC), "is_current": True,
                     "item_count": len(entry["plan"])} for c in entry["clusters"]]).scalars().all()
                # A plan's items are stored once (plan_item) and read by each of its playlists (playlist_item).
                rows = [{"plan_hash": plan_hash, "slot_index": pos // ITEMS_PER_SLOT, "slot_name": "Bản tin",
                         "slot_starts_at": at, "slot_ends_at": at, "position": pos, "kind": "content",
                         "content_id": content_id, "revision_id": None, "campaign_id": campaign_of.get(content_id),
                         "level": "normal", "title": "Tin", "starts_at": at, "duration_ms": planned,
                         "sha256": "0" * 64, "ext": "mp3"}
                        for pos, (at, content_id, planned) in enumerate(entry["plan"])]
                conn.execute(items.insert(), rows)
                n_playlists += len(ids)
                n_items += len(rows) * len(ids)
    return {"playlists": n_playlists, "items": n_items, "seconds": round(time.perf_counter() - t0, 2)}


# ---------------------------------------------------------------- reports


PLAIN = {
    # The same aggregates as a person would write them by hand: join to the dimension, GROUP BY.
    "campaign": """
        SELECT k, SUM(p), SUM(a) FROM (
          SELECT c.campaign_id AS k, 0 AS p, SUM(e.duration_ms) AS a
            FROM play_event e JOIN content c ON c.id = e.content_id
           WHERE e.local_day BETWEEN :f AND :t AND e.status IN ('played', 'interrupted')
           GROUP BY c.campaign_id
          UNION ALL
          SELECT c.campaign_id, SUM(i.duration_ms), 0
            FROM playlist_item i JOIN playlist p ON p.id = i.playlist_id JOIN content c ON c.id = i.content_id
           WHERE p.is_current AND p.day BETWEEN :f AND :t
           GROUP BY c.campaign_id) u
        GROUP BY k""",
    "commune": """
        SELECT k, SUM(p), SUM(a) FROM (
          SELECT ar.parent_id AS k, 0 AS p, SUM(e.duration_ms) AS a
            FROM play_event e JOIN area ar ON ar.id = e.cluster_id
           WHERE e.local_day BETWEEN :f AND :t AND e.status IN ('played', 'interrupted')
           GROUP BY ar.parent_id
          UNION ALL
          SELECT ar.parent_id, SUM(i.duration_ms), 0
            FROM playlist_item i JOIN playlist p ON p.id = i.playlist_id JOIN area ar ON ar.id = p.cluster_id
           WHERE p.is_current AND p.day BETWEEN :f AND :t AND i.content_id IS NOT NULL
           GROUP BY ar.parent_id) u
        GROUP BY k""",
}


# The roll-up baseline: the aired totals a person would keep by hand (a plain table of
# (cluster, local day, campaign) sums with its primary key, filled by one INSERT ... SELECT), and the
# plain aggregates over it. "aired only" is the roll-up alone; "with plan" adds the same planned
# part as PLAIN (the plan is read from playlist items either way).
HAND_BUILD = """
    INSERT INTO hand_rollup (cluster_id, local_day, campaign_id, aired_ms)
    SELECT e.cluster_id, e.local_day, COALESCE(c.campaign_id, 0), SUM(e.duration_ms)
      FROM play_event e LEFT JOIN content c ON c.id = e.content_id
     WHERE e.content_id IS NOT NULL AND e.status IN ('played', 'interrupted')
     GROUP BY e.cluster_id, e.local_day, COALESCE(c.campaign_id, 0)"""
HAND_AIRED = {
    "campaign": """SELECT campaign_id AS k, 0 AS p, SUM(aired_ms) AS a FROM hand_rollup
                    WHERE local_day BETWEEN :f AND :t GROUP BY campaign_id""",
    "commune": """SELECT ar.parent_id AS k, 0 AS p, SUM(h.aired_ms) AS a
                    FROM hand_rollup h JOIN area ar ON ar.id = h.cluster_id
                   WHERE h.local_day BETWEEN :f AND :t GROUP BY ar.parent_id""",
}
HAND_PLANNED = {
    "campaign": """SELECT COALESCE(c.campaign_id, 0), SUM(i.duration_ms), 0
            FROM playlist_item i JOIN playlist p ON p.id = i.playlist_id JOIN content c ON c.id = i.content_id
           WHERE p.is_current AND p.day BETWEEN :f AND :t
           GROUP BY COALESCE(c.campaign_id, 0)""",
    "commune": PLAIN["commune"].split("UNION ALL")[1].rsplit(") u", 1)[0],
}


def build_hand_rollup(engine: Engine) -> dict[str, Any]:
    t0 = time.perf_counter()
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS hand_rollup")
        conn.exec_driver_sql("CREATE TABLE hand_rollup (cluster_id INTEGER NOT NULL, local_day DATE NOT NULL, "
                             "campaign_id INTEGER NOT NULL, aired_ms BIGINT NOT NULL, "
                             "PRIMARY KEY (cluster_id, local_day, campaign_id))")
        conn.exec_driver_sql(HAND_BUILD)
        rows = conn.exec_driver_sql("SELECT COUNT(*) FROM hand_rollup").scalar_one()
        kept = conn.exec_driver_sql("SELECT COUNT(*) FROM airtime_rollup").scalar_one()
    return {"rows": rows, "airtime_rollup_rows": kept, "seconds": round(time.perf_counter() - t0, 2)}


def _timed(fn, repeat: int) -> tuple[float, list[float], Any]:
    first_t0 = time.perf_counter()
    result = fn()
    first = time.perf_counter() - first_t0
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return first, times, result


def run_reports(engine: Engine, province: int, days: int, repeat: int, with_plain: bool = True) -> dict[str, Any]:
    day_to = FIRST_DAY + timedelta(days=days - 1)
    out: dict[str, Any] = {"period": [FIRST_DAY.isoformat(), day_to.isoformat()]}
    with session_scope(engine) as s:
        area = s.get(Area, province)
    for name, q in (("campaign", ReportQuery(FIRST_DAY, day_to, "campaign", area, tz=TZ)),
                    ("commune", ReportQuery(FIRST_DAY, day_to, "area", area, area_level=AreaLevel.commune,
                                              tz=TZ))):
        def service(q=q):
            with session_scope(engine) as s:
                return airtime_rows(s, q)

        def plain(name=name):
            with engine.connect() as conn:
                return conn.execute(sa.text(PLAIN[name]), {"f": FIRST_DAY, "t": day_to}).all()

        def service_sql(q=q):
            with engine.connect() as conn:
                return conn.execute(aggregate_statement(q, cluster_filter=False, dialect=engine.dialect.name)).all()

        key = _sql_key(q.group_by)

        def service_aired(q=q, key=key):
            with engine.connect() as conn:
                return conn.execute(_aired(q, key, False)).all()

        def service_planned(q=q, key=key):
            planned = (_planned_by_campaign(q, False, engine.dialect.name) if key == "campaign"
                       else _planned(q, key, False, engine.dialect.name))
            with engine.connect() as conn:
                return conn.execute(planned).all()

        def hand(name=name):
            with engine.connect() as conn:
                return conn.execute(sa.text(HAND_AIRED[name]), {"f": FIRST_DAY, "t": day_to}).all()

        def hand_with_plan(name=name):
            sql = f"SELECT k, SUM(p), SUM(a) FROM ({HAND_AIRED[name]} UNION ALL {HAND_PLANNED[name]}) u GROUP BY k"
            with engine.connect() as conn:
                return conn.execute(sa.text(sql), {"f": FIRST_DAY, "t": day_to}).all()

        first_s, times_s, rows = _timed(service, repeat)
        med = {label: statistics.median(_timed(fn, repeat)[1]) for label, fn in (
            ("service_sql_only", service_sql), ("service_aired_only", service_aired),
            ("service_planned_only", service_planned), ("hand_rollup_aired_only", hand),
            ("hand_rollup_with_plan", hand_with_plan))}
        hand_rows = hand()
        first_p, times_p, plain_rows = _timed(plain, repeat) if with_plain else (0.0, [0.0], [])
        med_s, med_p = statistics.median(times_s), statistics.median(times_p)
        # Same totals every way, or the comparison means nothing.
        service_total = round(sum(r.aired_seconds for r in rows) * 1000)
        hand_aired = sum(int(r[2] or 0) for r in hand_rows)
        out[name] = {"rows": len(rows), "service_first_s": round(first_s, 3), "service_median_s": round(med_s, 3),
                     **{f"{label}_median_s": round(v, 3) for label, v in med.items()},
                     "ratio_service_to_hand_rollup_with_plan": round(med_s / med["hand_rollup_with_plan"], 2),
                     "ratio_service_aired_to_hand_rollup_aired": round(med["service_aired_only"]
                                                                       / med["hand_rollup_aired_only"], 2),
                     "totals_match_hand_rollup": service_total == hand_aired}
        if with_plain:
            plain_aired = sum(int(r[2] or 0) for r in plain_rows)
            out[name].update({"plain_sql_over_events_first_s": round(first_p, 3),
                              "plain_sql_over_events_median_s": round(med_p, 3),
                              "ratio_service_to_plain_over_events": round(med_s / med_p, 2),
                              "totals_match_plain_over_events": service_total == plain_aired})
    return out


# ---------------------------------------------------------------- storage


def storage(engine: Engine, events: int) -> dict[str, Any]:
    per_m = 1_000_000 / max(1, events)
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            table = conn.execute(sa.text("SELECT pg_table_size('play_event')")).scalar_one()
            indexes = conn.execute(sa.text("SELECT pg_indexes_size('play_event')")).scalar_one()
            detail = dict(conn.execute(sa.text(
                "SELECT indexrelname, pg_relation_size(indexrelid) FROM pg_stat_user_indexes "
                "WHERE relname = 'play_event'")).all())
        else:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            sizes: dict[str, int] = dict(conn.execute(sa.text(
                "SELECT d.name, SUM(d.pgsize) FROM dbstat d JOIN sqlite_master m ON m.name = d.name "
                "WHERE m.tbl_name = 'play_event' GROUP BY d.name")).all()) if _has_dbstat(conn) else {}
            table = sizes.pop("play_event", 0)
            indexes = sum(sizes.values())
            detail = sizes
        rollup = (conn.execute(sa.text("SELECT pg_total_relation_size('airtime_rollup')")).scalar_one()
                  if engine.dialect.name == "postgresql" else
                  conn.execute(sa.text("SELECT SUM(d.pgsize) FROM dbstat d JOIN sqlite_master m ON m.name = d.name "
                                       "WHERE m.tbl_name = 'airtime_rollup'")).scalar_one() if detail else 0)
    mb = 1024 * 1024
    return {"table_mb": round(table / mb, 1), "indexes_mb": round(indexes / mb, 1),
            "airtime_rollup_mb_per_million_events": round((rollup or 0) * per_m / mb, 1),
            "total_mb_per_million_events": round((table + indexes) * per_m / mb, 1),
            "table_mb_per_million_events": round(table * per_m / mb, 1),
            "index_mb_per_million_events": {k: round(v * per_m / mb, 1) for k, v in detail.items()}}


def _has_dbstat(conn) -> bool:
    try:
        conn.execute(sa.text("SELECT 1 FROM dbstat LIMIT 1"))
        return True
    except sa.exc.OperationalError:
        return False


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- main


def run_backend(backend: str, args) -> dict[str, Any]:
    pg_name = None
    tmp = None
    if backend == "sqlite":
        tmp = tempfile.mkdtemp(prefix="loaxa-bench-")
        url = f"sqlite:///{tmp}/bench.db"
    else:
        url, pg_name = _pg_database(args.pg_base)
    engine = make_engine(url)
    try:
        create_all(engine)
        clusters_total = args.communes * CLUSTERS_PER_COMMUNE
        days = max(1, -(-args.events // (clusters_total * EVENTS_PER_DAY)))
        province, clusters, commune_of = build_province(engine, args.communes)
        contents = build_content(engine, province, days)
        plans: dict | None = {} if args.plan else None
        log(f"{backend}: ingest of {args.events} events, {clusters_total} clusters, {days} days")
        ingest = run_ingest(engine, clusters, commune_of, contents, days, args.batch, args.events, plans)
        result: dict[str, Any] = {"url": make_url(url).render_as_string(hide_password=True),
                                  "clusters": clusters_total, "days": days, "ingest": ingest}
        log(f"{backend}: ingest {ingest}")
        if plans is not None:
            log(f"{backend}: inserting the plan")
            result["plan"] = insert_plan(engine, plans)
            plans.clear()
        if args.http_sample and plans is not None:
            # After the plan: a device may only report contents its cluster's playlists carried.
            result["ingest_http_sample"] = run_http_sample(engine, url, clusters, contents, args.http_sample,
                                                           args.batch)
        with engine.connect() as conn:
            if backend == "postgresql":
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
            else:
                conn.exec_driver_sql("ANALYZE")
                conn.commit()
        log(f"{backend}: the hand-built roll-up")
        result["hand_rollup"] = build_hand_rollup(engine)
        with engine.connect() as conn:
            if backend == "postgresql":
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE hand_rollup")
            else:
                conn.exec_driver_sql("ANALYZE hand_rollup")
                conn.commit()
        log(f"{backend}: reports")
        result["reports"] = run_reports(engine, province, days, args.repeat, args.plain)
        result["storage"] = storage(engine, ingest["events"])
        # Other processes on the machine (tests, other benchmarks) skew every figure: say how busy it was.
        result["load_average_at_end"] = os.getloadavg()
        return result
    finally:
        engine.dispose()
        if pg_name and not args.keep:
            _drop_pg(args.pg_base, pg_name)
        if tmp and not args.keep:
            for f in Path(tmp).glob("*"):
                f.unlink()
            os.rmdir(tmp)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--quick", action="store_true", help="200,000 events")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--communes", type=int, default=120, help="× 12 clusters each")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-base", default=PG_BASE, help="a database to connect to for CREATE DATABASE")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-plan", dest="plan", action="store_false", help="skip the published plan")
    parser.add_argument("--http-sample", type=int, default=20_000,
                        help="events sent over HTTP too, after the plan (0 or --no-plan: none)")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--no-plain-over-events", dest="plain", action="store_false",
                        help="skip the plain aggregate over the events (the slow pre-roll-up reference)")
    parser.add_argument("--no-save", dest="save", action="store_false")
    args = parser.parse_args(argv)
    if args.quick:
        args.events = 200_000
    out: dict[str, Any] = {
        "benchmark": "airtime", "events_requested": args.events, "batch": args.batch,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "load_average_at_start": os.getloadavg()},
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "goals": {"ingest_events_per_second": 20_000, "year_report_seconds": 1.0,
                  "ratio_to_hand_rollup_sql": 2.0},
        "backends": {},
    }
    for backend in args.backends.split(","):
        out["backends"][backend] = run_backend(backend.strip(), args)
        log(f"{backend}: {json.dumps(out['backends'][backend], ensure_ascii=False)}")  # kept if a later one fails
    print(json.dumps(out, indent=2, ensure_ascii=False))
    if args.save:
        results = ROOT / "bench" / "results"
        results.mkdir(exist_ok=True)
        tmp = results / "airtime.json.tmp"
        tmp.write_text(json.dumps(out, indent=2, ensure_ascii=False))
        tmp.replace(results / "airtime.json")
    return out


if __name__ == "__main__":
    main()
