"""Polling `GET /clusters/{id}/alerts`: emergencies reach the agent even when push is down.

Every 60 s (`alerts_interval_s`) while push is not connected, five times less often while it is (a
safety net). Each active alert becomes an `emergency` command (agent/commands.py; the same content
plays once however often it is seen). An emergency on air or queued that the server no longer lists
(it was ended or withdrawn) is stopped, unless it arrived after the poll was sent.
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from agent.commands import CommandBook
from agent.server import ServerClient, Unreachable, detail

log = logging.getLogger("agent.alerts")

PUSH_SAFETY_FACTOR = 5


def alert_command(alert: dict[str, Any]) -> dict[str, Any] | None:
    content_id, sha256 = alert.get("content_id"), alert.get("sha256")
    if not isinstance(content_id, int) or not alert.get("audio_url") or not isinstance(sha256, str):
        return None
    return {"id": f"alert-{content_id}-{sha256[:16]}", "type": "emergency", "content_id": content_id,
            "title": alert.get("title") or "", "audio_url": alert["audio_url"], "sha256": sha256,
            "duration_ms": alert.get("duration_ms"), "issued_at": alert.get("issued_at"),
            "tone_in_audio": alert.get("tone_in_audio") is True}


class AlertPoller:
    def __init__(self, *, client: ServerClient, book: CommandBook, interval_s: float,
                 push_connected: Callable[[], bool],
                 on_air: Callable[[], list[tuple[int, float]]],
                 withdrawn: Callable[[int, float], None]) -> None:
        self.client = client
        self.book = book
        self.interval_s = interval_s
        self.push_connected = push_connected
        self.on_air = on_air
        self.withdrawn = withdrawn
        self.wake = threading.Event()

    def poll_once(self) -> bool:
        sent_mono = time.monotonic()
        cluster = self.client.device.cluster_id
        try:
            response = self.client.request("GET", f"/clusters/{cluster}/alerts")
        except Unreachable as exc:
            log.info("Không hỏi được cảnh báo khẩn cấp (%s)", exc)
            return False
        if response.status_code != 200:
            log.warning("Hỏi cảnh báo khẩn cấp bị từ chối (%d: %s)", response.status_code, detail(response))
            return False
        try:
            alerts = response.json()
        except ValueError:
            log.warning("Danh sách cảnh báo không phải JSON")
            return False
        if not isinstance(alerts, list):
            return False
        active: set[int] = set()
        for alert in alerts:
            if not isinstance(alert, dict):
                continue
            command = alert_command(alert)
            if command is None:
                log.info("Cảnh báo khẩn cấp %r chưa có âm thanh: chờ lần hỏi sau", alert.get("title"))
                continue
            active.add(command["content_id"])
            self.book.submit(command, via="alerts")
        for content_id, arrived in self.on_air():
            if content_id not in active and arrived < sent_mono:
                log.warning("Máy chủ không còn cảnh báo khẩn cấp mã %d: dừng phát", content_id)
                self.withdrawn(content_id, sent_mono)
        return True

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.poll_once()
            wait = self.interval_s * (PUSH_SAFETY_FACTOR if self.push_connected() else 1)
            self.wake.wait(wait)
            self.wake.clear()
