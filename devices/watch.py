"""The minutely fleet check: open and close alarms, then send the notices that are due."""

from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from core.config import Settings
from core.db import session_scope
from devices.alarms import AlarmRules, evaluate_alarms
from devices.notify import send_alarm_notices
from devices.status import StatusRules


def alarm_rules(settings: Settings) -> AlarmRules:
    return AlarmRules(status=StatusRules(settings.device_heartbeat_s, settings.device_offline_after_s),
                      silent_after=timedelta(minutes=settings.alarm_silent_after_min),
                      clock_offset_ms=settings.alarm_clock_offset_s * 1000, tz=settings.tz)


def check_fleet(engine: Engine, settings: Settings, *, now: datetime) -> dict[str, int]:
    with session_scope(engine) as session:
        changes = evaluate_alarms(session, now=now, rules=alarm_rules(settings))
    notices = send_alarm_notices(engine, settings, now=now)
    return {"opened": len(changes.opened), "closed": len(changes.closed), **notices}
