"""The whole load: upgrade, write, audit, publish; idempotent and all-or-nothing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from etl.errors import DataQualityError
from etl.warehouse.checksum import checksums
from etl.warehouse.load import InjectedFailure, LoadResult, load_tables

from .frames import EXPECTED_ROWS, staged_frames

pytestmark = pytest.mark.postgres

NATURAL_KEYS = {
    "dim_technology": ("technology", "technology_key"),
    "dim_publication": ("pmid", "publication_key"),
    "dim_company": ("cik", "company_key"),
}


def _keys(engine: Engine) -> dict[str, dict]:
    with engine.connect() as conn:
        return {
            table: dict(conn.execute(text(f"SELECT {n}, {s} FROM warehouse.{table}")).all())
            for table, (n, s) in NATURAL_KEYS.items()
        }


def _sums(engine: Engine) -> dict:
    with engine.connect() as conn:
        return checksums(conn)


def _changed_frames() -> dict[str, pd.DataFrame]:
    """Input whose publish would change every kind of thing (so a rollback is visible)."""
    frames = staged_frames()
    frames["dim_company"].loc[0, "entity_name"] = "Acme Renamed"
    frames["fact_financial"] = frames["fact_financial"].iloc[1:]
    frames["fact_trl_prediction"].loc[0, "predicted_trl"] = 5.5
    return frames


def test_first_load_publishes_exact_counts(first_load: LoadResult) -> None:
    assert first_load.revision == "0001"
    assert first_load.staged_rows == EXPECTED_ROWS
    assert first_load.table_counts == EXPECTED_ROWS
    assert all(result.passed for result in first_load.audit)
    assert set(first_load.seconds) >= {"upgrade", "write", "audit", "publish", "total"}


def test_second_identical_load_is_a_no_op(
    first_load: LoadResult, migrated_url: str, engine: Engine
) -> None:
    keys = _keys(engine)
    second = load_tables(migrated_url, staged_frames(), run_id="second", with_checksums=True)
    assert second.checksums == first_load.checksums
    assert _keys(engine) == keys
    assert all(c.inserted == c.updated == c.deleted == 0 for c in second.published.values())


def test_changed_entity_name_keeps_the_company_key(
    first_load: LoadResult, migrated_url: str, engine: Engine
) -> None:
    keys = _keys(engine)["dim_company"]
    result = load_tables(migrated_url, _changed_frames(), run_id="changed")
    assert result.published["dim_company"].updated == 1
    assert result.published["fact_financial"].deleted == 1
    with engine.connect() as conn:
        name = conn.execute(
            text("SELECT entity_name, company_key FROM warehouse.dim_company WHERE cik = 1001")
        ).one()
    assert tuple(name) == ("Acme Renamed", keys[1001])


@pytest.mark.parametrize(
    "fail_after", ["write", "audit", "publish:dim_company", "publish:fact_company_score"]
)
def test_injected_failure_leaves_the_warehouse_as_before(
    first_load: LoadResult, migrated_url: str, engine: Engine, fail_after: str
) -> None:
    before, keys = _sums(engine), _keys(engine)
    with pytest.raises(InjectedFailure):
        load_tables(migrated_url, _changed_frames(), run_id="doomed", fail_after=fail_after)
    assert _sums(engine) == before
    assert _keys(engine) == keys
    # and the next good run publishes normally
    result = load_tables(migrated_url, _changed_frames(), run_id="retry")
    assert result.published["dim_company"].updated == 1


def test_failed_audit_publishes_nothing(
    first_load: LoadResult, migrated_url: str, engine: Engine
) -> None:
    before = _sums(engine)
    frames = _changed_frames()
    frames["dim_publication"].loc[1, "trl"] = 10
    frames["fact_publication_technology"].loc[0, "pmid"] = 999  # no such publication
    with pytest.raises(DataQualityError, match="ck_dim_publication_trl_1_9=1") as caught:
        load_tables(migrated_url, frames, run_id="bad")
    assert "found_in.dim_publication.pmid=1" in str(caught.value)
    assert _sums(engine) == before
    with engine.connect() as conn:  # the bad rows stay in staging for inspection
        staged = conn.execute(text("SELECT max(trl) FROM staging.dim_publication")).scalar()
    assert staged == 10


def test_failed_audit_on_an_empty_warehouse_leaves_it_empty(
    migrated_url: str, engine: Engine
) -> None:
    frames = staged_frames()
    frames["fact_company_score"].loc[0, "total_score"] = 101.0
    with pytest.raises(DataQualityError):
        load_tables(migrated_url, frames, run_id="bad")
    assert all(s.rows == 0 for s in _sums(engine).values())


def test_parquet_inputs_load_like_frames(
    first_load: LoadResult, migrated_url: str, tmp_path: Path
) -> None:
    paths = {}
    for name, frame in staged_frames().items():
        paths[name] = tmp_path / f"{name}.parquet"
        frame.to_parquet(paths[name], index=False)
    result = load_tables(migrated_url, paths, run_id="parquet", with_checksums=True)
    assert result.checksums == first_load.checksums


def test_a_fact_needs_its_dimensions_in_the_same_load(migrated_url: str) -> None:
    frames = staged_frames()
    with pytest.raises(ValueError, match="dim_company"):
        load_tables(
            migrated_url,
            {"fact_financial": frames["fact_financial"], "dim_date": frames["dim_date"]},
        )
