"""Push over MQTT: commands are published after their transaction commits, from one background thread.

A request never waits for the broker: `enqueue` puts messages on a bounded queue and returns. The
publisher thread connects (and reconnects, with back-off) and publishes each message with QoS 1 to
`loaxa/clusters/{id}/commands`, not retained. A broker that is down only delays messages; when the
queue is full, new messages are dropped with a warning; expired ones are never sent. Nothing is
lost for the device either way: every command is also in its cluster's heartbeat answer.

Configured by `configure(url)` (the app's start-up; `LOAXA_MQTT_URL`), or lazily from the settings
in processes that never ran it (workers). No URL: nothing is pushed.
"""

import json
import logging
import queue
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import event
from sqlmodel import Session

from core.timeutil import now_utc

log = logging.getLogger(__name__)

QOS = 1
QUEUE_SIZE = 10_000
PUBLISH_TIMEOUT_S = 5.0
CONNECT_TIMEOUT_S = 3.0
MAX_BACKOFF_S = 30.0
_SESSION_KEY = "loaxa_mqtt_pending"


def topic_for(cluster_id: int) -> str:
    return f"loaxa/clusters/{cluster_id}/commands"


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    tls: bool = False


def parse_url(url: str) -> BrokerAddress:
    """mqtt://[user:password@]host[:1883] or mqtts://...:8883."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts", "tcp") or not parts.hostname:
        raise ValueError(f"LOAXA_MQTT_URL phải có dạng mqtt://máy:cổng, nhận {url!r}")
    tls = parts.scheme == "mqtts"
    return BrokerAddress(parts.hostname, parts.port or (8883 if tls else 1883), parts.username, parts.password, tls)


@dataclass(frozen=True)
class Message:
    topic: str
    payload: str
    expires_at: datetime


class Publisher:
    """One MQTT connection and the thread that feeds it from a bounded queue."""

    def __init__(self, url: str, *, client_id: str | None = None, maxsize: int = QUEUE_SIZE) -> None:
        self.address = parse_url(url)
        self.client_id = client_id or f"loaxa-server-{threading.get_native_id()}-{int(time.time() * 1000) % 10**8}"
        self.queue: queue.Queue[Message] = queue.Queue(maxsize=maxsize)
        self.published = 0
        self.dropped = 0
        self._stop = threading.Event()
        self._client = None
        self._thread = threading.Thread(target=self._run, name="loaxa-mqtt-publisher", daemon=True)
        self._thread.start()

    def enqueue(self, messages: list[Message]) -> None:
        """Never blocks."""
        for message in messages:
            try:
                self.queue.put_nowait(message)
            except queue.Full:
                self.dropped += 1
                log.warning("MQTT queue full: %s not pushed (the heartbeat still carries it)", message.topic)

    def close(self, timeout: float = 2.0) -> None:
        self._stop.set()
        self._thread.join(timeout)
        self._disconnect()

    # --- the thread ------------------------------------------------------------------------------

    def _run(self) -> None:
        backoff = 0.5
        pending: Message | None = None
        while not self._stop.is_set():
            if pending is None:
                try:
                    pending = self.queue.get(timeout=0.5)
                except queue.Empty:
                    continue
            if pending.expires_at <= now_utc():
                pending = None
                continue
            try:
                self._publish(pending)
            except Exception as exc:  # a broker down or gone: keep the message, wait, reconnect
                log.warning("MQTT publish to %s:%s failed (%s); retrying in %.1f s",
                            self.address.host, self.address.port, exc, backoff)
                self._disconnect()
                self._stop.wait(backoff)
                backoff = min(MAX_BACKOFF_S, backoff * 2)
                continue
            self.published += 1
            pending = None
            backoff = 0.5

    def _connect(self):
        if self._client is not None:
            return self._client
        import paho.mqtt.client as mqtt

        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=self.client_id, clean_session=True,
                             reconnect_on_failure=False)
        client.connect_timeout = CONNECT_TIMEOUT_S
        if self.address.username:
            client.username_pw_set(self.address.username, self.address.password)
        if self.address.tls:
            client.tls_set()
        client.connect(self.address.host, self.address.port, keepalive=60)
        client.loop_start()
        self._client = client
        return client

    def _publish(self, message: Message) -> None:
        client = self._connect()
        info = client.publish(message.topic, message.payload, qos=QOS, retain=False)
        info.wait_for_publish(PUBLISH_TIMEOUT_S)
        if not info.is_published():
            raise TimeoutError(f"no PUBACK within {PUBLISH_TIMEOUT_S} s")

    def _disconnect(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.disconnect()
            finally:
                client.loop_stop()


# --- the process's publisher -----------------------------------------------------------------------

_lock = threading.Lock()
_publisher: Publisher | None = None
_configured = False


def configure(url: str | None) -> None:
    """Use this broker from now on (None: no push). Closes the previous publisher."""
    global _publisher, _configured
    with _lock:
        old, _publisher, _configured = _publisher, (Publisher(url) if url else None), True
    if old is not None:
        old.close()


def shutdown() -> None:
    global _publisher, _configured
    with _lock:
        old, _publisher, _configured = _publisher, None, False
    if old is not None:
        old.close()


def publisher() -> Publisher | None:
    global _publisher, _configured
    with _lock:
        if not _configured:
            from core.config import get_settings

            url = get_settings().mqtt_url
            _publisher, _configured = (Publisher(url) if url else None), True
        return _publisher


def publish_after_commit(session: Session, messages: list[Message]) -> None:
    """Hand these messages to the publisher once the session's transaction commits (dropped on rollback)."""
    if _SESSION_KEY not in session.info:
        session.info[_SESSION_KEY] = []
        # Kept for the session's life (a request's or a job's): no-ops while nothing is pending.
        event.listen(session, "after_commit", _flush)
        event.listen(session, "after_rollback", _discard)
    session.info[_SESSION_KEY].extend(messages)


def _flush(session: Session) -> None:
    messages, session.info[_SESSION_KEY] = session.info.get(_SESSION_KEY) or [], []
    target = publisher() if messages else None
    if target is not None:
        target.enqueue(messages)


def _discard(session: Session) -> None:
    session.info[_SESSION_KEY] = []


def message_for(cluster_id: int, command: dict, expires_at: datetime) -> Message:
    return Message(topic_for(cluster_id), json.dumps(command, ensure_ascii=False, separators=(",", ":")), expires_at)
