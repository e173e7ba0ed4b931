"""A backfill: one flow run of the `backfill` deployment per snapshot, published in order.

Prefect's work pool does the distribution; nothing here picks a worker. The driver only
orders the runs: it creates run k+1 once run k is Running, passing k's flow run id as
`after_flow_run_id`. With every worker limited to one run at a time (`--limit`, set by
ABI_WORKER_RUN_LIMIT), run k occupies its worker, so k+1 goes to another idle worker
if there is one, where it extracts and transforms while k loads. Before loading, k+1
waits in PostgreSQL for k to end and loads only if k completed
(etl.stages.previous_run), so the snapshots publish in the given order and the tables
end as if one worker had run them one after another. With a single worker the same
runs simply follow each other.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from prefect.client.orchestration import PrefectClient
from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.exceptions import ObjectNotFound

from etl.errors import EtlError

logger = logging.getLogger(__name__)

BACKFILL_DEPLOYMENT = "ABI ETL Pipeline/backfill"
BACKFILL_TAG = "backfill"
# The line a worker writes into a flow run's logs when it takes the run
# (prefect.workers.base): the only record of which worker ran it.
_WORKER_SUBMITTING = re.compile(r"Worker '(?P<name>[^']+)' submitting flow run")
_STARTED = {StateType.RUNNING}


class BackfillError(EtlError):
    """The backfill could not be started or followed (deployment missing, time out)."""


@dataclass(frozen=True)
class BackfillRun:
    raw_dir: str
    flow_run_id: str
    name: str
    state: str  # the final state's type: COMPLETED, FAILED, CRASHED, CANCELLED
    message: str | None
    worker: str | None

    @property
    def completed(self) -> bool:
        return self.state == StateType.COMPLETED.value


def run_parameters(raw_dir: str, previous_flow_run_id: str | None) -> dict[str, Any]:
    """The parameters of one backfill run: its snapshot, and the run it must follow."""
    return {"raw_dir": raw_dir, "after_flow_run_id": previous_flow_run_id}


def worker_of(messages: Iterable[str]) -> str | None:
    """The worker that took a flow run, from the run's log lines (the last one wins: a
    run that Prefect re-submitted ran on the worker that took it last)."""
    found = None
    for message in messages:
        match = _WORKER_SUBMITTING.search(message)
        if match:
            found = match.group("name")
    return found


def not_completed(runs: Sequence[BackfillRun], raw_dirs: Sequence[str]) -> list[str]:
    """What keeps a backfill from success: runs that did not complete, snapshots never run."""
    problems = [
        f"raw_dir={run.raw_dir} flow_run={run.name} state={run.state}"
        for run in runs
        if not run.completed
    ]
    problems += [f"raw_dir={raw_dir} state=NOT_SUBMITTED" for raw_dir in raw_dirs[len(runs) :]]
    return problems


async def _wait_for(
    client: PrefectClient, flow_run_id: UUID, deadline: float, interval_s: float, started: bool
) -> FlowRun:
    """The flow run once it is final (or, with `started`, Running); polls the API as
    Prefect's own run_deployment does."""
    while True:
        run = await client.read_flow_run(flow_run_id)
        state = run.state
        if state is not None and (state.is_final() or (started and state.type in _STARTED)):
            return run
        if time.monotonic() >= deadline:
            what = "Running" if started else "a final state"
            raise BackfillError(
                f"flow_run={run.name} id={run.id} state={state.type.value if state else None} "
                f"problem=not {what} before the backfill's timeout (are workers ONLINE?)"
            )
        await asyncio.sleep(interval_s)


async def _worker_name(client: PrefectClient, flow_run_id: UUID) -> str | None:
    logs = await client.read_logs(
        log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id]))
    )
    return worker_of(log.message for log in logs)


async def run_backfill(
    client: PrefectClient,
    raw_dirs: Sequence[str],
    *,
    deployment_name: str = BACKFILL_DEPLOYMENT,
    timeout_s: float = 7200.0,
    interval_s: float = 2.0,
) -> list[BackfillRun]:
    """Run one flow run per raw folder, in order; return them once all have ended.

    A run that ends without completing before its successor is created stops the
    backfill there (the later snapshots are not submitted); one that fails later stops
    its successors itself, each failing with a message naming the run before it.
    """
    deadline = time.monotonic() + timeout_s
    try:
        deployment = await client.read_deployment_by_name(deployment_name)
    except ObjectNotFound as exc:
        raise BackfillError(
            f"deployment={deployment_name} problem=not registered: `make deploy` registers "
            "deploy/prefect.yaml"
        ) from exc
    submitted: list[tuple[str, FlowRun]] = []
    previous: str | None = None
    for position, raw_dir in enumerate(raw_dirs, start=1):
        run = await client.create_flow_run_from_deployment(
            deployment.id, parameters=run_parameters(raw_dir, previous), tags=[BACKFILL_TAG]
        )
        submitted.append((raw_dir, run))
        logger.info(
            "event=backfill_run_created position=%d of=%d raw_dir=%s flow_run=%s id=%s after=%s",
            position,
            len(raw_dirs),
            raw_dir,
            run.name,
            run.id,
            previous,
        )
        if position == len(raw_dirs):
            break
        run = await _wait_for(client, run.id, deadline, interval_s, started=True)
        if run.state is not None and run.state.is_final() and not run.state.is_completed():
            logger.warning(
                "event=backfill_stopped flow_run=%s state=%s not_submitted=%d",
                run.name,
                run.state.type.value,
                len(raw_dirs) - position,
            )
            break
        previous = str(run.id)
    ended = []
    for raw_dir, run in submitted:
        final = await _wait_for(client, run.id, deadline, interval_s, started=False)
        state = final.state
        ended.append(
            BackfillRun(
                raw_dir=raw_dir,
                flow_run_id=str(final.id),
                name=final.name,
                state=state.type.value if state else "UNKNOWN",
                message=state.message if state else None,
                worker=await _worker_name(client, final.id),
            )
        )
    return ended
