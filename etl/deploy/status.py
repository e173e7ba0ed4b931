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
import sys
import time

from prefect.client.orchestration import PrefectClient, get_client
from prefect.client.schemas.objects import Worker, WorkerStatus


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
            except Exception as exc:  # API not up yet, pool not created yet: keep waiting
                online, workers = [], []
                print(f"pool={pool} waiting: {type(exc).__name__}: {exc}", file=sys.stderr)
            if len(online) >= minimum or time.monotonic() >= deadline:
                break
            await asyncio.sleep(interval_s)
    for worker in sorted(workers, key=lambda w: w.name):
        print(
            f"worker={worker.name} status={worker.status.value} "
            f"last_heartbeat={worker.last_heartbeat_time}"
        )
    print(f"pool={pool} online={len(online)} required={minimum}")
    return len(online) >= minimum


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl.deploy.status", description=__doc__)
    parser.add_argument("--pool", default="abi-etl-pool")
    parser.add_argument("--min", type=int, default=1, dest="minimum")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--interval", type=float, default=2.0)
    args = parser.parse_args(argv)
    ok = asyncio.run(wait_for_workers(args.pool, args.minimum, args.timeout, args.interval))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
