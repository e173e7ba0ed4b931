"""What a run carries from stage to stage: ids, settings and its own scratch folder."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from sqlalchemy import create_engine, pool
from sqlalchemy.engine import Connection

from etl.config.settings import Settings
from etl.config.year_ranges import YearRanges, year_ranges

Mode = Literal["prefect", "standard"]


@dataclass(frozen=True)
class RunContext:
    run_id: str
    settings: Settings
    mode: Mode
    skip_validation: bool
    started_at: datetime
    flow_run_id: str | None = None
    # Let the volume guard's finding through as a warning (an intended shrink).
    allow_shrink: bool = False
    # Run every stage even if the run could prove itself unchanged (etl.stages.unchanged).
    full_refresh: bool = False
    # A backfill's previous run (its flow run id): this run loads only after that one
    # ended completed (etl.stages.previous_run), so the runs publish in their order.
    after_flow_run_id: str | None = None

    @property
    def run_dir(self) -> Path:
        """Run-scoped folder for the Parquet files stages hand to each other."""
        return self.settings.paths.staging_dir / self.run_id

    @property
    def year_ranges(self) -> YearRanges:
        """The years this run accepts: up to the year it started in."""
        return year_ranges(self.settings.validation, self.started_at.year)

    def stage_dir(self, stage: str) -> Path:
        path = self.run_dir / stage
        path.mkdir(parents=True, exist_ok=True)
        return path


def new_run_context(
    settings: Settings,
    mode: Mode,
    skip_validation: bool = False,
    *,
    flow_run_id: str | None = None,
    allow_shrink: bool = False,
    full_refresh: bool = False,
    after_flow_run_id: str | None = None,
) -> RunContext:
    started_at = datetime.now(UTC)
    # Sortable by time, unique across concurrent runs.
    run_id = f"{started_at:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
    return RunContext(
        run_id,
        settings,
        mode,
        skip_validation,
        started_at,
        flow_run_id=flow_run_id,
        allow_shrink=allow_shrink,
        full_refresh=full_refresh,
        after_flow_run_id=after_flow_run_id,
    )


@contextmanager
def warehouse_connection(ctx: RunContext) -> Iterator[Connection]:
    """A connection of its own to the run's warehouse; its engine is disposed after."""
    engine = create_engine(ctx.settings.require_warehouse_url(), poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()
