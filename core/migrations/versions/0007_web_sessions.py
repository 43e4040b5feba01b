"""access tokens say what they are for: an API bearer token, or the server side of a browser session

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 20:45:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every token issued before this revision was handed out as a bearer token: "api".
    with op.batch_alter_table('accesstoken', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False,
                                      server_default='api'))


def downgrade() -> None:
    with op.batch_alter_table('accesstoken', schema=None) as batch_op:
        batch_op.drop_column('kind')
