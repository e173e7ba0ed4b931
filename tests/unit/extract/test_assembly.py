"""The ExtractResult assembled from verdicts, and the raw JSON of rejected rows."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from etl.extract.arrow_text import TEXT
from etl.extract.assembly import build_result, raw_json
from etl.extract.clean_table import ParsedTable
from etl.extract.columns import REJECTED_COLUMNS
from etl.extract.raw_files import RawTable
from etl.extract.verdicts import Repeats, RowRejects


def test_build_result_keeps_accepted_rows_and_counts_nulls_on_them_only() -> None:
    index = pd.Index([2, 3, 4], name="row_number")
    raw = pd.DataFrame({"Name": ["a", "b", "c"]}, index=index, dtype=TEXT)
    table = RawTable(path=Path("f.csv"), frame=raw, rows_in_file=4, blank_rows=1)
    clean = pd.DataFrame({"name": pd.Series(["a", "b", "c"], index=index, dtype=TEXT)})
    parsed = ParsedTable(data=clean, nulled={"name": np.array([True, True, False])})
    rejects = RowRejects(index)
    rejects.add(np.array([False, True, False]), "bad", "Name", pd.Series(["m"], [3]))
    result = build_result("src", table, parsed, rejects, Repeats())
    assert result.data.to_dict(orient="list") == {"name": ["a", "c"], "row_number": [2, 4]}
    assert result.rejected.columns.tolist() == list(REJECTED_COLUMNS)
    assert result.rejected[["row_number", "reason", "raw"]].values.tolist() == [
        [3, "bad", '{"Name":"b"}']
    ]
    assert result.nulled == {"name": 1}
    assert result.reconciles


def test_raw_json_one_object_per_row_readable_and_unescaped() -> None:
    rows = pd.DataFrame(
        {
            "Lien": ["https://pubmed.ncbi.nlm.nih.gov/1/", "a\\/b"],
            "Résumé": ['line "one"\nline two \U0001f600', "\u2028sep"],
        },
        dtype=TEXT,
    )
    lines = raw_json(rows)
    assert len(lines) == 2
    assert lines[0].startswith('{"Lien":"https://pubmed.ncbi.nlm.nih.gov/1/","Résumé":')
    assert "\U0001f600" in lines[0]
    assert [json.loads(line) for line in lines] == rows.to_dict(orient="records")
    assert raw_json(rows.iloc[:0]) == []


@pytest.mark.parametrize("value", ["\\", "\\/", "/\\", "\\\\/", "x/\\/y"])
def test_raw_json_slash_unescaping_never_corrupts_backslashes(value: str) -> None:
    assert json.loads(raw_json(pd.DataFrame({"v": [value]}, dtype=TEXT))[0]) == {"v": value}
