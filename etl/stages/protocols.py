"""How the stages are run and reported: the two seams between the stages and Prefect.

`StageCaller` decides how a stage function runs (a plain call, or a Prefect task with its
retries and timeout); `Reporter` decides where summaries go (log lines, or Prefect
artifacts). Standard mode and the flow each provide one of both; the stages never
import Prefect.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from etl.stages.context import RunContext
from etl.stages.summary import RunSummary, StageOutcome

if TYPE_CHECKING:
    # The extract stage imports pandas and pyarrow; the seams only name its record.
    from etl.stages.extract import SourceOutcome

T = TypeVar("T")


class StageCaller(Protocol):
    def extract_all(self, ctx: RunContext, sources: tuple[str, ...]) -> dict[str, SourceOutcome]:
        """Run `extract_source` for every source (concurrently where the caller can)."""

    def call(self, stage: str, name: str, func: Callable[..., T], *args: Any) -> T:
        """Run one stage function as task `name`; `stage` names its retries and timeout."""


class Reporter(Protocol):
    def extraction(self, outcomes: Mapping[str, SourceOutcome]) -> None: ...
    def transformation(self, outcome: StageOutcome) -> None: ...
    def loading(self, outcome: StageOutcome) -> None: ...
    def validation(self, outcome: StageOutcome) -> None: ...
    def progress(self, percent: float) -> None: ...
    def pipeline(self, summary: RunSummary) -> None: ...


# Wraps a mode's caller and reporter (the CLI's progress display, for example).
StageWrapper = Callable[[StageCaller, Reporter], tuple[StageCaller, Reporter]]
