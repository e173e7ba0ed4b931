"""etl_run.allow_shrink: whether a run let the volume guard's finding through.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "etl_run",
        sa.Column("allow_shrink", sa.Boolean(), server_default="false", nullable=False),
        schema="warehouse",
    )


def downgrade() -> None:
    op.drop_column("etl_run", "allow_shrink", schema="warehouse")
