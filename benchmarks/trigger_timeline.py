"""Where the time of one triggered flow run goes, from what the Prefect API recorded.

The phases follow one another without overlap, so they add up to `total` (trigger to
Completed, both timestamps written by the server):

- `poll_wait`: Scheduled (the trigger) to Pending, set when a worker's poll picks it up;
- `process_start`: Pending to the end of the deployment's pull step: the worker starts
  the run's interpreter, which imports Prefect and runs the pull step (Prefect's default
  process command starts a supervisor interpreter that does this, then a second one for
  the engine; an explicit `command` job variable starts the engine only);
- `flow_import`: the pull step's end to Running: the engine imports the flow module and
  what it imports (with the default command, after its own Prefect import);
- `flow_setup`: Running to the first task: settings, run lock, run log, pruning;
- `extract`, `transform`, `write`, `audit`, `publish`: the tasks, first start to last end;
- `between_tasks`: the gaps between those tasks (rejected rows, artifacts);
- `archive`: publish's end to the flow's `event=run_end` line (archive, retention, run log);
- `finish`: that line to Completed (the return value, the final state).

`audit_gx_suites` and `audit_data_docs` split `audit` further (they are inside it, not
added to the total); `after_completed` is what the process still does after Completed
(the on_completion notification hooks), up to its last log line.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

TASK_PHASES = (
    ("extract", "extract_source"),
    ("transform", "transform_sources"),
    ("write", "write_staging"),
    ("audit", "audit_staging"),
    ("publish", "publish_staging"),
)
# The order of the keys in every report; the first ones add up to `total`.
PHASES = (
    "poll_wait",
    "process_start",
    "flow_import",
    "flow_setup",
    *(phase for phase, _ in TASK_PHASES),
    "between_tasks",
    "archive",
    "finish",
)
DETAILS = ("audit_gx_suites", "audit_data_docs", "after_completed")
KEYS = (*PHASES, "total", *DETAILS)

PULLED = "All deployment steps completed"
_SUITE_SECONDS = re.compile(r"^quality=suite .*\bseconds=([0-9.]+)")


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _state_time(states: Iterable[Mapping[str, Any]], state_type: str) -> datetime:
    times = [_ts(s["timestamp"]) for s in states if s["type"] == state_type]
    if not times:
        raise ValueError(f"flow run has no {state_type} state: the run did not complete")
    return min(times)


def _seconds(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds()


def _task_spans(task_runs: Iterable[Mapping[str, Any]]) -> dict[str, tuple[datetime, datetime]]:
    spans: dict[str, tuple[datetime, datetime]] = {}
    for phase, task_name in TASK_PHASES:
        runs = [t for t in task_runs if t["name"].startswith(task_name)]
        if not runs or any(t["start_time"] is None or t["end_time"] is None for t in runs):
            raise ValueError(f"task {task_name} did not run to its end")
        spans[phase] = (
            min(_ts(t["start_time"]) for t in runs),
            max(_ts(t["end_time"]) for t in runs),
        )
    return spans


def _log_time(logs: Sequence[Mapping[str, Any]], prefix: str) -> datetime:
    for record in logs:
        if record["message"].startswith(prefix):
            return _ts(record["timestamp"])
    raise ValueError(f"the flow run logged no line starting {prefix!r}")


def breakdown(
    states: Sequence[Mapping[str, Any]],
    task_runs: Sequence[Mapping[str, Any]],
    logs: Sequence[Mapping[str, Any]],
) -> dict[str, float]:
    """Seconds per phase of one completed run (`KEYS`), from its state history, task
    runs and logs as the Prefect API returns them (`logs` in time order)."""
    scheduled = _state_time(states, "SCHEDULED")
    pending = _state_time(states, "PENDING")
    running = _state_time(states, "RUNNING")
    completed = _state_time(states, "COMPLETED")
    spans = _task_spans(task_runs)
    ordered = [spans[phase] for phase, _ in TASK_PHASES]
    pulled = _log_time(logs, PULLED)
    run_end = _log_time(logs, "event=run_end")
    suites = [_SUITE_SECONDS.match(r["message"]) for r in logs]
    suite_logs = [r for r, m in zip(logs, suites, strict=True) if m]
    figures = {
        "poll_wait": _seconds(scheduled, pending),
        "process_start": _seconds(pending, pulled),
        "flow_import": _seconds(pulled, running),
        "flow_setup": _seconds(running, ordered[0][0]),
        **{phase: _seconds(*spans[phase]) for phase, _ in TASK_PHASES},
        "between_tasks": sum(
            _seconds(before[1], after[0]) for before, after in itertools.pairwise(ordered)
        ),
        "archive": _seconds(ordered[-1][1], run_end),
        "finish": _seconds(run_end, completed),
        "total": _seconds(scheduled, completed),
        "audit_gx_suites": sum(float(m.group(1)) for m in suites if m),
        "audit_data_docs": (
            _seconds(_ts(suite_logs[-1]["timestamp"]), _log_time(logs, "quality=data_docs"))
            if suite_logs
            else 0.0
        ),
        "after_completed": max(0.0, _seconds(completed, _ts(logs[-1]["timestamp"]))),
    }
    return {key: round(figures[key], 2) for key in KEYS}


def medians(runs: Sequence[Mapping[str, float]], keys: Sequence[str] = KEYS) -> dict[str, float]:
    return {key: round(statistics.median(run[key] for run in runs), 2) for key in keys}
