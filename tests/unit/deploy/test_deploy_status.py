"""`abi-etl status` and the worker wait, against a real (temporary) Prefect API."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import DeploymentScheduleCreate, WorkPoolCreate
from prefect.client.schemas.schedules import CronSchedule
from prefect.states import Completed, Running
from typer.testing import CliRunner

from etl.cli.main import app
from etl.deploy.workers import wait_for_workers

pytestmark = pytest.mark.usefixtures("prefect_api")


@dataclass(frozen=True)
class Registered:
    pool: str
    flow: str
    deployment: str
    workers: tuple[str, ...]
    run: str


async def _register(online_workers: int, paused: bool = False) -> Registered:
    """A pool with `online_workers` heartbeating workers, a deployment and one finished run.

    Unique names: the API is shared by the whole test session.
    """
    tag = uuid.uuid4().hex[:8]
    pool, flow, name = f"pool-{tag}", f"Flow {tag}", f"daily-{tag}"
    workers = tuple(f"worker-{tag}-{i}" for i in range(online_workers))
    async with get_client() as client:
        await client.create_work_pool(WorkPoolCreate(name=pool, type="process"))
        for worker in workers:
            await client.send_worker_heartbeat(pool, worker, heartbeat_interval_seconds=30)
        flow_id = await client.create_flow_from_name(flow)
        deployment_id = await client.create_deployment(
            flow_id,
            name,
            work_pool_name=pool,
            paused=paused,
            schedules=[
                DeploymentScheduleCreate(
                    schedule=CronSchedule(cron="0 2 * * *", timezone="UTC"), active=True
                )
            ],
        )
        run = await client.create_flow_run_from_deployment(deployment_id, name=f"run-{tag}")
        await client.set_flow_run_state(run.id, Running(), force=True)
        await client.set_flow_run_state(run.id, Completed(), force=True)
    return Registered(pool, flow, name, workers, run.name)


def _status(*args: str):
    return CliRunner().invoke(app, ["status", *args])


def _lines(output: str, key: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(f"{key}=")]


def test_status_prints_pool_workers_deployment_and_runs() -> None:
    found = asyncio.run(_register(online_workers=2, paused=True))
    result = _status("--pool", found.pool, "--deployment", found.deployment)
    assert result.exit_code == 0, result.output
    [pool] = _lines(result.output, "pool")
    assert pool.startswith(f"pool={found.pool} type=process ")
    assert pool.endswith(" paused=false workers=2 online=2")
    workers = _lines(result.output, "worker")
    assert [w.split()[0] for w in workers] == [f"worker={w}" for w in found.workers]
    assert all(" status=ONLINE last_heartbeat=20" in w for w in workers)
    [deployment] = _lines(result.output, "deployment")
    assert deployment == (
        f'deployment="{found.flow}/{found.deployment}" paused=true '
        'schedule="0 2 * * *" timezone=UTC schedule_active=true schedules=1'
    )
    [run] = _lines(result.output, "run")
    assert run.startswith(f"run={found.run} ")
    assert " state=Completed start=20" in run
    assert " duration_s=" in run and "duration_s=none" not in run


def test_unknown_pool_and_deployment_are_reported_not_raised() -> None:
    result = _status("--pool", "no-such-pool", "--deployment", "no-such-deployment")
    assert result.exit_code == 0, result.output
    assert "pool=no-such-pool found=false" in result.output
    assert "deployment=no-such-deployment found=false" in result.output


def test_waiting_for_more_workers_than_online_fails_after_the_timeout() -> None:
    found = asyncio.run(_register(online_workers=1))
    result = _status(
        "--pool", found.pool, "--wait-workers", "2", "--timeout", "1", "--interval", "0.2"
    )
    assert result.exit_code == 1, result.output
    assert "workers_online=1 workers_required=2" in result.output


def test_only_the_named_workers_count() -> None:
    found = asyncio.run(_register(online_workers=2))
    named = ["--worker", found.workers[0], "--worker", "worker-of-a-new-container"]
    result = _status("--pool", found.pool, "--wait-workers", "2", "--timeout", "0", *named)
    assert result.exit_code == 1, result.output
    assert "workers_online=1 workers_required=2" in result.output
    ok = _status("--pool", found.pool, "--wait-workers", "1", "--timeout", "0", *named)
    assert ok.exit_code == 0, ok.output
    assert "workers_online=1 workers_required=1" in ok.output


def test_wait_returns_once_a_worker_comes_online() -> None:
    found = asyncio.run(_register(online_workers=0))

    async def scenario() -> bool:
        async with get_client() as client:
            waiting = asyncio.create_task(
                wait_for_workers(client, found.pool, 1, timeout_s=60, interval_s=0.2)
            )
            await asyncio.sleep(1)
            assert not waiting.done()
            await client.send_worker_heartbeat(found.pool, "late-worker", 30)
            return await asyncio.wait_for(waiting, timeout=30)

    assert asyncio.run(scenario()) is True


def test_wait_tolerates_a_pool_that_does_not_exist_yet() -> None:
    async def scenario() -> bool:
        async with get_client() as client:
            return await wait_for_workers(client, "pool-not-yet", 1, timeout_s=0.5, interval_s=0.1)

    assert asyncio.run(scenario()) is False
