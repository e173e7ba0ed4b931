"""`abi-etl status`: the pool, its workers, the deployment and its last runs, as key=value lines.

With `--wait-workers N` it first waits, up to `--timeout`, for N ONLINE workers: what
`make up` and `make deploy` run (inside a container of the stack) before saying ready.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from etl.cli.errors import one_line_errors
from etl.config.settings import load_settings
from etl.logs import configure_logging

EXIT_NOT_READY = 1


@one_line_errors
def status(
    *,
    config: Annotated[Path | None, typer.Option("--config", help="YAML settings file.")] = None,
    pool: Annotated[
        str | None, typer.Option("--pool", help="Work pool (default: schedule.work_pool).")
    ] = None,
    deployment: Annotated[
        str | None,
        typer.Option(
            "--deployment",
            help="Deployment name, or 'flow/deployment' (default: schedule.deployment_name).",
        ),
    ] = None,
    runs: Annotated[int, typer.Option("--runs", min=0, help="Last runs to list.")] = 5,
    wait_workers: Annotated[
        int, typer.Option("--wait-workers", min=0, help="Wait for this many ONLINE workers.")
    ] = 0,
    workers: Annotated[
        list[str] | None,
        typer.Option(
            "--worker",
            help="Count only this worker toward --wait-workers (repeatable; default: any).",
        ),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0, help="Seconds --wait-workers waits at most.")
    ] = 120.0,
    interval: Annotated[
        float, typer.Option("--interval", min=0.1, help="Seconds between two polls.")
    ] = 2.0,
) -> None:
    """Print the pool, workers, deployment and last runs; exit 1 when too few workers are ONLINE."""
    settings = load_settings(config)
    configure_logging(settings.log_level)
    # Imported here: Prefect's client costs about a second the other commands skip.
    import httpx  # noqa: PLC0415
    from prefect.client.orchestration import get_client  # noqa: PLC0415
    from prefect.settings import PREFECT_API_URL  # noqa: PLC0415

    from etl.deploy.status import read_status  # noqa: PLC0415
    from etl.deploy.workers import counted_online, wait_for_workers  # noqa: PLC0415

    if not PREFECT_API_URL.value():
        # Without it Prefect would start a throwaway local server and report on that.
        typer.echo("error: PREFECT_API_URL is not set (make status sets it)", err=True)
        raise typer.Exit(EXIT_NOT_READY)
    pool_name = pool or settings.schedule.work_pool
    deployment_name = deployment or settings.schedule.deployment_name
    names = tuple(workers or ())

    async def report():
        async with get_client() as client:
            if wait_workers:
                await wait_for_workers(
                    client, pool_name, wait_workers, timeout, interval_s=interval, names=names
                )
            return await read_status(client, pool_name, deployment_name, runs)

    try:
        found = asyncio.run(report())
    except httpx.HTTPError as exc:
        typer.echo(f"error: api_problem={type(exc).__name__}: {exc}", err=True)
        raise typer.Exit(EXIT_NOT_READY) from exc
    for line in found.lines():
        typer.echo(line)
    if wait_workers:
        online = len(counted_online(found.workers, names))
        typer.echo(f"workers_online={online} workers_required={wait_workers}")
        if online < wait_workers:
            raise typer.Exit(EXIT_NOT_READY)
