"""`python -m benchmarks.trigger` (what `make bench-trigger` runs): trigger to Completed.

Triggers the deployment "ABI ETL Pipeline/daily-etl" of the running stack (`make up`; the
API and credentials of the checkout's .env, as the integration tests reach them) several
times, one run after the other, and splits each run's time into the phases of
`benchmarks.trigger_timeline` from the server's own timestamps: state history, task runs
and log lines; beside them, the CPU seconds the stack's containers spent on the run
(their cgroup counters, read through `docker exec`), which unlike the wall times do not
grow with the machine's load. Prints one key=value line per run and their median;
writes the figures, with the machine's load average, to `<out>/trigger.json`.

Runs on whatever the stack's workers read (the committed sample by default) and goes
through the whole pipeline, publish included, like any triggered run.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from benchmarks.trigger_timeline import KEYS, breakdown, medians
from etl.logs import configure_logging
from tests.integration.helpers import (
    DEPLOYMENT_NAME,
    ENV_FILE,
    Stack,
    assert_completed,
    read_env_file,
    service_containers,
    trigger_run,
    wait_for_terminal_state,
)

logger = logging.getLogger("benchmarks.trigger")

# A run's last log lines (its completion hooks) reach the API after Completed; a read
# is final once two reads this far apart agree.
LOGS_SETTLE_S = 2.0
LOGS_LIMIT = 200
# CPU seconds each group of services spends on a run: the figure that does not depend on
# what else the machine runs, unlike the wall times.
CPU_GROUPS = {
    "cpu_worker": ("worker",),
    "cpu_prefect": ("prefect-server", "prefect-db"),
    "cpu_warehouse": ("warehouse-db",),
}
# The container's own CPU counter: cgroup v2 (usage_usec), else v1 (nanoseconds).
_CPU_USAGE = (
    "if [ -f /sys/fs/cgroup/cpu.stat ]; "
    "then sed -n 's/^usage_usec /usec /p' /sys/fs/cgroup/cpu.stat; "
    "else echo ns $(cat /sys/fs/cgroup/cpuacct/cpuacct.usage); fi"
)


def _container_cpu_seconds(container: str) -> float:
    out = subprocess.run(
        ["docker", "exec", container, "sh", "-c", _CPU_USAGE],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split()
    unit, value = out[0], float(out[1])
    return value / 1e6 if unit == "usec" else value / 1e9


def stack_cpu_seconds() -> dict[str, float]:
    """CPU seconds used so far by the stack's containers, per group of CPU_GROUPS."""
    return {
        group: sum(
            _container_cpu_seconds(c) for service in services for c in service_containers(service)
        )
        for group, services in CPU_GROUPS.items()
    }


def _read_logs(api: httpx.Client, flow_run_id: str) -> list[dict[str, Any]]:
    body = {
        "logs": {"flow_run_id": {"any_": [flow_run_id]}},
        "sort": "TIMESTAMP_ASC",
        "limit": LOGS_LIMIT,
    }
    previous: list[dict[str, Any]] | None = None
    while True:
        logs = api.post("/logs/filter", json=body).raise_for_status().json()
        if logs == previous:
            return logs
        previous = logs
        time.sleep(LOGS_SETTLE_S)


def measure_run(api: httpx.Client, timeout_s: float) -> dict[str, Any]:
    """Trigger one run, wait for its end, and return its breakdown."""
    cpu_before = stack_cpu_seconds()
    flow_run_id = trigger_run(api, origin="benchmark")
    run = wait_for_terminal_state(api, flow_run_id, timeout_s)
    assert_completed(run)
    # Read after the state poll has seen Completed: the completion hooks are included.
    cpu = {k: round(v - cpu_before[k], 2) for k, v in stack_cpu_seconds().items()}
    states = api.get("/flow_run_states/", params={"flow_run_id": flow_run_id})
    task_runs = api.post(
        "/task_runs/filter", json={"flow_runs": {"id": {"any_": [flow_run_id]}}, "limit": 200}
    )
    figures = breakdown(
        states.raise_for_status().json(),
        task_runs.raise_for_status().json(),
        _read_logs(api, flow_run_id),
    )
    return {"flow_run_id": flow_run_id, "flow_run_name": run["name"], **figures, **cpu}


def _line(label: str, figures: dict[str, Any]) -> str:
    keys = (*KEYS, *CPU_GROUPS)
    return f"bench=trigger run={label} " + " ".join(f"{k}={figures[k]:.2f}" for k in keys)


def bench_trigger(
    runs: Annotated[int, typer.Option("--runs", min=1, help="Runs, one after the other.")] = 5,
    out: Annotated[Path, typer.Option("--out", help="JSON folder.")] = Path("bench-results"),
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds per run.")] = 600.0,
) -> None:
    """Trigger daily-etl RUNS times and report where the time to Completed goes."""
    configure_logging("INFO")
    stack = Stack(read_env_file(ENV_FILE))
    load_before = os.getloadavg()
    measured = []
    with httpx.Client(base_url=stack.api_url, auth=stack.auth, timeout=30) as api:
        for number in range(1, runs + 1):
            figures = measure_run(api, timeout)
            measured.append(figures)
            logger.info("%s flow_run=%s", _line(str(number), figures), figures["flow_run_name"])
    median = medians(measured, (*KEYS, *CPU_GROUPS))
    load_after = os.getloadavg()
    logger.info(_line("median", median))
    logger.info(
        "bench=trigger machine cpus=%d load_before=%.2f load_after=%.2f",
        os.cpu_count() or 0,
        load_before[0],
        load_after[0],
    )
    out.mkdir(parents=True, exist_ok=True)
    path = out / "trigger.json"
    report = {
        "deployment": DEPLOYMENT_NAME,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "load_average_1m": {"before": load_before[0], "after": load_after[0]},
        "runs": measured,
        "median": median,
    }
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    logger.info("bench=trigger json=%s", path)


if __name__ == "__main__":
    typer.run(bench_trigger)
