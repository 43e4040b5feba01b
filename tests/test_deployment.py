"""A deployment of many processes, tested as one (issue 15): on a PostgreSQL database of its own and a private
Redis, two `loaxa serve` on two ports, two `loaxa worker` and two `loaxa scheduler` (one active, one standing
by). Through both APIs it writes, renders and approves content, builds playlists (at once, through both),
lets the nightly job fire (LOAXA_NIGHTLY_BUILD_TIME set seconds ahead) and posts as-run (each batch
through one server, some sent again through the other). Then: every scheduled job ran once, no content
was rendered twice, every build published one version per cluster-day, every as-run event is stored
exactly once, and every hash chain verifies."""

import re
import shutil
import subprocess
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from airtime.chain import verify_cluster
from campaigns.models import ContentEvent
from core.areas import AreaLevel
from core.db import make_engine, saved_id, session_scope, upgrade_database
from core.tasks import Task, TaskStatus
from core.users import User, issue_device_token, issue_user_token
from playlists.models import Playlist, PlaylistBuild
from tests.campaigns.helpers import campaign_body, content_body
from tests.conftest import PG_BASE_URL
from tests.factories import area, build_world
from tests.ports import free_port
from tests.processes import (
    LOAXA,
    RedisServer,
    fresh_pg_database,
    loaxa_env,
    spawn_serve,
    start_loaxa,
    stop,
    wait_healthy,
)

pytestmark = [
    pytest.mark.deployment,
    pytest.mark.skipif(PG_BASE_URL is None, reason="PostgreSQL does not answer on 127.0.0.1:5432"),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed"),
]

TZ_NAME = "Asia/Ho_Chi_Minh"
EXTRA_CLUSTERS = 3  # per commune, beside the two of the test world
EVENTS = 40  # per batch; two batches per cluster
NIGHTLY_AHEAD_S = 30  # the nightly job fires this long after the schedulers are started
ACTIVE = "scheduler started; next runs"
STANDING_BY = "this process stands by"
SHA = "cd" * 32


def _local_now() -> datetime:
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(TZ_NAME))


def _ok(res: httpx.Response, *codes: int) -> dict:
    assert res.status_code in (codes or (200,)), (res.request.url, res.status_code, res.text[:500])
    return res.json()


@pytest.fixture
def database():
    assert PG_BASE_URL
    with fresh_pg_database(PG_BASE_URL, "loaxa_deploy") as url:
        upgrade_database(url)
        engine = make_engine(url)
        world = build_world(engine)
        with session_scope(engine) as s:
            for commune, prefix in ((world.commune_a, "AX"), (world.commune_b, "BX")):
                for i in range(EXTRA_CLUSTERS):
                    area(s, f"Cụm loa {prefix}{i}", AreaLevel.cluster, commune, code=f"{prefix}{i}")
        try:
            yield url, engine, world
        finally:
            engine.dispose()


def _headers(engine, username: str) -> dict[str, str]:
    with session_scope(engine) as s:
        user = s.exec(select(User).where(User.username == username)).one()
        return {"Authorization": f"Bearer {issue_user_token(s, user, minutes=120)}"}


def _device_tokens(engine, commune_ids: list[int]) -> dict[int, tuple[str, int]]:
    """cluster id -> (its device token, the index of its commune in `commune_ids`)."""
    from core.areas import Area

    tokens = {}
    with session_scope(engine) as s:
        for cluster in s.exec(select(Area).where(col(Area.parent_id).in_(commune_ids),
                                                 Area.level == AreaLevel.cluster)):
            token, _ = issue_device_token(s, cluster)
            tokens[saved_id(cluster)] = (token, commune_ids.index(int(cluster.parent_id or 0)))
    return tokens


def _wait(what: str, check, timeout: float, procs: list[tuple[subprocess.Popen, Path]]):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        for proc, log in procs:
            assert proc.poll() is None, f"{proc.args!r} exited:\n{log.read_text(errors='replace')[-3000:]}"
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(0.3)


def _batch(cluster_id: int, batch: int, content_ids: list[int], start: datetime) -> list[dict]:
    return [{"event_id": f"d{cluster_id}-{batch}-{i}", "content_id": content_ids[i % len(content_ids)],
             "started_at": (start + timedelta(seconds=60 * (batch * EVENTS + i))).isoformat(),
             "duration_ms": 30_000, "status": "played"} for i in range(EVENTS)]


def test_two_servers_two_workers_two_schedulers_do_everything_once(database, tmp_path):
    url, engine, world = database
    began = time.monotonic()
    communes = [world.commune_a, world.commune_b]
    redis = RedisServer(tmp_path / "redis")
    redis.start()
    env = loaxa_env(tmp_path / "var", url, LOAXA_TASK_BACKEND="rq", LOAXA_REDIS_URL=redis.url,
                    LOAXA_SCHEDULER_ENABLED="false", LOAXA_TASK_REQUEUE_SECONDS="2", LOAXA_TIMEZONE=TZ_NAME)
    procs: list[tuple[subprocess.Popen, Path]] = []
    ports = [free_port(), free_port()]
    try:
        serves = []
        for n, port in enumerate(ports):
            log = tmp_path / f"serve{n}.log"
            serves.append((spawn_serve(env, port, log), log))
        for n in range(2):
            log = tmp_path / f"worker{n}.log"
            procs.append((start_loaxa(["worker"], env, log), log))
        for (proc, log), port in zip(serves, ports, strict=True):
            wait_healthy(proc, port, log)
        procs += serves
        apis = [httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", timeout=120) for port in ports]
        # Commune A is run through the first server, commune B through the second; approvals cross over.
        ops = [_headers(engine, "operator_a"), _headers(engine, "operator_b")]
        aps = [_headers(engine, "approver_a"), _headers(engine, "approver_b")]
        admin = _headers(engine, "admin")
        today = _local_now().date()

        _ok(apis[0].post("/slots", headers=admin, json={"area_id": world.province.id, "name": "Bản tin sáng",
                                                         "start_time": "05:30", "duration_minutes": 30}), 201)
        contents: list[int] = []
        for n, commune in enumerate(communes):
            campaign = _ok(apis[n].post("/campaigns", headers=ops[n], json=campaign_body([commune.id])), 201)
            for i in range(2):
                body = content_body(title=f"Tin {commune.name} {i}", campaign_id=campaign["id"],
                                    body=f"Thông báo số {i + 1} về lịch tiêm phòng cho đàn gia súc, gia cầm.")
                item = _ok(apis[n].post("/contents", headers=ops[n], json=body), 201)
                _ok(apis[n].post(f"/contents/{item['id']}/submit", headers=ops[n]))
                contents.append(item["id"])

        def rendered() -> bool:
            return all(_ok(apis[i % 2].get(f"/contents/{cid}", headers=admin))["render"]["status"] == "ready"
                       for i, cid in enumerate(contents))

        _wait("renders", rendered, 90, procs)
        for i, cid in enumerate(contents):  # approved through the other server than the one that wrote it
            n = i // 2
            assert _ok(apis[1 - n].post(f"/contents/{cid}/approve", headers=aps[n]))["status"] == "approved"

        # Builds through both APIs at once: today per commune, and the whole province twice over.
        asks = [(0, {"date": str(today), "area_id": world.commune_a.id}),
                (1, {"date": str(today), "area_id": world.commune_b.id}),
                (0, {"date": str(today), "area_id": world.province.id}),
                (1, {"date": str(today), "area_id": world.province.id})]
        with ThreadPoolExecutor(len(asks)) as pool:
            answers = list(pool.map(lambda a: _ok(apis[a[0]].post("/playlists/build", headers=admin, json=a[1])),
                                    asks))
        assert all(a["playlists"] >= 2 for a in answers), answers

        # The schedulers: the nightly job a few seconds ahead (a full second, so the cron fires once).
        nightly_at = _local_now() + timedelta(seconds=NIGHTLY_AHEAD_S)
        sched_env = {**env, "LOAXA_NIGHTLY_BUILD_TIME": nightly_at.strftime("%H:%M:%S")}
        sched_logs = [tmp_path / "scheduler0.log", tmp_path / "scheduler1.log"]
        for log in sched_logs:  # both at once: either may win the lock
            procs.append((start_loaxa(["scheduler"], sched_env, log), log))

        def roles() -> tuple[str, str] | None:
            texts = [log.read_text(errors="replace") for log in sched_logs]
            for active, standby in ((0, 1), (1, 0)):
                if ACTIVE in texts[active] and STANDING_BY in texts[standby]:
                    return sched_logs[active].name, sched_logs[standby].name
            return None

        active_log, standby_log = _wait("one active scheduler, one standing by", roles, 60, procs)
        assert _local_now() < nightly_at, "the schedulers took longer to start than NIGHTLY_AHEAD_S"

        # As-run from every cluster of both communes: batch 0 through one server, batch 1 through the other,
        # and batch 0 again through the other (a device unsure whether its first send arrived).
        tokens = _device_tokens(engine, [c.id for c in communes])
        start = datetime.now(UTC) - timedelta(days=1)
        sends = []
        for cid in tokens:
            first_api = cid % 2
            sends += [(first_api, cid, 0), (1 - first_api, cid, 1), (1 - first_api, cid, 0)]

        def send(s) -> dict:
            n, cid, batch = s
            token, commune = tokens[cid]
            own = contents[2 * commune:2 * commune + 2]  # the contents sent to the cluster's commune
            res = _ok(apis[n].post(f"/clusters/{cid}/plays", json={"events": _batch(cid, batch, own, start)},
                                   headers={"Authorization": f"Bearer {token}"}))
            assert res["rejected"] == 0, res
            return res

        with ThreadPoolExecutor(8) as pool:
            acks = list(pool.map(send, sends))
        assert sum(a["accepted"] for a in acks) == len(tokens) * 2 * EVENTS
        assert sum(a["duplicates"] for a in acks) == len(tokens) * EVENTS

        def nightly_done() -> bool:
            with Session(engine) as s:
                return s.exec(select(PlaylistBuild).where(PlaylistBuild.reason == "nightly",
                                                          PlaylistBuild.status == "published")).first() is not None

        _wait("nightly build", nightly_done, NIGHTLY_AHEAD_S + 60, procs)

        def tasks_finished() -> bool:
            with Session(engine) as s:
                return s.exec(select(Task).where(col(Task.status).in_([TaskStatus.queued, TaskStatus.running]))
                              ).first() is None

        _wait("tasks", tasks_finished, 60, procs)
        for client in apis:
            client.close()
    finally:
        exits = {str(log.name): stop(proc) for proc, log in procs}
        redis.kill()
    logs = {path.name: path.read_text(errors="replace") for _proc, path in procs}
    print(f"deployment test: {time.monotonic() - began:.1f} s with {len(procs)} processes")
    # SIGTERM stops each cleanly (uvicorn, once shut down, ends by the signal it caught: -15).
    assert all(code == (-15 if name.startswith("serve") else 0) for name, code in exits.items()), exits
    assert all("Application shutdown complete" in logs[f"serve{n}.log"] for n in range(2))
    for name, text in logs.items():
        assert "Traceback" not in text or name.startswith("worker"), (name, text[-3000:])
        assert "ERROR core.tasks" not in text, (name, text[-3000:])

    # Each scheduled job ran once: one active scheduler, and the standby never ran anything.
    sched = logs[active_log] + logs[standby_log]
    assert sched.count("scheduled job nightly_build starting") == 1
    assert sched.count("scheduled job ensure_days_built starting") == 1
    assert "scheduled job" not in logs[standby_log] and ACTIVE not in logs[standby_log]
    alarm_minutes = Counter(re.findall(r"^(\S+ \d\d:\d\d):\d\d,\d+ INFO scheduler.jobs: scheduled job check_alarms "
                                       r"starting", sched, flags=re.M))
    assert all(n == 1 for n in alarm_minutes.values()), alarm_minutes

    with Session(engine) as s:
        # No content rendered twice; every task ran and ended done.
        tasks = list(s.exec(select(Task)))
        assert [(t.id, t.func, t.status, t.error) for t in tasks if t.status != TaskStatus.done] == []
        renders = Counter(e.content_id for e in s.exec(select(ContentEvent)
                                                       .where(ContentEvent.action == "render_done")))
        assert renders == dict.fromkeys(contents, 1), renders
        assert Counter(t.func for t in tasks)["campaigns.render:render_revision"] == len(contents)

        # Builds: all published; each published one version per cluster-day; one current per cluster-day.
        builds = list(s.exec(select(PlaylistBuild)))
        assert {b.status for b in builds} == {"published"}, [(b.id, b.reason, b.status, b.error) for b in builds]
        nightly = [b for b in builds if b.reason == "nightly"]
        assert len(nightly) == 1
        assert nightly[0].day == nightly_at.date() + timedelta(days=1)
        per_build = Counter((p.build_id, p.cluster_id, p.day) for p in s.exec(select(Playlist)))
        assert set(per_build.values()) == {1}
        current = Counter((p.cluster_id, p.day) for p in s.exec(select(Playlist).where(col(Playlist.is_current))))
        assert set(current.values()) == {1}
        clusters_total = s.execute(sa.text("SELECT COUNT(*) FROM area WHERE level = 'cluster'")).scalar_one()
        assert sum(1 for (_c, day) in current if day == nightly[0].day) == clusters_total

        # As-run: every event once, none lost; every chain verifies.
        stored = Counter(s.execute(sa.text("SELECT cluster_id FROM play_event")).scalars())
        assert stored == dict.fromkeys(tokens, 2 * EVENTS)
        distinct = s.execute(sa.text("SELECT COUNT(DISTINCT (cluster_id, event_id)) FROM play_event")).scalar_one()
        assert distinct == len(tokens) * 2 * EVENTS
        assert all(verify_cluster(s, cid).ok for cid in tokens)
    verified = subprocess.run([str(LOAXA), "reports", "verify"], env=env, capture_output=True, text=True, timeout=120)
    assert verified.returncode == 0, verified.stdout + verified.stderr
