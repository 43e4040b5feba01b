"""Background work behind one small interface.

Callers write `submit(session, "package.module:function", title=..., kwargs=...)`. The task row is
part of the caller's transaction and is dispatched only after that transaction commits, so a
worker never sees a half-made state. Backends: an in-process thread pool (default) or RQ workers on
Redis (`LOAXA_TASK_BACKEND=rq`, `loaxa worker`). A task function takes a TaskContext first and
keyword arguments after; it reports progress through the context, which the UI shows.
A task runs only after its claim (a conditional UPDATE from queued to running), so a job Redis holds
twice runs once; `loaxa worker` requeues what a Redis restart lost (core.rq_worker, docs/deployment.md).
"""

import importlib
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import JSON, Field, Session, SQLModel, col, select

from core.db import UTCDateTime, import_all_models, saved_id, session_scope
from core.errors import NotFound
from core.timeutil import now_utc

log = logging.getLogger(__name__)


class TaskStatus(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


TASK_STATUS_LABELS = {
    TaskStatus.queued: "Đang chờ",
    TaskStatus.running: "Đang chạy",
    TaskStatus.done: "Hoàn thành",
    TaskStatus.failed: "Lỗi",
}


class Task(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    func: str = Field(max_length=200)
    title: str = Field(max_length=300)
    status: str = Field(default=TaskStatus.queued, max_length=16, index=True)
    progress_done: int = 0
    progress_total: int = 0
    message: str | None = Field(default=None, max_length=500)
    error: str | None = Field(default=None, max_length=2000)
    kwargs: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    result: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=now_utc, sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class TaskPublic(SQLModel):
    id: int
    title: str
    status: str
    status_label: str
    progress_done: int
    progress_total: int
    message: str | None
    error: str | None
    result: dict[str, Any] | None
    created_at: datetime
    finished_at: datetime | None


def task_public(task: Task) -> TaskPublic:
    return TaskPublic(id=saved_id(task), title=task.title, status=task.status,
                      status_label=TASK_STATUS_LABELS[TaskStatus(task.status)],
                      progress_done=task.progress_done, progress_total=task.progress_total,
                      message=task.message, error=task.error, result=task.result,
                      created_at=task.created_at, finished_at=task.finished_at)


@dataclass
class TaskContext:
    task_id: int
    engine: Engine

    def progress(self, done: int, total: int, message: str | None = None) -> None:
        with session_scope(self.engine) as session:
            session.exec(sa.update(Task).where(col(Task.id) == self.task_id)
                         .values(progress_done=done, progress_total=total,
                                 message=message[:500] if message else None))


class _Backend:
    def dispatch(self, task_id: int) -> None:
        raise NotImplementedError

    def shutdown(self) -> None:
        pass


class ThreadBackend(_Backend):
    def __init__(self, engine: Engine, workers: int):
        self.engine = engine
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="loaxa-task")

    def dispatch(self, task_id: int) -> None:
        try:
            self.pool.submit(run_task, task_id, self.engine)
        except RuntimeError:
            # Shutting down: the row stays queued and the next start picks it up (recover_unfinished).
            log.warning("task %s stays queued: the worker pool is shutting down", task_id)

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=False)


RQ_QUEUE = "loaxa"
RQ_JOB_TIMEOUT_S = 3600


def rq_job_id(task_id: int) -> str:
    """The RQ job of a task has a name derived from the task, so that `core.rq_worker` can ask Redis
    whether it knows the task's job, and a second enqueue of the task replaces rather than adds a job."""
    return f"loaxa-task-{task_id}"


class RQBackend(_Backend):
    def __init__(self, redis_url: str, queue: str = RQ_QUEUE):
        from redis import Redis
        from rq import Queue

        self.queue = Queue(queue, connection=Redis.from_url(redis_url))

    def dispatch(self, task_id: int) -> None:
        from redis.exceptions import RedisError

        try:
            enqueue(self.queue, task_id)
        except RedisError as exc:
            # The caller's transaction has committed: failing it now would report an error for work that
            # is recorded. The row stays queued and a worker's sweep sends it (core.rq_worker).
            log.warning("task %s stays queued in the database: Redis refused it (%s)", task_id, exc)


def enqueue(queue: Any, task_id: int) -> None:
    """Put a task's job on an RQ queue (the API's dispatch and the workers' requeue sweep)."""
    queue.enqueue("core.tasks.run_task", task_id, job_id=rq_job_id(task_id), job_timeout=RQ_JOB_TIMEOUT_S)


_backend: _Backend | None = None
_engine: Engine | None = None
_lock = threading.Lock()


def configure(engine: Engine, *, backend: str = "thread", workers: int = 2,
              redis_url: str | None = None) -> None:
    global _backend, _engine
    with _lock:
        if _backend is not None:
            _backend.shutdown()
        _engine = engine
        if backend == "rq":
            if redis_url is None:
                raise ValueError("the rq task backend needs a Redis URL")
            _backend = RQBackend(redis_url)
        else:
            _backend = ThreadBackend(engine, workers)


def recover_unfinished(engine: Engine) -> list[int]:
    """After a restart: tasks left running by a dead process go back to the queue, and every queued
    task is dispatched again, so no recorded work is lost (the thread backend keeps nothing elsewhere)."""
    with session_scope(engine) as session:
        session.exec(sa.update(Task).where(col(Task.status) == TaskStatus.running)
                     .values(status=TaskStatus.queued, message="Chạy lại sau khi khởi động lại"))
        ids = [saved_id(task) for task in
               session.exec(select(Task).where(Task.status == TaskStatus.queued).order_by(col(Task.id)))]
    if _backend is not None:
        for task_id in ids:
            _backend.dispatch(task_id)
    return ids


def shutdown() -> None:
    global _backend
    with _lock:
        if _backend is not None:
            _backend.shutdown()
        _backend = None


def submit(session: Session, func: str, *, title: str, kwargs: dict[str, Any] | None = None,
           created_by: int | None = None) -> Task:
    """Record a task in the caller's transaction; it runs once that transaction commits."""
    _resolve(func)  # fail now, not in a worker, on a typo
    task = Task(func=func, title=title[:300], kwargs=kwargs or {}, created_by=created_by)
    session.add(task)
    session.flush()
    task_id = saved_id(task)

    @sa.event.listens_for(session, "after_commit", once=True)
    def _dispatch(_session: Session) -> None:
        if _backend is None:
            log.warning("task %s recorded but no task backend is configured", task_id)
            return
        _backend.dispatch(task_id)

    return task


def _resolve(func: str) -> Callable[..., Any]:
    module_name, _, attr = func.partition(":")
    target: Callable[..., Any] = getattr(importlib.import_module(module_name), attr)
    return target


def run_task(task_id: int, engine: Engine | None = None) -> None:
    """Run one recorded task to completion, recording its outcome; never raises."""
    # A worker process may not have imported the other packages' tables the task touches.
    import_all_models()
    engine = engine or _engine
    if engine is None:
        from core.config import get_settings
        from core.db import make_engine

        engine = make_engine(get_settings().sqlalchemy_url)
    with session_scope(engine) as session:
        # The claim: one conditional UPDATE, so of two runs of one task (a job Redis holds twice after a
        # requeue, two workers, a thread and a worker) exactly one finds it queued and runs it.
        claimed = session.execute(sa.update(Task)
                                  .where(col(Task.id) == task_id, col(Task.status) == TaskStatus.queued)
                                  .values(status=TaskStatus.running, started_at=now_utc()))
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            log.info("task %s is not queued any more (run elsewhere, or gone): not run again", task_id)
            return
        task = session.get(Task, task_id)
        assert task is not None
        func, kwargs = task.func, dict(task.kwargs)
    try:
        result = _resolve(func)(TaskContext(task_id, engine), **kwargs)
    except Exception as exc:  # recorded for the user, and logged with its traceback
        log.exception("task %s (%s) failed", task_id, func)
        _finish(engine, task_id, TaskStatus.failed, error=str(exc) or exc.__class__.__name__)
        return
    _finish(engine, task_id, TaskStatus.done, result=result if isinstance(result, dict) else None)


def _finish(engine: Engine, task_id: int, status: TaskStatus, *, error: str | None = None,
            result: dict[str, Any] | None = None) -> None:
    with session_scope(engine) as session:
        session.exec(sa.update(Task).where(col(Task.id) == task_id).values(
            status=status, error=error[:2000] if error else None, result=result, finished_at=now_utc()))


def get_task(session: Session, task_id: int) -> Task:
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound("tác vụ", task_id)
    return task


def wait(engine: Engine, task_id: int, timeout: float = 60.0) -> Task:
    """Block until a task has finished (CLI and tests)."""
    deadline = time.monotonic() + timeout
    while True:
        with Session(engine) as session:
            task = session.exec(select(Task).where(Task.id == task_id)).one()
            if task.status in (TaskStatus.done, TaskStatus.failed):
                return task
        if time.monotonic() > deadline:
            raise TimeoutError(f"task {task_id} still {task.status} after {timeout}s")
        time.sleep(0.05)
