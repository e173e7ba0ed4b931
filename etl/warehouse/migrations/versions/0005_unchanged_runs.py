"""What an unchanged night needs to prove itself unchanged (etl.stages.unchanged).

* `etl_publish_generation`: one row whose `generation` goes up with every statement that
  writes a published table (INSERT, UPDATE, DELETE, TRUNCATE; COPY is an INSERT), by a
  BEFORE ... FOR EACH STATEMENT trigger on each of them, in the writer's transaction. A
  run records the value its publish leaves; a later run whose inputs are unchanged may
  skip only while the value is still that one. A manual edit, or a publish by anyone,
  moves it; a rolled-back one does not. A restore from a dump brings the value back
  together with the tables and `etl_run` rows of the same moment.
  The trigger fires before the statement touches a row, so a writer waits for the
  counter row before it holds any row a concurrent publish needs: no deadlock.
* `etl_run.full_refresh`, `skipped_because`, `fingerprint`, `publish_generation`.

The trigger list is frozen here: a later revision that adds a published table adds its
trigger (tests/unit/warehouse/test_generation.py checks every published table).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PUBLISHED = (
    "dim_date",
    "dim_technology",
    "dim_publication",
    "dim_company",
    "fact_trl_prediction",
    "fact_publication_technology",
    "fact_financial",
    "fact_company_score",
)
_FUNCTION = "warehouse.etl_count_publish_write"
_TRIGGER = "etl_count_publish_write"


def upgrade() -> None:
    op.create_table(
        "etl_publish_generation",
        sa.Column("id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_etl_publish_generation_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_etl_publish_generation")),
        schema="warehouse",
    )
    op.execute("INSERT INTO warehouse.etl_publish_generation (id, generation) VALUES (1, 0)")
    op.execute(
        f"CREATE FUNCTION {_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN UPDATE warehouse.etl_publish_generation SET generation = generation + 1 "
        "WHERE id = 1; RETURN NULL; END $$"
    )
    for table in PUBLISHED:
        op.execute(
            f"CREATE TRIGGER {_TRIGGER} BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON warehouse.{table} FOR EACH STATEMENT EXECUTE FUNCTION {_FUNCTION}()"
        )
    op.add_column(
        "etl_run",
        sa.Column("full_refresh", sa.Boolean(), server_default="false", nullable=False),
        schema="warehouse",
    )
    op.add_column("etl_run", sa.Column("skipped_because", sa.Text()), schema="warehouse")
    op.add_column(
        "etl_run",
        sa.Column("fingerprint", postgresql.JSONB(astext_type=sa.Text())),
        schema="warehouse",
    )
    op.add_column("etl_run", sa.Column("publish_generation", sa.BigInteger()), schema="warehouse")


def downgrade() -> None:
    for column in ("publish_generation", "fingerprint", "skipped_because", "full_refresh"):
        op.drop_column("etl_run", column, schema="warehouse")
    for table in PUBLISHED:
        op.execute(f"DROP TRIGGER IF EXISTS {_TRIGGER} ON warehouse.{table}")
    op.execute(f"DROP FUNCTION IF EXISTS {_FUNCTION}()")
    op.drop_table("etl_publish_generation", schema="warehouse")
