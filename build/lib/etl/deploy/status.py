"""What the Prefect server knows of the stack: pool, workers, deployment, last runs.

Read by `abi-etl status` (etl/cli/status_cmd.py), which prints `StackStatus.lines()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from prefect.client.orchestration import PrefectClient
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterId,
    DeploymentFilterName,
    FlowRunFilter,
    FlowRunFilterStartTime,
)
from prefect.client.schemas.objects import FlowRun, Worker, WorkerStatus, WorkPool
from prefect.client.schemas.responses import DeploymentResponse
from prefect.client.schemas.sorting import FlowRunSort
from prefect.exceptions import ObjectNotFound


@dataclass(frozen=True)
class DeploymentStatus:
    full_name: str
    deployment: DeploymentResponse
    runs: list[FlowRun]


@dataclass(frozen=True)
class StackStatus:
    pool_name: str
    pool: WorkPool | None  # None: not registered
    workers: list[Worker]
    deployment_name: str
    deployments: list[DeploymentStatus]  # empty: not registered

    def lines(self) -> list[str]:
        """Plain `key=value` lines, one per pool, worker, deployment and run."""
        if self.pool is None:
            lines = [_kv(pool=self.pool_name, found=False)]
        else:
            lines = [
                _kv(
                    pool=self.pool.name,
                    type=self.pool.type,
                    status=self.pool.status.value if self.pool.status else None,
                    paused=self.pool.is_paused,
                    workers=len(self.workers),
                    online=sum(w.status == WorkerStatus.ONLINE for w in self.workers),
                )
            ]
        lines += [
            _kv(worker=w.name, status=w.status.value, last_heartbeat=w.last_heartbeat_time)
            for w in sorted(self.workers, key=lambda w: w.name)
        ]
        if not self.deployments:
            lines.append(_kv(deployment=self.deployment_name, found=False))
        for entry in self.deployments:
            deployment = entry.deployment
            schedule = deployment.schedules[0] if deployment.schedules else None
            lines.append(
                _kv(
                    deployment=entry.full_name,
                    paused=deployment.paused,
                    schedule=getattr(schedule.schedule, "cron", None) if schedule else None,
                    timezone=getattr(schedule.schedule, "timezone", None) if schedule else None,
                    schedule_active=schedule.active if schedule else None,
                    schedules=len(deployment.schedules),
                )
            )
            lines += [
                _kv(
                    run=run.name,
                    deployment=entry.full_name,
                    state=run.state.name if run.state else None,
                    start=run.start_time,
                    duration_s=_duration(run),
                )
                for run in entry.runs
            ]
        return lines


async def read_status(
    client: PrefectClient, pool: str, deployment_name: str, runs: int = 5
) -> StackStatus:
    """The pool, its workers, the deployments named `deployment_name`, their last `runs` runs.

    `deployment_name` is the deployment's own name (`daily-etl`), as in the settings; a
    name with a slash is the API's full `<flow name>/<deployment name>`.
    """
    try:
        work_pool: WorkPool | None = await client.read_work_pool(pool)
        workers = await client.read_workers_for_work_pool(pool)
    except ObjectNotFound:
        work_pool, workers = None, []
    deployments = []
    for deployment in await _read_deployments(client, deployment_name):
        flow = await client.read_flow(deployment.flow_id)
        last_runs = await client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id])),
            # Started runs only: the scheduler keeps future runs Scheduled ahead of time.
            flow_run_filter=FlowRunFilter(start_time=FlowRunFilterStartTime(is_null_=False)),
            sort=FlowRunSort.START_TIME_DESC,
            limit=runs,
        )
        deployments.append(
            DeploymentStatus(f"{flow.name}/{deployment.name}", deployment, last_runs)
        )
    return StackStatus(pool, work_pool, workers, deployment_name, deployments)


async def _read_deployments(client: PrefectClient, name: str) -> list[DeploymentResponse]:
    if "/" in name:
        try:
            return [await client.read_deployment_by_name(name)]
        except ObjectNotFound:
            return []
    return await client.read_deployments(
        deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[name]))
    )


def _duration(run: FlowRun) -> float | None:
    """Seconds the run has been running; for one still going, until now (Prefect estimates it)."""
    elapsed: timedelta | None = run.total_run_time if run.end_time else run.estimated_run_time
    return round(elapsed.total_seconds(), 1) if elapsed is not None else None


def _kv(**fields: object) -> str:
    return " ".join(f"{key}={_value(value)}" for key, value in fields.items())


def _value(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    text = str(value)
    # Quoted when a reader splitting on spaces would cut it (cron, flow names).
    if not text or any(c in text for c in ' "='):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text
