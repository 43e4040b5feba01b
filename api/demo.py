"""`loaxa demo`: every package's demo data, in dependency order, each step idempotent."""

import ipaddress
from collections.abc import Callable

from sqlalchemy.engine import Engine

from airtime.demo import load_demo_airtime
from campaigns.demo import load_demo_campaigns
from core.config import Settings
from core.db import session_scope
from core.demo import load_demo_areas_and_users
from devices.demo import load_demo_devices
from playlists.demo import load_demo_schedule


def is_loopback_host(host: str) -> bool:
    """True when only this machine can reach a server listening on `host` (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name or 0.0.0.0-like value: assume others can reach it


def load_demo(settings: Settings, engine: Engine, echo: Callable[[str], None] = print) -> None:
    with session_scope(engine) as session:
        load_demo_areas_and_users(session, echo=echo)
    with session_scope(engine) as session:
        load_demo_campaigns(session, settings, echo=echo)
    with session_scope(engine) as session:
        load_demo_schedule(session, settings, echo=echo)
    with session_scope(engine) as session:
        load_demo_airtime(session, settings, echo=echo)
    with session_scope(engine) as session:
        load_demo_devices(session, settings, echo=echo)
    echo("Dữ liệu mẫu đã sẵn sàng.")
