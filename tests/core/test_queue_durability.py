"""A Redis restart loses no task (issue 15): renders and builds queued through the app on the rq backend,
a private Redis that keeps nothing on disk killed and started again, then real `loaxa worker` processes.
The workers find in the database what Redis forgot and run every task exactly once; with the workers
running, Redis dies again while the app queues more (the app answers as usual) and comes back empty."""

import time
from collections import Counter
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from redis import Redis
from rq import Queue
from sqlmodel import Session, col, select

from api.app import create_app
from campaigns.models import ContentEvent
from core.config import Settings
from core.db import make_engine, session_scope, upgrade_database
from core.tasks import RQ_QUEUE, Task, TaskStatus, enqueue
from core.users import User, issue_user_token
from playlists.models import PlaylistBuild
from tests.campaigns.helpers import API, act, create_campaign, create_content, today
from tests.factories import build_world
from tests.processes import SECRET, RedisServer, loaxa_env, start_loaxa, stop

SHORT = "Nhắc nhở bà con giữ gìn vệ sinh môi trường."


def _all_finished(engine, timeout: float, workers) -> list[Task]:
    deadline = time.monotonic() + timeout
    while True:
        with Session(engine) as session:
            rows = list(session.exec(select(Task).order_by(col(Task.id))))
        if rows and all(t.status in (TaskStatus.done, TaskStatus.failed) for t in rows):
            return rows
        for proc, log in workers:
            assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
        if time.monotonic() > deadline:
            raise AssertionError([(t.id, t.func, t.status) for t in rows])
        time.sleep(0.2)


@pytest.fixture
def migrated(empty_db_url):
    """A database made by the migrations (as `loaxa worker` checks at start), with the test world in it."""
    upgrade_database(empty_db_url)
    engine = make_engine(empty_db_url)
    world = build_world(engine)
    yield empty_db_url, engine, world
    engine.dispose()


def headers_of(engine, username: str) -> dict[str, str]:
    with session_scope(engine) as session:
        user = session.exec(select(User).where(User.username == username)).one()
        return {"Authorization": f"Bearer {issue_user_token(session, user, minutes=60)}"}


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    server.kill()


def _build(client, headers, area_id: int, day) -> int:
    res = client.post(f"{API}/playlists/build", json={"date": str(day), "area_id": area_id, "background": True},
                      headers=headers)
    assert res.status_code == 202, res.text
    return res.json()["task_id"]


def test_a_redis_restart_loses_no_render_or_build_and_runs_none_twice(migrated, redis_server, tmp_path):
    db_url, engine, world = migrated
    settings = Settings(data_dir=tmp_path / "data", database_url=db_url, secret_key=SECRET, scheduler_enabled=False,
                        task_backend="rq", redis_url=redis_server.url)
    app = create_app(settings, engine=engine, migrate=False, start_scheduler=False)
    op, ap, admin = (headers_of(engine, name) for name in ("operator_a", "approver_a", "admin"))
    communes = [world.commune_a.id, world.commune_b.id]
    workers: list = []
    try:
        with TestClient(app) as client:
            campaign = create_campaign(client, op, [world.commune_a.id])
            contents = [create_content(client, op, campaign_id=campaign["id"], title=f"Tin {i}", body=SHORT)
                        for i in range(3)]
            renders = [act(client, op, c["id"], "submit")["render"]["task_id"] for c in contents]
            # Approved before its audio exists: the render, in a worker, queues the playlist update itself.
            assert act(client, ap, contents[0]["id"], "approve")["status"] == "approved"
            builds = [_build(client, admin, area_id, today() + timedelta(days=1)) for area_id in communes]
            # Redis held every job; it dies and comes back empty, before any worker ran one.
            redis_server.restart()
            # Two of them are put back twice, as two sweeps racing each other would: each copy may be taken
            # by another worker at the same moment; the claim lets one run. The rest wait for the sweep.
            queue = Queue(RQ_QUEUE, connection=Redis.from_url(redis_server.url))
            for task_id in (renders[0], builds[0]):
                enqueue(queue, task_id)
                enqueue(queue, task_id)
            assert queue.count == 4

            env = loaxa_env(settings.data_dir, db_url, LOAXA_TASK_BACKEND="rq", LOAXA_REDIS_URL=redis_server.url,
                            LOAXA_TASK_REQUEUE_SECONDS="1")
            for n in (1, 2):  # two workers sweep at once: the same task may be queued twice, runs once
                log = tmp_path / f"worker{n}.log"
                workers.append((start_loaxa(["worker"], env, log), log))
            first = _all_finished(engine, 180, workers)
            assert {t.id for t in first} >= set(renders + builds)

            # With the workers running, Redis dies again; the app keeps answering and records what it queues.
            redis_server.kill()
            approved = [act(client, ap, c["id"], "approve")["status"] for c in contents[1:]]
            assert approved == ["approved"] * 2
            late_build = _build(client, admin, world.commune_a.id, today() + timedelta(days=2))
            redis_server.start()
            rows = _all_finished(engine, 180, workers)
    finally:
        exits = [stop(proc) for proc, _log in workers]

    assert [(t.id, t.status, t.error) for t in rows if t.status != TaskStatus.done] == []
    funcs = Counter(t.func for t in rows)
    # One playlist update per approved content: one queued by its render in a worker, two by the app (Redis down).
    assert funcs["campaigns.render:render_revision"] == 3
    assert funcs["playlists.tasks:content_changed"] == 3
    assert funcs["playlists.tasks:build_day_task"] == 3
    with Session(engine) as session:
        rendered = Counter(e.revision_id for e in session.exec(
            select(ContentEvent).where(ContentEvent.action == "render_done")))
        assert sorted(rendered.values()) == [1, 1, 1], rendered
        manual = Counter((b.day, b.area_id) for b in session.exec(
            select(PlaylistBuild).where(PlaylistBuild.reason == "manual")))
        assert manual == {(today() + timedelta(days=1), world.commune_a.id): 1,
                          (today() + timedelta(days=1), world.commune_b.id): 1,
                          (today() + timedelta(days=2), world.commune_a.id): 1}, manual
    assert late_build in {t.id for t in rows}
    text = "".join(log.read_text(errors="replace") for _proc, log in workers)
    # Both sweeps happened; no task failed (RQ itself may log a Redis error's traceback when Redis dies).
    assert "requeued" in text and "ERROR core.tasks" not in text
    assert exits == [0, 0], text[-3000:]  # SIGTERM: both stop cleanly
