"""etl_run records the technologies the TRL file does not know, with their article counts."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, pool, select

from etl.config.settings import Settings, load_settings
from etl.stages.context import RunContext
from etl.stages.run_log import record_run_end, record_run_start
from etl.stages.standard import run_standard
from etl.stages.summary import RunSummary, StageOutcome
from etl.warehouse.schema import etl_run

from ..conftest import MANIFEST

pytestmark = pytest.mark.postgres


def _recorded(url: str, run_id: str) -> object:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            query = select(etl_run.c.unknown_technologies).where(etl_run.c.run_id == run_id)
            return conn.execute(query).scalar_one()
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("stages", "recorded"),
    [
        (
            {
                "transformation": StageOutcome(
                    "transformation",
                    1.0,
                    details={"unknown_technology_articles": {"car-t": 3, "xenobots": 1}},
                )
            },
            {"car-t": 3, "xenobots": 1},
        ),
        ({"transformation": StageOutcome("transformation", 1.0, details={})}, {}),
        ({}, None),  # the run stopped before the transform: nothing is known
    ],
)
def test_run_end_records_unknown_technologies(
    pg_url: str, stages: dict[str, StageOutcome], recorded: object
) -> None:
    ctx = RunContext("run-1", Settings(), "standard", False, datetime.now(UTC))
    record_run_start(pg_url, ctx)
    summary = RunSummary(run_id="run-1", mode="standard", status="completed", stages=stages)
    record_run_end(pg_url, ctx, summary)
    assert _recorded(pg_url, "run-1") == recorded


def test_sample_run_lists_unknown_technologies_and_keeps_raw_sic(
    warehouse, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="etl.stages.standard")
    summary = run_standard(load_settings())
    facts = json.loads(MANIFEST.read_text())["sources"]["pubmed_articles"]["facts"]
    assert _recorded(warehouse.url, summary.run_id) == facts["unknown_technologies"]
    for name, articles in facts["unknown_technologies"].items():
        assert f"summary=transformation unknown_technology={name} articles={articles}" in (
            caplog.text
        )
    stripped = summary.stages["transformation"].details["sic_descriptions_stripped"]
    assert stripped > 0
    assert f"sic_descriptions_stripped={stripped}" in caplog.text
    changed = warehouse.scalar(
        "SELECT count(*) FROM warehouse.dim_company "
        "WHERE sic_description IS DISTINCT FROM sic_description_raw"
    )
    assert changed == stripped
    # No published description keeps a reviewer's annotation.
    annotated = warehouse.scalar(
        "SELECT count(*) FROM warehouse.dim_company "
        r"WHERE sic_description ~ '(\[|\*|--|\(see|\(à|[,;:]$)'"
    )
    assert annotated == 0
