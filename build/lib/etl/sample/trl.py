"""The TRL predictions: 25 technologies x 4 forecast horizons, French labels.

The team's file is clean apart from technology spellings and a few numbers stored as
text, so by default every one of its 100 rows loads. `with_mess` adds the other kinds
(blank, rejected, nulled, cp1252 rows) for tests of the TRL reader.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from etl.extract.columns import TRL_PREDICTIONS
from etl.sample import pools, vocab
from etl.sample.mess import (
    CellVariant,
    RowVariant,
    inject_blanks,
    inject_cells,
    inject_duplicates,
    inject_rejects,
)
from etl.sample.table import Columns, Effect, MessyTable

HEADERS = [rule.header for rule in TRL_PREDICTIONS]
SPELLING_VARIANT_ROWS = 8
NUMBER_AS_TEXT_ROWS = 4


def build_trl(rng: np.random.Generator, with_mess: bool = False) -> MessyTable:
    table = MessyTable(_base_columns(rng), TRL_PREDICTIONS, rng)
    _inject_spellings(table)
    inject_cells(
        table,
        "number_as_text",
        [
            _as_text(table, "Year", "{}.0"),
            _as_text(table, "Year", " {} "),
            _as_text(table, "Current_TRL", "TRL {}"),
            _as_text(table, "Historical_Data_Points", "{}.0"),
        ],
        NUMBER_AS_TEXT_ROWS,
    )
    if with_mess:
        _inject_mess(table)
    return table


def trl_facts(table: MessyTable) -> dict[str, object]:
    return {
        "technologies": len(vocab.TECHNOLOGIES),
        "horizon_years": list(vocab.HORIZON_YEARS),
        "distinct_keys": table.base_rows,
    }


def _base_columns(rng: np.random.Generator) -> Columns:
    techs = vocab.TECHNOLOGIES
    n_tech, n_year = len(techs), len(vocab.HORIZON_YEARS)
    tech = np.repeat(np.arange(n_tech), n_year)
    year = np.tile(np.array(vocab.HORIZON_YEARS), n_tech)
    gap = year - vocab.ASSESSMENT_YEAR
    current = np.array([t.current_trl for t in techs])[tech]
    # One growth rate per technology, so its four horizons tell a consistent story.
    rate = (np.array([t.annual_rate for t in techs]) + rng.normal(0, 0.08, n_tech))[tech]
    predicted = np.round(np.clip(current + rate * gap + rng.normal(0, 0.15, len(tech)), 1, 9), 1)
    change = np.round(predicted - current, 2)
    annual = np.round(change / gap, 3)
    columns = {
        "Technology": np.array([t.token for t in techs], dtype=object)[tech],
        "Year": year,
        "Current_TRL": current,
        "Current_Year": np.full(len(tech), vocab.ASSESSMENT_YEAR),
        "Current_Category": _labels(vocab.TRL_CATEGORIES, current),
        "Predicted_TRL": predicted,
        "Predicted_Category": _labels(vocab.TRL_CATEGORIES, np.rint(predicted)),
        "TRL_Change": change,
        "Years_Gap": gap,
        "Annual_Change_Rate": annual,
        "Change_Category": _change_category(annual),
        "Current_Stage": _labels(vocab.TRL_STAGES, current),
        "Predicted_Stage": _labels(vocab.TRL_STAGES, np.rint(predicted)),
        "Confidence_%": np.round(np.clip(93 - 6 * gap + rng.normal(0, 3, gap.size), 40, 99), 1),
        "Historical_Data_Points": rng.integers(6, 41, n_tech)[tech],
        "Model_Used": np.array(vocab.MODELS, dtype=object)[rng.integers(0, 5, n_tech)][tech],
    }
    return {header: columns[header] for header in HEADERS}


def _labels(labels: dict[int, str], levels: np.ndarray) -> np.ndarray:
    return np.array([labels[int(level)] for level in levels], dtype=object)


def _change_category(annual: np.ndarray) -> np.ndarray:
    bins = np.array([-0.5, -0.15, 0.15, 0.5])
    names = np.array(
        ["Strong Decline", "Moderate Decline", "Stable", "Moderate Growth", "Strong Growth"],
        dtype=object,
    )
    return names[np.digitize(annual, bins)]


def _as_text(table: MessyTable, header: str, template: str) -> CellVariant:
    return lambda row: (header, template.format(table.value(header, row)), "loaded")


def _inject_spellings(table: MessyTable) -> None:
    """Technology names spelled another way (`CRISPR`, `Gene Therapy`): still one key."""
    tokens = [t.token for t in vocab.TECHNOLOGIES]
    rows = table.pick(SPELLING_VARIANT_ROWS)
    for i, row in enumerate(rows):
        tech = vocab.TECHNOLOGIES[tokens.index(table.value("Technology", row))]
        others = pools.spellings(tech)[1:]
        table.set_cell(int(row), "Technology", others[i % len(others)], "technology_spelling")


def _inject_mess(table: MessyTable) -> None:
    def cell(header: str, value: Any, effect: Effect) -> CellVariant:
        return lambda row: (header, value, effect)

    def defect(header: str, value: Any) -> RowVariant:
        # The copy must not repeat its source's key: move it to an unused horizon year.
        return lambda values: {**values, "Year": 2029, header: value}

    inject_cells(table, "impossible_value", [cell("Confidence_%", 150.0, "nulled")], 1)
    inject_cells(table, "placeholder", [cell("Model_Used", "N/A", "placeholder")], 1)
    inject_rejects(table, "missing_technology", [defect("Technology", "")], 1)
    inject_rejects(table, "invalid_forecast_year", [lambda v: {**v, "Year": 1899}], 1)
    inject_rejects(table, "invalid_current_trl", [defect("Current_TRL", 10)], 1)
    inject_rejects(table, "missing_predicted_trl", [defect("Predicted_TRL", "n.d.")], 1)
    inject_duplicates(
        table,
        [lambda v: {**v, "Technology": v["Technology"].upper()}, dict],
        2,
    )
    inject_blanks(table, 2)
    # A row with accents, so that writing it as cp1252 changes its bytes.
    accented = table.base["Current_Stage"] == vocab.TRL_STAGES[4]
    for row in table.pick(1, candidates=accented):
        table.mark_cp1252(int(row))
