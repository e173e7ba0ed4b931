"""The run's rejected rows into `etl_rejected_row`, from the extract stage's Parquet files.

Written outside the publish transaction, like the rest of the run log (run_log.py): a
failed run keeps the rows it rejected.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import create_engine, pool

from etl.stages.context import RunContext
from etl.stages.extract import SourceOutcome
from etl.warehouse.schema import etl_rejected_row
from etl.warehouse.write import copy_batches

logger = logging.getLogger(__name__)

_REJECTED_TARGET = f"{etl_rejected_row.schema}.{etl_rejected_row.name}"
_REJECTED_COLUMNS = [
    "run_id",
    "source",
    "file",
    "row_number",
    "column_name",
    "reason",
    "message",
    "raw",
]


def _rejected_batch(ctx: RunContext, outcome: SourceOutcome) -> pa.Table:
    table = pq.read_table(outcome.rejected_path)
    rows = table.num_rows
    return pa.table(
        {
            "run_id": pa.array([ctx.run_id] * rows, pa.string()),
            "source": table["source"].cast(pa.string()),
            "file": table["file"].cast(pa.string()),
            "row_number": table["row_number"].cast(pa.int64()),
            "column_name": table["column"].cast(pa.string()),
            "reason": table["reason"].cast(pa.string()),
            "message": table["message"].cast(pa.string()),
            "raw": table["raw"].cast(pa.string()),
        }
    )


def record_rejected_rows(url: str, ctx: RunContext, outcomes: Mapping[str, SourceOutcome]) -> int:
    batches = [_rejected_batch(ctx, o) for o in outcomes.values() if o.rejected]
    if not batches:
        return 0
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            rows = copy_batches(conn, _REJECTED_TARGET, _REJECTED_COLUMNS, iter(batches), fmt="csv")
    finally:
        engine.dispose()
    logger.info("event=rejected_rows_recorded run_id=%s rows=%d", ctx.run_id, rows)
    return rows
