"""PUBLISH: upsert dimensions with stable keys, replace facts at their grain, atomically."""

from __future__ import annotations

import threading
import time

import pandas as pd
import pytest
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import Engine

from etl.errors import DataQualityError, TransientError
from etl.stages.summary import RunSummary
from etl.warehouse.checksum import checksums
from etl.warehouse.locks import PUBLISH_LOCK
from etl.warehouse.publish import publish
from etl.warehouse.write import write_staged
from tests.support.staged_frames import EXPECTED_ROWS, staged_frames

pytestmark = pytest.mark.postgres


class Boom(RuntimeError):
    pass


def _stage_and_publish(engine: Engine, frames: dict[str, pd.DataFrame], **kwargs) -> dict:
    with engine.begin() as conn:
        write_staged(conn, frames)
    with engine.connect() as conn:
        return publish(conn, frames, **kwargs)


def _row_versions(engine: Engine, table: str) -> list[tuple]:
    with engine.connect() as conn:
        return [
            tuple(r) for r in conn.execute(text(f"SELECT ctid, xmin, xmax FROM warehouse.{table}"))
        ]


def _keys(engine: Engine, table: str, natural: str, surrogate: str) -> dict:
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT {natural}, {surrogate} FROM warehouse.{table}"))
        return dict(rows.all())


def _sums(engine: Engine) -> dict:
    with engine.connect() as conn:
        return checksums(conn)


def test_first_publish_counts(engine: Engine) -> None:
    counts = _stage_and_publish(engine, staged_frames())
    assert {n: c.rows for n, c in counts.items()} == EXPECTED_ROWS
    assert {n: c.inserted for n, c in counts.items()} == EXPECTED_ROWS
    assert all(c.updated == c.deleted == 0 for c in counts.values())
    with engine.connect() as conn:
        fact = conn.execute(
            text(
                "SELECT p.pmid, t.technology, f.market_score "
                "FROM warehouse.fact_publication_technology f "
                "JOIN warehouse.dim_publication p USING (publication_key) "
                "JOIN warehouse.dim_technology t USING (technology_key) ORDER BY 1, 2"
            )
        ).all()
    assert [tuple(r) for r in fact] == [
        (101, "crispr", 20.0),
        (101, "mrna", 21.0),
        (102, "mrna", 80.0),
        (103, "crispr", 0.0),
        (104, "car-t", 100.0),
    ]


def test_first_publish_restores_every_key_and_constraint_validated(engine: Engine) -> None:
    _stage_and_publish(engine, staged_frames())
    with engine.connect() as conn:
        constraints = conn.execute(
            text(
                "SELECT contype, count(*), bool_and(convalidated) FROM pg_constraint k "
                "JOIN pg_namespace n ON n.oid = k.connamespace WHERE n.nspname = 'warehouse' "
                "GROUP BY contype ORDER BY contype"
            )
        ).all()
        index = conn.execute(
            text(
                "SELECT count(*) FROM pg_indexes WHERE indexname = "
                "'ix_fact_publication_technology_technology_key'"
            )
        ).scalar()
    # c=CHECK, f=FOREIGN KEY, p=PRIMARY KEY, u=UNIQUE: as many as the migration created
    assert [tuple(r) for r in constraints] == [
        ("c", 24, True),
        ("f", 10, True),
        ("p", 11, True),
        ("u", 5, True),
    ]
    assert index == 1


def test_unchanged_rerun_writes_nothing(engine: Engine) -> None:
    _stage_and_publish(engine, staged_frames())
    before = {name: _row_versions(engine, name) for name in EXPECTED_ROWS}
    counts = _stage_and_publish(engine, staged_frames())
    assert all(c.inserted == c.updated == c.deleted == 0 for c in counts.values())
    # same physical row versions, not even locked (ON CONFLICT alone would set xmax)
    assert {name: _row_versions(engine, name) for name in EXPECTED_ROWS} == before


def test_changed_attribute_reaches_the_dimension_with_the_same_key(engine: Engine) -> None:
    _stage_and_publish(engine, staged_frames())
    keys = _keys(engine, "dim_company", "cik", "company_key")
    frames = staged_frames()
    frames["dim_company"].loc[0, "entity_name"] = "Acme Biosciences Inc"
    frames["dim_company"].loc[1, "ticker"] = "BETA"  # NULL -> value is a change too
    counts = _stage_and_publish(engine, frames)
    assert (counts["dim_company"].inserted, counts["dim_company"].updated) == (0, 2)
    assert _keys(engine, "dim_company", "cik", "company_key") == keys
    with engine.connect() as conn:
        names = conn.execute(
            text("SELECT entity_name, ticker FROM warehouse.dim_company ORDER BY cik")
        ).all()
    assert [tuple(r) for r in names] == [
        ("Acme Biosciences Inc", "ACME"),
        ("Beta Therapeutics", "BETA"),
    ]


def test_facts_are_replaced_at_their_grain(engine: Engine) -> None:
    _stage_and_publish(engine, staged_frames())
    frames = staged_frames()
    fact = frames["fact_publication_technology"]
    fact.loc[0, "risk_score"] = 12.5  # changed
    fact = fact.drop(index=3)  # (103, crispr) disappears
    extra = fact.iloc[[0]].assign(technology="car-t", risk_score=1.0)  # new grain
    frames["fact_publication_technology"] = pd.concat([fact, extra], ignore_index=True)
    counts = _stage_and_publish(engine, frames)["fact_publication_technology"]
    assert (counts.inserted, counts.updated, counts.deleted, counts.rows) == (1, 1, 1, 5)


def test_dimension_rows_leaving_the_source_are_kept_and_their_facts_removed(
    engine: Engine,
) -> None:
    _stage_and_publish(engine, staged_frames())
    keys = _keys(engine, "dim_publication", "pmid", "publication_key")
    frames = staged_frames()
    frames["dim_publication"] = frames["dim_publication"].query("pmid != 104")
    frames["fact_publication_technology"] = frames["fact_publication_technology"].query(
        "pmid != 104"
    )
    counts = _stage_and_publish(engine, frames)
    assert counts["dim_publication"].rows == 4
    assert counts["fact_publication_technology"].deleted == 1
    assert _keys(engine, "dim_publication", "pmid", "publication_key") == keys
    # and a publication that comes back keeps its key
    _stage_and_publish(engine, staged_frames())
    assert _keys(engine, "dim_publication", "pmid", "publication_key") == keys


@pytest.mark.parametrize("published_before", [False, True], ids=["first_load", "rerun"])
def test_a_fact_key_missing_from_its_dimension_aborts_the_publish(
    engine: Engine, published_before: bool
) -> None:
    # The audit reports this; publish must refuse it too when called without the audit.
    if published_before:
        _stage_and_publish(engine, staged_frames())
    before = _sums(engine)
    frames = staged_frames()
    frames["fact_publication_technology"].loc[0, "pmid"] = 999
    with pytest.raises(DataQualityError, match="1 staged rows have natural keys missing"):
        _stage_and_publish(engine, frames)
    assert _sums(engine) == before


@pytest.mark.parametrize("fail_at", ["publish:dim_company", "publish:fact_company_score"])
def test_failure_inside_publish_rolls_everything_back(engine: Engine, fail_at: str) -> None:
    _stage_and_publish(engine, staged_frames())
    before = _sums(engine)
    frames = staged_frames()
    frames["dim_company"].loc[0, "entity_name"] = "Renamed"
    frames["fact_financial"] = frames["fact_financial"].iloc[1:]

    def hook(step: str) -> None:
        if step == fail_at:
            raise Boom(step)

    with pytest.raises(Boom):
        _stage_and_publish(engine, frames, on_step=hook)
    assert _sums(engine) == before


def test_failure_during_first_publish_leaves_tables_empty_with_their_keys(
    engine: Engine, migrated_url: str
) -> None:
    def hook(step: str) -> None:
        if step == "publish:fact_publication_technology":
            raise Boom(step)

    with pytest.raises(Boom):
        _stage_and_publish(engine, staged_frames(), on_step=hook)
    assert all(c.rows == 0 for c in _sums(engine).values())
    with engine.connect() as conn:
        keys = conn.execute(
            text(
                "SELECT count(*) FROM pg_constraint k JOIN pg_namespace n "
                "ON n.oid = k.connamespace WHERE n.nspname = 'warehouse' AND contype <> 'c'"
            )
        ).scalar()
    assert keys == 26


def test_second_publisher_waits_for_the_advisory_lock_then_gives_up(
    first_load: RunSummary, migrated_url: str
) -> None:
    holder = create_engine(migrated_url, poolclass=pool.NullPool)
    worker = create_engine(migrated_url, poolclass=pool.NullPool)
    with holder.connect() as lock_conn:
        lock_conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": PUBLISH_LOCK.key})
        started = time.perf_counter()
        with (
            pytest.raises(TransientError, match="another run is publishing"),
            worker.connect() as conn,
        ):
            publish(conn, EXPECTED_ROWS, lock_timeout_s=0.5)
        assert time.perf_counter() - started >= 0.5

        # released while we wait: the publish goes through after the holder lets go
        release = threading.Timer(
            0.5, lambda: lock_conn.execute(text("SELECT pg_advisory_unlock_all()"))
        )
        release.start()
        started = time.perf_counter()
        with worker.connect() as conn:
            counts = publish(conn, EXPECTED_ROWS, lock_timeout_s=10)
        release.join()
        assert time.perf_counter() - started >= 0.4
        assert counts["dim_company"].rows == 2
    holder.dispose()
    worker.dispose()
