"""Show the pipeline's stages on a StageProgress, through the StageCaller/Reporter protocols.

The wrappers add a bar around whatever runs the stages (plain calls or Prefect tasks) and
change nothing else: each call and report still reaches the wrapped caller and reporter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from etl.cli.progress import StageProgress
from etl.stages.context import RunContext
from etl.stages.protocols import Reporter, StageCaller
from etl.stages.summary import RunSummary, StageOutcome

if TYPE_CHECKING:
    from etl.stages.extract import SourceOutcome

T = TypeVar("T")


class ProgressCaller:
    def __init__(self, inner: StageCaller, display: StageProgress) -> None:
        self._inner = inner
        self._display = display

    def extract_all(self, ctx: RunContext, sources: tuple[str, ...]) -> dict[str, SourceOutcome]:
        with self._display.stage("extract") as bar:
            outcomes = self._inner.extract_all(ctx, sources)
            bar.rows(sum(outcome.loaded for outcome in outcomes.values()))
        return outcomes

    def call(self, stage: str, name: str, func: Callable[..., T], *args: Any) -> T:
        with self._display.stage(name) as bar:
            result = self._inner.call(stage, name, func, *args)
            if isinstance(result, StageOutcome) and result.rows:
                bar.rows(sum(result.rows.values()))
        return result


class ProgressReporter:
    def __init__(self, inner: Reporter, display: StageProgress) -> None:
        self._inner = inner
        self._display = display

    def progress(self, percent: float) -> None:
        self._inner.progress(percent)
        # Only the publish stage reports progress, from inside its own bar.
        self._display.current.percent(percent)

    def extraction(self, outcomes: Mapping[str, SourceOutcome]) -> None:
        self._inner.extraction(outcomes)

    def transformation(self, outcome: StageOutcome) -> None:
        self._inner.transformation(outcome)

    def loading(self, outcome: StageOutcome) -> None:
        self._inner.loading(outcome)

    def validation(self, outcome: StageOutcome) -> None:
        self._inner.validation(outcome)

    def pipeline(self, summary: RunSummary) -> None:
        self._inner.pipeline(summary)


def with_progress(
    display: StageProgress,
) -> Callable[[StageCaller, Reporter], tuple[StageCaller, Reporter]]:
    """A stage wrapper (see etl.flows.abi_etl_flow.run_flow) that draws on `display`."""

    def wrap(caller: StageCaller, reporter: Reporter) -> tuple[StageCaller, Reporter]:
        return ProgressCaller(caller, display), ProgressReporter(reporter, display)

    return wrap
