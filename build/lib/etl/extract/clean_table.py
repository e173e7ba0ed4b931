"""A raw all-text table cleaned by its column rules, column by column in rule order.

Every step works on whole columns (pandas / pyarrow kernels); nothing loops over rows.
Output dtypes: text columns are pyarrow-backed pandas strings, int columns nullable
`Int64`, float columns nullable `Float64`; a null is always `pd.NA`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from etl.extract.cells import clean_text
from etl.extract.columns import ColumnRule
from etl.extract.numbers import parse_number
from etl.extract.verdicts import RowRejects

Normaliser = Callable[[pd.Series], pd.Series]


@dataclass
class ParsedTable:
    data: pd.DataFrame  # clean output columns in rule order, index row_number
    nulled: dict[str, np.ndarray] = field(default_factory=dict)  # column -> fields set to NA


def apply_rules(
    raw: pd.DataFrame,
    rules: Sequence[ColumnRule],
    rejects: RowRejects,
    normalisers: Mapping[str, Normaliser] | None = None,
) -> ParsedTable:
    """Clean each column by its rule, in rule order, recording rejects and nulled fields."""
    normalisers = normalisers or {}
    parsed = ParsedTable(data=pd.DataFrame(index=raw.index))
    for rule in rules:
        values = raw[rule.header]
        clean = clean_text(values)
        if rule.column in normalisers:
            clean = normalisers[rule.column](clean)
        parsed.data[rule.column] = _apply_rule(rule, values, clean, rejects, parsed.nulled)
    return parsed


def _apply_rule(
    rule: ColumnRule,
    raw: pd.Series,
    clean: pd.Series,
    rejects: RowRejects,
    nulled: dict[str, np.ndarray],
) -> pd.Series:
    if rule.kind == "text":
        result = clean
    else:
        number = parse_number(clean, rule)
        result = number.values
        for mask, problem in number.problems:
            if rule.on_invalid == "reject":
                rejects.add_value_problem(mask, f"invalid_{rule.column}", rule.header, raw, problem)
            elif mask.any():
                nulled[rule.column] = nulled.get(rule.column, False) | mask
    if rule.required:
        # After nulling: a required value must survive into the clean table.
        missing = result.isna()
        rejects.add_value_problem(
            missing, f"missing_{rule.column}", rule.header, raw, "missing required value"
        )
    return result
