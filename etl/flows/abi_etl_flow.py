"""The "ABI ETL Pipeline" Prefect flow: the shared stage sequence, run as Prefect tasks."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from prefect import flow, runtime, task
from prefect.cache_policies import NO_CACHE

from etl.config.settings import Settings, StageSettings, load_settings
from etl.flows.artifacts import ArtifactReporter
from etl.flows.hooks import FLOW_NAME, make_retry_condition, notify_flow_state
from etl.logs import logger_level
from etl.stages.context import RunContext, new_run_context
from etl.stages.protocols import Reporter, StageCaller, StageWrapper
from etl.stages.sequence import run_pipeline
from etl.stages.summary import RunSummary

if TYPE_CHECKING:
    from etl.stages.extract import SourceOutcome

T = TypeVar("T")

# Results stay in memory: stages exchange small records pointing at Parquet files,
# and nothing is cached across runs because every run must read today's files.
_TASK_DEFAULTS: dict[str, Any] = {"cache_policy": NO_CACHE, "persist_result": False}

# Flow parameters are sent to the API as JSON, so a caller running the flow in its own
# process (the CLI's progress bars) hands its wrapper over here instead. A deployment
# run never sets it.
_stage_wrapper: ContextVar[StageWrapper | None] = ContextVar("stage_wrapper", default=None)


class TaskCaller:
    """Runs each stage function as a Prefect task with its stage's retries and timeout."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._retry_condition = make_retry_condition(settings)

    def _options(self, stage: StageSettings) -> dict[str, Any]:
        return {
            "retries": stage.retries,
            "retry_delay_seconds": stage.retry_delay_seconds,
            "retry_jitter_factor": stage.retry_jitter_factor or None,
            "timeout_seconds": stage.timeout_seconds,
            "retry_condition_fn": self._retry_condition,
            **_TASK_DEFAULTS,
        }

    def extract_all(self, ctx: RunContext, sources: tuple[str, ...]) -> dict[str, SourceOutcome]:
        # Imported when the stages run (see etl.stages.sequence._run_stages).
        from etl.stages.extract import extract_source  # noqa: PLC0415

        extract = task(extract_source, name="extract_source").with_options(
            task_run_name="extract_source-{source}",
            **self._options(self._settings.stages.extraction),
        )
        futures = [extract.submit(ctx, source) for source in sources]
        return {source: future.result() for source, future in zip(sources, futures, strict=True)}

    def call(self, stage: str, name: str, func: Callable[..., T], *args: Any) -> T:
        stage_settings: StageSettings = getattr(self._settings.stages, stage)
        wrapped = task(func, name=name).with_options(**self._options(stage_settings))
        return wrapped(*args)


@flow(
    name=FLOW_NAME,
    description="Extract the three ABI source files, transform them into the star schema, "
    "write to staging, audit with the data-quality suites, then publish atomically.",
    persist_result=False,
    on_completion=[notify_flow_state],
    on_failure=[notify_flow_state],
    on_crashed=[notify_flow_state],
)
def abi_etl_pipeline(  # noqa: PLR0917 (a flow's parameters are the deployment's, by name)
    config_path: str | None = None,
    raw_dir: str | None = None,
    skip_validation: bool = False,
    allow_shrink: bool = False,
    full_refresh: bool = False,
    after_flow_run_id: str | None = None,
) -> RunSummary:
    """`after_flow_run_id`: set by a backfill (etl.deploy.backfill) to the flow run
    before this one; this run loads only after that one completed."""
    settings = load_settings(config_path, raw_dir=raw_dir)
    ctx = new_run_context(
        settings,
        "prefect",
        skip_validation,
        flow_run_id=runtime.flow_run.id,
        allow_shrink=allow_shrink,
        full_refresh=full_refresh,
        after_flow_run_id=after_flow_run_id,
    )
    caller: StageCaller = TaskCaller(settings)
    reporter: Reporter = ArtifactReporter()
    wrap = _stage_wrapper.get()
    if wrap is not None:
        caller, reporter = wrap(caller, reporter)
    # The stage lines reach the API through PREFECT_LOGGING_EXTRA_LOGGERS=etl; a worker
    # leaves the root logger at WARNING, so the `etl` logger needs its own level.
    with logger_level("etl", settings.log_level):
        return run_pipeline(ctx, caller, reporter)


def run_flow(
    config_path: Path | None,
    raw_dir: Path | None = None,
    *,
    skip_validation: bool = False,
    allow_shrink: bool = False,
    wrap: StageWrapper | None = None,
    full_refresh: bool = False,
) -> RunSummary:
    """Run the flow in this process, against PREFECT_API_URL or an ephemeral local API.

    `wrap` gets the flow's stage caller and reporter and returns the ones to use.
    """
    token = _stage_wrapper.set(wrap)
    try:
        return abi_etl_pipeline(
            config_path=str(config_path) if config_path else None,
            raw_dir=str(raw_dir) if raw_dir else None,
            skip_validation=skip_validation,
            allow_shrink=allow_shrink,
            full_refresh=full_refresh,
        )
    finally:
        _stage_wrapper.reset(token)
