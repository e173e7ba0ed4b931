"""Fixtures of the warehouse tests: a migrated database, and one loaded with the frames."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, pool
from sqlalchemy.engine import Engine

from etl.warehouse.load import LoadResult, load_tables
from etl.warehouse.migrate import upgrade

from .frames import staged_frames


@pytest.fixture
def migrated_url(pg_url: str) -> str:
    upgrade(pg_url)
    return pg_url


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    engine = create_engine(migrated_url, poolclass=pool.NullPool)
    yield engine
    engine.dispose()


@pytest.fixture
def first_load(migrated_url: str) -> LoadResult:
    return load_tables(migrated_url, staged_frames(), run_id="first", with_checksums=True)
