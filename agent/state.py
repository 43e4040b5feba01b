"""The agent's state directory: the device's identity (`device.json`, mode 0600) and where things go.

    STATE/device.json          what pairing answered: server, cluster, token, MQTT (docs/devices.md)
    STATE/agent.toml           optional settings (agent/settings.py)
    STATE/agent.db             outbox and memory (agent/db.py)
    STATE/playlists/DATE.json  the last good playlist of each day, with its ETag
    STATE/media/SHA256.EXT     verified audio files
    STATE/tmp/                 downloads in progress, the alert tone, converted WAVs

`save_device` is the only writer of `device.json`: `pair` uses it after a successful answer, and
tests use it with a token from `/areas/{id}/device-token`.
"""

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

DEVICE_FILE = "device.json"


class StateError(Exception):
    """The state directory is missing, unreadable or not paired."""


@dataclass(frozen=True)
class MqttConfig:
    url: str
    topic: str
    client_id: str
    qos: int = 1


@dataclass(frozen=True)
class Device:
    server: str
    cluster_id: int
    token: str
    cluster_name: str = ""
    device_id: int | None = None
    heartbeat_interval_s: float | None = None
    mqtt: MqttConfig | None = None
    paired_at: str | None = None

    @property
    def api(self) -> str:
        return self.server.rstrip("/") + "/api/v1"


@dataclass(frozen=True)
class Paths:
    root: Path

    @property
    def device(self) -> Path:
        return self.root / DEVICE_FILE

    @property
    def settings(self) -> Path:
        return self.root / "agent.toml"

    @property
    def database(self) -> Path:
        return self.root / "agent.db"

    @property
    def playlists(self) -> Path:
        return self.root / "playlists"

    @property
    def media(self) -> Path:
        return self.root / "media"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    def make(self) -> None:
        for path in (self.root, self.playlists, self.media, self.tmp):
            path.mkdir(mode=0o700, parents=True, exist_ok=True)


def write_atomic(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write to a temporary file, fsync, rename over `path`, fsync the directory: never half a file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def save_device(state_dir: Path, device: Device) -> Path:
    """Write `device.json` (mode 0600) into `state_dir`, creating the directory (mode 0700)."""
    paths = Paths(state_dir)
    paths.make()
    write_atomic(paths.device, (json.dumps(asdict(device), ensure_ascii=False, indent=2) + "\n").encode())
    return paths.device


def device_from_json(data: Any) -> Device:
    if not isinstance(data, dict):
        raise StateError("device.json không phải đối tượng JSON")
    try:
        mqtt_raw = data.get("mqtt")
        mqtt = MqttConfig(url=str(mqtt_raw["url"]), topic=str(mqtt_raw["topic"]),
                          client_id=str(mqtt_raw.get("client_id") or f"loaxa-cluster-{data['cluster_id']}"),
                          qos=int(mqtt_raw.get("qos", 1))) if isinstance(mqtt_raw, dict) else None
        interval = data.get("heartbeat_interval_s")
        return Device(server=str(data["server"]), cluster_id=int(data["cluster_id"]), token=str(data["token"]),
                      cluster_name=str(data.get("cluster_name") or ""),
                      device_id=int(data["device_id"]) if data.get("device_id") is not None else None,
                      heartbeat_interval_s=float(interval) if interval is not None else None,
                      mqtt=mqtt, paired_at=data.get("paired_at"))
    except (KeyError, TypeError, ValueError) as exc:
        raise StateError(f"device.json thiếu hoặc sai trường: {exc}") from exc


def load_device(state_dir: Path) -> Device:
    path = Paths(state_dir).device
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise StateError(f"Chưa ghép thiết bị: không có {path}. Hãy chạy "
                         f"`loaxa agent pair --server URL --code MÃ --state {state_dir}` trước.") from exc
    except OSError as exc:
        raise StateError(f"Không đọc được {path}: {exc}") from exc
    try:
        return device_from_json(json.loads(raw))
    except json.JSONDecodeError as exc:
        raise StateError(f"{path} hỏng (không phải JSON): {exc}") from exc
