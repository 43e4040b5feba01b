"""a voice per area (inherited down the tree) and per content revision: names of installed voices

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 00:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Null: inherit (the parent area's voice; for content, its areas' voice), then the deployment's default.
    with op.batch_alter_table('area', schema=None) as batch_op:
        batch_op.add_column(sa.Column('voice', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
    with op.batch_alter_table('contentrevision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('voice', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+): a batch copy of `area` would drop the old table under the
    # foreign keys of every row that points at an area, which SQLite refuses once events exist.
    op.drop_column('contentrevision', 'voice')
    op.drop_column('area', 'voice')
