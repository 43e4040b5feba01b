"""How devices follow what other packages announce (core.events): the push triggers.

- "content_changed" (campaigns): an approved emergency that may air now (audio ready, valid today,
  before its end, not ended) becomes an `emergency` command for every cluster it targets; one that
  was ended or archived becomes an `end_emergency` command for those clusters and for every cluster
  that was sent it. Other content and other levels: nothing (playlists follows them).
- "playlists_republished" (playlists): a cluster whose current playlist of a day was replaced gets a
  `sync` command for that day, if it has a paired device (clusters without one have nobody to tell).

Commands go through `devices.commands.queue_command`: one row per cluster in the publisher's
transaction, pushed over MQTT after it commits, and carried by every heartbeat answer until
acknowledged or expired. A command already waiting with the same meaning is not queued twice.
`register()` subscribes the handlers; every process entry point calls it (api.wiring.wire_events).
"""

from collections.abc import Iterable
from datetime import date, datetime

from sqlmodel import Session, col, select

from campaigns.contents import revision_areas
from campaigns.emergencies import effective_end, end_of_day
from campaigns.models import Content, ContentRevision, ContentStatus, tone_in_audio
from core import events
from core.areas import cluster_ids_under
from core.config import get_settings
from core.db import saved_id
from core.timeutil import local_today, now_utc
from devices.commands import DEFAULT_TTL, CommandType, queue_command
from devices.models import Device, DeviceCommand
from media.store import media_url

CHUNK = 500


def on_content_changed(*, session: Session, content_id: int, reason: str) -> None:
    content = session.get(Content, content_id)
    if content is None or content.airing_revision_id is None:
        return
    rev = session.get(ContentRevision, content.airing_revision_id)
    if rev is None or rev.level != "emergency":
        return
    settings = get_settings()
    now = now_utc()
    targets = sorted({c for area in revision_areas(session, saved_id(rev)) for c in cluster_ids_under(session, area)})
    if content.ended_at is not None or content.status == ContentStatus.archived:
        _queue_end(session, content_id, targets, now)
        return
    end = effective_end(rev.ends_at, None) or end_of_day(rev.valid_until, settings.tz)
    today = local_today(settings.tz, now)
    if not rev.audio_sha256 or not rev.audio_ext or not rev.valid_from <= today <= rev.valid_until or end <= now:
        return  # not yet (no audio, valid later: the alerts list brings it then) or no longer
    payload = {"content_id": content_id, "title": rev.title, "level": "emergency",
               "audio_url": (settings.public_base_url or "").rstrip("/") + media_url(rev.audio_sha256, rev.audio_ext),
               "sha256": rev.audio_sha256, "duration_ms": rev.audio_duration_ms,
               "ends_at": end.astimezone(settings.tz).isoformat(), "tone_in_audio": tone_in_audio(rev.audio_source)}
    sent = _sent(session, CommandType.emergency, targets, now,
                 lambda p: p.get("content_id") == content_id and p.get("sha256") == rev.audio_sha256)
    fresh = [c for c in targets if c not in sent]
    if fresh:
        queue_command(session, cluster_ids=fresh, type=CommandType.emergency, payload=payload, expires_at=end,
                      now=now, tz=settings.tz)


def _queue_end(session: Session, content_id: int, targets: list[int], now: datetime) -> None:
    # Every cluster told to play it (even one no longer targeted), and every targeted one (it may have
    # it from the alerts list or its playlist).
    told = session.exec(select(DeviceCommand.cluster_id, DeviceCommand.payload)
                        .where(DeviceCommand.type == CommandType.emergency.value))
    clusters = set(targets) | {cid for cid, payload in told if payload.get("content_id") == content_id}
    done = _sent(session, CommandType.end_emergency, sorted(clusters), now,
                 lambda p: p.get("content_id") == content_id)
    fresh = sorted(clusters - done)
    if fresh:
        queue_command(session, cluster_ids=fresh, type=CommandType.end_emergency, payload={"content_id": content_id},
                      expires_at=now + DEFAULT_TTL[CommandType.end_emergency], now=now, tz=get_settings().tz)


def on_playlists_republished(*, session: Session, day: date, cluster_ids: Iterable[int]) -> None:
    now = now_utc()
    if day < local_today(get_settings().tz, now):
        return  # a past day: nothing left to play
    paired = _paired(session, cluster_ids)
    waiting = _sent(session, CommandType.sync, paired, now, lambda p: p.get("date") == day.isoformat(),
                    unacked_only=True)
    fresh = [c for c in paired if c not in waiting]
    if fresh:
        queue_command(session, cluster_ids=fresh, type=CommandType.sync, payload={"date": day.isoformat()},
                      expires_at=now + DEFAULT_TTL[CommandType.sync], now=now, tz=get_settings().tz)


def _paired(session: Session, cluster_ids: Iterable[int]) -> list[int]:
    ids = sorted(set(cluster_ids))
    found: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        found |= set(session.exec(select(Device.cluster_id).where(
            col(Device.cluster_id).in_(ids[start:start + CHUNK]), col(Device.revoked_at).is_(None)).distinct()))
    return sorted(found)


def _sent(session: Session, kind: CommandType, cluster_ids: list[int], now: datetime, same,
          unacked_only: bool = False) -> set[int]:
    """Clusters among `cluster_ids` that already have an unexpired command of `kind` whose payload is `same`."""
    found: set[int] = set()
    for start in range(0, len(cluster_ids), CHUNK):
        query = select(DeviceCommand.cluster_id, DeviceCommand.payload).where(
            DeviceCommand.type == kind.value, col(DeviceCommand.expires_at) > now,
            col(DeviceCommand.cluster_id).in_(cluster_ids[start:start + CHUNK]))
        if unacked_only:
            query = query.where(col(DeviceCommand.acked_at).is_(None))
        found |= {cid for cid, payload in session.exec(query) if same(payload or {})}
    return found


def register() -> None:
    events.subscribe(events.CONTENT_CHANGED, on_content_changed)
    events.subscribe(events.PLAYLISTS_REPUBLISHED, on_playlists_republished)
