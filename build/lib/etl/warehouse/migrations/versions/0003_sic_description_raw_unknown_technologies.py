"""dim_company.sic_description_raw and etl_run.unknown_technologies.

The SIC description as given, beside the one with the reviewer's annotation stripped;
and, per run, each technology articles name that the TRL file does not know, with the
number of articles naming it (what an analyst needs to add an alias).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "dim_company",
        sa.Column("sic_description_raw", sa.Text(), nullable=True),
        schema="warehouse",
    )
    op.add_column(
        "etl_run",
        sa.Column("unknown_technologies", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        schema="warehouse",
    )


def downgrade() -> None:
    op.drop_column("etl_run", "unknown_technologies", schema="warehouse")
    op.drop_column("dim_company", "sic_description_raw", schema="warehouse")
