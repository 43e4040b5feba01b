"""The scheduled jobs: module-level functions taking ids only, referenced as "scheduler.jobs:<name>".

APScheduler pickles job references into its job store, so a job is a plain function name and
keyword ids, never a bound method or an engine. Each job finds its engine through `configure()`
(called when the scheduler starts), does its work in its own transactions, and logs; an
exception is logged with its traceback and re-raised so APScheduler records the failure too.
"""

import functools
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from sqlalchemy.engine import Engine

from core.config import Settings, get_settings
from core.db import make_engine
from core.timeutil import local_today, now_utc
from playlists.housekeeping import has_full_build, prune_superseded, rebuild_stale
from playlists.service import build_day

log = logging.getLogger(__name__)

KEEP_SUPERSEDED_DAYS = 7

_context: dict[str, object] = {}

F = TypeVar("F", bound=Callable[..., object])


def configure(settings: Settings, engine: Engine) -> None:
    _context["settings"], _context["engine"] = settings, engine


def _runtime() -> tuple[Settings, Engine]:
    if "engine" not in _context:
        settings = get_settings()
        configure(settings, make_engine(settings.sqlalchemy_url))
    return _context["settings"], _context["engine"]  # type: ignore[return-value]


def job(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        log.info("scheduled job %s starting", fn.__name__)
        try:
            result = fn(*args, **kwargs)
        except Exception:
            log.exception("scheduled job %s failed", fn.__name__)
            raise
        log.info("scheduled job %s done: %s", fn.__name__, result)
        return result

    return wrapper  # type: ignore[return-value]


@job
def nightly_build() -> dict:
    """Build tomorrow for every cluster; if today was never built (a missed night), build it too."""
    settings, engine = _runtime()
    today = local_today(settings.tz)
    done = {"tomorrow": build_day(engine, day=today + timedelta(days=1), tz=settings.tz, reason="nightly").as_dict()}
    if not has_full_build(engine, today):
        done["today"] = build_day(engine, day=today, tz=settings.tz, reason="catch-up").as_dict()
    return done


@job
def ensure_days_built() -> dict:
    """Run once at scheduler start: build today and tomorrow if no full build of them was published."""
    settings, engine = _runtime()
    today = local_today(settings.tz)
    done = {}
    for day in (today, today + timedelta(days=1)):
        if not has_full_build(engine, day):
            done[day.isoformat()] = build_day(engine, day=day, tz=settings.tz, reason="catch-up").as_dict()
    return done


@job
def expire_content() -> dict:
    """Take content that may no longer air (validity ended, withdrawn, replaced) out of the published
    playlists of today and tomorrow."""
    settings, engine = _runtime()
    today = local_today(settings.tz)
    done = {}
    for day in (today, today + timedelta(days=1)):
        result = rebuild_stale(engine, day=day, tz=settings.tz)
        if result is not None:
            done[day.isoformat()] = result.as_dict()
    return done


@job
def prune_playlists() -> dict:
    """Delete superseded playlist versions older than a week (current ones are history and stay)."""
    settings, engine = _runtime()
    before = local_today(settings.tz) - timedelta(days=KEEP_SUPERSEDED_DAYS)
    return {"deleted": prune_superseded(engine, before=before)}


@job
def check_alarms() -> dict:
    """Every minute: alarms for clusters offline or silent during a slot, or with a wrong clock; notices."""
    from devices.watch import check_fleet

    settings, engine = _runtime()
    return check_fleet(engine, settings, now=now_utc())


@job
def simulate_demo_devices() -> dict:
    """Demo only (registered when `loaxa demo` made simulated devices): keep their heartbeats fresh."""
    from devices.demo import refresh_simulated

    settings, engine = _runtime()
    return refresh_simulated(engine, settings, now=now_utc())
