"""Real processes for tests: `loaxa serve`, `loaxa worker`, `loaxa scheduler` and a private `redis-server`,
each started in its own session (so a kill reaches its children) and stopped by the test that started it."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[1]
LOAXA = ROOT / ".venv" / "bin" / "loaxa"
SECRET = "process-test-secret-0123456789"


def loaxa_env(data_dir: Path, database_url: str | None, **extra: str) -> dict[str, str]:
    """The environment of a loaxa process: this data dir and database (None: the data dir's SQLite file)."""
    env = {**os.environ, "LOAXA_DATA_DIR": str(data_dir), "LOAXA_SECRET_KEY": SECRET, **extra}
    if database_url is None:
        env.pop("LOAXA_DATABASE_URL", None)
    else:
        env["LOAXA_DATABASE_URL"] = database_url
    return env


def start_loaxa(args: list[str], env: Mapping[str, str], log: Path) -> subprocess.Popen:
    """`loaxa ARGS...` with its output (stdout and stderr) in `log`."""
    with log.open("ab") as out:
        return subprocess.Popen([str(LOAXA), *args], env=dict(env), stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def start_serve(env: Mapping[str, str], port: int, log: Path, timeout: float = 60.0) -> subprocess.Popen:
    """`loaxa serve` on 127.0.0.1:`port`, returned once /healthz answers."""
    proc = spawn_serve(env, port, log)
    wait_healthy(proc, port, log, timeout)
    return proc


def spawn_serve(env: Mapping[str, str], port: int, log: Path) -> subprocess.Popen:
    """`loaxa serve` on 127.0.0.1:`port`, not waited for (start several at once, then `wait_healthy`)."""
    return start_loaxa(["serve", "--host", "127.0.0.1", "--port", str(port)], env, log)


def wait_healthy(proc: subprocess.Popen, port: int, log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"loaxa serve exited ({proc.returncode}): {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    stop(proc)
    raise AssertionError(f"loaxa serve did not start within {timeout:.0f} s")


@contextlib.contextmanager
def fresh_pg_database(base_url: str, prefix: str) -> Iterator[str]:
    """A PostgreSQL database made for one test (its URL), dropped afterwards even with sessions open."""
    base = make_url(base_url)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def wait_for_line(proc: subprocess.Popen, log: Path, text: str, timeout: float) -> float:
    """Seconds until `text` appears in the process's log; fails if it exits or the time runs out."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if text in log.read_text(errors="replace"):
            return time.monotonic() - began
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:]
            raise AssertionError(f"{proc.args!r} exited ({proc.returncode}):\n{tail}")
        time.sleep(0.1)
    raise AssertionError(f"{text!r} not logged within {timeout} s:\n{log.read_text(errors='replace')[-3000:]}")


def stop(proc: subprocess.Popen, timeout: float = 20.0) -> int:
    """SIGTERM, then SIGKILL (to the whole session) if it does not end in time; its exit status."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGUSR1)  # `loaxa worker` prints its threads' stacks (faulthandler)
            time.sleep(1)
            kill(proc)
    return proc.returncode


def kill(proc: subprocess.Popen) -> None:
    """SIGKILL to the process, its children (an RQ job's child has a process group of its own) and
    everything else in its session."""
    for pid in [*_children(proc.pid), proc.pid]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            # "pid (comm) state ppid ...": comm may hold spaces, so split after its closing parenthesis
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


class RedisServer:
    """A private `redis-server` on a free loopback port that keeps nothing on disk, like the deployment's:
    `restart()` (SIGKILL, start again on the same port) loses everything it held."""

    def __init__(self, workdir: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (scripts/setup.sh installs it)")
        self.binary, self.workdir = binary, workdir
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        workdir.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> None:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir), "--logfile", str(self.workdir / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"redis-server exited ({self.proc.returncode})")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"redis-server did not answer on port {self.port} within {timeout:.0f} s")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            kill(self.proc)
        self.proc = None

    def restart(self) -> None:
        self.kill()
        self.start()
