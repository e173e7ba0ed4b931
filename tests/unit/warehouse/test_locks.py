"""The session load lock keeps two runs from sharing staging."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from etl.errors import TransientError
from etl.warehouse.load import load_tables
from etl.warehouse.locks import acquire_load_lock, release_load_lock

from .frames import staged_frames

pytestmark = pytest.mark.postgres


def test_second_run_gives_up_while_the_lock_is_held(engine: Engine, migrated_url: str) -> None:
    with engine.connect() as holder:
        acquire_load_lock(holder)
        with engine.connect() as other, pytest.raises(TransientError, match="another load"):
            acquire_load_lock(other, timeout_s=0.2)
        with pytest.raises(TransientError, match="another load"):
            load_tables(migrated_url, staged_frames(), lock_timeout_s=0.2)
        release_load_lock(holder)
        with engine.connect() as other:
            acquire_load_lock(other, timeout_s=0.2)
            release_load_lock(other)


def test_releasing_a_lock_not_held_is_an_error(engine: Engine) -> None:
    with engine.connect() as conn, pytest.raises(RuntimeError, match="not held"):
        release_load_lock(conn)
