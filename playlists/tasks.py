"""Background task functions of the playlists package (run through core.tasks, referenced by name), and
`submit_build`, the one way a person asks for a day's build (the API and the web page both call it).

`content_changed` is submitted by `playlists.hooks` on the "content_changed" event (core.events),
which campaigns publishes when approved content gets its audio, or is withdrawn, archived or
replaced: today's playlists of the affected clusters follow at once.
"""

from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from core import tasks
from core.areas import Area, cluster_ids_under, count_clusters
from core.config import get_settings
from core.tasks import Task, TaskContext
from core.users import Principal
from playlists.changes import apply_content_change, days_with_playlists
from playlists.publish import BuildResult
from playlists.service import build_day, check_build_day

# Up to this many clusters a build may answer when it is done; bigger ones always run as a background task.
SYNC_BUILD_MAX_CLUSTERS = 5_000


def content_changed(ctx: TaskContext, *, content_id: int, now: str | None = None) -> dict:
    """Rebuild today's (and an already built tomorrow's) playlists of the clusters a content change touches;
    an approved emergency goes in at the start of the current or next slot. `now` (ISO 8601) is for tests."""
    moment = datetime.fromisoformat(now) if now else None
    ctx.progress(0, 1, f"Cập nhật danh sách phát theo nội dung {content_id}")
    result = apply_content_change(ctx.engine, content_id=content_id, tz=get_settings().tz, now=moment)
    ctx.progress(1, 1, f"Đã cập nhật {result.clusters} cụm loa")
    return result.as_dict()


def rebuild_areas(ctx: TaskContext, *, area_ids: list[int], days: list[str]) -> dict:
    """After a schedule change (a relay, an operator's priority order): rebuild those of `days` that already
    have published playlists, for the clusters below `area_ids`."""
    with Session(ctx.engine) as session:
        clusters: set[int] = set()
        for area in session.exec(select(Area).where(col(Area.id).in_(area_ids))):
            clusters |= set(cluster_ids_under(session, area))
        built = days_with_playlists(session, sorted(date.fromisoformat(d) for d in days), clusters)
    results = [build_day(ctx.engine, day=day, tz=get_settings().tz, cluster_ids=sorted(clusters),
                         reason="schedule_changed", progress=ctx.progress) for day in built]
    return {"days": [r.as_dict() for r in results]}


def build_day_task(ctx: TaskContext, *, day: str, area_id: int | None = None, created_by: int | None = None,
                   reason: str = "manual") -> dict:
    """`POST /playlists/build` for builds too big to answer in one request; progress is shown on the task."""
    result = build_day(ctx.engine, day=date.fromisoformat(day), tz=get_settings().tz, area_id=area_id,
                       reason=reason, created_by=created_by, progress=ctx.progress)
    return result.as_dict()


@dataclass(frozen=True)
class BuildSubmission:
    """What a build request led to: the build itself (run at once) or its background task."""

    day: date
    clusters: int  # clusters below the area (all clusters for the whole country)
    result: BuildResult | None = None
    task: Task | None = None


def submit_build(session: Session, *, day: date, today: date, tz: tzinfo, area: Area | None, actor: Principal,
                 background: bool = True, reason: str = "manual") -> BuildSubmission:
    """Build and publish `day` for every cluster below `area` (None: the whole country) on behalf of `actor`.

    The day must be within MAX_DAYS_FROM_TODAY of `today` (Invalid otherwise). With `background`, or past
    SYNC_BUILD_MAX_CLUSTERS clusters, the build is queued as a task that runs once the caller's transaction
    commits; otherwise it runs now, in its own transactions (BuildBusy while another build runs)."""
    check_build_day(day, today)
    clusters = count_clusters(session, area)
    area_id = area.id if area is not None else None
    if background or clusters > SYNC_BUILD_MAX_CLUSTERS:
        where = area.name if area is not None else "toàn quốc"
        task = tasks.submit(session, "playlists.tasks:build_day_task",
                            title=f"Lập danh sách phát ngày {day:%d/%m/%Y} — {where}",
                            kwargs={"day": day.isoformat(), "area_id": area_id, "created_by": actor.user_id,
                                    "reason": reason},
                            created_by=actor.user_id)
        return BuildSubmission(day=day, clusters=clusters, task=task)
    engine = session.get_bind()
    if not isinstance(engine, Engine):  # the build opens its own transactions on the engine
        raise TypeError("submit_build needs a session bound to an engine")
    result = build_day(engine, day=day, tz=tz, area_id=area_id, reason=reason, created_by=actor.user_id)
    return BuildSubmission(day=day, clusters=result.clusters, result=result)
