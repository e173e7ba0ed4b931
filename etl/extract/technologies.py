"""Technology names as one token each, so that spellings of one technology meet.

`CRISPR`, ` crispr ` and `Crispr` are one technology; so are `Gene Therapy` and
`gene_therapy`. Hyphens stay: `CAR-T` is `car-t`.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from etl.extract.arrow_text import TEXT


def normalise_technology(values: pd.Series) -> pd.Series:
    """`CRISPR`, ` crispr `, `Gene_Therapy` -> `crispr`, `genetherapy`; hyphens stay."""
    return _via_uniques(values, _normalise_technology_uniques)


def normalise_technology_list(values: pd.Series) -> pd.Series:
    """`CRISPR, Gene Therapy; crispr` -> `crispr;genetherapy` (order kept, no repeats)."""
    return _via_uniques(values, _normalise_list_uniques)


def _normalise_technology_uniques(values: pd.Series) -> pd.Series:
    norm = values.astype(TEXT).str.lower().str.replace(r"[\s_]+", "", regex=True)
    return norm.mask(norm == "")


def _normalise_list_uniques(values: pd.Series) -> pd.Series:
    tokens = values.astype(object).str.split(r"[,;]", regex=True).explode()
    tokens = _normalise_technology_uniques(tokens).dropna()
    pairs = tokens.rename("token").rename_axis("position").reset_index().drop_duplicates()
    joined = pairs.groupby("position", sort=False)["token"].agg(";".join)
    return joined.reindex(values.index).astype(TEXT)


def _via_uniques(values: pd.Series, transform: Callable[[pd.Series], pd.Series]) -> pd.Series:
    # Technology columns hold few distinct spellings: transform those, then map back.
    codes, uniques = pd.factorize(values.astype(TEXT), use_na_sentinel=True)
    mapped = transform(pd.Series(uniques, dtype=TEXT)).astype(TEXT).reset_index(drop=True)
    return pd.Series(mapped.array.take(codes, allow_fill=True), index=values.index, dtype=TEXT)
