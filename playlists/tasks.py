"""Background task functions of the playlists package (run through core.tasks, referenced by name).

`content_changed` is submitted by `playlists.hooks` on the "content_changed" event (core.events),
which campaigns publishes when approved content gets its audio, or is withdrawn, archived or
replaced: today's playlists of the affected clusters follow at once.
"""

from datetime import date, datetime

from core.config import get_settings
from core.tasks import TaskContext
from playlists.changes import apply_content_change
from playlists.service import build_day


def content_changed(ctx: TaskContext, *, content_id: int, now: str | None = None) -> dict:
    """Rebuild today's (and an already built tomorrow's) playlists of the clusters a content change touches;
    an approved emergency goes in at the start of the current or next slot. `now` (ISO 8601) is for tests."""
    moment = datetime.fromisoformat(now) if now else None
    ctx.progress(0, 1, f"Cập nhật danh sách phát theo nội dung {content_id}")
    result = apply_content_change(ctx.engine, content_id=content_id, tz=get_settings().tz, now=moment)
    ctx.progress(1, 1, f"Đã cập nhật {result.clusters} cụm loa")
    return result.as_dict()


def build_day_task(ctx: TaskContext, *, day: str, area_id: int | None = None, created_by: int | None = None,
                   reason: str = "manual") -> dict:
    """`POST /playlists/build` for builds too big to answer in one request; progress is shown on the task."""
    result = build_day(ctx.engine, day=date.fromisoformat(day), tz=get_settings().tz, area_id=area_id,
                       reason=reason, created_by=created_by, progress=ctx.progress)
    return result.as_dict()
