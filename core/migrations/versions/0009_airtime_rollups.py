"""airtime roll-ups (aired totals per cluster, local day and campaign) and archive checkpoints

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 00:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

import core.db
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'airtime_rollup',
        sa.Column('cluster_id', sa.Integer(), nullable=False, autoincrement=False),
        sa.Column('local_day', sa.Date(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False, autoincrement=False),
        sa.Column('aired_ms', sa.BigInteger(), nullable=False),
        sa.Column('plays', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['cluster_id'], ['area.id']),
        sa.PrimaryKeyConstraint('cluster_id', 'local_day', 'campaign_id'),
        sqlite_with_rowid=False,
    )
    op.create_index('ix_airtime_rollup_campaign_day', 'airtime_rollup',
                    ['campaign_id', 'local_day', 'cluster_id', 'aired_ms'], unique=False)
    op.create_table(
        'play_checkpoint',
        sa.Column('cluster_id', sa.Integer(), nullable=False, autoincrement=False),
        sa.Column('seq', sa.Integer(), nullable=False, autoincrement=False),
        sa.Column('hash', sa.LargeBinary(length=32), nullable=False),
        sa.Column('before_day', sa.Date(), nullable=False),
        sa.Column('events', sa.Integer(), nullable=False),
        sa.Column('file', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('archived_at', core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['cluster_id'], ['area.id']),
        sa.PrimaryKeyConstraint('cluster_id', 'seq'),
    )
    # Back-fill from the events already stored (the same totals ingest keeps from now on): aired
    # content events, under each content's current campaign (0: none).
    op.execute(
        "INSERT INTO airtime_rollup (cluster_id, local_day, campaign_id, aired_ms, plays) "
        "SELECT e.cluster_id, e.local_day, COALESCE(c.campaign_id, 0), SUM(e.duration_ms), COUNT(*) "
        "FROM play_event e LEFT JOIN content c ON c.id = e.content_id "
        "WHERE e.content_id IS NOT NULL AND e.status IN ('played', 'interrupted') "
        "GROUP BY e.cluster_id, e.local_day, COALESCE(c.campaign_id, 0)")


def downgrade() -> None:
    op.drop_table('play_checkpoint')
    op.drop_index('ix_airtime_rollup_campaign_day', table_name='airtime_rollup')
    op.drop_table('airtime_rollup')
