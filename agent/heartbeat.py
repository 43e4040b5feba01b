"""The heartbeat: every minute (by default) the agent tells the server how it is and collects the
commands waiting for it (docs/devices.md, "Heartbeat"). A server without the endpoint yet (404) is
logged and asked again at the next beat; commands obeyed since the last beat are acknowledged."""

import logging
import shutil
import threading
from collections.abc import Callable
from typing import Any

from agent import __version__
from agent.backoff import Backoff
from agent.commands import CommandBook
from agent.server import ServerClient, Unreachable, detail, retry_after_s

log = logging.getLogger("agent.heartbeat")

MIN_INTERVAL_S, MAX_INTERVAL_S = 5.0, 3600.0


def disk_free_mb(path: str) -> int:
    return int(shutil.disk_usage(path).free / 1024 / 1024)


class Heartbeat:
    def __init__(self, *, client: ServerClient, book: CommandBook, status: Callable[[], dict[str, Any]],
                 interval_s: float) -> None:
        self.client = client
        self.book = book
        self.status = status
        self.interval_s = interval_s
        self.fixed = False  # set by the device's own settings: the server's `interval_s` does not change it
        self.backoff = Backoff(base_s=interval_s / 4 or 1.0, max_s=max(interval_s, 60.0))
        self.supported: bool | None = None
        self.wake = threading.Event()

    def payload(self, acks: list[str]) -> dict[str, Any]:
        return {"agent_version": __version__, **self.status(), "acked_commands": acks}

    def beat(self) -> float:
        """One heartbeat; returns the wait before the next."""
        acks = self.book.pending_acks()
        cluster = self.client.device.cluster_id
        try:
            response = self.client.request("POST", f"/clusters/{cluster}/heartbeat", json=self.payload(acks))
        except Unreachable as exc:
            wait = self.backoff.failure()
            log.info("Không gửi được nhịp tim (%s); thử lại sau %.0f giây", exc, wait)
            return wait
        if response.status_code in (404, 405):
            if self.supported is not False:
                log.info("Máy chủ chưa nhận nhịp tim (%d): sẽ thử lại mỗi %.0f giây", response.status_code,
                         self.interval_s)
            self.supported = False
            return self.backoff.jittered(self.interval_s)
        waited = retry_after_s(response)
        if response.status_code != 200:
            wait = self.backoff.failure(waited)
            log.warning("Nhịp tim bị từ chối (%d: %s); thử lại sau %.0f giây", response.status_code,
                        detail(response), wait)
            return wait
        self.supported = True
        self.backoff.success()
        self.book.mark_acked(acks)
        try:
            answer = response.json()
        except ValueError:
            log.warning("Trả lời nhịp tim không phải JSON")
            return self.backoff.jittered(self.interval_s)
        if isinstance(answer, dict):
            interval = answer.get("interval_s")
            if isinstance(interval, int | float) and not isinstance(interval, bool) and not self.fixed:
                self.interval_s = min(MAX_INTERVAL_S, max(MIN_INTERVAL_S, float(interval)))
            for command in answer.get("commands") or []:
                self.book.submit(command, via="heartbeat")
        return self.backoff.jittered(self.interval_s)

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.wake.wait(self.beat())
            self.wake.clear()
