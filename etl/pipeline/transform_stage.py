"""Transform stage: the clean source Parquet files in, one staged Parquet file per table out."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

import pandas as pd

from etl.pipeline.context import RunContext
from etl.pipeline.extract_stage import SourceOutcome
from etl.pipeline.summary import StageOutcome
from etl.transform.pipeline import transform_tables, write_tables

logger = logging.getLogger(__name__)


def transform_sources(ctx: RunContext, outcomes: Mapping[str, SourceOutcome]) -> StageOutcome:
    started = time.perf_counter()
    frames = {name: pd.read_parquet(o.data_path) for name, o in outcomes.items()}
    result = transform_tables(
        frames["trl_predictions"], frames["pubmed_articles"], frames["biotech_companies"]
    )
    del frames
    paths = write_tables(result.tables, ctx.stage_dir("transform"))
    outcome = StageOutcome(
        stage="transformation",
        seconds=time.perf_counter() - started,
        rows={name: len(frame) for name, frame in result.tables.items()},
        paths={name: str(path) for name, path in paths.items()},
        details=result.stats.as_dict(),
    )
    logger.info(
        "stage=transform seconds=%.2f tables=%d unknown_technologies=%d "
        "articles_without_technology=%d",
        outcome.seconds,
        len(paths),
        result.stats.unknown_technologies,
        result.stats.articles_without_technology,
    )
    return outcome
