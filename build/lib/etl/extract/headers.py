"""A file's header row matched to the spelling the column rules expect."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from etl.errors import SourceFileError


def match_headers(
    path: Path, frame: pd.DataFrame, headers: Sequence[str], optional: Sequence[str]
) -> pd.DataFrame:
    """Rename the file's headers to the expected spelling; name any that are missing.

    Matching ignores surrounding spaces, a BOM, Unicode composition and case, because
    hand-edited spreadsheets vary in those and nothing else.
    """
    expected = {_canonical(h).casefold(): h for h in (*optional, *headers)}
    renamed: list[str] = []
    for name in frame.columns:
        canonical = _canonical(str(name))
        renamed.append(expected.get(canonical.casefold(), canonical))
    duplicated = sorted({name for name in renamed if renamed.count(name) > 1})
    if duplicated:
        raise SourceFileError(path, f"duplicate column(s): {', '.join(duplicated)}")
    frame = frame.set_axis(renamed, axis=1)
    missing = [h for h in headers if h not in frame.columns]
    if missing:
        raise SourceFileError(path, f"missing required column(s): {', '.join(missing)}")
    return frame


def _canonical(name: str) -> str:
    return unicodedata.normalize("NFC", name).strip().lstrip("\ufeff").strip()
