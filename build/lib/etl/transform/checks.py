"""Input contract checks: fail loudly rather than transform a frame of the wrong shape."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from etl.errors import DataError


def require_columns(frame: pd.DataFrame, columns: Sequence[str], source: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise DataError(f"source={source} problem=missing_columns columns={','.join(missing)}")


def require_unique(frame: pd.DataFrame, keys: Sequence[str], source: str) -> None:
    """The natural key must be unique: the readers reject later duplicates, so a
    duplicate here is a broken contract, and keeping either row would be a silent guess."""
    duplicated = frame.duplicated(list(keys), keep=False)
    if duplicated.any():
        sample = frame.loc[duplicated, list(keys)].head(3).to_dict("records")
        raise DataError(
            f"source={source} problem=duplicate_natural_key key={','.join(keys)} "
            f"rows={int(duplicated.sum())} sample={sample}"
        )
