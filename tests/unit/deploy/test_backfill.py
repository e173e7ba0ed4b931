"""The backfill driver, against a real (temporary) Prefect API.

No worker runs here (the integration test, tests/integration/deploy/test_remote_workers.py,
has real ones): a test coroutine takes the runs as a worker would, through the same API
calls (Running, its "submitting" log line, Completed), and records what it saw.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from prefect.client.orchestration import PrefectClient, get_client
from prefect.client.schemas.actions import LogCreate
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.states import Completed, Failed, Running

from etl.deploy.backfill import (
    BackfillError,
    BackfillRun,
    not_completed,
    run_backfill,
    run_parameters,
    worker_of,
)

pytestmark = pytest.mark.usefixtures("prefect_api")

SUBMITTING = "Worker '{name}' submitting flow run '{id}'"


def test_each_run_names_its_snapshot_and_the_run_before_it() -> None:
    assert run_parameters("/data/raw/a", None) == {
        "raw_dir": "/data/raw/a",
        "after_flow_run_id": None,
    }
    assert run_parameters("/data/raw/b", "f1") == {
        "raw_dir": "/data/raw/b",
        "after_flow_run_id": "f1",
    }


def test_the_worker_is_read_from_the_runs_log_the_last_taker_wins() -> None:
    assert worker_of(["Opening process...", SUBMITTING.format(name="w-1", id="x")]) == "w-1"
    lines = [
        SUBMITTING.format(name="w-1", id="x"),
        "crashed",
        SUBMITTING.format(name="w-2", id="x"),
    ]
    assert worker_of(lines) == "w-2"
    assert worker_of(["no worker line"]) is None


def test_runs_not_completed_and_snapshots_never_run_are_reported() -> None:
    runs = [
        BackfillRun("/a", "1", "one", "COMPLETED", None, "w-1"),
        BackfillRun("/b", "2", "two", "FAILED", "boom", "w-2"),
    ]
    assert not_completed(runs, ["/a", "/b", "/c"]) == [
        "raw_dir=/b flow_run=two state=FAILED",
        "raw_dir=/c state=NOT_SUBMITTED",
    ]
    assert not_completed(runs[:1], ["/a"]) == []


async def _deployment(client: PrefectClient) -> tuple[str, uuid.UUID]:
    tag = uuid.uuid4().hex[:8]
    flow = f"Flow {tag}"
    flow_id = await client.create_flow_from_name(flow)
    deployment_id = await client.create_deployment(flow_id, f"backfill-{tag}")
    return f"{flow}/backfill-{tag}", deployment_id


async def _runs(client: PrefectClient, deployment_id: uuid.UUID) -> list[FlowRun]:
    runs = await client.read_flow_runs(
        deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id]))
    )
    return sorted(runs, key=lambda run: run.created)


async def _take(client: PrefectClient, run: FlowRun, worker: str) -> None:
    await client.create_logs(
        [
            LogCreate(
                name="prefect.flow_runs.worker",
                level=20,
                message=SUBMITTING.format(name=worker, id=run.id),
                timestamp=datetime.now(UTC),
                flow_run_id=run.id,
            )
        ]
    )
    await client.set_flow_run_state(run.id, Running(), force=True)


async def _two_workers(
    client: PrefectClient, deployment_id: uuid.UUID, total: int, seen: list
) -> None:
    """Take each new run on alternating workers; finish a run once its successor exists
    (or at once, the last one). Records how many runs existed when each was taken."""
    taken: list[FlowRun] = []
    while len(taken) < total:
        runs = await _runs(client, deployment_id)
        for run in runs[len(taken) :]:
            seen.append((len(runs), run.parameters))
            await _take(client, run, f"w-{len(taken) % 2}")
            taken.append(run)
        for position, run in enumerate(taken):
            done = position + 1 < len(runs) or position + 1 == total
            state = (await client.read_flow_run(run.id)).state
            if done and state is not None and state.type == StateType.RUNNING:
                await client.set_flow_run_state(run.id, Completed(), force=True)
        await asyncio.sleep(0.2)


def test_the_driver_creates_each_run_once_the_one_before_is_running() -> None:
    async def scenario():
        async with get_client() as client:
            name, deployment_id = await _deployment(client)
            seen: list = []
            runs, _ = await asyncio.gather(
                run_backfill(
                    client, ["/r/1", "/r/2", "/r/3"], deployment_name=name, interval_s=0.2
                ),
                _two_workers(client, deployment_id, 3, seen),
            )
            return runs, seen

    runs, seen = asyncio.run(scenario())
    assert [run.raw_dir for run in runs] == ["/r/1", "/r/2", "/r/3"]
    assert [run.state for run in runs] == ["COMPLETED"] * 3
    assert [run.worker for run in runs] == ["w-0", "w-1", "w-0"]
    # Run k+1 did not exist before run k was Running, and it names run k.
    assert [count for count, _ in seen] == [1, 2, 3]
    assert [params["after_flow_run_id"] for _, params in seen] == [
        None,
        runs[0].flow_run_id,
        runs[1].flow_run_id,
    ]
    assert not_completed(runs, ["/r/1", "/r/2", "/r/3"]) == []


def test_a_run_that_fails_before_its_successor_exists_stops_the_backfill() -> None:
    async def scenario():
        async with get_client() as client:
            name, deployment_id = await _deployment(client)
            first = asyncio.create_task(
                run_backfill(client, ["/r/1", "/r/2"], deployment_name=name, interval_s=0.2)
            )
            while not (created := await _runs(client, deployment_id)):
                await asyncio.sleep(0.1)
            await client.set_flow_run_state(created[0].id, Failed(message="boom"), force=True)
            return await first, await _runs(client, deployment_id)

    runs, created = asyncio.run(scenario())
    assert len(created) == 1
    assert [(run.raw_dir, run.state, run.message) for run in runs] == [("/r/1", "FAILED", "boom")]
    assert not_completed(runs, ["/r/1", "/r/2"]) == [
        f"raw_dir=/r/1 flow_run={runs[0].name} state=FAILED",
        "raw_dir=/r/2 state=NOT_SUBMITTED",
    ]


def test_without_a_worker_the_backfill_times_out_naming_the_waiting_run() -> None:
    async def scenario():
        async with get_client() as client:
            name, deployment_id = await _deployment(client)
            with pytest.raises(BackfillError) as raised:
                await run_backfill(
                    client, ["/r/1", "/r/2"], deployment_name=name, timeout_s=1, interval_s=0.2
                )
            return raised.value, await _runs(client, deployment_id)

    error, created = asyncio.run(scenario())
    assert len(created) == 1
    assert f"flow_run={created[0].name}" in str(error)
    assert "not Running before the backfill's timeout" in str(error)


def test_an_unregistered_deployment_is_named() -> None:
    async def scenario():
        async with get_client() as client:
            await run_backfill(client, ["/r/1"], deployment_name="No Flow/no-backfill")

    with pytest.raises(
        BackfillError, match="deployment=No Flow/no-backfill problem=not registered"
    ):
        asyncio.run(scenario())
