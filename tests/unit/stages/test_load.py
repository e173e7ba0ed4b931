"""Write-audit-publish through `load_staged`, the load the flow and standard mode both call.

Faults are injected through the production seams (the stage caller and the reporter), so
what these tests prove holds for the code a nightly run executes: whatever fails, the
published warehouse is all-old or all-new.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import Engine

from etl.errors import DataQualityError, TransientError
from etl.stages.context import RunContext
from etl.stages.summary import RunSummary
from etl.warehouse.checksum import checksums
from etl.warehouse.migrate import head_revision, upgrade
from tests.support.loading import (
    FailAfterPublishing,
    FailAfterTask,
    InjectedFault,
    load_context,
    load_frames,
)
from tests.support.staged_frames import EXPECTED_ROWS, staged_frames

pytestmark = pytest.mark.postgres

NATURAL_KEYS = {
    "dim_technology": ("technology", "technology_key"),
    "dim_publication": ("pmid", "publication_key"),
    "dim_company": ("cik", "company_key"),
}


@pytest.fixture
def ctx(pg_url: str, tmp_path: Path) -> RunContext:
    return load_context(pg_url, tmp_path)


@pytest.fixture
def first_load(ctx: RunContext) -> RunSummary:
    return load_frames(ctx, staged_frames())


@pytest.fixture
def engine(pg_url: str, first_load: RunSummary) -> Iterator[Engine]:
    engine = create_engine(pg_url, poolclass=pool.NullPool)
    yield engine
    engine.dispose()


def _keys(engine: Engine) -> dict[str, dict]:
    with engine.connect() as conn:
        return {
            table: dict(conn.execute(text(f"SELECT {n}, {s} FROM warehouse.{table}")).all())
            for table, (n, s) in NATURAL_KEYS.items()
        }


def _sums(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return {name: s.checksum for name, s in checksums(conn).items()}


def _changed_frames() -> dict[str, pd.DataFrame]:
    """Input whose publish would change every kind of thing (so a rollback is visible)."""
    frames = staged_frames()
    frames["dim_company"].loc[0, "entity_name"] = "Acme Renamed"
    frames["fact_financial"] = frames["fact_financial"].iloc[1:]
    frames["fact_trl_prediction"].loc[0, "predicted_trl"] = 5.5
    return frames


def test_first_load_publishes_exact_counts(first_load: RunSummary) -> None:
    assert first_load.stages["load"].rows == EXPECTED_ROWS
    assert first_load.table_counts == EXPECTED_ROWS
    assert first_load.stages["load"].details["revision"] == head_revision()
    builtin = first_load.validation["builtin"]
    assert builtin and all(check["passed"] for check in builtin)
    assert first_load.validation["error_count"] == 0
    assert set(first_load.table_checksums) == set(EXPECTED_ROWS)


def test_second_identical_load_is_a_no_op(
    first_load: RunSummary, ctx: RunContext, engine: Engine
) -> None:
    keys = _keys(engine)
    second = load_frames(ctx, staged_frames())
    assert second.table_checksums == first_load.table_checksums
    assert _keys(engine) == keys
    tables = second.stages["publish"].details["tables"]
    assert all(c["inserted"] == c["updated"] == c["deleted"] == 0 for c in tables.values())


def test_changed_entity_name_keeps_the_company_key(ctx: RunContext, engine: Engine) -> None:
    keys = _keys(engine)["dim_company"]
    result = load_frames(ctx, _changed_frames())
    tables = result.stages["publish"].details["tables"]
    assert tables["dim_company"]["updated"] == 1
    assert tables["fact_financial"]["deleted"] == 1
    with engine.connect() as conn:
        name = conn.execute(
            text("SELECT entity_name, company_key FROM warehouse.dim_company WHERE cik = 1001")
        ).one()
    assert tuple(name) == ("Acme Renamed", keys[1001])


@pytest.mark.parametrize(
    ("caller", "reporter"),
    [
        (FailAfterTask("write_staging"), None),
        (FailAfterTask("audit_staging"), None),
        (None, FailAfterPublishing("dim_company")),
        (None, FailAfterPublishing("fact_company_score")),
    ],
    ids=["after-write", "after-audit", "publish:dim_company", "publish:fact_company_score"],
)
def test_injected_failure_leaves_the_warehouse_as_before(
    ctx: RunContext, engine: Engine, caller, reporter
) -> None:
    before, keys = _sums(engine), _keys(engine)
    with pytest.raises(InjectedFault):
        load_frames(ctx, _changed_frames(), caller=caller, reporter=reporter)
    assert _sums(engine) == before
    assert _keys(engine) == keys
    # the lock went with the failed run, and the next good run publishes normally
    result = load_frames(ctx, _changed_frames())
    assert result.stages["publish"].details["tables"]["dim_company"]["updated"] == 1


def test_failed_audit_publishes_nothing(ctx: RunContext, engine: Engine) -> None:
    before = _sums(engine)
    frames = _changed_frames()
    frames["dim_publication"].loc[1, "trl"] = 10
    frames["fact_publication_technology"].loc[0, "pmid"] = 999  # no such publication
    summary = RunSummary(run_id=ctx.run_id, mode=ctx.mode)
    with pytest.raises(
        DataQualityError, match=re.escape("check.ck_dim_publication_trl_1_9=1")
    ) as caught:
        load_frames(ctx, frames, summary=summary)
    assert "found_in.dim_publication.pmid=1" in str(caught.value)
    # the run's record says what the audit found, and that nothing was published
    assert summary.validation["error_count"] == 2
    assert "publish" not in summary.stages
    assert summary.table_counts == {}
    assert _sums(engine) == before
    with engine.connect() as conn:  # the bad rows stay in staging for inspection
        staged = conn.execute(text("SELECT max(trl) FROM staging.dim_publication")).scalar()
    assert staged == 10


def test_failed_audit_on_an_empty_warehouse_leaves_it_empty(pg_url: str, tmp_path: Path) -> None:
    upgrade(pg_url)
    frames = staged_frames()
    frames["fact_company_score"].loc[0, "total_score"] = 101.0
    with pytest.raises(DataQualityError, match="fact_company_score"):
        load_frames(load_context(pg_url, tmp_path), frames)
    engine = create_engine(pg_url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        assert all(s.rows == 0 for s in checksums(conn).values())
    engine.dispose()


def test_every_connection_is_bounded_and_named(ctx: RunContext) -> None:
    engine = create_engine(ctx.settings.require_warehouse_url(), poolclass=pool.NullPool)
    with engine.connect() as conn:
        shown = conn.execute(
            text(
                "SELECT current_setting('lock_timeout'), current_setting('statement_timeout'), "
                "application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()"
            )
        ).one()
    engine.dispose()
    assert tuple(shown) == ("2min", "30min", "abi-etl")


def test_a_locked_published_table_fails_the_publish_in_time_naming_it(
    pg_url: str, tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ABI_DATABASE__LOCK_TIMEOUT_SECONDS", "1")
    ctx = load_context(pg_url, tmp_path / "hung")
    before = _sums(engine)
    with engine.connect() as holder, holder.begin():
        # A session that reads nothing but keeps everyone else from writing dim_company.
        holder.execute(text("LOCK TABLE warehouse.dim_company IN EXCLUSIVE MODE"))
        started = time.perf_counter()
        with pytest.raises(TransientError, match="stage=publish table=dim_company") as caught:
            load_frames(ctx, _changed_frames())
        waited = time.perf_counter() - started
    assert "another session holds a lock on it; gave up after" in str(caught.value)
    assert waited < 30
    assert _sums(engine) == before
    # once the lock is gone, the same run goes through
    result = load_frames(ctx, _changed_frames())
    assert result.stages["publish"].details["tables"]["dim_company"]["updated"] == 1
