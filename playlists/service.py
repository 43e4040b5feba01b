"""Building and publishing daily playlists: `build_day`, the orchestration.

A build takes the build lock, clears what a killed build of the day left behind, gathers the
inputs of every cluster in scope (`playlists.inputs`: effective slots, targeted airable content,
campaign targets, this ISO week's planned airtime and recent play history), groups clusters whose
inputs are equal and plans each group once (`playlists.grouping`), and publishes one playlist per
cluster atomically (`playlists.publish`, writing through `playlists.writer`).

Builds are serialised per database (`core.lock`: a PostgreSQL advisory lock, or an flock beside
the SQLite file), so version numbers never race. Content changes (`playlists.changes`) and the
scheduled housekeeping (`playlists.housekeeping`) build through here too.
"""

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, tzinfo

from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.areas import Area
from core.errors import Conflict, Invalid, NotFound
from core.lock import db_lock
from playlists.grouping import plan_groups
from playlists.inputs import gather_inputs
from playlists.publish import CHUNK_CLUSTERS, BuildResult, Progress, cleanup_unpublished, publish_groups

# How far from today a day may be built (a typo like 2035 is refused, not planned).
MAX_DAYS_FROM_TODAY = 366
BUILD_LOCK = "playlist-build"
LOCK_WAIT_SECONDS = 120.0


class BuildBusy(Conflict):
    def __init__(self) -> None:
        super().__init__("Đang có một lượt lập danh sách phát khác chạy; vui lòng thử lại sau ít phút.")


def check_build_day(day: date, today: date) -> None:
    if abs((day - today).days) > MAX_DAYS_FROM_TODAY:
        raise Invalid(f"Ngày {day:%d/%m/%Y} cách hôm nay quá {MAX_DAYS_FROM_TODAY} ngày: không lập danh sách phát.")


@contextmanager
def build_lock(engine: Engine, wait_seconds: float | None = LOCK_WAIT_SECONDS) -> Iterator[None]:
    """Hold the database's one playlist build lock; BuildBusy if another build keeps it past `wait_seconds`."""
    with db_lock(engine, BUILD_LOCK, wait_seconds=wait_seconds) as taken:
        if not taken:
            raise BuildBusy()
        yield


def build_day(engine: Engine, *, day: date, tz: tzinfo, area_id: int | None = None,
              cluster_ids: Sequence[int] | None = None, reason: str = "manual", created_by: int | None = None,
              progress: Progress | None = None, chunk_clusters: int = CHUNK_CLUSTERS,
              lock_wait_seconds: float | None = LOCK_WAIT_SECONDS) -> BuildResult:
    """Build and publish `day` for every cluster below `area_id` (all clusters if None), or for `cluster_ids`.

    `progress(done, total, message)` is told when planning starts and after each chunk of new versions
    has been written."""
    started = time.monotonic()
    with build_lock(engine, lock_wait_seconds):
        with engine.begin() as conn:
            cleanup_unpublished(conn, day)
        with Session(engine) as session:
            area = None
            if area_id is not None:
                area = session.get(Area, area_id)
                if area is None:
                    raise NotFound("địa bàn", area_id)
            inputs = gather_inputs(session, day=day, tz=tz, area=area,
                                   cluster_ids=sorted(set(cluster_ids)) if cluster_ids is not None else None)
        if progress:
            progress(0, max(1, len(inputs.clusters)), f"Đang lập kế hoạch cho {len(inputs.clusters)} cụm loa")
        groups = plan_groups(inputs)
        return publish_groups(engine, day=day, groups=groups, current=inputs.current,
                              max_version=inputs.max_version, area_id=area_id, reason=reason,
                              created_by=created_by, progress=progress, chunk_clusters=chunk_clusters,
                              started=started)
