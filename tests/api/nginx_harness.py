"""A real nginx on loopback with the repository's configuration (docs/nginx/loaxa.conf), for the test and
the benchmark: the file's example values replaced by this run's ports and media directory, nginx in the
foreground with its own prefix, pid file, logs and temp folders under a private directory."""

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "docs" / "nginx" / "loaxa.conf"
ACCEL_PREFIX = "/_loaxa_media"

# The example values of docs/nginx/loaxa.conf, each of which must appear exactly as many times as listed:
# if the documented file changes shape, the test fails instead of testing something else.
UPSTREAM = "server 127.0.0.1:8000;"
LISTEN = "listen 80;"
MEDIA_DIR = "/var/lib/loaxa/media/"


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def render_site(upstream_port: int, port: int, media_dir: Path) -> str:
    text = CONF.read_text(encoding="utf-8")
    for value, times in ((UPSTREAM, 1), (LISTEN, 1), (MEDIA_DIR, 2)):
        found = text.count(value)
        if found != times:
            raise AssertionError(f"{CONF.name}: {value!r} appears {found} times, expected {times}")
    text = text.replace(UPSTREAM, f"server 127.0.0.1:{upstream_port};")
    text = text.replace(LISTEN, f"listen 127.0.0.1:{port};")
    return text.replace(MEDIA_DIR, f"{media_dir.resolve()}/")


def main_conf(prefix: Path, site: str, extra: str = "", workers: int = 1) -> str:
    """nginx.conf around the site: what /etc/nginx/nginx.conf provides on a Debian host, kept in `prefix`."""
    # As root, nginx's workers would drop to `nobody`, who cannot read a private temporary directory.
    user = "user root;\n" if os.geteuid() == 0 else ""
    temps = "".join(f"    {name}_temp_path {prefix / name};\n"
                    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (f"{user}worker_processes {workers};\npid {prefix / 'nginx.pid'};\nerror_log {prefix / 'error.log'} warn;\n"
            "events { worker_connections 4096; }\n"
            "http {\n    sendfile on;\n    tcp_nopush on;\n    keepalive_requests 100000;\n"
            f"    access_log off;\n{temps}{site}\n{extra}\n}}\n")


class Nginx:
    def __init__(self, prefix: Path, conf: str, port: int) -> None:
        self.prefix = prefix
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        prefix.mkdir(parents=True, exist_ok=True)
        self.conf = prefix / "nginx.conf"
        self.conf.write_text(conf, encoding="utf-8")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> "Nginx":
        binary = nginx_binary()
        assert binary is not None
        cmd = [binary, "-p", str(self.prefix), "-e", str(self.prefix / "error.log"), "-c", str(self.conf)]
        check = subprocess.run([*cmd, "-t"], capture_output=True, text=True, timeout=30)
        if check.returncode != 0:
            raise AssertionError(f"nginx -t: {check.stderr}")
        self.proc = subprocess.Popen([*cmd, "-g", "daemon off;"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"nginx exited: {self.log()}")
            try:
                httpx.get(f"{self.url}/nginx-probe", timeout=1)
                return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError(f"nginx did not answer within 20 s: {self.log()}")

    def log(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful: the master stops its workers
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
