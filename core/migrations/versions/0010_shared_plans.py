"""shared plans: a plan's items are stored once (`plan_item`, keyed by plan_hash); `playlist_item` becomes a view

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 00:40:00

Every playlist row already carries its plan_hash, which hashes the day, the slots and every item
column: the items of playlists with equal plan_hash are equal. The upgrade keeps one copy per
plan_hash (from the plan's first playlist), checks every other playlist against it, and gives a
playlist whose items differ (data from an older planner, edited rows) a plan of its own, so no
playlist reads back anything but the items it had. Then the old table is replaced by a view of the
same name and columns.

On SQLite, a later migration that batch-alters `playlist` or `plan_item` (copy and rename) must drop
the view first and create it again afterwards (`playlists.models.PLAYLIST_ITEM_VIEW`).
"""
import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.db

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ITEM = ('slot_index', 'slot_name', 'slot_starts_at', 'slot_ends_at', 'position', 'kind', 'content_id',
        'revision_id', 'campaign_id', 'level', 'title', 'starts_at', 'duration_ms', 'sha256', 'ext',
        'relay_id', 'stream_url')

# The view as this revision made it (kept here, not imported: a migration must not change with the models).
VIEW = """CREATE VIEW playlist_item AS
SELECT i.id AS id, p.id AS playlist_id, p.cluster_id AS cluster_id, p.day AS day, i.slot_index AS slot_index,
       i.slot_name AS slot_name, i.slot_starts_at AS slot_starts_at, i.slot_ends_at AS slot_ends_at,
       i.position AS position, i.kind AS kind, i.content_id AS content_id, i.revision_id AS revision_id,
       i.campaign_id AS campaign_id, i.level AS level, i.title AS title, i.starts_at AS starts_at,
       i.duration_ms AS duration_ms, i.sha256 AS sha256, i.ext AS ext, i.relay_id AS relay_id,
       i.stream_url AS stream_url
FROM playlist p JOIN plan_item i ON i.plan_hash = p.plan_hash"""


def _item_columns() -> list[sa.Column]:
    return [
        sa.Column('slot_index', sa.Integer(), nullable=False),
        sa.Column('slot_name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column('slot_starts_at', core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('slot_ends_at', core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('content_id', sa.Integer(), nullable=True),
        sa.Column('revision_id', sa.Integer(), nullable=True),
        sa.Column('campaign_id', sa.Integer(), nullable=True),
        sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column('starts_at', core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('duration_ms', sa.Integer(), nullable=False),
        sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('ext', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column('relay_id', sa.Integer(), nullable=True),
        sa.Column('stream_url', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    ]


def upgrade() -> None:
    plan_item = op.create_table(
        'plan_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        *_item_columns(),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_plan_item_plan', 'plan_item', ['plan_hash', 'slot_index', 'position'], unique=False)
    old = sa.table('playlist_item', sa.column('playlist_id'), *(sa.column(c) for c in ITEM))
    playlist = sa.table('playlist', sa.column('id'), sa.column('plan_hash'))
    assert plan_item is not None
    pi = plan_item

    # One copy per plan: the items of the plan's first playlist.
    firsts = sa.select(sa.func.min(playlist.c.id)).group_by(playlist.c.plan_hash)
    op.execute(sa.insert(pi).from_select(
        ['plan_hash', *ITEM],
        sa.select(playlist.c.plan_hash, *(old.c[c] for c in ITEM))
        .select_from(old.join(playlist, playlist.c.id == old.c.playlist_id))
        .where(old.c.playlist_id.in_(firsts))
        .order_by(old.c.playlist_id, old.c.slot_index, old.c.position)))

    # Playlists whose items are not exactly their plan's: an item with no equal copy, or another count.
    same = sa.and_(*(pi.c[c].is_not_distinct_from(old.c[c]) for c in ITEM))
    no_copy = (sa.select(old.c.playlist_id)
               .select_from(old.join(playlist, playlist.c.id == old.c.playlist_id))
               .where(~sa.exists().where(pi.c.plan_hash == playlist.c.plan_hash,
                                         pi.c.slot_index == old.c.slot_index, pi.c.position == old.c.position,
                                         same)))
    own = sa.select(sa.func.count()).where(old.c.playlist_id == playlist.c.id).scalar_subquery()
    shared = sa.select(sa.func.count()).where(pi.c.plan_hash == playlist.c.plan_hash).scalar_subquery()
    other_count = sa.select(playlist.c.id).where(own != shared)
    conn = op.get_bind()
    deviants = sorted(set(conn.execute(no_copy).scalars()) | set(conn.execute(other_count).scalars()))
    for pid in deviants:
        plan_hash = conn.execute(sa.select(playlist.c.plan_hash).where(playlist.c.id == pid)).scalar_one()
        mine = hashlib.sha256(f"0008:{pid}:{plan_hash}".encode()).hexdigest()
        conn.execute(sa.update(playlist).where(playlist.c.id == pid).values(plan_hash=mine))
        conn.execute(sa.insert(pi).from_select(
            ['plan_hash', *ITEM],
            sa.select(sa.literal(mine), *(old.c[c] for c in ITEM)).where(old.c.playlist_id == pid)
            .order_by(old.c.slot_index, old.c.position)))

    op.drop_index('ix_playlist_item_playlist_id', table_name='playlist_item')
    op.drop_table('playlist_item')
    op.execute(VIEW)


def downgrade() -> None:
    op.execute("DROP VIEW playlist_item")
    table = op.create_table(
        'playlist_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('playlist_id', sa.Integer(), nullable=False),
        sa.Column('cluster_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        *_item_columns(),
        sa.ForeignKeyConstraint(['playlist_id'], ['playlist.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_playlist_item_playlist_id', 'playlist_item', ['playlist_id'], unique=False)
    assert table is not None
    pi = sa.table('plan_item', sa.column('plan_hash'), *(sa.column(c) for c in ITEM))
    playlist = sa.table('playlist', sa.column('id'), sa.column('cluster_id'), sa.column('day'),
                        sa.column('plan_hash'))
    op.execute(sa.insert(table).from_select(
        ['playlist_id', 'cluster_id', 'day', *ITEM],
        sa.select(playlist.c.id, playlist.c.cluster_id, playlist.c.day, *(pi.c[c] for c in ITEM))
        .select_from(playlist.join(pi, pi.c.plan_hash == playlist.c.plan_hash))
        .order_by(playlist.c.id, pi.c.slot_index, pi.c.position)))
    op.drop_index('ix_plan_item_plan', table_name='plan_item')
    op.drop_table('plan_item')
