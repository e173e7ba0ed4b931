"""`abi-etl backfill`: load several snapshots of the raw files, in order, over the workers.

Each `--raw-dir` is a folder as the WORKERS see it (e.g. /data/raw/2026-11-30 on the
shared raw-files mount), not as this machine does. Prints one key=value line per run,
with the worker that ran it; exits 1 unless every run completed.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from etl.cli.errors import one_line_errors
from etl.logs import configure_logging

EXIT_NOT_COMPLETED = 1


@one_line_errors
def backfill(
    *,
    raw_dirs: Annotated[
        list[str],
        typer.Option(
            "--raw-dir",
            help="Folder of one snapshot, as the workers see it (repeatable; loaded in order).",
        ),
    ],
    deployment: Annotated[
        str, typer.Option("--deployment", help="'flow/deployment' the runs are created from.")
    ] = "ABI ETL Pipeline/backfill",
    timeout: Annotated[
        float, typer.Option("--timeout", min=1, help="Seconds the whole backfill may take.")
    ] = 7200.0,
    interval: Annotated[
        float, typer.Option("--interval", min=0.1, help="Seconds between two state polls.")
    ] = 2.0,
) -> None:
    """Run the snapshots through the `backfill` deployment; exit 1 unless all completed."""
    configure_logging("INFO")
    # Imported here: Prefect's client costs about a second the other commands skip.
    from prefect.client.orchestration import get_client  # noqa: PLC0415
    from prefect.settings import PREFECT_API_URL  # noqa: PLC0415

    from etl.deploy.backfill import not_completed, run_backfill  # noqa: PLC0415

    if not PREFECT_API_URL.value():
        # Without it Prefect would start a throwaway local server that has no workers.
        typer.echo("error: PREFECT_API_URL is not set (make backfill sets it)", err=True)
        raise typer.Exit(EXIT_NOT_COMPLETED)

    async def follow():
        async with get_client() as client:
            return await run_backfill(
                client, raw_dirs, deployment_name=deployment, timeout_s=timeout, interval_s=interval
            )

    runs = asyncio.run(follow())
    for position, run in enumerate(runs, start=1):
        typer.echo(
            f"run={position} raw_dir={run.raw_dir} flow_run={run.name} id={run.flow_run_id} "
            f"state={run.state} worker={run.worker}"
        )
    workers = sorted({run.worker for run in runs if run.worker})
    typer.echo(f"runs={len(runs)} workers={len(workers)} worker_names={','.join(workers)}")
    problems = not_completed(runs, raw_dirs)
    for problem in problems:
        typer.echo(f"error: {problem}", err=True)
    if problems:
        raise typer.Exit(EXIT_NOT_COMPLETED)
