"""login attempts remember the caller's address (limits per name and address, not a lock on the name)

Revision ID: 0006
Revises: 0005 (emergency end; 0006 was written against 0004 while 0005 was in progress)
Create Date: 2026-12-04 16:45:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('loginfailure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False,
                                      server_default=''))
        batch_op.create_index(batch_op.f('ix_loginfailure_client'), ['client'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('loginfailure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loginfailure_client'))
        batch_op.drop_column('client')
