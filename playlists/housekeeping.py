"""Scheduled housekeeping of published playlists: taking stale content off the air, pruning superseded
versions, and telling whether a day has had its full build (the scheduler's catch-up question)."""

import logging
from datetime import date, tzinfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from campaigns.eligibility import airable_contents
from core.db import table_of
from playlists.models import Playlist, PlaylistBuild, PlaylistItem, PlaylistPlan
from playlists.publish import BuildResult, prune_plan_items
from playlists.service import build_day

log = logging.getLogger(__name__)

# Build reasons that cover every cluster of a day (a content change or an area's build does not).
FULL_BUILD_REASONS = ("nightly", "catch-up", "manual")


def rebuild_stale(engine: Engine, *, day: date, tz: tzinfo, reason: str = "expiry") -> BuildResult | None:
    """Rebuild the clusters whose current playlist of `day` holds content that may no longer air that day
    (expired, withdrawn, or replaced by a newer approved revision). Returns None when all is in order."""
    with Session(engine) as session:
        airing = {(a.content_id, a.revision_id) for a in airable_contents(session, day_from=day, day_to=day)
                  if a.valid_from <= day <= a.valid_until}
        planned = session.exec(
            select(PlaylistItem.content_id, PlaylistItem.revision_id)
            .join(Playlist, col(Playlist.id) == PlaylistItem.playlist_id)
            .where(Playlist.day == day, col(Playlist.is_current).is_(True), PlaylistItem.kind == "content")
            .distinct())
        stale = sorted({cid for cid, rev in planned if cid is not None and (cid, rev) not in airing})
        if not stale:
            return None
        clusters: set[int] = set()
        for start in range(0, len(stale), 500):
            clusters |= set(session.exec(
                select(Playlist.cluster_id).join(PlaylistItem, col(PlaylistItem.playlist_id) == Playlist.id)
                .where(Playlist.day == day, col(Playlist.is_current).is_(True),
                       col(PlaylistItem.content_id).in_(stale[start:start + 500])).distinct()))
    log.info("day %s: %d stale content items in %d clusters, rebuilding", day, len(stale), len(clusters))
    return build_day(engine, day=day, tz=tz, cluster_ids=sorted(clusters), reason=reason)


def prune_superseded(engine: Engine, *, before: date) -> int:
    """Delete superseded (non-current) versions of days before `before`; current ones are history and stay.
    Then the stored items and explanations of plans no remaining playlist of those days refers to."""
    playlists = table_of(Playlist)
    plans = table_of(PlaylistPlan)
    with engine.begin() as conn:
        days = sorted(set(conn.execute(sa.select(playlists.c.day).where(
            playlists.c.day < before, playlists.c.is_current.is_(False)).distinct()).scalars()))
        deleted = conn.execute(sa.delete(playlists).where(playlists.c.day < before,
                                                          playlists.c.is_current.is_(False))).rowcount
        for day in days:
            prune_plan_items(conn, day)
        used = sa.select(playlists.c.inputs_hash).where(playlists.c.day < before)
        conn.execute(sa.delete(plans).where(plans.c.day < before, plans.c.inputs_hash.not_in(used)))
    return deleted or 0


def has_full_build(engine: Engine, day: date) -> bool:
    """Whether a build of every cluster (no area) has been published for `day`."""
    with Session(engine) as session:
        return session.exec(select(PlaylistBuild.id).where(
            PlaylistBuild.day == day, col(PlaylistBuild.area_id).is_(None), PlaylistBuild.status == "published",
            col(PlaylistBuild.reason).in_(FULL_BUILD_REASONS))).first() is not None
