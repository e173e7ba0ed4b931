"""Drive the production load (`etl.stages.load.load_staged`) with hand-made staged frames.

The frames go through the transform's own Parquet writer and then through the very
write-audit-publish that the flow and standard mode call, with standard mode's caller and
reporter. Faults are injected through the same two seams Prefect plugs into.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
from pydantic import SecretStr

from etl.config.settings import PathsSettings, Settings
from etl.stages.context import RunContext, new_run_context
from etl.stages.extract import SourceOutcome
from etl.stages.load import TABLES, load_staged
from etl.stages.protocols import Reporter, StageCaller
from etl.stages.standard import DirectCaller, LogReporter
from etl.stages.summary import RunSummary, StageOutcome
from etl.transform.star_schema import write_tables

T = TypeVar("T")


class InjectedFault(RuntimeError):
    """A fault a test raises on purpose inside the production load."""


def load_context(url: str, work_dir: Path, *, lock_timeout_s: float | None = None) -> RunContext:
    """A standard-mode run context on `url`, GX suites skipped (the SQL audit always runs)."""
    settings = Settings(
        warehouse_url=SecretStr(url),
        paths=PathsSettings(
            staging_dir=work_dir / "staging",
            archive_dir=work_dir / "archive",
            data_docs_dir=work_dir / "data_docs",
        ),
    )
    if lock_timeout_s is not None:
        load = settings.stages.load.model_copy(update={"timeout_seconds": lock_timeout_s})
        stages = settings.stages.model_copy(update={"load": load})
        settings = settings.model_copy(update={"stages": stages})
    return new_run_context(settings, "standard", skip_validation=True)


def transformed(ctx: RunContext, frames: Mapping[str, pd.DataFrame]) -> StageOutcome:
    """What the transform stage hands over: one Parquet file per table, written its way."""
    paths = write_tables(frames, ctx.stage_dir("transform"))
    return StageOutcome(
        "transformation",
        0.0,
        rows={name: len(frame) for name, frame in frames.items()},
        paths={name: str(path) for name, path in paths.items()},
    )


def load_frames(
    ctx: RunContext,
    frames: Mapping[str, pd.DataFrame],
    *,
    caller: StageCaller | None = None,
    reporter: Reporter | None = None,
    outcomes: Mapping[str, SourceOutcome] | None = None,
    summary: RunSummary | None = None,
) -> RunSummary:
    """Write, audit and publish `frames` through `load_staged`; the run's summary.

    Pass `summary` to read what a failing load recorded before it raised.
    """
    summary = summary or RunSummary(run_id=ctx.run_id, mode=ctx.mode)
    load_staged(
        ctx,
        caller or DirectCaller(),
        reporter or LogReporter(),
        summary,
        transformed=transformed(ctx, frames),
        outcomes=outcomes or {},
    )
    return summary


class FailAfterTask(DirectCaller):
    """Standard mode's caller, but the task named `task` raises once it has returned."""

    def __init__(self, task: str) -> None:
        self.task = task

    def call(self, stage: str, name: str, func: Callable[..., T], *args: Any) -> T:
        result = super().call(stage, name, func, *args)
        if name == self.task:
            raise InjectedFault(f"fault injected after task={name}")
        return result


class FailAfterPublishing(LogReporter):
    """Standard mode's reporter, but it raises inside the publish transaction right after
    `table` is published (the progress callback runs there)."""

    def __init__(self, table: str) -> None:
        self.calls_before_fault = TABLES.index(table) + 1

    def progress(self, percent: float) -> None:
        super().progress(percent)
        self.calls_before_fault -= 1
        if self.calls_before_fault == 0:
            raise InjectedFault(f"fault injected at progress={percent:.0f}")
