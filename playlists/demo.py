"""Demo slots and playlists: the demo province gets a morning and an evening bulletin, an extra slot on
commemorative days, one cluster its own midday slot; the playlists of the past week (what the demo's
as-run history, airtime.demo, aired), today's and tomorrow's are built and the week's forecast of every
demo campaign is printed. Idempotent: a past day that already has its playlists is history and is not
rebuilt; the past days are built first, oldest first, as they would have been, so that today's plan
sees the same history on every run."""

from collections.abc import Callable
from datetime import date, timedelta

from sqlmodel import Session, col, select

from campaigns.demo import HISTORY_DAYS
from core.areas import Area, AreaLevel, cluster_ids_under
from core.config import Settings
from core.db import saved_id
from core.errors import Conflict
from core.timeutil import local_today
from playlists.changes import days_with_playlists
from playlists.forecast import forecast_campaign, parse_week
from playlists.models import SlotTemplateRow
from playlists.service import build_day
from playlists.slots import SlotCreate, create_slot

DEMO_PROVINCE = "Lào Cai"
PROVINCE_SLOTS = (
    ("Bản tin sáng", "05:30", 30, False),
    ("Bản tin chiều", "17:00", 30, False),
    ("Chào mừng ngày kỷ niệm", "19:30", 20, True),
)
CLUSTER_SLOT = ("Bản tin trưa thôn", "11:30", 15)


def _ensure_slot(session: Session, settings: Settings, area: Area, name: str, start: str, minutes: int,
                 commemorative_only: bool, echo: Callable[[str], None]) -> None:
    exists = session.exec(select(SlotTemplateRow.id).where(SlotTemplateRow.area_id == area.id,
                                                           SlotTemplateRow.name == name)).first()
    if exists is not None:
        return
    try:
        create_slot(session, SlotCreate(area_id=saved_id(area), name=name, start_time=start, duration_minutes=minutes,
                                        commemorative_only=commemorative_only), scope=None, tz=settings.tz)
        echo(f"Khung giờ {name} ({start}, {minutes} phút) cho {area.name}.")
    except Conflict as exc:  # an operator already set a slot at that time: keep theirs
        echo(f"Bỏ qua khung giờ {name}: {exc.message}")


def demo_province(session: Session) -> Area | None:
    return session.exec(select(Area).where(Area.level == AreaLevel.province,
                                           col(Area.name).contains(DEMO_PROVINCE))).first()


def ensure_past_playlists(session: Session, settings: Settings, province: Area, today: date,
                          echo: Callable[[str], None] = print, days: int = HISTORY_DAYS,
                          quiet_when_present: bool = False) -> list[date]:
    """Publish the province's playlists of the `days` days before `today` that have none yet, oldest first.

    Returns those past days. build_day takes any day; only the API and CLI refuse days too far away.
    """
    past = [today - timedelta(days=n) for n in range(days, 0, -1)]
    clusters = cluster_ids_under(session, province)
    have = set(days_with_playlists(session, past, clusters)) if clusters else set()
    missing = [day for day in past if day not in have]
    session.commit()  # the builder works in its own transactions
    engine = session.get_bind()
    written = 0
    for day in missing:
        result = build_day(engine, day=day, tz=settings.tz, area_id=province.id, reason="demo")  # type: ignore[arg-type]
        written += result.written
    if missing or not quiet_when_present:
        echo(f"Danh sách phát {days} ngày qua ({past[0]:%d/%m/%Y}–{past[-1]:%d/%m/%Y}): lập {len(missing)} ngày "
             f"({written} danh sách mới), {len(have)} ngày đã có.")
    return past


def load_demo_schedule(session: Session, settings: Settings, echo: Callable[[str], None] = print) -> None:
    province = demo_province(session)
    if province is None:
        echo("Chưa có tỉnh mẫu: bỏ qua lịch phát mẫu.")
        return
    for name, start, minutes, commemorative in PROVINCE_SLOTS:
        _ensure_slot(session, settings, province, name, start, minutes, commemorative, echo)
    first_cluster = session.exec(select(Area).where(Area.level == AreaLevel.cluster,
                                                    col(Area.path).startswith(province.path))
                                 .order_by(col(Area.id))).first()
    if first_cluster is not None:
        _ensure_slot(session, settings, first_cluster, *CLUSTER_SLOT, False, echo)
    # The builder works in its own transactions: what was set up above must be committed first.
    session.commit()
    engine = session.get_bind()
    today = local_today(settings.tz)
    ensure_past_playlists(session, settings, province, today, echo)
    for day in (today, today + timedelta(days=1)):
        result = build_day(engine, day=day, tz=settings.tz, area_id=province.id, reason="demo")  # type: ignore[arg-type]
        echo(f"Danh sách phát ngày {day:%d/%m/%Y}: {result.clusters} cụm loa "
             f"({result.written} mới, {result.unchanged} không đổi).")
    _echo_forecasts(session, settings, province, today, echo)


def _echo_forecasts(session: Session, settings: Settings, province: Area, today, echo) -> None:
    from campaigns.eligibility import campaign_targets

    monday = parse_week(None, today, today)
    for campaign_id, target in campaign_targets(session).items():
        if not target.target_minutes_per_week or not (target.starts_on <= today <= target.ends_on):
            continue
        forecast = forecast_campaign(session, campaign_id=campaign_id, week_start=monday, tz=settings.tz,
                                     scope=province, limit=0)
        if not forecast.clusters:
            continue
        average = forecast.planned_minutes_total / forecast.clusters
        echo(f"Dự báo tuần {forecast.week} — {target.name}: trung bình {average:.1f}/"
             f"{target.target_minutes_per_week:g} phút mỗi cụm loa; {forecast.clusters_below_target}/"
             f"{forecast.clusters} cụm chưa đạt chỉ tiêu.")
        for warning in forecast.warnings:
            echo(f"  ! {warning}")
