"""Wait, bounded, until enough workers of a pool are ONLINE (`abi-etl status --wait-workers`)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Collection

import httpx
from prefect.client.orchestration import PrefectClient
from prefect.client.schemas.objects import Worker, WorkerStatus
from prefect.exceptions import ObjectNotFound

logger = logging.getLogger(__name__)


def counted_online(workers: list[Worker], names: Collection[str] = ()) -> list[Worker]:
    """The ONLINE workers among `workers`, only those named in `names` when it is not empty.

    Names matter after a restart: the workers of removed containers stay ONLINE in the API
    until they miss a few heartbeats, and must not stand in for the new ones.
    """
    return [
        w for w in workers if w.status == WorkerStatus.ONLINE and (not names or w.name in names)
    ]


async def wait_for_workers(
    client: PrefectClient,
    pool: str,
    minimum: int,
    timeout_s: float,
    *,
    interval_s: float = 2.0,
    names: Collection[str] = (),
) -> bool:
    """True once `minimum` workers counted by `counted_online` are ONLINE; False at the timeout.

    An API that does not answer yet, or a pool not registered yet, is waited for: `make up`
    starts this while the stack is still coming up.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            online = counted_online(await client.read_workers_for_work_pool(pool), names)
        except (httpx.HTTPError, ObjectNotFound) as exc:
            online = []
            logger.info("pool=%s waiting=true error=%s: %s", pool, type(exc).__name__, exc)
        if len(online) >= minimum:
            logger.info("pool=%s online=%d required=%d", pool, len(online), minimum)
            return True
        if time.monotonic() >= deadline:
            logger.info(
                "pool=%s online=%d required=%d timeout_s=%g", pool, len(online), minimum, timeout_s
            )
            return False
        await asyncio.sleep(interval_s)
