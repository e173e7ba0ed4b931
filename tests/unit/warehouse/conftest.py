"""Fixtures of the warehouse tests: a migrated database, and one loaded with the frames."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, pool
from sqlalchemy.engine import Engine

from etl.stages.summary import RunSummary
from etl.warehouse.migrate import upgrade
from tests.support.loading import load_context, load_frames
from tests.support.staged_frames import staged_frames


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
def first_load(migrated_url: str, tmp_path: Path) -> RunSummary:
    """The hand-made frames published through the production load."""
    return load_frames(load_context(migrated_url, tmp_path), staged_frames())
