"""AUDIT: built-in SQL checks on the staged tables, and the hook that blocks publishing."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from etl.errors import DataQualityError
from etl.warehouse.audit import AuditFailedError, AuditResult, builtin_checks, run_audit
from etl.warehouse.write import write_staged
from tests.support.staged_frames import staged_frames

pytestmark = pytest.mark.postgres


def _audit(engine: Engine, frames: dict[str, pd.DataFrame], extra: list | None = None) -> list:
    with engine.begin() as conn:
        write_staged(conn, frames)
    with engine.connect() as conn:
        return run_audit(conn, [*builtin_checks(frames), *(extra or [])])


def _failures(engine: Engine, frames: dict[str, pd.DataFrame]) -> dict[str, dict[str, int]]:
    with pytest.raises(AuditFailedError) as caught:
        _audit(engine, frames)
    return {
        r.name: {k: v for k, v in r.details.items() if v}
        for r in caught.value.results
        if not r.passed
    }


def test_clean_frames_pass_every_builtin_check(engine: Engine) -> None:
    results = _audit(engine, staged_frames())
    # one constraints check per table, one references check per table with references
    assert len(results) == 8 + 5
    assert all(r.passed and r.failed_rows == 0 for r in results)
    constraints = next(r for r in results if r.name == "staged_constraints.dim_publication")
    assert set(constraints.details) >= {
        "not_null.pmid",
        "not_null.link",
        "unique.pmid",
        "check.ck_dim_publication_trl_1_9",
    }


def test_trl_and_score_out_of_range_are_counted(engine: Engine) -> None:
    frames = staged_frames()
    frames["dim_publication"].loc[0, "trl"] = 10
    frames["fact_publication_technology"].loc[[0, 1], "market_score"] = 100.5
    frames["fact_company_score"].loc[2, "rd_score"] = -1.0
    assert _failures(engine, frames) == {
        "staged_constraints.dim_publication": {"check.ck_dim_publication_trl_1_9": 1},
        "staged_constraints.fact_publication_technology": {
            "check.ck_fact_publication_technology_market_score_0_100": 2
        },
        "staged_constraints.fact_company_score": {"check.ck_fact_company_score_rd_score_0_100": 1},
    }


def test_duplicate_and_null_natural_keys_are_counted(engine: Engine) -> None:
    frames = staged_frames()
    frames["dim_company"].loc[1, "cik"] = 1001
    frames["dim_technology"].loc[2, "technology"] = None
    frames["fact_financial"].loc[1, "fiscal_year"] = 2023
    failures = _failures(engine, frames)
    assert failures["staged_constraints.dim_company"] == {"unique.cik": 1}
    assert failures["staged_constraints.dim_technology"] == {"not_null.technology": 1}
    assert failures["staged_constraints.fact_financial"] == {"unique.cik+fiscal_year": 1}
    # the fact that named 'car-t' now points at a technology no longer staged
    assert failures["staged_references.fact_publication_technology"] == {
        "found_in.dim_technology.technology": 1
    }


def test_facts_pointing_to_missing_dimension_rows_are_counted(engine: Engine) -> None:
    frames = staged_frames()
    frames["fact_publication_technology"].loc[4, "pmid"] = 999
    frames["fact_company_score"].loc[0, "cik"] = 4242
    frames["fact_financial"].loc[0, "fiscal_year_end_date_key"] = 20221231
    frames["dim_publication"].loc[3, "publication_date_key"] = 20990101
    assert _failures(engine, frames) == {
        "staged_references.fact_publication_technology": {"found_in.dim_publication.pmid": 1},
        "staged_references.fact_company_score": {"found_in.dim_company.cik": 1},
        "staged_references.fact_financial": {"found_in.dim_date.fiscal_year_end_date_key": 1},
        "staged_references.dim_publication": {"found_in.dim_date.publication_date_key": 1},
    }


def test_custom_checks_plug_into_the_hook(engine: Engine) -> None:
    def row_count_warning(conn: Connection) -> AuditResult:
        rows = conn.execute(text("SELECT count(*) FROM staging.dim_company")).scalar_one()
        return AuditResult(
            "min_companies", passed=rows >= 10, level="warning", message=f"rows={rows}"
        )

    def always_fails(conn: Connection) -> AuditResult:
        return AuditResult("expectation_suite.companies", passed=False, failed_rows=3)

    results = _audit(engine, staged_frames(), [row_count_warning])
    assert results[-1].name == "min_companies" and not results[-1].passed  # warns only
    with pytest.raises(DataQualityError, match=r"expectation_suite\.companies"):
        _audit(engine, staged_frames(), [row_count_warning, always_fails])


def test_results_without_raising_when_the_caller_decides(engine: Engine) -> None:
    frames = staged_frames()
    frames["dim_publication"].loc[0, "trl"] = 0
    with engine.begin() as conn:
        write_staged(conn, frames)
    with engine.connect() as conn:
        results = run_audit(conn, builtin_checks(frames), raise_on_error=False)
    blocking = [r.name for r in results if r.blocks_publish]
    assert blocking == ["staged_constraints.dim_publication"]
