"""Fault: two runs triggered at once.

Two flow runs of daily-etl are created in the same instant. The deployment's
concurrency limit (1, ENQUEUE) or the worker's run limit (1) holds the second until the
first ends, and the load's advisory lock would serialise them anyway: they do not
overlap, both complete, and the tables are those of one run of their input.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import httpx
import pytest
from sqlalchemy.engine import Engine

from tests.integration.faults.helpers import (
    Inputs,
    etl_run_of,
    record_fault,
    restore_sample,
    warehouse_is,
)
from tests.integration.helpers import (
    assert_completed,
    published_checksums,
    trigger_run,
    wait_for_terminal_state,
)

pytestmark = pytest.mark.integration


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_two_runs_at_once_are_serialised(
    api: httpx.Client, etl_engine: Engine, inputs: Inputs
) -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:
        ids = list(pool.map(lambda _: trigger_run(api, inputs.b_dir), range(2)))
    runs = [wait_for_terminal_state(api, flow_run_id) for flow_run_id in ids]
    record_fault(
        "two_runs_at_once",
        states=",".join(r["state"]["name"] for r in runs),
        etl_run=",".join(etl_run_of(etl_engine, i)["status"] for i in ids),
        warehouse_before="A",
        warehouse_after=warehouse_is(etl_engine, inputs),
    )

    for run in runs:
        assert_completed(run)
    first, second = sorted(runs, key=lambda r: _time(r["start_time"]))
    assert _time(first["end_time"]) <= _time(second["start_time"]), (
        f"runs overlapped: {first['start_time']}..{first['end_time']} and "
        f"{second['start_time']}..{second['end_time']}"
    )
    # The later one existed before the first ended, so it waited: for a slot of the
    # deployment's concurrency limit, or for a worker (each runs one flow run at a time,
    # ABI_WORKER_RUN_LIMIT), whichever held it first.
    assert _time(second["created"]) < _time(first["end_time"])
    records = [etl_run_of(etl_engine, run["id"]) for run in (first, second)]
    assert [r["status"] for r in records] == ["completed", "completed"]
    assert records[0]["ended_at"] <= records[1]["started_at"]
    # The tables are one run's: the same as B alone, recorded alike by both runs.
    assert published_checksums(etl_engine) == inputs.b_checksums
    assert records[0]["table_checksums"] == records[1]["table_checksums"]
    restore_sample(api, etl_engine, inputs)
