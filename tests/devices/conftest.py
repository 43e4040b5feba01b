"""Fixtures for the devices tests: pairing a device through the API, a private Mosquitto broker."""

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest

from tests.ports import free_port


def pair_device(client, auth, cluster_id: int, *, operator: str = "operator_a", name: str | None = None) -> dict:
    """Make a code as an operator and exchange it as a device; returns the pairing answer plus `headers`."""
    code = client.post(f"/api/v1/areas/{cluster_id}/pairing-code", headers=auth(operator))
    assert code.status_code == 201, code.text
    answer = client.post("/api/v1/devices/pair", json={"code": code.json()["code"], "name": name})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    body["headers"] = {"Authorization": f"Bearer {body['token']}"}
    return body




def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def mqtt_broker() -> Iterator[str]:
    """A real Mosquitto on a free port (its own, so parallel runs do not see each other's messages);
    the machine's broker on 1883 when the binary is not installed; skipped when neither exists."""
    binary = shutil.which("mosquitto") or ("/usr/sbin/mosquitto" if shutil.which("/usr/sbin/mosquitto") else None)
    if binary is None:
        if _answers(1883):
            yield "mqtt://127.0.0.1:1883"
            return
        pytest.skip("Mosquitto is not installed and nothing answers on 127.0.0.1:1883")
    port = free_port()
    proc = subprocess.Popen([binary, "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not _answers(port):
        assert proc.poll() is None, "mosquitto exited"
        assert time.monotonic() < deadline, "mosquitto did not start"
        time.sleep(0.05)
    yield f"mqtt://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


class Subscriber:
    """A paho client subscribed to every cluster's command topic, collecting what arrives."""

    def __init__(self, url: str):
        import paho.mqtt.client as mqtt

        from devices.push import parse_url

        address = parse_url(url)
        self.messages: list[tuple[str, bytes | bytearray]] = []
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"loaxa-test-{time.time_ns()}")
        subscribed = []
        self.client.on_message = lambda _c, _u, msg: self.messages.append((msg.topic, msg.payload))
        self.client.on_subscribe = lambda *_args: subscribed.append(True)
        self.client.connect(address.host, address.port)
        self.client.loop_start()
        self.client.subscribe("loaxa/clusters/+/commands", qos=1)
        deadline = time.monotonic() + 5
        while not subscribed:
            assert time.monotonic() < deadline, "no SUBACK"
            time.sleep(0.02)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[tuple[str, bytes | bytearray]]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.messages)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def subscriber(mqtt_broker) -> Iterator[Subscriber]:
    sub = Subscriber(mqtt_broker)
    yield sub
    sub.close()
