"""The SEC EDGAR company-facts extract: one row per CIK per fiscal year, 2019..2025."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from etl.extract.columns import BIOTECH_COMPANIES, DROPPED_HEADERS, PLACEHOLDERS
from etl.sample import vocab
from etl.sample.mess import (
    CellVariant,
    inject_blanks,
    inject_cells,
    inject_duplicates,
    inject_rejects,
    mess_unit,
)
from etl.sample.table import Columns, Effect, MessyTable

HEADERS = [rule.header for rule in BIOTECH_COMPANIES] + list(DROPPED_HEADERS["biotech_companies"])
# Metrics present in every row chosen for mess on them, so that the mess is visible.
BALANCE_SHEET = ("Assets", "Liabilities", "StockholdersEquity", "NetIncomeLoss")
BALANCE_SHEET += ("ResearchAndDevelopmentExpense",)
FIRST_YEAR, LAST_YEAR = 2019, 2025
MIN_COMPANIES = 15  # enough rows to hold one of each mess kind


@dataclass(frozen=True)
class CompaniesSample:
    table: MessyTable
    facts: dict[str, Any]


@dataclass(frozen=True)
class _Companies:
    """One entry per company (CIK), before expansion to one row per fiscal year."""

    cik: np.ndarray
    years: np.ndarray
    start: np.ndarray
    name: np.ndarray
    old_name: np.ndarray  # name before change_year (equal to name when it never changed)
    change_year: np.ndarray
    ticker: np.ndarray
    state: np.ndarray
    sic: np.ndarray
    size: np.ndarray  # total assets in the first year, USD
    pre_revenue: np.ndarray


def check_companies(companies: int) -> None:
    if companies < MIN_COMPANIES:
        raise ValueError(f"companies must be at least {MIN_COMPANIES}, not {companies}")


def build_companies(companies: int, rng: np.random.Generator) -> CompaniesSample:
    check_companies(companies)
    firms = _companies(companies, rng)
    base = _rows(firms, rng)
    table = MessyTable(base, BIOTECH_COMPANIES, rng)
    unit = mess_unit(companies, per=40, cap=25)
    _inject_cell_mess(table, unit)
    _inject_row_mess(table, unit)
    renamed = firms.name != firms.old_name
    facts = {
        "distinct_ciks": companies,
        "fiscal_years": [FIRST_YEAR, LAST_YEAR],
        "ciks_with_name_change": int(renamed.sum()),
        # Mess never touches a loaded row's name, so the base names are the loaded ones.
        "distinct_entity_names": int(pd.unique(base["entityName"]).size),
        "ciks_sharing_a_name": int(pd.Series(firms.name).duplicated(keep=False).sum()),
    }
    return CompaniesSample(table, facts)


def _companies(count: int, rng: np.random.Generator) -> _Companies:
    span = LAST_YEAR - FIRST_YEAR + 1
    years = rng.integers(3, span + 1, size=count)
    start = FIRST_YEAR + rng.integers(0, span - years + 1)
    # Unique CIKs by construction: strictly increasing, then shuffled.
    cik = 700_000 + np.cumsum(rng.integers(1, max(2, 1_300_000 // count) + 1, size=count))
    cik = rng.permutation(cik)

    stem = np.array(vocab.NAME_STEMS, dtype=object)[rng.integers(0, len(vocab.NAME_STEMS), count)]
    ending = np.array(vocab.NAME_ENDINGS, dtype=object)[
        rng.integers(0, len(vocab.NAME_ENDINGS), count)
    ]
    forms = np.array(vocab.LEGAL_FORMS, dtype=object)
    form = rng.integers(0, len(forms), count)
    core = stem + ending
    name = core + " " + forms[form]
    name[1] = name[0]  # two companies, one name: a warehouse keyed on names loses one
    renamed = rng.random(count) < 0.15
    renamed[:2] = False  # keep the shared name shared in every year
    old_name = np.where(renamed, core + " " + forms[(form + 1) % len(forms)], name)
    change_year = np.where(renamed, start + rng.integers(1, years), FIRST_YEAR)
    ticker = np.where(rng.random(count) < 0.4, _tickers(core), None)

    state_weights = np.array(vocab.STATE_WEIGHTS)
    state = rng.choice(len(vocab.STATE_SPELLINGS), size=count, p=state_weights / sum(state_weights))
    sic_weights = np.array([weight for *_, weight in vocab.SIC_CODES])
    sic = rng.choice(len(vocab.SIC_CODES), size=count, p=sic_weights / sic_weights.sum())
    return _Companies(
        cik=cik,
        years=years,
        start=start,
        name=name,
        old_name=old_name,
        change_year=change_year,
        ticker=ticker,
        state=state,
        sic=sic,
        size=np.exp(rng.normal(18.8, 1.7, size=count)),
        pre_revenue=rng.random(count) < 0.4,
    )


def _tickers(core: np.ndarray) -> np.ndarray:
    tickers = pd.Series(core).str.slice(0, 4).str.upper()
    # A ticker spelling a placeholder (NONE, NULL, NAN) would read as a null.
    clash = tickers.str.lower().isin(PLACEHOLDERS)
    return tickers.where(~clash, tickers + "X").to_numpy(dtype=object)


def _rows(firms: _Companies, rng: np.random.Generator) -> Columns:
    firm = np.repeat(np.arange(len(firms.cik)), firms.years)
    within = np.arange(len(firm)) - np.repeat(np.cumsum(firms.years) - firms.years, firms.years)
    fiscal_year = firms.start[firm] + within
    rows = len(firm)
    sic_codes = np.array([code for code, *_ in vocab.SIC_CODES])
    money = _financials(firms, firm, within, rng)
    columns = {
        "cik": firms.cik[firm],
        "entityName": np.where(
            fiscal_year < firms.change_year[firm], firms.old_name[firm], firms.name[firm]
        ),
        "ticker": firms.ticker[firm],
        "stateOfIncorporation": _state_spellings(firms.state[firm], rng),
        "sic": sic_codes[firms.sic[firm]],
        "sicDescription": _sic_descriptions(firms.sic[firm], rng),
        "industryCategory": _industry_categories(firms.sic[firm], rng),
        "fiscalYear": fiscal_year,
        "period": np.full(rows, "FY", dtype=object),
        **money,
        "PatentsIssued": np.where(
            rng.random(rows) < 0.15, rng.integers(0, 40, rows).astype(float), np.nan
        ),
        "dataCompleteness": _completeness(money),
        "dataFreshness": np.where(fiscal_year >= 2023, "Recent", "Standard").astype(object),
        "yearAvailability": np.round(firms.years[firm] / 7, 3),
        "file_path": _file_paths(firms.cik[firm]),
    }
    return {header: columns[header] for header in HEADERS}


def _file_paths(cik: np.ndarray) -> np.ndarray:
    padded = pd.Series(cik).astype(str).str.zfill(10)
    return (vocab.FILE_PATH_PREFIX + padded + ".json").to_numpy(dtype=object)


def _financials(
    firms: _Companies, firm: np.ndarray, within: np.ndarray, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """US-GAAP metrics with plausible magnitudes; assets = liabilities + equity exactly."""
    rows = len(firm)

    def share(low: float, high: float) -> np.ndarray:
        return rng.uniform(low, high, rows)

    assets = firms.size[firm] * (1.08**within) * np.exp(rng.normal(0, 0.1, rows))
    liabilities = assets * share(0.15, 0.85)
    revenues = np.where(firms.pre_revenue[firm], np.nan, assets * share(0.05, 0.6))
    rd = assets * share(0.1, 0.45)
    gross_profit = np.nan_to_num(revenues) * share(0.6, 0.85)
    # Most biotechs lose money: R&D and overheads exceed what sales bring in.
    operating = gross_profit - rd - assets * share(0.05, 0.25)
    net = operating * share(0.85, 1.1)
    values = {
        "Revenues": revenues,
        "NetIncomeLoss": net,
        "OperatingIncomeLoss": operating,
        "Assets": assets,
        "Liabilities": liabilities,
        "StockholdersEquity": assets - liabilities,
        "CashAndCashEquivalentsAtCarryingValue": assets * share(0.1, 0.7),
        "ResearchAndDevelopmentExpense": rd,
        "OperatingCashFlow": net * share(0.6, 1.2),
        "Goodwill": np.where(rng.random(rows) < 0.4, assets * share(0, 0.3), np.nan),
        "IntangibleAssetsNetExcludingGoodwill": np.where(
            rng.random(rows) < 0.5, assets * share(0, 0.2), np.nan
        ),
    }
    values = {header: np.round(value) for header, value in values.items()}
    # The balance sheet is whole dollars, so equity is derived after rounding.
    values["StockholdersEquity"] = values["Assets"] - values["Liabilities"]
    for header in ("NetIncomeLoss", "CashAndCashEquivalentsAtCarryingValue", "OperatingCashFlow"):
        # Any metric can be missing from a company's XBRL facts.
        values[header][rng.random(rows) < 0.03] = np.nan
    return values


def _completeness(money: dict[str, np.ndarray]) -> np.ndarray:
    present = np.sum([~np.isnan(values) for values in money.values()], axis=0)
    return np.round(present / len(money) * 100, 1)


def _state_spellings(state: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Mostly the canonical name; otherwise any spelling of the same state."""
    widest = max(len(spellings) for spellings in vocab.STATE_SPELLINGS)
    padded = [names + (names[0],) * (widest - len(names)) for names in vocab.STATE_SPELLINGS]
    grid = np.array(padded, dtype=object)
    counts = np.array([len(spellings) for spellings in vocab.STATE_SPELLINGS])
    variant = np.where(rng.random(len(state)) < 0.7, 0, rng.integers(0, counts[state]))
    return grid[state, variant]


def _sic_descriptions(sic: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    descriptions = np.array([description for _, description, *_ in vocab.SIC_CODES], dtype=object)
    suffixes = np.array(("", *vocab.SIC_ANNOTATIONS), dtype=object)
    annotated = rng.random(len(sic)) < 0.08
    suffix = np.where(annotated, rng.integers(1, len(suffixes), len(sic)), 0)
    return descriptions[sic] + suffixes[suffix]


def _industry_categories(sic: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    categories = np.array([category for _, _, category, _ in vocab.SIC_CODES], dtype=object)
    stray = np.array(vocab.STRAY_CATEGORIES, dtype=object)
    return np.where(
        rng.random(len(sic)) < 0.05,
        stray[rng.integers(0, len(stray), len(sic))],
        categories[sic],
    )


# ---- mess ---------------------------------------------------------------------------


def _inject_cell_mess(table: MessyTable, unit: int) -> None:
    base = {header: pd.Series(values) for header, values in table.base.items()}
    canonical = [spellings[0] for spellings in vocab.STATE_SPELLINGS]
    table.count_ambient(
        "state_spelling_variant", int((~base["stateOfIncorporation"].isin(canonical)).sum())
    )
    table.count_ambient(
        "sic_annotation",
        int(base["sicDescription"].str.endswith(vocab.SIC_ANNOTATIONS).sum()),
    )
    table.count_ambient(
        "stray_category", int(base["industryCategory"].isin(vocab.STRAY_CATEGORIES).sum())
    )

    def cell(header: str, value: Any, effect: Effect = "loaded") -> CellVariant:
        return lambda row: (header, value, effect)

    def as_text(header: str, template: str) -> CellVariant:
        return lambda row: (header, template.format(table.value(header, row)), "loaded")

    complete = np.all([base[header].notna() for header in BALANCE_SHEET], axis=0)
    inject_cells(
        table,
        "number_as_text",
        [
            as_text("fiscalYear", "{}.0"),
            as_text("fiscalYear", " {} "),
            as_text("cik", "{:010d}"),
            as_text("sic", "{}.0"),
        ],
        unit,
    )
    placeholders = [("Assets", "N/A"), ("NetIncomeLoss", "n.d."), ("Liabilities", "n.d.")]
    placeholders += [("ResearchAndDevelopmentExpense", "N/A")]
    inject_cells(
        table,
        "placeholder",
        [cell(h, v, "placeholder") for h, v in placeholders],
        unit,
        candidates=complete,
    )
    empties = [cell(header, "", "placeholder") for header in ("Assets", "Liabilities")]
    inject_cells(table, "empty_number", empties, unit, candidates=complete)
    impossible = [("dataCompleteness", 120.0), ("sic", 99999), ("PatentsIssued", -3)]
    inject_cells(table, "impossible_value", [cell(h, v, "nulled") for h, v in impossible], unit)
    emoji = [("industryCategory", "Biotechnology 🧬"), ("industryCategory", "Biotech 🚀 à suivre")]
    inject_cells(table, "emoji", [cell(h, v) for h, v in emoji], unit)
    # In the description, not the name: a changed name would change the facts below.
    notes = ("\n[reviewed 2024]", ",\nsee 10-K, note 3")
    newline = [_annotated(table, note) for note in notes]
    inject_cells(table, "quoted_newline", newline, unit)
    inject_cells(table, "balance_sheet_mismatch", [_unbalanced(table)], unit, candidates=complete)
    _inject_cp1252_values(table, unit)


def _annotated(table: MessyTable, note: str) -> CellVariant:
    return lambda row: ("sicDescription", f"{table.value('sicDescription', row)}{note}", "loaded")


def _unbalanced(table: MessyTable) -> CellVariant:
    """Equity off by far more than the validation tolerance: assets != liabilities + equity."""

    def variant(row: int) -> tuple[str, Any, Effect]:
        equity = table.value("StockholdersEquity", row) + 0.3 * table.value("Assets", row)
        return "StockholdersEquity", float(round(equity)), "loaded"

    return variant


def _inject_cp1252_values(table: MessyTable, unit: int) -> None:
    values = ("Delaware, États-Unis", "Californie, États-Unis")
    for i, row in enumerate(table.pick(max(2, unit // 2))):
        table.set_cell(int(row), "stateOfIncorporation", values[i % len(values)], kind=None)
        table.mark_cp1252(int(row))


def _inject_row_mess(table: MessyTable, unit: int) -> None:
    small = max(1, unit // 2)
    inject_duplicates(
        table,
        [
            dict,  # the same row exported twice
            # exported again by another tool: padded name, year as a float
            lambda v: {
                **v,
                "entityName": f" {v['entityName']} ",
                "fiscalYear": f"{v['fiscalYear']}.0",
            },
        ],
        small,
    )
    inject_rejects(
        table, "missing_cik", [lambda v: {**v, "cik": ""}, lambda v: {**v, "cik": "N/A"}], small
    )
    inject_rejects(table, "invalid_fiscal_year", [lambda v: {**v, "fiscalYear": 1899}], small)
    inject_blanks(table, max(2, small))
