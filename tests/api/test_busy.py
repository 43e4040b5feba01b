"""A server out of database connections is busy, not broken: 503 with Retry-After and a Vietnamese message
(agents wait and send the same again), never a 500. And the SQLite pool fits every request thread."""

import threading
from pathlib import Path

import sqlalchemy as sa
from fastapi.testclient import TestClient

from core.config import Settings
from core.db import create_all, make_engine


def test_the_sqlite_pool_fits_every_request_thread(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        assert engine.pool.size() >= 40  # type: ignore[attr-defined]  # anyio runs 40 sync endpoints at once
    finally:
        engine.dispose()
    memory = make_engine("sqlite://")  # an in-memory database keeps its own pool
    memory.dispose()


def test_an_exhausted_pool_answers_503_with_retry_after(tmp_path: Path) -> None:
    from api.app import create_app

    url = f"sqlite:///{tmp_path / 'busy.db'}"
    engine = make_engine(url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    create_all(engine)
    settings = Settings(data_dir=tmp_path / "data", database_url=url, secret_key="test-secret-key-0123456789",
                        scheduler_enabled=False)
    app = create_app(settings, engine=engine, migrate=False, start_scheduler=False)
    try:
        with TestClient(app) as client:
            held = engine.connect()  # the only connection, taken (as by a long request)
            held.execute(sa.text("SELECT 1"))
            res = client.post("/api/v1/devices/pair", json={"code": "K7QM-2XPA"})
            assert res.status_code == 503, res.text
            assert res.headers["Retry-After"] == "2"
            assert res.json()["detail"] == "Máy chủ đang bận, vui lòng thử lại sau ít giây."
            held.close()  # free again: the same request is answered normally (an unknown code)
            res = client.post("/api/v1/devices/pair", json={"code": "K7QM-2XPA"})
            assert res.status_code == 404, res.text
    finally:
        engine.dispose()


def test_more_writing_requests_at_once_than_worker_threads_never_stall(client: TestClient, auth, world) -> None:
    """The bench's findings: 100 concurrent writes gave 500s (QueuePool 5+10), then, with a larger pool,
    more than 40 (anyio's workers) stalled for SQLite's 30 s busy timeout and ended in 503s."""
    cluster = world.clusters_a[0].id
    headers = auth("admin")
    statuses: list[int] = []
    lock = threading.Lock()

    def one() -> None:
        res = client.post(f"/api/v1/areas/{cluster}/pairing-code", headers=headers)
        with lock:
            statuses.append(res.status_code)

    threads = [threading.Thread(target=one) for _ in range(60)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [201] * 60
