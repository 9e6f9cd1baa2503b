"""sync_run webhook gaps

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 17:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('sync_run', sa.Column('webhook_gaps', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sync_run') as batch:
        batch.drop_column('webhook_gaps')
