"""The trigger benchmark's breakdown: phases from a run's states, task runs and logs.

The records have the shape the Prefect API returns (`/flow_run_states/`,
`/task_runs/filter`, `/logs/filter`); the stack run itself is `make bench-trigger`.
"""

import pytest

from benchmarks.trigger_timeline import KEYS, PHASES, breakdown, medians

T0 = "2026-01-05T02:00:"


def at(second: float) -> str:
    return f"{T0}{second:06.3f}+00:00"


STATES = [
    {"type": "SCHEDULED", "timestamp": at(0)},
    {"type": "PENDING", "timestamp": at(4)},
    {"type": "RUNNING", "timestamp": at(9)},
    {"type": "COMPLETED", "timestamp": at(30)},
]
TASK_RUNS = [
    {"name": "extract_source-trl_predictions", "start_time": at(10), "end_time": at(12)},
    {"name": "extract_source-pubmed_articles", "start_time": at(10.5), "end_time": at(13)},
    {"name": "transform_sources", "start_time": at(13.5), "end_time": at(15)},
    {"name": "write_staging", "start_time": at(15), "end_time": at(17)},
    {"name": "audit_staging", "start_time": at(17.5), "end_time": at(25)},
    {"name": "publish_staging", "start_time": at(25), "end_time": at(27)},
]
LOGS = [
    {"message": "All deployment steps completed successfully", "timestamp": at(6)},
    {"message": "quality=suite kind=source suite=a seconds=1.500", "timestamp": at(18)},
    {"message": "quality=suite kind=staging suite=b seconds=2.000", "timestamp": at(21)},
    {"message": "quality=data_docs index=/x/index.html", "timestamp": at(24)},
    {"message": "event=run_end run_id=r mode=prefect status=completed", "timestamp": at(29)},
    {"message": "event=notification_sent channel=webhook notice=success", "timestamp": at(31)},
]


def test_phases_follow_the_recorded_timestamps_and_add_up_to_the_total() -> None:
    figures = breakdown(STATES, TASK_RUNS, LOGS)

    assert list(figures) == list(KEYS)
    assert figures["poll_wait"] == 4.0
    assert figures["process_start"] == 2.0
    assert figures["flow_import"] == 3.0
    assert figures["flow_setup"] == 1.0
    # Concurrent extract tasks count once: first start to last end.
    assert figures["extract"] == 3.0
    assert figures["transform"] == 1.5
    assert figures["audit"] == 7.5
    assert figures["between_tasks"] == 1.0
    assert figures["archive"] == 2.0
    assert figures["finish"] == 1.0
    assert figures["total"] == 30.0
    assert sum(figures[p] for p in PHASES) == pytest.approx(figures["total"])
    assert figures["audit_gx_suites"] == 3.5
    assert figures["audit_data_docs"] == 3.0
    assert figures["after_completed"] == 1.0


def test_a_run_that_never_completed_is_refused() -> None:
    with pytest.raises(ValueError, match="no COMPLETED state"):
        breakdown(STATES[:-1], TASK_RUNS, LOGS)


def test_a_task_that_did_not_end_is_refused() -> None:
    unfinished = [*TASK_RUNS[:-1], {**TASK_RUNS[-1], "end_time": None}]
    with pytest.raises(ValueError, match="publish_staging did not run to its end"):
        breakdown(STATES, unfinished, LOGS)


def test_medians_take_each_phase_on_its_own() -> None:
    runs = [dict.fromkeys(KEYS, float(v)) for v in (9, 1, 5, 3)]

    assert medians(runs) == dict.fromkeys(KEYS, 4.0)
