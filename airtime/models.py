"""Tables of the airtime package: the as-run log and the head of each cluster's hash chain.

`play_event` is append-only. Each row stores the hash of the cluster's previous row and its
own hash over its fields, so an edited, inserted or deleted row breaks the chain
(`airtime.chain.verify_cluster`). `play_chain` holds one row per cluster: the chain's head
(the lock that serialises a cluster's writers) and the cluster's latest activity.
"""

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from core.db import UTCDateTime


class PlayStatus(StrEnum):
    played = "played"
    interrupted = "interrupted"
    skipped = "skipped"
    failed = "failed"


# Statuses whose duration counts as airtime (API.md, "aired_seconds").
AIRED_STATUSES = (PlayStatus.played.value, PlayStatus.interrupted.value)


class PlayKind(StrEnum):
    """What played (docs/devices.md, "As-run events"): only `content` counts as campaign airtime."""

    content = "content"
    relay = "relay"
    filler = "filler"
    intro = "intro"
    outro = "outro"
    alert = "alert"


class PlaySource(StrEnum):
    """Why it played; `schedule` (the default) is stored as null."""

    schedule = "schedule"
    emergency = "emergency"
    play_now = "play_now"
    fallback = "fallback"


ERROR_MAX = 500

EVENT_ID_MAX = 64
HASH_BYTES = 32  # sha256, stored raw: half the size of hex text


class PlayEvent(SQLModel, table=True):
    """One as-run event: a content item that a cluster played (or tried to) at a time."""

    __tablename__ = "play_event"
    __table_args__ = (
        # Idempotency: resending an event is a duplicate, never a second row.
        sa.UniqueConstraint("cluster_id", "event_id", name="uq_play_event_cluster_event"),
        # A cluster's events in time (reconciliation of a cluster-day), and reports per cluster or area.
        # Both report indexes cover every column an airtime aggregate reads (the table is never
        # touched) and lead with the grouping key, so no database has to sort the rows to group
        # them (see airtime.reports).
        sa.Index("ix_play_event_cluster_started", "cluster_id", "started_at", "local_day", "status", "content_id",
                 "duration_ms"),
        # Reports per content, campaign or directive, and per day (through content, day).
        sa.Index("ix_play_event_content_day", "content_id", "local_day", "status", "cluster_id", "duration_ms"),
    )

    # The primary key is the chain position: (cluster, 1..n), gap-free per cluster.
    cluster_id: int = Field(foreign_key="area.id", primary_key=True, sa_column_kwargs={"autoincrement": False})
    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    event_id: str = Field(max_length=EVENT_ID_MAX)
    # Set for content events, null for the others (relay, filler, intro, outro, alert).
    content_id: int | None = None
    started_at: datetime = Field(sa_type=UTCDateTime)
    # started_at's date in the deployment's zone, fixed at ingest: day grouping is a plain column.
    local_day: date
    duration_ms: int
    status: str = Field(max_length=12)
    received_at: datetime = Field(sa_type=UTCDateTime)
    # The user who entered the event by hand; None when the cluster's device sent it.
    entered_by: int | None = Field(default=None)
    prev_hash: bytes = Field(sa_type=sa.LargeBinary(HASH_BYTES))
    hash: bytes = Field(sa_type=sa.LargeBinary(HASH_BYTES))
    # Device protocol extensions (docs/devices.md); hashed only when one differs from a plain content event.
    kind: str = Field(default=PlayKind.content.value, max_length=8,
                      sa_column_kwargs={"server_default": PlayKind.content.value})
    relay_id: int | None = None
    sha256: str | None = Field(default=None, max_length=64)
    source: str | None = Field(default=None, max_length=12)  # null: schedule
    error: str | None = Field(default=None, max_length=ERROR_MAX)


class PlayChain(SQLModel, table=True):
    """The head of one cluster's chain; its row lock serialises that cluster's ingest."""

    __tablename__ = "play_chain"

    cluster_id: int = Field(foreign_key="area.id", primary_key=True, sa_column_kwargs={"autoincrement": False})
    seq: int = 0
    head_hash: bytes = Field(sa_type=sa.LargeBinary(HASH_BYTES))
    last_started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_event_id: str | None = Field(default=None, max_length=EVENT_ID_MAX)
    last_received_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


NO_CAMPAIGN = 0  # airtime_rollup.campaign_id of content that serves no campaign (a key column cannot be null)


class AirtimeRollup(SQLModel, table=True):
    """Aired totals per (cluster, local day, campaign): what the reports read instead of the events.

    Kept in the ingest's transaction (`airtime.rollups.add_events`), moved when a content changes
    campaign (`airtime.rollups.rebuild_for_content`), checked against the events by `verify`
    (`airtime.rollups.check_cluster`). Only content events with an aired status count (the
    reports' `aired_seconds`). Archiving deletes events, never these rows: reports over archived
    days stay whole.
    """

    __tablename__ = "airtime_rollup"
    __table_args__ = (
        # By campaign (and by day through (campaign, day)): walked in index order, no sort.
        sa.Index("ix_airtime_rollup_campaign_day", "campaign_id", "local_day", "cluster_id", "aired_ms"),
        # SQLite: the rows live in the primary key's b-tree, so a cluster's period is one range read.
        {"sqlite_with_rowid": False},
    )

    cluster_id: int = Field(foreign_key="area.id", primary_key=True, sa_column_kwargs={"autoincrement": False})
    local_day: date = Field(primary_key=True)
    campaign_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    aired_ms: int = Field(sa_type=sa.BigInteger)
    plays: int


class PlayCheckpoint(SQLModel, table=True):
    """Where a cluster's chain was cut by archiving: the events up to `seq` are in `file`, no longer in
    `play_event`; `verify` starts from the latest checkpoint's hash instead of the zero hash."""

    __tablename__ = "play_checkpoint"

    cluster_id: int = Field(foreign_key="area.id", primary_key=True, sa_column_kwargs={"autoincrement": False})
    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    hash: bytes = Field(sa_type=sa.LargeBinary(HASH_BYTES))
    # Events of local days before this day were archived (the next cut must be later).
    before_day: date
    events: int  # how many events this cut archived
    file: str = Field(max_length=500)  # the archive file's name (in the archive directory)
    archived_at: datetime = Field(sa_type=UTCDateTime)
