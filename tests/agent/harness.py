"""A real `loaxa serve` on loopback and real agents against it, driven the way a user would: users made
with `loaxa users create`, everything else through the public HTTP API.

The server's clock is real; each agent runs with `--clock` set a few seconds before its slot, so a
test never waits for real minutes. Slots are placed at the next whole minute (or earlier the same
day near midnight), well inside the server's "at most 10 minutes in the future" check for as-run events.
"""

import io
import json
import math
import os
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import time
import wave
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx

from agent.state import Device, MqttConfig, save_device
from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venv" / "bin"
TZ = timezone(timedelta(hours=7))
PASSWORD = "agent-test-password-1"




def wait_for(check: Callable[[], Any], timeout: float, what: str, interval: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def tone_wav(seconds: float, frequency: float = 440.0, rate: int = 8000) -> bytes:
    """A plain sine WAV of the given length (a "recording" with an exact duration)."""
    n = int(seconds * rate)
    frames = struct.pack(f"<{n}h", *(int(8000 * math.sin(2 * math.pi * frequency * i / rate)) for i in range(n)))
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return buf.getvalue()


class Mosquitto:
    """A private Mosquitto on a free port: parallel test runs never see each other's topics or client ids."""

    def __init__(self) -> None:
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        self.port = free_port()
        self.url = f"mqtt://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([binary, "-p", str(self.port)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)

        def answers() -> bool:
            assert self.proc.poll() is None, "mosquitto exited"
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return True
            except OSError:
                return False
        wait_for(answers, 10, "mosquitto to listen", interval=0.05)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


class LoaxaServer:
    """`loaxa serve` on a free port with its own data dir (SQLite), stoppable and restartable."""

    def __init__(self, data_dir: Path, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "LOAXA_DATA_DIR": str(data_dir), "LOAXA_SECRET_KEY": "agent-tests-secret-0123456789",
                    "LOAXA_SCHEDULER_ENABLED": "false", "LOAXA_TASK_BACKEND": "thread", **(env or {})}
        self.env.pop("LOAXA_DATABASE_URL", None)
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = data_dir / "serve.log"

    def cli(self, *args: str) -> str:
        done = subprocess.run([str(VENV / "loaxa"), *args], env=self.env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [str(VENV / "loaxa"), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

        def healthy() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"loaxa serve exited: {self.log.read_text()[-2000:]}")
            try:
                return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
            except httpx.TransportError:
                return False
        wait_for(healthy, 90, "loaxa serve to answer /healthz")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None


class Api:
    """The server's HTTP API as the test's admin, operator and approver see it."""

    def __init__(self, server: LoaxaServer) -> None:
        self.server = server
        self.clients: dict[str, httpx.Client] = {}
        for role in ("admin", "operator", "approver"):
            server.cli("users", "create", "--username", f"t_{role}", "--password", PASSWORD, "--role", role)

    def client(self, role: str) -> httpx.Client:
        if role not in self.clients:
            res = httpx.post(f"{self.server.url}/api/v1/auth/token",
                             data={"username": f"t_{role}", "password": PASSWORD}, timeout=30)
            assert res.status_code == 200, res.text
            self.clients[role] = httpx.Client(base_url=f"{self.server.url}/api/v1", timeout=60,
                                              headers={"Authorization": f"Bearer {res.json()['access_token']}"})
        return self.clients[role]

    def call(self, role: str, method: str, path: str, expect: int | tuple[int, ...] = (200, 201), **kw: Any) -> Any:
        res = self.client(role).request(method, path, **kw)
        expected = (expect,) if isinstance(expect, int) else expect
        assert res.status_code in expected, f"{method} {path} → {res.status_code}: {res.text[:500]}"
        return res.json() if res.content else None

    def area(self, name: str, level: str, parent_id: int | None = None) -> int:
        body: dict[str, Any] = {"name": name, "level": level}
        if parent_id:
            body["parent_id"] = parent_id
        return int(self.call("admin", "POST", "/areas", json=body)["id"])

    def content(self, title: str, body: str, *, area_ids: list[int], level: str = "normal",
                recording: bytes | None = None, approve: bool = True) -> dict[str, Any]:
        today = datetime.now(TZ).date()
        made = self.call("operator", "POST", "/contents", json={
            "title": title, "body": body, "level": level, "area_ids": area_ids,
            "valid_from": today.isoformat(), "valid_until": (today + timedelta(days=3)).isoformat()})
        cid = made["id"]
        if recording is not None:
            self.call("operator", "POST", f"/contents/{cid}/audio",
                      files={"file": ("ghi-am.wav", recording, "audio/wav")})
        self.call("operator", "POST", f"/contents/{cid}/submit")
        if not approve:
            # without a recording, submission renders the words (TTS): the approver hears them first
            audio = wait_for(lambda: self.call("operator", "GET", f"/contents/{cid}")["audio"], 120,
                             f"audio of content {cid}", interval=0.5)
            return {"id": cid, **audio}
        self.approve(cid)
        audio = wait_for(lambda: self.call("operator", "GET", f"/contents/{cid}")["audio"], 120,
                         f"audio of content {cid}", interval=0.5)
        return {"id": cid, **audio}

    def approve(self, content_id: int) -> None:
        self.call("approver", "POST", f"/contents/{content_id}/approve")

    def slot(self, area_id: int, start: datetime, minutes: int, name: str = "Bản tin thử",
             **extra: Any) -> dict[str, Any]:
        local = start.astimezone(TZ)
        return self.call("operator", "POST", "/slots", json={
            "area_id": area_id, "name": name, "start_time": local.strftime("%H:%M"), "duration_minutes": minutes,
            "starts_on": local.date().isoformat(), "ends_on": local.date().isoformat(), **extra})

    def build(self, day: date, area_id: int) -> None:
        self.call("operator", "POST", "/playlists/build", json={"date": day.isoformat(), "area_id": area_id})

    def playlist(self, cluster_id: int, day: date) -> dict[str, Any]:
        return self.call("admin", "GET", f"/clusters/{cluster_id}/playlists/{day.isoformat()}")

    def device_token(self, cluster_id: int) -> str:
        return str(self.call("operator", "POST", f"/areas/{cluster_id}/device-token")["token"])

    def events(self, cluster_id: int) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        after = 0
        while True:
            page = self.call("admin", "GET", f"/clusters/{cluster_id}/plays",
                             params={"after_seq": after, "limit": 1000})
            found += page["events"]
            if page["next_after_seq"] is None:
                return found
            after = page["next_after_seq"]


def slot_start(minutes: int, lead_s: float = 20.0) -> datetime:
    """The next whole minute at least `lead_s` away, unless the slot would cross local midnight: then
    an earlier time the same day (past slots play just as well on the agent's clock)."""
    now = datetime.now(TZ)
    start = (now + timedelta(seconds=lead_s)).replace(second=0, microsecond=0) + timedelta(minutes=1)
    if (start + timedelta(minutes=minutes)).date() != now.date() or start.date() != now.date():
        start = now.replace(hour=0, minute=10, second=0, microsecond=0)
    return start


@dataclass
class AgentProcess:
    state: Path
    proc: subprocess.Popen[bytes]
    log: Path

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        return self.proc.returncode

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


FAST = {"LOAXA_AGENT_SYNC_INTERVAL_S": "3", "LOAXA_AGENT_ALERTS_INTERVAL_S": "3",
        "LOAXA_AGENT_HEARTBEAT_INTERVAL_S": "5", "LOAXA_AGENT_FORWARD_INTERVAL_S": "0.5",
        "LOAXA_AGENT_PROGRESS_INTERVAL_S": "0.5", "LOAXA_AGENT_BACKOFF_MAX_S": "2"}


def start_agent(state: Path, *, clock: datetime | None, player: str = "none", env: dict[str, str] | None = None,
                ) -> AgentProcess:
    log = state / f"agent-{int(time.time() * 1000)}.log"
    args = [sys.executable, "-m", "agent", "-v", "run", "--state", str(state), "--player", player]
    if clock is not None:
        args += ["--clock", clock.isoformat()]
    environ = {**os.environ, **FAST, **(env or {}), "PYTHONUNBUFFERED": "1"}
    with log.open("ab") as out:
        proc = subprocess.Popen(args, cwd=ROOT, env=environ, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    return AgentProcess(state, proc, log)


@contextmanager
def running_agent(state: Path, **kw: Any) -> Iterator[AgentProcess]:
    agent = start_agent(state, **kw)
    try:
        yield agent
    except BaseException:
        sys.stderr.write(f"--- agent log ({agent.log}) ---\n{agent.output()[-6000:]}\n")
        raise
    finally:
        agent.stop()


def write_state(state: Path, server: LoaxaServer, cluster_id: int, token: str, mqtt: MqttConfig | None = None) -> Path:
    save_device(state, Device(server=server.url, cluster_id=cluster_id, token=token,
                              cluster_name=f"Cụm thử {cluster_id}", mqtt=mqtt))
    return state


def local_rows(state: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Read the agent's own database while it runs (WAL: readers never block it)."""
    path = state / "agent.db"
    if not path.exists():
        return []
    conn = sqlite3.connect(path, timeout=10)
    try:
        return list(conn.execute(sql, params).fetchall())
    except sqlite3.OperationalError:
        return []
    finally:
        conn.close()


def local_events(state: Path) -> list[dict[str, Any]]:
    return [json.loads(b) for (b,) in local_rows(state, "SELECT body FROM outbox ORDER BY seq")]


def playing_now(state: Path) -> list[dict[str, Any]]:
    return [json.loads(b) for (b,) in local_rows(state, "SELECT body FROM playing")]


@dataclass
class World:
    """The shared server, its province and commune, and contents that every test cluster gets."""
    server: LoaxaServer
    api: Api
    province_id: int
    commune_id: int
    contents: list[dict[str, Any]] = field(default_factory=list)
    clusters: int = 0
    broker: Mosquitto | None = None

    def cluster(self, name: str) -> int:
        self.clusters += 1
        return self.api.area(f"{name} {self.clusters}", "cluster", self.commune_id)
