"""Emergencies that are safe to send: their defaults, their explicit end, and "end now".

A new user who composes an emergency with the form as it comes must not reach a whole province for
a month. So an emergency ("khẩn cấp"):
- names its areas explicitly (no default from the campaign or the author's area: 422 otherwise);
- is valid today only unless told otherwise (`valid_from` and `valid_until` default to today);
- has an explicit end instant `ends_at` (default: 23:59:59 local time of its last valid day), which
  lies inside its validity and is approved with its revision; past it, it is no longer an alert
  and no slot starting at or after it holds it;
- can be ended at once (`end_emergency`, `POST /contents/{id}/end`): from then on it airs nowhere
  (it leaves alerts and playlists; devices are told to stop it), for good. Ending twice answers the
  same state (idempotent); the audit trail records the first end only.
Ending publishes "content_changed" (reason "ended"): playlists republish today's playlists without it,
devices get an `end_emergency` command.
"""

from datetime import UTC, date, datetime, time, tzinfo
from typing import Any

from sqlmodel import Session

from campaigns import render
from campaigns.models import Content, ContentEvent, ContentRevision, ContentStatus
from campaigns.scope import require_within
from core.db import saved_id
from core.errors import Conflict, Invalid
from core.levels import ContentLevel
from core.timeutil import as_utc, local_today, now_utc
from core.users import Principal

NO_AREAS = ("Tin khẩn cấp phải chọn rõ địa bàn nhận (area_ids): không có địa bàn mặc định, để tránh phát nhầm "
            "ra cả tỉnh.")


def is_emergency(level: Any) -> bool:
    return level is not None and str(getattr(level, "value", level)) == ContentLevel.emergency.value


def end_of_day(day: date, tz: tzinfo) -> datetime:
    """23:59:59 local time of `day`, as UTC: the default end of an emergency valid until `day`."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=tz).astimezone(UTC)


def aware(value: datetime, tz: tzinfo) -> datetime:
    """A time without a zone (a web form's) is local time."""
    return as_utc(value.replace(tzinfo=tz) if value.tzinfo is None else value)


def local_text(value: datetime, tz: tzinfo) -> str:
    return value.astimezone(tz).strftime("%H:%M %d/%m/%Y")


def emergency_period(*, level: Any, valid_from: date | None, valid_until: date | None, ends_at: datetime | None,
                     tz: tzinfo, now: datetime | None = None) -> tuple[date, date, datetime | None]:
    """Validity and end of a new item: emergencies get today and the end of their last day by default;
    other levels must give both dates and no end."""
    now = now or now_utc()
    if not is_emergency(level):
        if ends_at is not None:
            raise Invalid("Chỉ tin khẩn cấp có thời điểm kết thúc (ends_at).")
        if valid_from is None or valid_until is None:
            raise Invalid("Cần nhập ngày bắt đầu và ngày hết hiệu lực (valid_from, valid_until).")
        return valid_from, valid_until, None
    today = local_today(tz, now)
    end = aware(ends_at, tz) if ends_at is not None else None
    valid_from = valid_from or today
    if valid_until is None:
        valid_until = max(valid_from, end.astimezone(tz).date()) if end is not None else valid_from
    return valid_from, valid_until, check_end(end, valid_from, valid_until, tz, now)


def check_end(end: datetime | None, valid_from: date, valid_until: date, tz: tzinfo,
              now: datetime | None = None) -> datetime:
    """The end of an emergency valid [valid_from, valid_until]: given (inside that period, not past) or default."""
    if end is None:
        return end_of_day(valid_until, tz)
    day = end.astimezone(tz).date()
    if not valid_from <= day <= valid_until:
        raise Invalid(f"Thời điểm kết thúc {local_text(end, tz)} phải nằm trong thời gian hiệu lực "
                      f"{valid_from:%d/%m/%Y}–{valid_until:%d/%m/%Y}.")
    if end <= (now or now_utc()):
        raise Invalid(f"Thời điểm kết thúc {local_text(end, tz)} đã qua.")
    return end


def revised_end(rev: ContentRevision, changes: dict[str, Any], tz: tzinfo) -> dict[str, Any]:
    """`changes` of an edit with `ends_at` brought in line: checked, kept or defaulted for an emergency,
    cleared for other levels (the caller drops what equals the revision)."""
    changes = dict(changes)
    if not is_emergency(changes.get("level", rev.level)):
        if changes.get("ends_at") is not None:
            raise Invalid("Chỉ tin khẩn cấp có thời điểm kết thúc (ends_at).")
        changes["ends_at"] = None
        return changes
    valid_from = changes.get("valid_from", rev.valid_from)
    valid_until = changes.get("valid_until", rev.valid_until)
    kept = as_utc(rev.ends_at) if rev.ends_at is not None else None
    given = aware(changes["ends_at"], tz) if changes.get("ends_at") is not None else None
    if given is not None and kept is not None and given.replace(second=0) == kept.replace(second=0, microsecond=0):
        changes["ends_at"] = kept  # the form shows minutes: the same minute is no change
    elif given is not None:
        changes["ends_at"] = check_end(given, valid_from, valid_until, tz)
    elif ("ends_at" not in changes and kept is not None and kept != end_of_day(rev.valid_until, tz)
          and valid_from <= kept.astimezone(tz).date() <= valid_until):
        changes["ends_at"] = kept  # an end chosen by hand stays while it fits the period
    else:  # asked for the default, a default end (it follows the last day), or the period moved away from it
        changes["ends_at"] = end_of_day(valid_until, tz)
    return changes


def require_not_ended(content: Content, tz: tzinfo | None = None) -> None:
    if content.ended_at is not None:
        when = local_text(as_utc(content.ended_at), tz) if tz else f"{as_utc(content.ended_at):%H:%M %d/%m/%Y} UTC"
        raise Conflict(f"Tin khẩn cấp đã kết thúc lúc {when}: không thể thay đổi, hãy soạn tin mới.")


def require_airable_end(rev: ContentRevision, tz: tzinfo, now: datetime | None = None) -> None:
    """An emergency whose end has passed cannot be sent or approved any more."""
    if is_emergency(rev.level) and rev.ends_at is not None and as_utc(rev.ends_at) <= (now or now_utc()):
        raise Conflict(f"Tin khẩn cấp đã quá thời điểm kết thúc {local_text(as_utc(rev.ends_at), tz)}: "
                       "hãy sửa thời điểm kết thúc.")


def end_emergency(session: Session, content: Content, *, actor: Principal, areas: list,
                  reason: str | None = None, now: datetime | None = None) -> tuple[Content, bool]:
    """End an approved emergency now: it airs nowhere from this instant. Returns (content, ended_now);
    ending an already ended item changes nothing (idempotent). `areas`: the airing revision's target
    areas (the caller must act inside all of them)."""
    if content.ended_at is not None:
        return content, False
    airing = session.get(ContentRevision, content.airing_revision_id) if content.airing_revision_id else None
    if airing is None or not is_emergency(airing.level):
        raise Conflict("Chỉ kết thúc được tin khẩn cấp đã duyệt; tin thường hãy dùng “Lưu trữ”.")
    if content.status == ContentStatus.archived:
        raise Conflict("Tin đã được lưu trữ: đã ngừng phát.")
    if actor.scope is not None:
        require_within(areas, actor.scope)
    now = now or now_utc()
    content.ended_at, content.ended_by, content.updated_at = now, actor.user_id, now
    session.add(content)
    session.add(ContentEvent(content_id=saved_id(content), revision_id=airing.id, at=now, user_id=actor.user_id,
                             username=actor.username, action="ended", from_status=content.status,
                             to_status=content.status, reason=reason))
    session.flush()
    render.content_changed(session, saved_id(content), reason="ended")
    return content, True


def effective_end(ends_at: datetime | None, ended_at: datetime | None) -> datetime | None:
    """When an emergency stops airing: its planned end or the moment it was ended, the earlier."""
    ends = [as_utc(v) for v in (ends_at, ended_at) if v is not None]
    return min(ends) if ends else None
