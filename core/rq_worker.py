"""`loaxa worker`: an RQ worker for the tasks of core.tasks, which loses nothing when Redis restarts.

Redis on these machines keeps nothing on disk, so a Redis restart loses every queued RQ job. The database
keeps the truth (one `task` row per task: queued, running, done, failed), so every worker sweeps: when it
starts and every LOAXA_TASK_REQUEUE_SECONDS, it enqueues again each task that is queued in the database
but whose job Redis does not know (or knows only as ended), `requeue_lost`.

Why the workers and not the scheduler: a worker is the one process that needs Redis and the database
together, there is one wherever tasks can run at all (and several where one dies), a worker that starts
after Redis came back sends the lost work at once, and the scheduler is one process that is down during a
fail-over. Several workers sweeping at once, or a sweep racing the API's own enqueue, cost nothing: a job
is named after its task (core.tasks.rq_job_id), and a task runs only after its claim, a conditional
UPDATE from queued to running (core.tasks.run_task), which exactly one run wins.

Tasks that a task submits (a render's playlist update) go to Redis too, not to a thread of this process:
RQ runs each job in a forked child that exits when the job ends and would cut such a thread short.
"""

import contextlib
import faulthandler
import logging
import os
import signal
import threading
import time
from datetime import timedelta
from types import FrameType

import sqlalchemy as sa
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Worker
from rq.exceptions import StopRequested
from rq.job import Job, JobStatus
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from core import tasks
from core.config import Settings
from core.tasks import Task, TaskStatus, enqueue, rq_job_id
from core.timeutil import now_utc

log = logging.getLogger(__name__)

# A job in one of these states will run (or is running): its task is not lost.
LIVE_JOB_STATES = {JobStatus.QUEUED.value, JobStatus.STARTED.value, JobStatus.DEFERRED.value,
                   JobStatus.SCHEDULED.value, JobStatus.CREATED.value}
# A task younger than this may still be on its way to Redis (dispatched after its commit): not swept yet.
SWEEP_GRACE_S = 2.0
# How long to wait before starting the RQ loop again when Redis went away under it.
RESTART_DELAY_S = 2.0


def requeue_lost(engine: Engine, queue: Queue, *, grace_seconds: float = SWEEP_GRACE_S) -> list[int]:
    """Enqueue every task queued in the database whose job Redis does not hold alive; the ids sent."""
    cutoff = now_utc() - timedelta(seconds=grace_seconds)
    with Session(engine) as session:
        ids = [task_id for task_id in session.exec(select(Task.id).where(Task.status == TaskStatus.queued,
                                                      col(Task.created_at) <= cutoff).order_by(col(Task.id)))
               if task_id is not None]
    if not ids:
        return []
    with queue.connection.pipeline(transaction=False) as pipe:
        for task_id in ids:
            pipe.hget(Job.key_for(rq_job_id(task_id)), "status")
        states = pipe.execute()
    lost = [task_id for task_id, state in zip(ids, states, strict=True)
            if state is None or state.decode() not in LIVE_JOB_STATES]
    for task_id in lost:
        enqueue(queue, task_id)
    if lost:
        log.warning("requeued %d task(s) queued in the database but unknown to Redis: %s", len(lost), lost)
    return lost


class _Sweeper:
    """The periodic sweep, in a thread of the worker's main process (never in a job's forked child).

    A fork copies the locks a sweep holds at that instant (SQLAlchemy's mapper and cache mutexes, pool
    locks) into the child, locked for ever: the job would hang on its first query. So a fork waits for the
    sweep under way to end (`os.register_at_fork`), and the child starts with no sweep half done."""

    def __init__(self, engine: Engine, queue: Queue, every_seconds: float) -> None:
        self.engine, self.queue, self.every_seconds = engine, queue, every_seconds
        self.stop = threading.Event()
        self.sweeping = threading.Lock()
        self.thread = threading.Thread(target=self._run, name="loaxa-requeue", daemon=True)
        os.register_at_fork(before=self.sweeping.acquire, after_in_parent=self.sweeping.release)

    def _run(self) -> None:
        while True:
            try:
                with self.sweeping:
                    requeue_lost(self.engine, self.queue)
            except (RedisError, sa.exc.DBAPIError) as exc:  # Redis or the database away: next round
                log.warning("requeue sweep skipped: %s", exc)
            except Exception:
                log.exception("requeue sweep failed")
            if self.stop.wait(self.every_seconds):
                return


class _Worker(Worker):
    """RQ's forking worker that remembers whether its loop ended because it was asked to stop."""

    stop_asked = False

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        self.stop_asked = True
        super().request_stop(signum, frame)  # type: ignore[no-untyped-call]

    def subscribe(self) -> None:
        # RQ's own waits 60 s per poll of its command channel, and its stop (redis-py) waits for the poll to
        # end: a SIGTERM took up to a minute. A 1-second poll lets the worker stop within a second or two.
        self.log.info("Worker %s: subscribing to channel %s", self.name, self.pubsub_channel_name)
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(sleep_time=1.0, daemon=True,
                                                       exception_handler=self._pubsub_exception_handler)  # type: ignore[assignment]


def _wait_for_job(worker: Worker) -> None:
    """RQ leaves its loop on a Redis error while a job's child runs: let the job end (its outcome is in the
    database) before taking another, so a worker never runs two at once nor leaves a child unreaped."""
    if worker.horse_pid:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(worker.horse_pid, 0)


def run_worker(settings: Settings, engine: Engine) -> int:
    """Work the queue until SIGTERM/SIGINT (after the job at hand); Redis going away only pauses it."""
    # `kill -USR1 <pid>` prints every thread's stack to the log: what a stuck worker is waiting for.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    tasks.configure(engine, backend="rq", redis_url=settings.redis_url)
    # Each job runs in a forked child: it must open its own database connections, never the parent's.
    os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
    connection = Redis.from_url(settings.redis_url)
    queue = Queue(tasks.RQ_QUEUE, connection=connection)
    sweeper = _Sweeper(engine, queue, settings.task_requeue_seconds)
    sweeper.thread.start()
    try:
        while True:
            worker = _Worker([queue], connection=connection)
            try:
                worker.work(logging_level="INFO")
            except RedisError as exc:  # Redis died at start or at teardown: RQ gives up, this loop does not
                log.warning("RQ worker stopped by a Redis error (%s); starting again", exc)
            _wait_for_job(worker)
            if worker.stop_asked:
                return 0
            try:
                time.sleep(RESTART_DELAY_S)
            except StopRequested:  # a signal between two loops reaches the last loop's handler
                return 0
    finally:
        sweeper.stop.set()
        sweeper.thread.join(timeout=5)
