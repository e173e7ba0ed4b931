"""Flow state hooks and the retry condition that send the configured notifications."""

from __future__ import annotations

from typing import Any

from prefect import Flow, Task
from prefect.client.schemas.objects import FlowRun, TaskRun
from prefect.states import State

from etl.config.settings import Settings, load_settings
from etl.flows.retry import failure_of, is_transient
from etl.notify.dispatch import notify
from etl.notify.message import RunNotice

FLOW_NAME = "ABI ETL Pipeline"


def _ui_link(settings: Settings, flow_run_id: object) -> str:
    return f"{settings.notifications.ui_url.rstrip('/')}/runs/flow-run/{flow_run_id}"


def _settings_of(flow_run: FlowRun) -> Settings:
    params = flow_run.parameters or {}
    return load_settings(params.get("config_path"), raw_dir=params.get("raw_dir"))


def _duration(flow_run: FlowRun, state: State[Any]) -> float | None:
    if flow_run.start_time is None or state.timestamp is None:
        return None
    return (state.timestamp - flow_run.start_time).total_seconds()


def _counts(state: State[Any]) -> dict[str, Any]:
    if not state.is_completed():
        return {}
    summary = state.result(raise_on_failure=False)
    return dict(getattr(summary, "table_counts", {}) or {})


def _message(state: State[Any]) -> str | None:
    """The failure's message; for a completed run, why it skipped its stages, if it did."""
    if not state.is_completed():
        return state.message
    skipped = getattr(state.result(raise_on_failure=False), "skipped_because", None)
    return f"Skipped, nothing changed: {skipped}" if skipped else None


def notify_flow_state(flow: Flow[..., Any], flow_run: FlowRun, state: State[Any]) -> None:
    settings = _settings_of(flow_run)
    event = "success" if state.is_completed() else "failure"
    notice = RunNotice(
        event=event,
        flow_name=flow.name,
        flow_run_id=str(flow_run.id),
        state=state.name or state.type.value,
        duration_seconds=_duration(flow_run, state),
        ui_url=_ui_link(settings, flow_run.id),
        counts=_counts(state),
        message=_message(state),
    )
    notify(settings, notice)


def make_retry_condition(settings: Settings):
    """Retry transient errors only, and tell the on_retry receivers when a retry happens."""

    def retry_transient_only(task: Task[..., Any], task_run: TaskRun, state: State[Any]) -> bool:
        error = failure_of(state)
        if error is None or not is_transient(error):
            return False
        notify(
            settings,
            RunNotice(
                event="retry",
                flow_name=FLOW_NAME,
                flow_run_id=str(task_run.flow_run_id),
                state="Retrying",
                duration_seconds=None,
                ui_url=_ui_link(settings, task_run.flow_run_id),
                message=f"task={task.name} attempt={task_run.run_count} "
                f"error={type(error).__name__}: {error}",
            ),
        )
        return True

    return retry_transient_only
