"""Time at the edges: everything is stored in UTC and shown in the deployment's zone."""

from datetime import UTC, date, datetime, timedelta, tzinfo


def now_utc() -> datetime:
    return datetime.now(UTC)


def local_now(tz: tzinfo, now: datetime | None = None) -> datetime:
    """The deployment's wall-clock time: `now` (default: this instant) in `tz` (settings.tz)."""
    return as_utc(now or now_utc()).astimezone(tz)


def local_today(tz: tzinfo, now: datetime | None = None) -> date:
    """The local calendar day in `tz` (settings.tz) at `now` (default: this instant): "today" everywhere."""
    return local_now(tz, now).date()


def as_utc(value: datetime) -> datetime:
    """Aware UTC from any aware datetime; naive values are taken as UTC (what SQLite hands back)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def to_local(value: datetime, tz: tzinfo) -> datetime:
    return as_utc(value).astimezone(tz)


def local_day_bounds(day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """[start, end) of a local calendar day, in UTC."""
    start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def iso_week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())
