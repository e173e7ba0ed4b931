"""What a reader returns: the reconciliation invariant and its one key=value log line."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pytest

from etl.extract.result import ExtractResult, log_result, summary


def _result(
    reasons: list[str], nulled: dict[str, int], cleaned: dict[str, int] | None = None
) -> ExtractResult:
    return ExtractResult(
        source="src",
        file=Path("raw/f.csv"),
        data=pd.DataFrame({"x": [1, 2]}),
        rejected=pd.DataFrame({"reason": reasons}),
        rows_in_file=2 + len(reasons) + 1,
        blank_rows=1,
        nulled=nulled,
        cleaned=cleaned or {},
    )


def test_summary_is_key_value_with_sorted_reasons_and_nulls() -> None:
    result = _result(["missing_x", "bad_y", "bad_y"], {"z": 2, "a": 1}, {"t": 3, "b": 1})
    assert result.reconciles
    assert summary(result) == (
        "source=src file=raw/f.csv rows=6 loaded=2 rejected=3 blank=1 "
        "reasons=bad_y:2,missing_x:1 nulled=a:1,z:2 cleaned=b:1,t:3"
    )


def test_log_result_writes_the_summary_with_dashes_for_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logger = logging.getLogger("test_result")
    with caplog.at_level(logging.INFO, logger="test_result"):
        log_result(logger, _result([], {}))
    assert [r.getMessage() for r in caplog.records] == [
        "source=src file=raw/f.csv rows=3 loaded=2 rejected=0 blank=1 reasons=- nulled=- cleaned=-"
    ]
