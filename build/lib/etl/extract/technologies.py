"""Technology names as one token each, so that spellings of one technology meet.

`CRISPR`, ` crispr ` and `Crispr` are one technology; so are `Gene Therapy` and
`gene_therapy`. Hyphens stay, whatever dash was typed: `CAR-T` and `CAR‑T` are `car-t`.

Spellings the token rule cannot join (`car-t` in the articles, `cart-t` in the TRL file)
are joined by an alias table (settings `technologies.aliases`), compared as tokens too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd

from etl.errors import ConfigError
from etl.extract.arrow_text import TEXT

# Unicode hyphens and dashes that word processors and PDF copies put in `CAR-T`.
_UNICODE_DASHES = r"[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]"


def normalise_technology(values: pd.Series) -> pd.Series:
    """`CRISPR`, ` crispr `, `Gene_Therapy` -> `crispr`, `genetherapy`; hyphens stay."""
    return _via_uniques(values, _normalise_technology_uniques)


def normalise_technology_list(values: pd.Series) -> pd.Series:
    """`CRISPR, Gene Therapy; crispr` -> `crispr;genetherapy` (order kept, no repeats)."""
    return _via_uniques(values, _normalise_list_uniques)


def alias_table(aliases: Mapping[str, str]) -> dict[str, str]:
    """The settings' variant -> technology mapping with both sides as tokens.

    `{"CAR T": "cart-t"}` -> `{"cart": "cart-t"}`. A variant that is no token, or one
    that two entries send to different technologies, or a technology that is itself a
    variant (a chain the reader of the table would have to follow), is a configuration
    error: the table must read the same to a reviewer as to the pipeline.
    """
    variants = list(aliases)
    keys = normalise_technology(pd.Series(variants, dtype=TEXT)).tolist()
    targets = normalise_technology(pd.Series(list(aliases.values()), dtype=TEXT)).tolist()
    table: dict[str, str] = {}
    for variant, key, target in zip(variants, keys, targets, strict=True):
        if pd.isna(key) or pd.isna(target):
            raise ConfigError(f"key=technologies.aliases variant={variant!r} problem=empty name")
        if table.get(key, target) != target:
            raise ConfigError(
                f"key=technologies.aliases variant={variant!r} token={key} "
                f"problem=sent to both {table[key]} and {target}"
            )
        if key != target:  # `cart-t: cart-t` is harmless and says nothing
            table[key] = target
    chained = sorted(set(table.values()) & set(table))
    if chained:
        raise ConfigError(
            f"key=technologies.aliases technologies={','.join(chained)} "
            "problem=a technology is itself an alias"
        )
    return table


def resolve_aliases(tokens: pd.Series, table: Mapping[str, str]) -> pd.Series:
    """Tokens with every alias replaced by its technology (others and nulls unchanged)."""
    if not table:
        return tokens
    return _via_uniques(tokens, lambda uniques: uniques.map(table).fillna(uniques))


def _normalise_technology_uniques(values: pd.Series) -> pd.Series:
    text = values.astype(object).astype("string")  # Python storage: `\s` is Unicode here
    norm = text.str.lower().str.replace(_UNICODE_DASHES, "-", regex=True)
    norm = norm.str.replace(r"[\s_]+", "", regex=True)
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
