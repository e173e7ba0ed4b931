"""The first sheet of an xlsx workbook as an all-text frame, blank sheet rows kept.

pandas.read_excel(engine="calamine") keeps blank rows in the middle of a sheet
(checked with pandas 2.3.3 / python-calamine 0.9.1: a blank sheet row comes back as a row
of ""), so frame position + 2 is the real sheet row number. Measured on a 100,000-row,
16-column xlsx (7.5 MB, pubmed-like, 300-character abstracts), best of 3 on 2 cores:
    pandas.read_excel(engine="calamine", dtype=str) ............ 2.07 s
    python_calamine to_python(skip_empty_area=False) only ...... 1.40 s (no DataFrame yet)
    pandas.read_excel(engine="openpyxl", dtype=str) ............ 21.6 s (1 run)
    openpyxl load_workbook(read_only=True).iter_rows ........... 20.7 s (1 run)
Commands (file written by openpyxl write_only from a 100,000-row pubmed-like frame):
    .venv/bin/python -m timeit -n 1 -r 3 -s "import pandas as pd" \
        "pd.read_excel('pubmed_100k.xlsx', engine='calamine', dtype=str)"
    .venv/bin/python -m timeit -n 1 -r 3 -s "from python_calamine import CalamineWorkbook" \
        "CalamineWorkbook.from_path('pubmed_100k.xlsx').get_sheet_by_index(0)
        .to_python(skip_empty_area=False)"
    .venv/bin/python -m timeit -n 1 -r 1 -s "import pandas as pd" \
        "pd.read_excel('pubmed_100k.xlsx', engine='openpyxl', dtype=str)"
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from python_calamine import CalamineError

from etl.errors import SourceFileError
from etl.extract.arrow_text import TEXT


def read_xlsx(path: Path) -> pd.DataFrame:
    """The first sheet as an all-text DataFrame (header names as written, RangeIndex)."""
    try:
        frame = pd.read_excel(
            path, sheet_name=0, engine="calamine", dtype=str, keep_default_na=False
        )
    except (CalamineError, ValueError, OSError) as exc:
        raise SourceFileError(path, f"unreadable xlsx: {exc}") from exc
    if frame.columns.empty:
        raise SourceFileError(path, "empty file (no header row in the first sheet)")
    frame.columns = [str(name) for name in frame.columns]
    return frame.fillna("").astype(TEXT).reset_index(drop=True)
