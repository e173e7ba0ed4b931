"""etl_run.status may be 'crashed': the run's process died without recording its outcome.

A row is 'running' only while its run holds the run's advisory lock (etl.warehouse.locks
RUN_LOCK_NAMESPACE); the next run marks a row whose lock nobody holds as crashed.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NAME = "ck_etl_run_status_known"


def upgrade() -> None:
    op.drop_constraint(op.f(_NAME), "etl_run", type_="check", schema="warehouse")
    op.create_check_constraint(
        op.f(_NAME),
        "etl_run",
        "status IN ('running', 'completed', 'failed', 'crashed')",
        schema="warehouse",
    )


def downgrade() -> None:
    # Older code knows no crashed run: such rows read as failed, their error kept.
    op.execute("UPDATE warehouse.etl_run SET status = 'failed' WHERE status = 'crashed'")
    op.drop_constraint(op.f(_NAME), "etl_run", type_="check", schema="warehouse")
    op.create_check_constraint(
        op.f(_NAME),
        "etl_run",
        "status IN ('running', 'completed', 'failed')",
        schema="warehouse",
    )
