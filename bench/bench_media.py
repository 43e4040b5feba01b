"""Media benchmark: playlists and audio for N devices, through loaxa alone, through nginx, and nginx static.

    .venv/bin/python bench/bench_media.py                # 1,000 devices, 10 s per measurement, SQLite
    .venv/bin/python bench/bench_media.py --quick        # 100 devices, 3 s per measurement
    .venv/bin/python bench/bench_media.py --db both      # SQLite then PostgreSQL

Everything on loopback: N clusters, each with a device token issued straight in the database (as
pairing does) and today's playlist built through the API; two `loaxa serve` on that data, one alone and
one behind Debian's nginx (LOAXA_MEDIA_ACCEL_PREFIX set) with the repository's docs/nginx/loaxa.conf;
one plain static nginx server over the same bytes (the baseline); and Debian's `wrk` (one thread, a Lua
script cycling through the N devices' requests) as the devices. Measured, each for `--seconds`:
1. playlist GET with `If-None-Match` (every answer a 304) at `--rate` requests/s (each of the N devices
   on its own connection, waiting N/rate s between its requests): p50/p99/max, the rate reached; through
   loaxa alone and through nginx; baseline: nginx answering a 304 for a static copy of the same JSON;
2. the same as fast as `--connections` connections go (requests/s);
3. audio GET (the whole file, 200): the public /media/{sha256}.mp3 and the protected programme MP3,
   through loaxa alone (it sends the bytes) and through nginx (from disk; loaxa authorises the
   programme and answers X-Accel-Redirect), against nginx serving the same file statically.
Every answer other than the expected status counts as an error (goal 0). Prints one JSON document, also
written to bench/results/media.json unless --no-save. The goal (issue 15): playlist p99 ≤ 20 ms at
500 requests/s on the 2-core machine.
"""

import argparse
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from datetime import time as dtime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from core.areas import AreaCreate, AreaLevel, create_area  # noqa: E402
from core.db import make_engine, saved_id, session_scope, upgrade_database  # noqa: E402
from core.security import hash_password  # noqa: E402
from core.users import Role, UserCreate, create_user, issue_device_token, issue_user_token  # noqa: E402
from media.store import MediaStore  # noqa: E402
from tests.api.nginx_harness import ACCEL_PREFIX, Nginx, main_conf, render_site  # noqa: E402
from tests.playlists.helpers import add_content, add_slot, make_mp3  # noqa: E402
from tests.ports import free_port  # noqa: E402

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PG_BASE = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
LOAXA = ROOT / ".venv" / "bin" / "loaxa"

# wrk's script: the devices' requests, pre-formatted, one after the other; an optional pause after each
# answer (per connection) paces the load; done() prints the figures as one JSON line.
WRK_LUA = r"""
local reqs, n, i, pause = {}, 0, 0, tonumber(os.getenv("BENCH_PAUSE_MS") or "0")
function init(args)
  for line in io.lines(os.getenv("BENCH_REQUESTS")) do
    local path, headers = nil, {}
    for field in string.gmatch(line, "[^\t]+") do
      if path == nil then path = field else
        local k, v = string.match(field, "^([^:]+): (.*)$")
        headers[k] = v
      end
    end
    n = n + 1
    reqs[n] = wrk.format("GET", path, headers)
  end
  i = math.random(n) - 1
end
function request()
  i = i % n + 1
  return reqs[i]
end
if pause > 0 then
  -- before every request, the first included: uniform around the mean, so the devices do not fall into step
  function delay() return math.random(0, 2 * pause) end
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "errors": {"connect": %d, "read": %d, "write": %d, "status": %d, ' ..
    '"timeout": %d}}\n', summary.requests, summary.duration, summary.bytes, latency:percentile(50),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


class Servers:
    """Two `loaxa serve` on the same data: one alone (it sends its bytes itself) and one behind nginx
    (LOAXA_MEDIA_ACCEL_PREFIX set), nginx with docs/nginx/loaxa.conf and a static baseline server."""

    def __init__(self, tmp: Path, db_url: str) -> None:
        self.tmp = tmp
        self.data = tmp / "data"
        self.db_url = db_url
        self.alone_port, self.behind_port = free_port(), free_port()
        self.nginx_port, self.static_port = free_port(), free_port()
        self.loaxa = f"http://127.0.0.1:{self.alone_port}"
        self.log = tmp / "serve.log"
        self.alone: subprocess.Popen[bytes] | None = None
        self.behind: subprocess.Popen[bytes] | None = None
        self.nginx: Nginx | None = None

    def _serve(self, port: int, accel: bool) -> subprocess.Popen[bytes]:
        env = {**os.environ, "LOAXA_DATA_DIR": str(self.data), "LOAXA_DATABASE_URL": self.db_url,
               "LOAXA_SECRET_KEY": "bench-media-secret-0123456789", "LOAXA_SCHEDULER_ENABLED": "false"}
        if accel:
            env["LOAXA_MEDIA_ACCEL_PREFIX"] = ACCEL_PREFIX
        with self.log.open("ab") as log:
            server = subprocess.Popen([str(LOAXA), "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                                      stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert server.poll() is None, self.log.read_text()[-2000:]
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    return server
            except httpx.TransportError:
                time.sleep(0.2)
        raise RuntimeError("loaxa serve did not start")

    def start_loaxa(self) -> None:
        self.alone = self._serve(self.alone_port, accel=False)
        self.behind = self._serve(self.behind_port, accel=True)

    def start_nginx(self, static_root: Path) -> None:
        site = render_site(self.behind_port, self.nginx_port, self.data / "media")
        # The baseline: the same bytes as plain static files, nothing else (nginx's own ETag and 304).
        static = (f"server {{\n    listen 127.0.0.1:{self.static_port};\n    root {static_root.resolve()};\n"
                  "    types { audio/mpeg mp3; application/json json; }\n}\n")
        prefix = self.tmp / "nginx"
        self.nginx = Nginx(prefix, main_conf(prefix, site, extra=static), self.nginx_port).start()

    def stop(self) -> None:
        if self.nginx is not None:
            self.nginx.stop()
        for server in (self.alone, self.behind):
            if server is not None and server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
                try:
                    server.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, signal.SIGKILL)
                    server.wait()


def populate(servers: Servers, n: int) -> dict[str, Any]:
    """N clusters with device tokens (issued in the database), one 30 s bulletin, today's playlists."""
    upgrade_database(servers.db_url)
    engine = make_engine(servers.db_url)
    store = MediaStore(servers.data / "media")
    audio = make_mp3(store, 30)
    with session_scope(engine) as s:
        province = create_area(s, AreaCreate(name="Tỉnh Đo Tải", level=AreaLevel.province, code="BENCHM"))
        commune = create_area(s, AreaCreate(name="Xã Đo Tải", level=AreaLevel.commune, code="BENCHM1",
                                            parent_id=province.id))
        clusters = [create_area(s, AreaCreate(name=f"Cụm loa {i + 1}", level=AreaLevel.cluster,
                                              code=f"M{i + 1:05d}", parent_id=commune.id)) for i in range(n)]
        tokens = {saved_id(c): issue_device_token(s, c)[0] for c in clusters}
        admin = create_user(s, UserCreate(username="b_admin", password="bench-media-pass-1", role=Role.admin),
                            password_hash=hash_password("bench-media-pass-1"))
        admin_token = issue_user_token(s, admin, minutes=120)
        province_id = saved_id(province)
    add_content(engine, "Bản tin đo tải", [province_id], audio)
    add_slot(engine, province_id, "Bản tin sáng", dtime(6, 0), 5)
    engine.dispose()
    return {"tokens": tokens, "admin": admin_token, "sha256": audio.sha256}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far: the server's cost per request, whatever else the machine
    runs (wall-clock figures on a shared machine move with its load; this one much less)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(base: str, lines: list[str], tmp: Path, *, seconds: float, connections: int, pause_ms: int = 0,
        expect: int, server_pid: int | None = None, expect_bytes: int | None = None) -> dict[str, Any]:
    reqs = tmp / f"requests-{uuid.uuid4().hex[:6]}.tsv"
    reqs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    script = tmp / "bench.lua"
    script.write_text(WRK_LUA, encoding="utf-8")
    # wrk counts an answer >= 400 as a status error; the expected status is checked apart, below.
    env = {**os.environ, "BENCH_REQUESTS": str(reqs), "BENCH_PAUSE_MS": str(pause_ms)}
    cpu_before = cpu_seconds(server_pid) if server_pid else 0.0
    done = subprocess.run([shutil.which("wrk") or "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s",
                           "--timeout", "10s", "-s", str(script), base], env=env, capture_output=True, text=True,
                           timeout=seconds + 60)
    found = re.search(r"^WRKJSON (.*)$", done.stdout, re.M)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"wrk failed: {done.stdout[-1000:]} {done.stderr[-1000:]}")
    raw = json.loads(found.group(1))
    cpu = cpu_seconds(server_pid) - cpu_before if server_pid else None
    duration = raw["duration_us"] / 1e6
    first = lines[0].split("\t")
    probe = httpx.get(base + first[0], headers=dict(f.split(": ", 1) for f in first[1:]), timeout=120)
    return {"requests": raw["requests"], "requests_per_s": round(raw["requests"] / duration, 1),
            "p50_ms": raw["p50_us"] / 1000, "p99_ms": raw["p99_us"] / 1000, "max_ms": raw["max_us"] / 1000,
            "mb_per_s": round(raw["bytes"] / duration / 1e6, 1),
            "loaxa_cpu_ms_per_request": round(cpu * 1000 / raw["requests"], 3) if cpu is not None and raw["requests"]
            else None,
            "errors": sum(raw["errors"].values()), "error_kinds": {k: v for k, v in raw["errors"].items() if v},
            "probe_status": probe.status_code, "probe_bytes": len(probe.content),
            "probe_ok": probe.status_code == expect and (expect_bytes is None or len(probe.content) == expect_bytes)}


def run_one(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    started = time.monotonic()
    pg_name = f"loaxa_bench_media_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(make_url(args.pg_url), isolation_level="AUTOCOMMIT") if kind == "postgresql" else None
    with tempfile.TemporaryDirectory(prefix="loaxa-bench-media-") as tmp_name:
        tmp = Path(tmp_name)
        if admin is not None:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{pg_name}"')
            url = make_url(args.pg_url).set(database=pg_name).render_as_string(hide_password=False)
        else:
            url = f"sqlite:///{(tmp / 'loaxa.db').resolve()}"
        servers = Servers(tmp, url)
        try:
            world = populate(servers, args.devices)
            servers.start_loaxa()
            day = datetime.now(TZ).date().isoformat()
            built = httpx.post(f"{servers.loaxa}/api/v1/playlists/build", json={"date": day}, timeout=600,
                               headers={"Authorization": f"Bearer {world['admin']}"})
            assert built.status_code == 200 and built.json()["playlists"] == args.devices, built.text
            static_root = tmp / "static"
            figures = measure(servers, world, day, static_root, args)
        except BaseException:
            print(servers.log.read_text(errors="replace")[-4000:], file=sys.stderr)
            raise
        finally:
            servers.stop()
            if admin is not None:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
                admin.dispose()
        figures["tracebacks_in_server_log"] = servers.log.read_text(errors="replace").count("Traceback")
    return {"database": kind, **figures, "wall_s": round(time.monotonic() - started, 1)}


def measure(servers: Servers, world: dict[str, Any], day: str, static_root: Path,
            args: argparse.Namespace) -> dict[str, Any]:
    tokens: dict[int, str] = world["tokens"]
    sha = world["sha256"]
    # Each device's playlist once (its ETag), and a static copy of it for the baseline.
    playlists, statics, programme = [], [], ""
    (static_root / "pl").mkdir(parents=True)
    (static_root / "media").mkdir()
    with httpx.Client(base_url=servers.loaxa) as http:
        for cluster, token in tokens.items():
            path = f"/api/v1/clusters/{cluster}/playlists/{day}"
            auth = f"Authorization: Bearer {token}"
            got = http.get(path, headers={"Authorization": f"Bearer {token}"})
            assert got.status_code == 200, got.text
            playlists.append(f"{path}\t{auth}\tIf-None-Match: {got.headers['etag']}")
            copy = static_root / "pl" / f"{cluster}.json"
            copy.write_bytes(got.content)
            st = copy.stat()
            statics.append(f"/pl/{cluster}.json\tIf-None-Match: \"{int(st.st_mtime):x}-{st.st_size:x}\"")
            if not programme:
                programme = got.json()["slots"][0]["programme_url"].split(str(servers.alone_port), 1)[1]
    media_path = MediaStore(servers.data / "media").path_for(sha, "mp3")
    shutil.copy(media_path, static_root / "media" / f"{sha}.mp3")
    programmes = [f"/api/v1/clusters/{c}/playlists/{day}/programme/0.mp3\tAuthorization: Bearer {t}"
                  for c, t in tokens.items()]
    with httpx.Client() as http:  # make the programme MP3 once (the first fetch joins it with ffmpeg)
        assert http.get(servers.loaxa + programmes[0].split("\t")[0], timeout=120,
                        headers={"Authorization": f"Bearer {next(iter(tokens.values()))}"}).status_code == 200
    servers.start_nginx(static_root)
    assert servers.nginx is not None
    nginx, static = servers.nginx.url, f"http://127.0.0.1:{servers.static_port}"
    tmp = servers.tmp
    s, n, c = args.seconds, len(tokens), args.connections
    pause = max(1, round(n * 1000 / args.rate))  # each device on its own connection: n / pause = the rate

    assert servers.alone is not None and servers.behind is not None
    alone, behind = servers.alone.pid, servers.behind.pid
    size = media_path.stat().st_size

    def run(base: str, lines: list[str], expect: int, pid: int, **kw: Any) -> dict[str, Any]:
        wrk(base, lines, tmp, seconds=1, connections=kw.get("connections", c), expect=expect)  # warm-up
        return wrk(base, lines, tmp, seconds=s, expect=expect, server_pid=pid, **{"connections": c, **kw})

    # The loaxa figures are loaxa's CPU: alone, the one process; through nginx, the one behind it.
    at_rate = {"loaxa": run(servers.loaxa, playlists, 304, alone, connections=n, pause_ms=pause),
               "nginx": run(nginx, playlists, 304, behind, connections=n, pause_ms=pause),
               "static_baseline": run(static, statics, 304, behind, connections=n, pause_ms=pause)}
    flat_out = {"loaxa": run(servers.loaxa, playlists, 304, alone),
                "nginx": run(nginx, playlists, 304, behind),
                "static_baseline": run(static, statics, 304, behind)}
    media = [f"/media/{sha}.mp3"]
    audio = {"public_loaxa": run(servers.loaxa, media, 200, alone, expect_bytes=size),
             "public_nginx": run(nginx, media, 200, behind, expect_bytes=size),
             "programme_loaxa": run(servers.loaxa, programmes, 200, alone),
             "programme_nginx_x_accel": run(nginx, programmes, 200, behind),
             "static_baseline": run(static, [f"/media/{sha}.mp3"], 200, behind, expect_bytes=size)}
    for fig in (audio["programme_loaxa"], audio["programme_nginx_x_accel"]):
        fig["probe_ok"] = fig["probe_ok"] and fig["probe_bytes"] > 10_000  # the MP3 itself, not an empty answer
    base_rps = audio["static_baseline"]["requests_per_s"]
    for fig in audio.values():
        fig["ratio_to_static"] = round(fig["requests_per_s"] / base_rps, 3) if base_rps else None
    base_flat = flat_out["static_baseline"]["requests_per_s"]
    for fig in flat_out.values():
        fig["ratio_to_static"] = round(fig["requests_per_s"] / base_flat, 3) if base_flat else None
    goal = at_rate["loaxa"]["p99_ms"] <= 20 and at_rate["loaxa"]["requests_per_s"] >= 0.95 * args.rate
    return {"audio_bytes": media_path.stat().st_size,
            "playlist_304_at_rate": {"target_requests_per_s": args.rate, "pause_ms": pause, **at_rate},
            "playlist_304_flat_out": {"connections": c, **flat_out},
            "audio_200_flat_out": {"connections": c, **audio},
            "goal_playlist_p99_20ms_at_rate_loaxa_alone": goal,
            "goal_playlist_p99_20ms_at_rate_through_nginx": at_rate["nginx"]["p99_ms"] <= 20
            and at_rate["nginx"]["requests_per_s"] >= 0.95 * args.rate}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--devices", type=int, default=None, help="devices (default 1000; --quick 100)")
    parser.add_argument("--quick", action="store_true", help="100 devices, 3 s per measurement")
    parser.add_argument("--seconds", type=float, default=None, help="length of each measurement (10; --quick 3)")
    parser.add_argument("--rate", type=int, default=500, help="playlist requests/s of the paced measurement")
    parser.add_argument("--connections", type=int, default=64, help="connections of the flat-out measurements")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--pg-url", default=os.environ.get("LOAXA_TEST_DATABASE_URL", PG_BASE),
                        help="a PostgreSQL server where a database can be created for the run")
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args()
    args.devices = args.devices or (100 if args.quick else 1000)
    args.seconds = args.seconds or (3.0 if args.quick else 10.0)
    if not 1 <= args.devices <= 5000 or not 1 <= args.seconds <= 60 or not 1 <= args.rate <= 5000:
        parser.error("--devices 1..5000, --seconds 1..60, --rate 1..5000 (loopback, bounded)")
    if not (shutil.which("wrk") and shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        parser.error("needs Debian's nginx and wrk: bash scripts/setup.sh test")
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    started = time.monotonic()
    runs = [run_one(kind, args) for kind in kinds]
    result = {"benchmark": "media", "devices": args.devices, "seconds_each": args.seconds, "quick": args.quick,
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                          "load_1min": round(os.getloadavg()[0], 2)},
              "runs": runs, "wall_s": round(time.monotonic() - started, 1)}
    text = json.dumps(result, ensure_ascii=False, indent=2)
    if not args.no_save:
        out = ROOT / "bench" / "results" / "media.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(text)
    print(text)
    clean = all(r["tracebacks_in_server_log"] == 0 and all(
        fig["errors"] == 0 and fig["probe_ok"]
        for group in ("playlist_304_at_rate", "playlist_304_flat_out", "audio_200_flat_out")
        for fig in r[group].values() if isinstance(fig, dict)) for r in runs)
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
