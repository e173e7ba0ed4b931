"""Wait until enough workers of a pool are ONLINE: `python -m etl.deploy.status`.

Used by `make up` (inside a container of the stack, so the host needs nothing but
Docker) and handy when debugging "runs are not picked up":

    docker compose run --rm --no-deps register \
        python -m etl.deploy.status --pool abi-etl-pool --min 3 --timeout 120

Prints one line per worker (name, status, last heartbeat); exits 0 once at least
`--min` workers are ONLINE, 1 when the timeout passes first.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time

import httpx
from prefect.client.orchestration import PrefectClient, get_client
from prefect.client.schemas.objects import Worker, WorkerStatus
from prefect.exceptions import ObjectNotFound

from etl.logs import configure_logging

logger = logging.getLogger(__name__)


async def online_workers(client: PrefectClient, pool: str) -> tuple[list[Worker], list[Worker]]:
    """(online, all) workers of `pool`."""
    workers = await client.read_workers_for_work_pool(pool)
    return [w for w in workers if w.status == WorkerStatus.ONLINE], workers


async def wait_for_workers(pool: str, minimum: int, timeout_s: float, interval_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    async with get_client() as client:
        while True:
            try:
                online, workers = await online_workers(client, pool)
            except (httpx.HTTPError, ObjectNotFound) as exc:  # API or pool not up yet: wait
                online, workers = [], []
                logger.info("pool=%s waiting=true error=%s: %s", pool, type(exc).__name__, exc)
            if len(online) >= minimum or time.monotonic() >= deadline:
                break
            await asyncio.sleep(interval_s)
    for worker in sorted(workers, key=lambda w: w.name):
        logger.info(
            "worker=%s status=%s last_heartbeat=%s",
            worker.name,
            worker.status.value,
            worker.last_heartbeat_time,
        )
    logger.info("pool=%s online=%d required=%d", pool, len(online), minimum)
    return len(online) >= minimum


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl.deploy.status", description=__doc__)
    parser.add_argument("--pool", default="abi-etl-pool")
    parser.add_argument("--min", type=int, default=1, dest="minimum")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--interval", type=float, default=2.0)
    args = parser.parse_args(argv)
    configure_logging()
    ok = asyncio.run(wait_for_workers(args.pool, args.minimum, args.timeout, args.interval))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
