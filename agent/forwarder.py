"""Sending the outbox to `POST /clusters/{id}/plays` in batches (docs/devices.md, "As-run events").

A row leaves the outbox only when the server's answer counted it: accepted or duplicate. Refused
events (listed in `errors` by index) are delayed and, after a few refusals, parked (agent/outbox.py).
On 429/503 the batch waits the server's `Retry-After` (with jitter) and is sent again as it was; an
unreachable server or any other answer backs off. A resend is always safe: `event_id`s never change.
"""

import logging
import threading
import time
from typing import Any

from agent.backoff import Backoff
from agent.db import Database
from agent.outbox import Outbox
from agent.server import ServerClient, Unreachable, detail, retry_after_s
from agent.settings import AgentSettings

log = logging.getLogger("agent.forwarder")


class Forwarder:
    def __init__(self, *, client: ServerClient, outbox: Outbox, db: Database, settings: AgentSettings) -> None:
        self.client = client
        self.outbox = outbox
        self.db = db
        self.settings = settings
        self.backoff = Backoff(base_s=2.0, max_s=settings.backoff_max_s)
        self.wake = threading.Event()

    def send_once(self) -> tuple[int, float | None]:
        """Send one batch; returns (events settled, wait before the next try or None to go on)."""
        batch = self.outbox.batch(self.settings.batch_size, time.time())
        if not batch:
            return 0, None
        cluster = self.client.device.cluster_id
        try:
            response = self.client.request("POST", f"/clusters/{cluster}/plays",
                                           json={"events": [p.event for p in batch]})
        except Unreachable as exc:
            wait = self.backoff.failure()
            log.info("Chưa gửi được %d sự kiện (máy chủ không kết nối được: %s); thử lại sau %.0f giây",
                     len(batch), exc, wait)
            return 0, wait
        waited = retry_after_s(response)
        if waited is not None:
            wait = self.backoff.failure(waited)
            log.info("Máy chủ bận (%d): gửi lại %d sự kiện sau %.1f giây", response.status_code, len(batch), wait)
            return 0, wait
        body: Any = None
        try:
            body = response.json()
        except ValueError:
            body = None
        has_errors = isinstance(body, dict) and isinstance(body.get("errors"), list)
        if response.status_code == 200 or (response.status_code == 422 and has_errors):
            refused: dict[int, str] = {}
            errors = body.get("errors") if isinstance(body, dict) else None
            for err in errors or []:
                if isinstance(err, dict) and isinstance(err.get("index"), int) and 0 <= err["index"] < len(batch):
                    refused[err["index"]] = f"{err.get('field')}: {err.get('message')}"
            deleted, parked = self.outbox.settle(batch, refused, time.time())
            self.backoff.success()
            if refused:
                log.warning("Máy chủ từ chối %d sự kiện (để riêng, thử lại sau; %d đã cất hẳn): %s",
                            len(refused), parked, "; ".join(list(refused.values())[:3]))
            log.info("Đã gửi nhật ký phát: %d sự kiện được máy chủ ghi nhận", deleted)
            return deleted + len(refused), None
        wait = self.backoff.failure()
        log.warning("Gửi nhật ký phát thất bại (%d: %s); thử lại sau %.0f giây", response.status_code,
                    detail(response), wait)
        self.db.set_meta(forward_error=f"{response.status_code}: {detail(response)}")
        return 0, wait

    def flush(self, budget_s: float) -> int:
        """On the way out (SIGTERM): send what is left while the server answers, within `budget_s`.
        Nothing is lost either way: what is not sent now waits in the outbox for the next start."""
        deadline = time.monotonic() + budget_s
        total = 0
        while time.monotonic() < deadline:
            settled, wait = self.send_once()
            total += settled
            if wait is not None or not settled:
                break
        return total

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            settled, wait = self.send_once()
            if wait is None and settled:
                continue  # more may be waiting: drain before sleeping
            self.wake.wait(wait if wait is not None else self.settings.forward_interval_s)
            self.wake.clear()
