"""Commands pushed over MQTT (docs/devices.md): the cluster's topic, QoS 1, a persistent session
(`clean_session=False` and a stable client id, so what was published while the agent was away
arrives when it reconnects), reconnecting with back-off. Without a broker everything still works
through the heartbeat and /alerts, only slower."""

import json
import logging
import ssl
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from agent.state import MqttConfig

log = logging.getLogger("agent.push")

KEEPALIVE_S = 30


class Push:
    def __init__(self, config: MqttConfig, on_command: Callable[[Any], None]) -> None:
        self.config = config
        self.on_command = on_command
        self._state = "down"
        self._lock = threading.Lock()
        self.connected_event = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=config.client_id, clean_session=False,
                                  protocol=MQTTProtocolVersion.MQTTv311)
        self.client.reconnect_delay_set(min_delay=1, max_delay=60)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message

    @property
    def state(self) -> str:
        with self._lock:
            return self._state

    def connected(self) -> bool:
        return self.state == "connected"

    def start(self) -> None:
        url = urlsplit(self.config.url)
        if url.scheme not in ("mqtt", "mqtts", "tcp", "ssl"):
            raise ValueError(f"địa chỉ MQTT không hỗ trợ: {self.config.url}")
        secure = url.scheme in ("mqtts", "ssl")
        if secure:
            self.client.tls_set(cert_reqs=ssl.CERT_REQUIRED)
        if url.username:
            self.client.username_pw_set(unquote(url.username), unquote(url.password or "") or None)
        host, port = url.hostname or "127.0.0.1", url.port or (8883 if secure else 1883)
        log.info("Kết nối MQTT %s:%d, kênh %s", host, port, self.config.topic)
        self.client.connect_async(host, port, keepalive=KEEPALIVE_S)
        self.client.loop_start()

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: mqtt.ConnectFlags, reason: Any,
                    properties: Any) -> None:
        if reason.is_failure:
            log.warning("Máy chủ MQTT từ chối kết nối: %s", reason)
            return
        client.subscribe(self.config.topic, qos=self.config.qos)
        with self._lock:
            self._state = "connected"
        self.connected_event.set()
        log.info("Đã kết nối MQTT (phiên cũ còn: %s)", "có" if flags.session_present else "không")

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        with self._lock:
            self._state = "down"
        self.connected_event.clear()
        log.warning("Mất kết nối MQTT (%s): tự kết nối lại; trong lúc đó hỏi máy chủ định kỳ", reason)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            command = json.loads(message.payload.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            log.warning("Bỏ qua tin MQTT không phải JSON trên %s: %s", message.topic, exc)
            return
        self.on_command(command)
