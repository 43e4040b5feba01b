"""Tunable settings of a running agent: defaults, then `STATE/agent.toml`, then `LOAXA_AGENT_*` variables.

    # STATE/agent.toml
    cache_budget_mb = 2048
    alerts_interval_s = 60

Each field can also be set as an environment variable, e.g. `LOAXA_AGENT_ALERTS_INTERVAL_S=5`.
"""

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class AgentSettings:
    sync_interval_s: float = 300.0        # playlists are also synced at once on a `sync` command
    alerts_interval_s: float = 60.0       # polling of /alerts while push is down
    heartbeat_interval_s: float = 60.0    # the server's answer may change it, unless set here
    forward_interval_s: float = 5.0       # how often the outbox looks for events to send
    batch_size: int = 500                 # events per POST (the server takes at most 1,000)
    cache_budget_mb: float = 2048.0       # media files kept on disk, at most
    progress_interval_s: float = 5.0      # how often the item on air records its progress
    backoff_max_s: float = 300.0          # longest wait between retries to an unreachable server
    timezone: str = "Asia/Ho_Chi_Minh"
    player_args: str = ""                 # extra arguments for the player (e.g. "--ao=null" for mpv)
    volume: int = 80                      # until the server sets it
    relay_max_kbps: float = 512.0         # with --player none: how fast a relay stream is read, at most
    http_timeout_s: float = 20.0


def _coerce(name: str, kind: Any, raw: Any) -> Any:
    try:
        if kind in (float, "float"):
            return float(raw)
        if kind in (int, "int"):
            return int(raw)
        return str(raw)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"Thiết lập {name}={raw!r} không hợp lệ") from exc


def load_settings(path: Path | None = None, environ: dict[str, str] | None = None) -> AgentSettings:
    settings = AgentSettings()
    known = {f.name: f.type for f in fields(AgentSettings)}
    values: dict[str, Any] = {}
    if path is not None and path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"Không đọc được {path}: {exc}") from exc
        section = data.get("agent", data)
        for key, raw in section.items():
            if key not in known:
                raise SettingsError(f"{path}: không có thiết lập {key!r}")
            values[key] = _coerce(key, known[key], raw)
    env = os.environ if environ is None else environ
    for key, kind in known.items():
        raw = env.get(f"LOAXA_AGENT_{key.upper()}")
        if raw is not None:
            values[key] = _coerce(key, kind, raw)
    return replace(settings, **values)
