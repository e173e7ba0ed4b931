"""`python -m benchmarks.run_once`: one production run, as `abi-etl run` makes it.

The benchmark starts this module in a process of its own for every scenario, so that the
run pays for its interpreter and imports as the command does, and so that its peak RSS
(`ru_maxrss`, which the run's summary reports) is this run's alone. The settings come from
the environment the benchmark sets (ABI_WAREHOUSE_URL, ABI_RAW_DIR, ABI_PATHS__...) and,
in flow mode, PREFECT_API_URL.

Standard mode calls `run_standard`, flow mode `run_flow` after the same preparation
steps as `etl/cli/run_cmd.py`. The run's summary is written as JSON to `--out`, with the
seconds from the call to its return and the process's start-up before it.
"""

from __future__ import annotations

import json
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import psutil
import typer

from etl.cli import flow_mode
from etl.config.settings import load_settings
from etl.logs import configure_logging
from etl.stages.standard import run_standard
from etl.stages.summary import RunSummary


class Mode(StrEnum):
    standard = "standard"
    flow = "flow"


def _run_flow(config: Path | None) -> RunSummary:
    flow_mode.prepare_prefect_import()
    # Imported here, as the CLI does: standard mode must not pay for importing Prefect.
    from etl.flows.abi_etl_flow import run_flow  # noqa: PLC0415

    flow_mode.prepare_local_api()
    with flow_mode.one_line_data_errors():
        return run_flow(config)


def run_once(
    out: Annotated[Path, typer.Option("--out", help="JSON file for the run's summary.")],
    mode: Annotated[Mode, typer.Option("--mode")] = Mode.standard,
    config: Annotated[Path | None, typer.Option("--config", help="YAML settings file.")] = None,
) -> None:
    """Run the pipeline once and write its summary with the seconds it took."""
    settings = load_settings(config)
    configure_logging(settings.log_level)
    # From the process's creation (clock ticks) to here: interpreter start and imports.
    startup = time.time() - psutil.Process().create_time()
    started = time.perf_counter()
    summary = run_standard(settings) if mode is Mode.standard else _run_flow(config)
    seconds = time.perf_counter() - started
    figures = {
        "mode": mode.value,
        "startup_seconds": startup,
        "run_seconds": seconds,
        "summary": summary.as_dict(),
    }
    out.write_text(json.dumps(figures, default=str), encoding="utf-8")


if __name__ == "__main__":
    typer.run(run_once)
