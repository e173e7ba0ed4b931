"""What every reader returns, and the one log line that sums it up."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


@dataclass
class ExtractResult:
    """A clean source table plus everything that did not make it in.

    Invariant (checked by `reconciles`): rows_in_file = len(data) + len(rejected) + blank_rows.
    `row_number` everywhere is the row as a spreadsheet shows it: the header is row 1,
    the first data record row 2 (a quoted multi-line CSV record counts as one row).
    """

    source: str
    file: Path
    data: pd.DataFrame
    rejected: pd.DataFrame
    rows_in_file: int
    blank_rows: int
    nulled: dict[str, int] = field(default_factory=dict)  # column -> fields set to null
    # column -> cells from which characters PostgreSQL cannot store were removed, over
    # every row of the file (rejected rows' raw values are cleaned too)
    cleaned: dict[str, int] = field(default_factory=dict)
    # Later rows of natural keys whose rows disagree, counted before anything is dropped:
    # what settings.validation.max_duplicate_ratio limits (see etl.stages.extract).
    conflicting_repeats: int = 0

    @property
    def reconciles(self) -> bool:
        return self.rows_in_file == len(self.data) + len(self.rejected) + self.blank_rows

    def rejected_by_reason(self) -> dict[str, int]:
        return {str(k): int(v) for k, v in self.rejected["reason"].value_counts().items()}


def summary(result: ExtractResult) -> str:
    """The reader's one log line, as key=value text."""
    reasons = ",".join(f"{k}:{v}" for k, v in sorted(result.rejected_by_reason().items()))
    nulled = ",".join(f"{k}:{v}" for k, v in sorted(result.nulled.items()))
    cleaned = ",".join(f"{k}:{v}" for k, v in sorted(result.cleaned.items()))
    return (
        f"source={result.source} file={result.file} rows={result.rows_in_file} "
        f"loaded={len(result.data)} rejected={len(result.rejected)} blank={result.blank_rows} "
        f"reasons={reasons or '-'} nulled={nulled or '-'} cleaned={cleaned or '-'}"
    )


def log_result(logger: logging.Logger, result: ExtractResult) -> None:
    logger.info("%s", summary(result))
