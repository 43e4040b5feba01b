"""`loaxa demo`: every package's demo data, in dependency order, each step idempotent."""

from collections.abc import Callable

from sqlalchemy.engine import Engine

from airtime.demo import load_demo_airtime
from campaigns.demo import load_demo_campaigns
from core.config import Settings
from core.db import session_scope
from core.demo import load_demo_areas_and_users
from devices.demo import load_demo_devices
from playlists.demo import load_demo_schedule


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
