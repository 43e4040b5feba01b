import os
import subprocess
import sys
import time

import pytest
import redis
from sqlmodel import Session

from core import tasks
from core.db import session_scope
from core.tasks import Task, TaskStatus


def sample_task(ctx, *, n: int) -> dict:
    for i in range(n):
        ctx.progress(i + 1, n, f"bước {i + 1}")
    return {"total": n}


def failing_task(ctx) -> None:
    raise RuntimeError("hỏng giữa chừng")


@pytest.fixture
def thread_backend(engine):
    tasks.configure(engine, backend="thread", workers=2)
    yield
    tasks.shutdown()


def test_task_runs_after_commit_and_reports_progress(engine, thread_backend):
    with session_scope(engine) as session:
        task_id = tasks.submit(session, "tests.core.test_tasks:sample_task", title="Thử", kwargs={"n": 3}).id
    done = tasks.wait(engine, task_id, timeout=60)
    assert done.status == TaskStatus.done
    assert (done.progress_done, done.progress_total, done.message) == (3, 3, "bước 3")
    assert done.result == {"total": 3}


def test_rolled_back_submission_never_runs(engine, thread_backend):
    with Session(engine) as session:
        task = tasks.submit(session, "tests.core.test_tasks:sample_task", title="Thử", kwargs={"n": 1})
        task_id = task.id
        session.rollback()
    time.sleep(0.3)
    with Session(engine) as session:
        assert session.get(Task, task_id) is None


def test_failure_is_recorded_not_raised(engine, thread_backend):
    with session_scope(engine) as session:
        task_id = tasks.submit(session, "tests.core.test_tasks:failing_task", title="Lỗi").id
    done = tasks.wait(engine, task_id, timeout=60)
    assert done.status == TaskStatus.failed
    assert "hỏng giữa chừng" in done.error


def test_unknown_task_function_fails_at_submit(engine, thread_backend):
    with Session(engine) as session, pytest.raises(AttributeError):
        tasks.submit(session, "tests.core.test_tasks:no_such_function", title="x")


def _redis_up() -> bool:
    try:
        return redis.Redis(socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="Redis is not running on 127.0.0.1:6379")
def test_rq_backend_runs_tasks_in_a_separate_worker_process(engine, db_url, tmp_path):
    queue_name = f"loaxa-test-{os.getpid()}-{time.monotonic_ns()}"
    backend = tasks.RQBackend("redis://127.0.0.1:6379/0", queue=queue_name)
    tasks._backend, previous = backend, tasks._backend
    try:
        with session_scope(engine) as session:
            task_id = tasks.submit(session, "tests.core.test_tasks:sample_task", title="RQ", kwargs={"n": 2}).id
        env = {**os.environ, "LOAXA_DATABASE_URL": db_url, "LOAXA_DATA_DIR": str(tmp_path)}
        worker = subprocess.run(
            [sys.executable, "-m", "rq.cli", "worker", "--burst", "--url", "redis://127.0.0.1:6379/0",
             "--worker-class", "rq.worker.SimpleWorker", queue_name],
            env=env, capture_output=True, text=True, timeout=120, cwd=os.getcwd())
        assert worker.returncode == 0, worker.stderr[-2000:]
        done = tasks.wait(engine, task_id, timeout=60)
        assert done.status == TaskStatus.done and done.result == {"total": 2}
    finally:
        tasks._backend = previous
        redis.Redis().delete(f"rq:queue:{queue_name}")


def test_tasks_left_unfinished_by_a_dead_process_run_after_restart(engine):
    with session_scope(engine) as session:
        queued = Task(func="tests.core.test_tasks:sample_task", title="bỏ dở", kwargs={"n": 1})
        running = Task(func="tests.core.test_tasks:sample_task", title="đang chạy khi sập", kwargs={"n": 2},
                       status=TaskStatus.running)
        session.add_all([queued, running])
    tasks.configure(engine, backend="thread", workers=1)
    try:
        ids = tasks.recover_unfinished(engine)
        assert len(ids) == 2
        for task_id in ids:
            assert tasks.wait(engine, task_id, timeout=60).status == TaskStatus.done
    finally:
        tasks.shutdown()


def test_dispatch_after_shutdown_leaves_the_task_queued(engine):
    tasks.configure(engine, backend="thread", workers=1)
    backend = tasks._backend
    backend.shutdown()
    with session_scope(engine) as session:
        task_id = tasks.submit(session, "tests.core.test_tasks:sample_task", title="muộn", kwargs={"n": 1}).id
    with Session(engine) as session:
        assert session.get(Task, task_id).status == TaskStatus.queued
    tasks.shutdown()
