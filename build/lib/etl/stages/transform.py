"""Transform stage: the clean source Parquet files in, one staged Parquet file per table out."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

import pandas as pd

from etl.stages.context import RunContext
from etl.stages.extract import SourceOutcome
from etl.stages.summary import StageOutcome
from etl.transform.star_schema import (
    COMPANY_INPUT,
    PUBLICATION_INPUT,
    TRL_INPUT,
    transform_tables,
    write_tables,
)

logger = logging.getLogger(__name__)


INPUT_COLUMNS: dict[str, tuple[str, ...]] = {
    "trl_predictions": TRL_INPUT,
    "pubmed_articles": PUBLICATION_INPUT,
    "biotech_companies": COMPANY_INPUT,
}


def read_clean_source(name: str, path: str) -> pd.DataFrame:
    """The columns the transform reads from one extract Parquet file, text kept in Arrow.

    The file's pandas metadata says `string`; read under the default (python) storage,
    every abstract would become a Python object, then go back to Arrow in the transform.
    """
    with pd.option_context("mode.string_storage", "pyarrow"):
        return pd.read_parquet(path, columns=list(INPUT_COLUMNS[name]))


def transform_sources(ctx: RunContext, outcomes: Mapping[str, SourceOutcome]) -> StageOutcome:
    started = time.perf_counter()
    frames = {name: read_clean_source(name, o.data_path) for name, o in outcomes.items()}
    result = transform_tables(
        frames["trl_predictions"],
        frames["pubmed_articles"],
        frames["biotech_companies"],
        technology_aliases=ctx.settings.technologies.aliases,
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
