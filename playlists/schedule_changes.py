"""Schedule changes that published playlists must follow at once: a relay created, changed or deleted,
an operator's priority order. The affected days that already have playlists are rebuilt by the task
`playlists.tasks.rebuild_areas`, after the caller's transaction commits (so it sees the change)."""

from collections.abc import Iterable
from datetime import date, timedelta, tzinfo

from sqlmodel import Session

from core import tasks
from core.timeutil import local_today


def follow_change(session: Session, area_ids: list[int], *, tz: tzinfo, created_by: int | None,
                  days: Iterable[date] | None = None) -> None:
    """Rebuild the published playlists of `days` (default today and tomorrow) below `area_ids`, after the
    caller's commit (`playlists.tasks.rebuild_areas`)."""
    today = local_today(tz)
    wanted = sorted(set(days) if days is not None else {today, today + timedelta(days=1)})
    if not area_ids or not wanted:
        return
    tasks.submit(session, "playlists.tasks:rebuild_areas", title="Cập nhật danh sách phát theo thay đổi lịch",
                 kwargs={"area_ids": sorted(set(area_ids)), "days": [d.isoformat() for d in wanted]},
                 created_by=created_by)
