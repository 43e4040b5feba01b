"""`loaxa agent pair`: exchange a one-time pairing code for this device's token (docs/devices.md,
"Pairing"). Nothing is written unless the server said yes; the token never has to be typed."""

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from agent import __version__
from agent.state import Device, MqttConfig, Paths, save_device

ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
CODE_LENGTH = 8


class PairingError(Exception):
    """Pairing failed; the message says why and what to do, in Vietnamese."""


def normalize_code(raw: str) -> str:
    """`k7qm-2xpa`, `K7QM 2XPA`, `K7QM2XPA` → `K7QM2XPA`; a malformed code is refused before any request."""
    code = re.sub(r"[\s\-]", "", raw).upper()
    bad = sorted({c for c in code if c not in ALPHABET})
    if len(code) != CODE_LENGTH or bad:
        hint = f" (ký tự không dùng trong mã: {' '.join(bad)})" if bad else ""
        raise PairingError(f"Mã ghép {raw!r} không đúng dạng: cần 8 ký tự như K7QM-2XPA{hint}. "
                           "Kiểm tra lại mã trên trang quản trị.")
    return code


def _detail(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return ""
    return str(data.get("detail")) if isinstance(data, dict) and data.get("detail") else ""


MESSAGES = {
    404: "Mã ghép không tồn tại. Kiểm tra lại mã, hoặc xin mã mới trên trang quản trị cụm loa.",
    409: "Mã ghép này đã được dùng. Mỗi mã chỉ dùng một lần: hãy xin mã mới trên trang quản trị cụm loa.",
    410: "Mã ghép đã hết hạn (mã chỉ có hiệu lực 15 phút). Hãy xin mã mới trên trang quản trị cụm loa.",
    429: "Nhập sai mã quá nhiều lần. Chờ một lúc rồi thử lại với mã đúng.",
}


def device_from_answer(server: str, data: Any) -> Device:
    if not isinstance(data, dict) or not isinstance(data.get("token"), str) or \
            not isinstance(data.get("cluster_id"), int):
        raise PairingError("Máy chủ trả lời không đúng dạng (thiếu token hoặc cluster_id): "
                           "máy chủ có phải loaxa không?")
    mqtt_raw = data.get("mqtt")
    mqtt = None
    if isinstance(mqtt_raw, dict) and mqtt_raw.get("url") and mqtt_raw.get("topic"):
        mqtt = MqttConfig(url=str(mqtt_raw["url"]), topic=str(mqtt_raw["topic"]),
                          client_id=str(mqtt_raw.get("client_id") or f"loaxa-device-{data.get('device_id')}"),
                          qos=int(mqtt_raw.get("qos", 1)))
    interval = data.get("heartbeat_interval_s")
    return Device(server=server, cluster_id=data["cluster_id"], token=data["token"],
                  cluster_name=str(data.get("cluster_name") or ""),
                  device_id=data.get("device_id") if isinstance(data.get("device_id"), int) else None,
                  heartbeat_interval_s=float(interval) if isinstance(interval, int | float) else None,
                  mqtt=mqtt, paired_at=datetime.now(UTC).isoformat(timespec="seconds"))


def pair(*, server: str, code: str, state_dir: Path, name: str | None = None, force: bool = False,
         transport: httpx.BaseTransport | None = None) -> Device:
    server = server.rstrip("/")
    if not server.startswith(("http://", "https://")):
        raise PairingError(f"Địa chỉ máy chủ {server!r} phải bắt đầu bằng http:// hoặc https://")
    if Paths(state_dir).device.exists() and not force:
        raise PairingError(f"Thư mục {state_dir} đã ghép với một cụm loa. Dùng --force để ghép lại "
                           "(mã cũ vẫn còn hiệu lực cho tới khi người quản trị thu hồi).")
    body: dict[str, Any] = {"code": normalize_code(code)}
    if name:
        body["name"] = name
    try:
        with httpx.Client(timeout=20, transport=transport,
                          headers={"User-Agent": f"loaxa-agent/{__version__}"}) as client:
            response = client.post(f"{server}/api/v1/devices/pair", json=body)
    except httpx.TransportError as exc:
        raise PairingError(f"Không kết nối được máy chủ {server}: {exc}. Kiểm tra địa chỉ, mạng "
                           "và máy chủ có đang chạy không.") from exc
    if response.status_code != 200:
        message = MESSAGES.get(response.status_code) or \
            f"Máy chủ từ chối ghép thiết bị (mã {response.status_code})."
        extra = _detail(response)
        raise PairingError(message + (f" Máy chủ báo: {extra}" if extra else ""))
    try:
        data = response.json()
    except ValueError as exc:
        raise PairingError("Máy chủ trả lời không phải JSON: địa chỉ có đúng là máy chủ loaxa không?") from exc
    device = device_from_answer(server, data)
    save_device(state_dir, device)
    return device
