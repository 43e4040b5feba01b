"""Tables of the playlists package: slot templates, commemorative days, builds and published playlists.

`playlist` and `playlist_item` are read by other packages (airtime): their table and column
names are a contract (ARCHITECTURE.md). `playlist_item` is a view: a plan's items are stored once
in `plan_item` and shared by every playlist of that plan. Exactly one playlist is current per
(cluster, day); a partial unique index keeps it so, and a build flips `is_current` in one transaction.
"""

from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import registry
from sqlmodel import JSON, Field, SQLModel

from core.db import UTCDateTime
from core.timeutil import now_utc

# ---------------------------------------------------------------------------- slot templates


class SlotTemplateRow(SQLModel, table=True):
    """A recurring broadcast slot on an area, inherited by every cluster below it."""

    __tablename__ = "slot_template"

    id: int | None = Field(default=None, primary_key=True)
    area_id: int = Field(foreign_key="area.id", index=True)
    name: str = Field(max_length=120)
    start_time: time = Field(sa_type=sa.Time)
    duration_minutes: int
    # Weekdays as digits, Monday "0" .. Sunday "6"; "0123456" is every day.
    weekdays: str = Field(default="0123456", max_length=7)
    starts_on: date | None = None
    ends_on: date | None = None
    # Extra slot: runs only on commemorative days (table `commemoration`) that apply to the cluster.
    commemorative_only: bool = False
    intro_sha256: str | None = Field(default=None, max_length=64)
    intro_ext: str | None = Field(default=None, max_length=10)
    intro_duration_ms: int | None = None
    outro_sha256: str | None = Field(default=None, max_length=64)
    outro_ext: str | None = Field(default=None, max_length=10)
    outro_duration_ms: int | None = None
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=now_utc, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=now_utc, sa_type=UTCDateTime)


class Commemoration(SQLModel, table=True):
    """A commemorative day (11/6: the 1948 call for patriotic emulation) on which extra slots run.

    `area_id` None: nationwide; otherwise the day applies to that area's subtree.
    """

    __table_args__ = (sa.UniqueConstraint("area_id", "month", "day", name="uq_commemoration_area_day"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)
    area_id: int | None = Field(default=None, foreign_key="area.id", index=True)
    created_at: datetime = Field(default_factory=now_utc, sa_type=UTCDateTime)


class AreaFiller(SQLModel, table=True):
    """Filler audio ("nhạc đệm") that fills what is left of a slot, set on an area; the nearest wins."""

    __tablename__ = "area_filler"

    area_id: int = Field(foreign_key="area.id", primary_key=True)
    sha256: str = Field(max_length=64)
    ext: str = Field(max_length=10)
    duration_ms: int
    updated_at: datetime = Field(default_factory=now_utc, sa_type=UTCDateTime)


# ---------------------------------------------------------------------------- relays and priority orders

STREAM_URL_MAX = 2000


class RelayProgramme(SQLModel, table=True):
    """A scheduled live stream of a higher-level station ("tiếp sóng"): played by every cluster below
    its areas (`relay_area`), on its weekdays, from `start_time` for `duration_minutes` (playlists.relays).
    Operators whose subtree holds every one of its areas may change it."""

    __tablename__ = "relay_programme"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    stream_url: str = Field(max_length=STREAM_URL_MAX)
    start_time: time = Field(sa_type=sa.Time)
    duration_minutes: int
    weekdays: str = Field(default="0123456", max_length=7)  # Monday "0" .. Sunday "6"
    starts_on: date | None = None
    ends_on: date | None = None
    # The last check of the stream when it was saved (playlists.stream_check).
    check_ok: bool | None = None
    check_message: str | None = Field(default=None, max_length=500)
    checked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=now_utc, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=now_utc, sa_type=UTCDateTime)


class RelayArea(SQLModel, table=True):
    """An area a relay plays in (any level): every cluster below it carries the relay."""

    __tablename__ = "relay_area"

    relay_id: int = Field(foreign_key="relay_programme.id", primary_key=True)
    area_id: int = Field(foreign_key="area.id", primary_key=True, index=True)


class PriorityOrder(SQLModel, table=True):
    """An operator's order of one slot's priority items on one day, for a commune or a cluster
    (Thông tư 39/2020: the commune decides when higher-level and own priority items clash).

    Append-only: every change is a new row, and the newest row of (area, slot, day) is in force; an
    empty `content_ids` puts the planner's default order back. The rows are the audit trail.
    """

    __tablename__ = "priority_order"
    __table_args__ = (sa.Index("ix_priority_order_day_area_slot", "day", "area_id", "slot_id"),)

    id: int | None = Field(default=None, primary_key=True)
    area_id: int = Field(foreign_key="area.id")
    slot_id: int  # a slot_template id (no foreign key: deleting a slot keeps the history)
    day: date
    content_ids: list = Field(default_factory=list, sa_type=JSON)
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=now_utc, sa_type=UTCDateTime)


# ---------------------------------------------------------------------------- builds and playlists


class PlaylistBuild(SQLModel, table=True):
    """One run of the builder: its playlists become current together, or not at all."""

    __tablename__ = "playlist_build"

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(index=True)
    area_id: int | None = Field(default=None, foreign_key="area.id")
    reason: str = Field(default="manual", max_length=32)  # manual | nightly | content_changed | emergency | demo
    status: str = Field(default="running", max_length=16)  # running | published | failed
    clusters: int = 0
    written: int = 0
    unchanged: int = 0
    items: int = 0
    error: str | None = Field(default=None, max_length=2000)
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    started_at: datetime = Field(default_factory=now_utc, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Playlist(SQLModel, table=True):
    __tablename__ = "playlist"
    __table_args__ = (
        sa.UniqueConstraint("cluster_id", "day", "version", name="uq_playlist_cluster_day_version"),
        # Exactly one current playlist per (cluster, day).
        sa.Index(
            "uq_playlist_current", "cluster_id", "day", unique=True,
            sqlite_where=sa.text("is_current"), postgresql_where=sa.text("is_current"),
        ),
        sa.Index("ix_playlist_day_current", "day", "is_current"),
    )

    id: int | None = Field(default=None, primary_key=True)
    cluster_id: int = Field(foreign_key="area.id")
    day: date
    version: int
    etag: str = Field(max_length=64)
    inputs_hash: str = Field(max_length=64)
    # Hash of the planned items alone: clusters with equal plan_hash on a day heard the same thing.
    plan_hash: str = Field(max_length=64)
    build_id: int | None = Field(default=None, foreign_key="playlist_build.id", index=True)
    built_at: datetime = Field(default_factory=now_utc, sa_type=UTCDateTime)
    is_current: bool = False
    item_count: int = 0


# "WHERE playlist.is_current" exactly as the partial index uq_playlist_current says: SQLite takes a partial
# index only for a WHERE that implies the index's own, and it does not read SQLAlchemy's `is_current IS 1`
# (or `= 1`) so; it then walked ix_playlist_day_current, every cluster's playlist of that day, to find one
# (bench/bench_media.py). The same words are a boolean test on PostgreSQL.
IS_CURRENT = sa.text("playlist.is_current")


class PlanItem(SQLModel, table=True):
    """One item of a plan, stored once for every playlist that publishes that plan.

    Keyed by the plan's `plan_hash` (playlist.plan_hash), which hashes the day, the slots and every
    item column below: equal hashes mean equal items, so a province's hundreds of clusters with the
    same plan share one set of rows, and a national day writes one `playlist` row per cluster plus
    the distinct plans' items. Immutable once written; unreferenced plans are pruned with old versions.
    """

    __tablename__ = "plan_item"
    __table_args__ = (sa.Index("ix_plan_item_plan", "plan_hash", "slot_index", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_hash: str = Field(max_length=64)
    slot_index: int  # 0-based index of the slot within the day's playlist
    slot_name: str = Field(max_length=120)
    slot_starts_at: datetime = Field(sa_type=UTCDateTime)
    slot_ends_at: datetime = Field(sa_type=UTCDateTime)
    position: int
    kind: str = Field(max_length=16)  # content | intro | outro | filler | relay
    content_id: int | None = None
    revision_id: int | None = None
    campaign_id: int | None = None
    level: str = Field(max_length=16)  # emergency | relay | priority | normal | filler
    title: str = Field(max_length=300)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    duration_ms: int
    # The audio file; null for a relay (a live stream, `stream_url`).
    sha256: str | None = Field(default=None, max_length=64)
    ext: str | None = Field(default=None, max_length=10)
    relay_id: int | None = None
    stream_url: str | None = Field(default=None, max_length=STREAM_URL_MAX)


# Views live in a metadata of their own: `create_all` and the migration check see tables only, and the
# view is made by the DDL below (and by migration 0010).
views = registry()


class _View(SQLModel, registry=views):
    pass


PLAYLIST_ITEM_VIEW = """CREATE VIEW playlist_item AS
SELECT i.id AS id, p.id AS playlist_id, p.cluster_id AS cluster_id, p.day AS day, i.slot_index AS slot_index,
       i.slot_name AS slot_name, i.slot_starts_at AS slot_starts_at, i.slot_ends_at AS slot_ends_at,
       i.position AS position, i.kind AS kind, i.content_id AS content_id, i.revision_id AS revision_id,
       i.campaign_id AS campaign_id, i.level AS level, i.title AS title, i.starts_at AS starts_at,
       i.duration_ms AS duration_ms, i.sha256 AS sha256, i.ext AS ext, i.relay_id AS relay_id,
       i.stream_url AS stream_url
FROM playlist p JOIN plan_item i ON i.plan_hash = p.plan_hash"""


class PlaylistItem(_View, table=True):
    """Every item of every playlist, as readers (airtime, devices, the playlist forms) have always seen it:
    a VIEW joining each playlist to its plan's items (read-only; the builder writes `plan_item`).

    `id` is the plan item's: unique within a playlist (and within a cluster's days), shared by the
    playlists of one plan; (playlist_id, id) identifies a row.
    """

    __tablename__ = "playlist_item"

    id: int = Field(primary_key=True)
    playlist_id: int = Field(primary_key=True)
    cluster_id: int
    day: date
    slot_index: int
    slot_name: str
    slot_starts_at: datetime = Field(sa_type=UTCDateTime)
    slot_ends_at: datetime = Field(sa_type=UTCDateTime)
    position: int
    kind: str
    content_id: int | None = None
    revision_id: int | None = None
    campaign_id: int | None = None
    level: str
    title: str
    starts_at: datetime = Field(sa_type=UTCDateTime)
    duration_ms: int
    sha256: str | None = None
    ext: str | None = None
    relay_id: int | None = None
    stream_url: str | None = None


# `SQLModel.metadata.create_all` (tests, the bench) makes the view after the tables (again: no error, as for
# the tables it finds); drop_all drops it first.
sa.event.listen(SQLModel.metadata, "after_create", sa.DDL(
    PLAYLIST_ITEM_VIEW.replace("CREATE VIEW", "CREATE VIEW IF NOT EXISTS", 1)).execute_if(dialect="sqlite"))
sa.event.listen(SQLModel.metadata, "after_create", sa.DDL(
    PLAYLIST_ITEM_VIEW.replace("CREATE VIEW", "CREATE OR REPLACE VIEW", 1)).execute_if(dialect="postgresql"))
sa.event.listen(SQLModel.metadata, "before_drop", sa.DDL("DROP VIEW IF EXISTS playlist_item"))


class PlaylistPlan(SQLModel, table=True):
    """What a set of planner inputs produced, stored once and shared by every cluster with those inputs.

    Holds the day's slots (empty ones included, which have no item rows) and why eligible content
    was left out, so a playlist can show its slots and explain itself without re-planning.
    """

    __tablename__ = "playlist_plan"

    inputs_hash: str = Field(primary_key=True, max_length=64)
    day: date = Field(index=True)
    plan_hash: str = Field(max_length=64)
    # [{"index", "slot_id", "name", "starts_at", "ends_at", "unused_ms"}], times ISO 8601 UTC
    slots: list = Field(default_factory=list, sa_type=JSON)
    # [{"content_id", "reason"}]
    left_out: list = Field(default_factory=list, sa_type=JSON)
    created_at: datetime = Field(default_factory=now_utc, sa_type=UTCDateTime)


class Programme(SQLModel, table=True):
    """A slot's items joined into one continuous file, cached by the sequence of item hashes."""

    key: str = Field(primary_key=True, max_length=64)
    sha256: str = Field(max_length=64)
    ext: str = Field(max_length=10)
    created_at: datetime = Field(default_factory=now_utc, sa_type=UTCDateTime)
