"""Agents benchmark: N simulated cluster players against one real `loaxa serve`, then an emergency.

Long on purpose: one benchmark that reads top to bottom: the simulated fleet, its load, the report.

    .venv/bin/python bench/bench_agents.py              # 1,000 agents, /alerts polled every 60 s
    .venv/bin/python bench/bench_agents.py --quick      # 100 agents, polled every 10 s

Everything runs on loopback: `loaxa serve` (SQLite, its own data dir under /tmp) with a private
Mosquitto (MQTT push), and the agents in this one process (asyncio for HTTP, one paho-mqtt client each,
as the real agent). What it does:
1. set-up: a commune with N clusters (`loaxa areas import-clusters`), three approved recorded bulletins,
   a slot, today's playlists built; every agent pairs with a one-time code (`POST /pairing-code`, then
   `POST /devices/pair`) and subscribes to its cluster's command topic with its own client id;
2. sync: all N agents at once do what `loaxa agent run` does first: today's and the next two days'
   playlists (404 for days not built), every audio file (sha256 checked), one heartbeat; then again with
   `If-None-Match` (304). Per-agent time p50/p99, against N parallel `GET /healthz` (the baseline: the
   same server and connection pool, no work);
3. emergency: the agents poll `/alerts` at a random phase every `--poll-interval` seconds (as real
   agents do), an approver approves an emergency, and the time from the approval to each agent seeing it
   is measured: by poll, and by push when the server pushes emergencies over MQTT. The push path is also
   measured with a live command (`POST /commands` play_now to the commune: one MQTT message per cluster),
   against the broker's own fan-out (this process publishing the same number of messages directly).
Server errors are every 5xx and every failed connection, in every phase. Prints one JSON document (also
written to bench/results/agents.json unless --no-save).
"""

import argparse
import asyncio
import hashlib
import io
import json
import math
import os
import platform
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import wave
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv" / "bin"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PASSWORD = "bench-agents-password-1"
COMMUNE_CODE = "BENCH01"
PAIRING_AT_ONCE = 8


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))], 4)


def summary(values: list[float]) -> dict[str, Any]:
    return {"n": len(values), "p50_s": pct(values, 50), "p99_s": pct(values, 99),
            "max_s": round(max(values), 4) if values else None}


def tone_wav(seconds: float, frequency: float, rate: int = 8000) -> bytes:
    n = int(seconds * rate)
    frames = struct.pack(f"<{n}h", *(int(8000 * math.sin(2 * math.pi * frequency * i / rate)) for i in range(n)))
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return buf.getvalue()


def wait_until(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.1)


class Errors:
    """Every 5xx and failed connection, per phase."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.retried = 0
        self.samples: list[str] = []

    def check(self, phase: str, response: httpx.Response | None, exc: Exception | None = None) -> None:
        if exc is not None or response is None or response.status_code >= 500:
            self.counts[phase] += 1
            if len(self.samples) < 5:
                self.samples.append(f"{phase}: {exc!r}" if exc or response is None
                                    else f"{phase}: {response.status_code} {response.text[:200]}")


# ------------------------------------------------------------------ the server and its world

class World:
    def __init__(self, n: int, tmp: Path) -> None:
        self.n = n
        self.tmp = tmp
        self.broker_port = free_port()
        self.broker = subprocess.Popen([shutil.which("mosquitto") or "/usr/sbin/mosquitto", "-p",
                                        str(self.broker_port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "LOAXA_DATA_DIR": str(tmp / "data"), "LOAXA_SECRET_KEY": "bench-agents-0123456789ab",
                    "LOAXA_SCHEDULER_ENABLED": "false", "LOAXA_TASK_BACKEND": "thread",
                    "LOAXA_MQTT_URL": f"mqtt://127.0.0.1:{self.broker_port}"}
        self.env.pop("LOAXA_DATABASE_URL", None)
        self.log = tmp / "serve.log"
        self.server: subprocess.Popen[bytes] | None = None
        self.tokens: dict[str, str] = {}

    def cli(self, *args: str) -> str:
        done = subprocess.run([str(VENV / "loaxa"), *args], env=self.env, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise RuntimeError(f"loaxa {' '.join(args)}: {done.stderr}")
        return done.stdout

    def start(self) -> None:
        for role in ("admin", "operator", "approver"):
            self.cli("users", "create", "--username", f"b_{role}", "--password", PASSWORD, "--role", role)
        with self.log.open("ab") as log:
            self.server = subprocess.Popen([str(VENV / "loaxa"), "serve", "--host", "127.0.0.1", "--port",
                                            str(self.port)], env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                           start_new_session=True)

        def healthy() -> bool:
            assert self.server is not None and self.server.poll() is None, self.log.read_text()[-2000:]
            try:
                return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
            except httpx.TransportError:
                return False
        wait_until(healthy, 90, "loaxa serve")
        for role in ("admin", "operator", "approver"):
            res = httpx.post(f"{self.url}/api/v1/auth/token", data={"username": f"b_{role}", "password": PASSWORD})
            res.raise_for_status()
            self.tokens[role] = res.json()["access_token"]

    def stop(self) -> None:
        if self.server is not None and self.server.poll() is None:
            os.killpg(self.server.pid, signal.SIGTERM)
            try:
                self.server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.server.pid, signal.SIGKILL)
        self.broker.terminate()
        self.broker.wait(timeout=10)

    def call(self, role: str, method: str, path: str, **kw: Any) -> Any:
        res = httpx.request(method, f"{self.url}/api/v1{path}", timeout=300,
                            headers={"Authorization": f"Bearer {self.tokens[role]}"}, **kw)
        if res.status_code >= 300:
            raise RuntimeError(f"{method} {path} → {res.status_code}: {res.text[:300]}")
        return res.json() if res.content else None

    def content(self, title: str, area: int, seconds: float, frequency: float, level: str = "normal",
                approve: bool = True) -> int:
        today = datetime.now(TZ).date()
        cid = self.call("operator", "POST", "/contents", json={
            "title": title, "body": title, "level": level, "area_ids": [area], "valid_from": today.isoformat(),
            "valid_until": (today + timedelta(days=3)).isoformat()})["id"]
        self.call("operator", "POST", f"/contents/{cid}/audio",
                  files={"file": ("ghi-am.wav", tone_wav(seconds, frequency), "audio/wav")})
        self.call("operator", "POST", f"/contents/{cid}/submit")
        if approve:
            self.call("approver", "POST", f"/contents/{cid}/approve")
        return int(cid)

    def populate(self) -> dict[str, Any]:
        started = time.monotonic()
        province = self.call("admin", "POST", "/areas", json={"name": "Tỉnh Đo Tải", "level": "province",
                                                             "code": "BENCHP"})["id"]
        commune = self.call("admin", "POST", "/areas", json={"name": "Xã Đo Tải", "level": "commune",
                                                            "code": COMMUNE_CODE, "parent_id": province})["id"]
        csv = self.tmp / "clusters.csv"
        csv.write_text("".join(f"{COMMUNE_CODE},Cụm loa {i + 1},C{i + 1:05d}\n" for i in range(self.n)),
                       encoding="utf-8")
        self.cli("areas", "import-clusters", str(csv))
        clusters = self._clusters(commune)
        assert len(clusters) == self.n, (len(clusters), self.n)
        bulletins = [self.content(f"Bản tin đo tải {i + 1}", commune, 6, freq)
                     for i, freq in enumerate((330, 440, 550))]
        today = datetime.now(TZ).date()
        self.call("operator", "POST", "/slots", json={
            "area_id": commune, "name": "Bản tin sáng", "start_time": "06:00", "duration_minutes": 15,
            "starts_on": today.isoformat(), "ends_on": (today + timedelta(days=1)).isoformat()})
        built = time.monotonic()
        self.call("operator", "POST", "/playlists/build", json={"date": today.isoformat(), "area_id": commune})
        build_s = time.monotonic() - built
        emergency = self.content("Khẩn cấp: lũ quét (đo tải)", commune, 4, 880, level="emergency", approve=False)
        return {"commune": commune, "clusters": clusters, "emergency": emergency, "bulletins": bulletins,
 "build_s": round(build_s, 2),
                "setup_s": round(time.monotonic() - started, 1)}

    def _clusters(self, commune: int) -> list[int]:
        found: list[int] = []
        offset = 0
        while True:
            items = self.call("admin", "GET", "/areas", params={"parent_id": commune, "limit": 500, "offset": offset})
            found += [a["id"] for a in items if a["level"] == "cluster"]
            if len(items) < 500:
                return found
            offset += 500


# ------------------------------------------------------------------ the simulated agents

class Agent:
    def __init__(self, cluster: int) -> None:
        self.cluster = cluster
        self.token = ""
        self.mqtt: dict[str, Any] | None = None
        self.etags: dict[str, str] = {}
        self.client: mqtt.Client | None = None
        self.subscribed = threading.Event()
        self.received: dict[str, float] = {}     # command type + content → monotonic time of the first arrival
        self.alert_seen: float | None = None

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        now = time.monotonic()
        try:
            body = json.loads(message.payload)
            key = f"{body.get('type')}:{body.get('content_id')}"
        except (ValueError, AttributeError):
            return
        self.received.setdefault(key, now)

    def connect(self, broker_port: int) -> None:
        assert self.mqtt is not None
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=self.mqtt["client_id"], clean_session=False)
        client.on_message = self.on_message
        client.on_connect = lambda c, u, f, rc, p: c.subscribe(self.mqtt["topic"], qos=1)
        client.on_subscribe = lambda c, u, mid, rc, p: self.subscribed.set()
        client.connect("127.0.0.1", broker_port, keepalive=300)
        self.client = client


class Pump:
    """Every agent's MQTT client driven by one thread (paho's manual loop over poll()): a thousand
    `loop_start` threads starve each other of the GIL and time out their own connections."""

    def __init__(self, clients: list[mqtt.Client]) -> None:
        self.clients = clients
        self.stop = threading.Event()
        self.reconnects = 0
        self.thread = threading.Thread(target=self._run, name="mqtt-pump", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        import select

        while not self.stop.is_set():
            by_fd = {}
            poller = select.poll()
            for client in self.clients:
                sock = client.socket()
                if sock is None:
                    self.reconnects += 1
                    try:
                        client.reconnect()  # as the agent's paho loop does after a drop
                    except OSError:
                        pass
                    continue
                fd = sock.fileno()
                by_fd[fd] = client
                poller.register(fd, select.POLLIN | (select.POLLOUT if client.want_write() else 0))
            for fd, mask in poller.poll(20):
                client = by_fd[fd]
                if mask & select.POLLIN:
                    client.loop_read()
                if mask & select.POLLOUT:
                    client.loop_write()
            for client in self.clients:
                client.loop_misc()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        for client in self.clients:
            client.disconnect()


async def timed(errors: Errors, phase: str, request) -> httpx.Response | None:
    """One request; a connection the server closed while idle (keep-alive timeout) is tried once more on a
    new one, as any HTTP client does, and counted apart. Anything else failing is a server error."""
    for attempt in (1, 2):
        try:
            response = await request()
        except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
            if attempt == 1:
                errors.retried += 1
                continue
            errors.check(phase, None, exc)
            return None
        except httpx.HTTPError as exc:
            errors.check(phase, None, exc)
            return None
        errors.check(phase, response)
        return response
    return None


async def pair(http: httpx.AsyncClient, world: World, agent: Agent, errors: Errors) -> float:
    started = time.monotonic()
    operator = {"Authorization": f"Bearer {world.tokens['operator']}"}
    code = await timed(errors, "pair", lambda: http.post(f"/areas/{agent.cluster}/pairing-code", headers=operator))
    assert code is not None and code.status_code == 201, code and code.text
    body = {"code": code.json()["code"], "name": f"bench {agent.cluster}"}
    answer = await timed(errors, "pair", lambda: http.post("/devices/pair", json=body))
    assert answer is not None and answer.status_code == 200, answer and answer.text
    data = answer.json()
    agent.token, agent.mqtt = data["token"], data["mqtt"]
    return time.monotonic() - started


async def sync(http: httpx.AsyncClient, agent: Agent, errors: Errors, days: list[str]) -> tuple[float, Counter]:
    """One sync as `loaxa agent run` does it: three days' playlists, their audio (checked), a heartbeat."""
    started = time.monotonic()
    statuses: Counter[int] = Counter()
    wanted: dict[str, str] = {}
    for day in days:
        headers = agent.headers() | ({"If-None-Match": agent.etags[day]} if day in agent.etags else {})
        path = f"/clusters/{agent.cluster}/playlists/{day}"
        res = await timed(errors, "sync", lambda: http.get(path, headers=headers))  # noqa: B023 (awaited here)
        if res is None:
            continue
        statuses[res.status_code] += 1
        if res.status_code == 200:
            agent.etags[day] = res.headers.get("etag", "")
            for slot in res.json()["slots"]:
                for item in slot["items"]:
                    if item.get("audio_url") and item.get("sha256"):
                        wanted[item["sha256"]] = item["audio_url"]
    for sha, url in wanted.items():
        res = await timed(errors, "sync", lambda: http.get(url))  # noqa: B023 (awaited here)
        if res is None:
            continue
        statuses[res.status_code] += 1
        if hashlib.sha256(res.content).hexdigest() != sha:
            errors.check("sync-checksum", None, ValueError(f"sha256 of {url}"))
    beat = {"agent_version": "bench", "device_time": datetime.now(TZ).isoformat(), "playlist_date": days[0],
            "unsent_events": 0, "volume": 80, "push": "connected"}
    res = await timed(errors, "sync", lambda: http.post(f"/clusters/{agent.cluster}/heartbeat", json=beat,
                                                headers=agent.headers()))
    if res is not None:
        statuses[res.status_code] += 1
    return time.monotonic() - started, statuses


async def healthz(http: httpx.AsyncClient, errors: Errors) -> float:
    started = time.monotonic()
    await timed(errors, "baseline", lambda: http.get(f"{str(http.base_url).split('/api/v1')[0]}/healthz"))
    return time.monotonic() - started


async def poll_alerts(http: httpx.AsyncClient, agent: Agent, errors: Errors, emergency: int, interval: float,
                      stop: asyncio.Event) -> None:
    await asyncio.sleep(random.uniform(0, interval))  # agents start at random moments: their polls are spread
    while not stop.is_set() and agent.alert_seen is None:
        res = await timed(errors, "poll", lambda: http.get(f"/clusters/{agent.cluster}/alerts",
                                                           headers=agent.headers()))
        if res is not None and res.status_code == 200 and any(a.get("content_id") == emergency for a in res.json()):
            agent.alert_seen = time.monotonic()
            return
        try:
            await asyncio.wait_for(stop.wait(), interval)
        except TimeoutError:
            pass


def fan_out(agents: list[Agent], key: str, since: float) -> list[float]:
    return [a.received[key] - since for a in agents if key in a.received]


async def run(world: World, setup: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    errors = Errors()
    agents = [Agent(c) for c in setup["clusters"]]
    limits = httpx.Limits(max_connections=args.connections, max_keepalive_connections=args.connections)
    async with httpx.AsyncClient(base_url=f"{world.url}/api/v1", limits=limits, timeout=120) as http:
        # installers pair devices a few at a time (and from one address here: the server limits failed
        # attempts per address, counting each attempt until it succeeds)
        pairing_sem = asyncio.Semaphore(PAIRING_AT_ONCE)

        async def pair_bounded(agent: Agent) -> float:
            async with pairing_sem:
                return await pair(http, world, agent, errors)

        t = time.monotonic()
        pair_s = await asyncio.gather(*(pair_bounded(a) for a in agents))
        pair_wall = time.monotonic() - t
        for agent in agents:
            agent.connect(world.broker_port)
        pump = Pump([a.client for a in agents if a.client is not None])
        await asyncio.to_thread(wait_until, lambda: all(a.subscribed.is_set() for a in agents), 120,
                                "every agent subscribed")

        # baseline: the same number of requests at once, to an endpoint that does nothing
        t = time.monotonic()
        base = await asyncio.gather(*(healthz(http, errors) for _ in agents))
        base_wall = time.monotonic() - t
        today = datetime.now(TZ).date()
        days = [(today + timedelta(days=d)).isoformat() for d in range(3)]
        t = time.monotonic()
        first = await asyncio.gather(*(sync(http, a, errors, days) for a in agents))
        first_wall = time.monotonic() - t
        t = time.monotonic()
        again = await asyncio.gather(*(sync(http, a, errors, days) for a in agents))
        again_wall = time.monotonic() - t
        statuses = sum((s for _, s in first), Counter())
        statuses_again = sum((s for _, s in again), Counter())

        # the broker's own fan-out: one QoS 1 message per agent's topic, published by this process
        publisher = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-pub-{os.getpid()}")
        publisher.max_inflight_messages_set(100)
        publisher.connect("127.0.0.1", world.broker_port)
        pump.clients.append(publisher)  # driven like the agents' clients (its own loop thread never connected)
        await asyncio.to_thread(wait_until, publisher.is_connected, 30, "the publisher connected")
        t_raw = time.monotonic()
        for agent in agents:
            assert agent.mqtt is not None
            info = publisher.publish(agent.mqtt["topic"], json.dumps({"type": "raw", "content_id": 0}), qos=1)
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                errors.check("broker-baseline", None, RuntimeError(f"publish rc {info.rc}"))
        try:
            await asyncio.to_thread(wait_until, lambda: all("raw:0" in a.received for a in agents), 60,
                                    "raw fan-out")
        except RuntimeError:
            pass
        raw = fan_out(agents, "raw:0", t_raw)

        # the server's push: a live command to every cluster of the commune (one MQTT message each)
        live_id = setup["bulletins"][0]
        t_live = time.monotonic()
        world.call("operator", "POST", "/commands", json={"type": "play_now", "area_ids": [setup["commune"]],
                                                           "content_id": live_id})
        live_key = f"play_now:{live_id}"
        try:
            await asyncio.to_thread(wait_until, lambda: all(live_key in a.received for a in agents), 60,
                                    "the live command on every agent")
        except RuntimeError:
            pass
        live = fan_out(agents, live_key, t_live)

        # the emergency: polled (spread over the interval) and, when the server pushes emergencies, pushed
        stop = asyncio.Event()
        pollers = [asyncio.create_task(poll_alerts(http, a, errors, setup["emergency"], args.poll_interval, stop))
                   for a in agents]
        await asyncio.sleep(args.poll_interval)  # every agent is polling by now
        t_em = time.monotonic()
        world.call("approver", "POST", f"/contents/{setup['emergency']}/approve")
        approve_s = time.monotonic() - t_em
        em_key = f"emergency:{setup['emergency']}"
        deadline = time.monotonic() + args.poll_interval * 2 + 30
        while time.monotonic() < deadline and not all(a.alert_seen for a in agents):
            await asyncio.sleep(0.2)
        push_deadline = t_em + 30
        while time.monotonic() < push_deadline and not all(em_key in a.received for a in agents):
            await asyncio.sleep(0.2)
        stop.set()
        await asyncio.gather(*pollers)
        polled = [a.alert_seen - t_em for a in agents if a.alert_seen]
        pushed = fan_out(agents, em_key, t_em)
    pump.close()

    base_sum, sync_sum = summary(base), summary([s for s, _ in first])
    raw_sum, live_sum = summary(raw), summary(live)
    server_log = world.log.read_text(errors="replace")
    return {
        "pairing": {**summary(pair_s), "wall_s": round(pair_wall, 2)},
        "baseline_healthz": {**base_sum, "wall_s": round(base_wall, 2)},
        "sync": {**sync_sum, "wall_s": round(first_wall, 2), "statuses": dict(statuses),
                 "ratio_p99_to_healthz": round(sync_sum["p99_s"] / base_sum["p99_s"], 1)
                 if sync_sum["p99_s"] and base_sum["p99_s"] else None},
        "sync_again_if_none_match": {**summary([s for s, _ in again]), "wall_s": round(again_wall, 2),
                                     "statuses": dict(statuses_again)},
        "push_broker_baseline": {**raw_sum, "missing": len(agents) - len(raw)},
        "mqtt_reconnects": pump.reconnects,
        "push_live_command": {**live_sum, "missing": len(agents) - len(live),
                              "ratio_p99_to_broker": round(live_sum["p99_s"] / raw_sum["p99_s"], 1)
                              if live_sum["p99_s"] and raw_sum["p99_s"] else None},
        "emergency": {
            "approve_request_s": round(approve_s, 3),
            "by_poll": {**summary(polled), "missing": len(agents) - len(polled),
                        "poll_interval_s": args.poll_interval},
            "by_push": {**summary(pushed), "missing": len(agents) - len(pushed)} if pushed else
            "no emergency arrived by push within 30 s (a server without push: live commands above use the same path)",
        },
        "server_errors": {"total": sum(errors.counts.values()), "by_phase": dict(errors.counts),
                          "idle_connection_closed_and_retried": errors.retried,
                          "samples": errors.samples,
                          "tracebacks_in_server_log": server_log.count("Traceback")},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--agents", type=int, default=None, help="simulated agents (default 1000; --quick 100)")
    parser.add_argument("--quick", action="store_true", help="100 agents, /alerts every 10 s")
    parser.add_argument("--poll-interval", type=float, default=None, help="seconds between /alerts polls (60)")
    parser.add_argument("--connections", type=int, default=100, help="HTTP connections of the agents' pool")
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args()
    args.agents = args.agents or (100 if args.quick else 1000)
    args.poll_interval = args.poll_interval or (10.0 if args.quick else 60.0)
    if not 1 <= args.agents <= 5000:
        parser.error("--agents: 1..5000 (one process, loopback only)")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="loaxa-bench-agents-") as tmp:
        world = World(args.agents, Path(tmp))
        try:
            world.start()
            setup = world.populate()
            figures = asyncio.run(run(world, setup, args))
        except BaseException:
            print(world.log.read_text(errors="replace")[-6000:], file=sys.stderr)
            raise
        finally:
            world.stop()
    result = {"benchmark": "agents", "agents": args.agents, "quick": args.quick,
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
              "setup": {"clusters": args.agents, "playlist_build_s": setup["build_s"], "setup_s": setup["setup_s"]},
              **figures, "wall_s": round(time.monotonic() - started, 1)}
    text = json.dumps(result, ensure_ascii=False, indent=2)
    if not args.no_save:
        out = ROOT / "bench" / "results" / "agents.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(text)
    print(text)
    return 0 if result["server_errors"]["total"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
