"""emergencies that are safe to send: an explicit end (ends_at) and "end now" (ended_at, ended_by)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 16:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('content', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ends_at', core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('ended_at', core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('ended_by', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_content_ended_by_app_user', 'app_user', ['ended_by'], ['id'])
    with op.batch_alter_table('contentrevision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ends_at', core.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('contentrevision', schema=None) as batch_op:
        batch_op.drop_column('ends_at')
    with op.batch_alter_table('content', schema=None) as batch_op:
        batch_op.drop_constraint('fk_content_ended_by_app_user', type_='foreignkey')
        batch_op.drop_column('ended_by')
        batch_op.drop_column('ended_at')
        batch_op.drop_column('ends_at')
