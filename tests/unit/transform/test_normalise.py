"""Free-text normalisation: every spelling the input contract lists, plus the traps."""

from __future__ import annotations

import pandas as pd
import pytest

from etl.transform.normalise import (
    INDUSTRY_CATEGORIES,
    clean_sic_description,
    normalise_country,
    normalise_incorporation,
    normalise_industry,
    technology_token,
)
from etl.transform.vector import map_uniques

US = "United States"


@pytest.mark.parametrize(
    ("raw", "state", "country"),
    [
        ("Delaware", "Delaware", US),
        ("Delaware, États-Unis", "Delaware", US),
        ("DE", "Delaware", US),
        ("  delaware ,  etats-unis ", "Delaware", US),
        ("DELAWARE (USA)", "Delaware", US),
        ("Delaware - U.S.A.", "Delaware", US),
        ("États-Unis, Delaware", "Delaware", US),
        ("California", "California", US),
        ("Californie", "California", US),
        ("Californie, États-Unis", "California", US),
        ("CA", "California", US),
        ("Caroline du Nord", "North Carolina", US),
        ("State of Nevada", "Nevada", US),
        ("Ireland", None, "Ireland"),
        ("Irlande", None, "Ireland"),
        ("Royaume-Uni", None, "United Kingdom"),
        ("Ontario, Canada", "Ontario", "Canada"),
        ("United States", None, US),
        # Unknown or contradictory text resolves to nothing (the raw text is kept).
        ("Delaware, Irlande", None, None),
        ("Delaware, USA, Earth", None, None),
        ("Mars Colony", None, None),
    ],
)
def test_incorporation_spellings(raw: str, state: str | None, country: str | None) -> None:
    result = normalise_incorporation(pd.Series([raw]))
    row = result.iloc[0]
    assert (
        None if pd.isna(row["state_of_incorporation"]) else row["state_of_incorporation"]
    ) == state
    got_country = row["country_of_incorporation"]
    assert (None if pd.isna(got_country) else got_country) == country
    assert row["state_of_incorporation_raw"] == " ".join(raw.split())


def test_incorporation_keeps_index_and_nulls() -> None:
    values = pd.Series(["DE", None, "  ", "Irlande"], index=[10, 11, 12, 13], dtype="string")
    result = normalise_incorporation(values)
    assert list(result.index) == [10, 11, 12, 13]
    assert list(result.columns) == [
        "state_of_incorporation",
        "country_of_incorporation",
        "state_of_incorporation_raw",
    ]
    assert result["state_of_incorporation"].isna().tolist() == [False, True, True, True]
    assert result["state_of_incorporation_raw"].isna().tolist() == [False, True, True, False]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("États-Unis", US),
        ("USA", US),
        ("United States", US),
        ("etats unis", US),
        ("Allemagne", "Germany"),
        ("Royaume-Uni", "United Kingdom"),
        ("UK", "United Kingdom"),
        ("Chine", "China"),
        ("Japon", "Japan"),
        ("France", "France"),
        ("Suisse", "Switzerland"),
        ("Irlande", "Ireland"),
        ("Pays-Bas", "Netherlands"),
        ("Corée du Sud", "South Korea"),
        ("  ATLANTIS   lost ", "ATLANTIS lost"),  # unknown: kept as given, whitespace cleaned
    ],
)
def test_country_names(raw: str, expected: str) -> None:
    assert normalise_country(pd.Series([raw])).iloc[0] == expected


def test_country_null_stays_null() -> None:
    result = normalise_country(pd.Series([None, ""], dtype="string"))
    assert result.isna().all()
    assert str(result.dtype) == "string"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Pharmaceutical Preparations [reviewed]", "Pharmaceutical Preparations"),
        (
            "Biological Products (No Diagnostic Substances) -- check",
            "Biological Products (No Diagnostic Substances)",
        ),
        (
            "Biological Products (No Diagnostic Substances)",
            "Biological Products (No Diagnostic Substances)",
        ),
        (
            "In Vitro & In Vivo Diagnostic Substances (note: verify the code)",
            "In Vitro & In Vivo Diagnostic Substances",
        ),
        (
            "Surgical & Medical Instruments & Apparatus *",
            "Surgical & Medical Instruments & Apparatus",
        ),
        (
            "Services-Commercial Physical & Biological Research - TODO",
            "Services-Commercial Physical & Biological Research",
        ),
        ("Pharmaceutical Preparations [reviewed] *", "Pharmaceutical Preparations"),
        ("Pharmaceutical Preparations (to check)", "Pharmaceutical Preparations"),
        ("Pharmaceutical Preparations   ", "Pharmaceutical Preparations"),
        ("[reviewed]", None),
    ],
)
def test_sic_description_annotations(raw: str, expected: str | None) -> None:
    result = clean_sic_description(pd.Series([raw])).iloc[0]
    assert (None if pd.isna(result) else result) == expected


@pytest.mark.parametrize(
    ("raw", "category"),
    [
        ("Biotechnology", "Biotechnology"),
        ("  biotechnology ", "Biotechnology"),
        ("BIOTECH", "Biotechnology"),
        ("Pharma", "Pharmaceuticals"),
        ("pharmaceutical", "Pharmaceuticals"),
        ("Diagnostic", "Diagnostics"),
        ("Medical  Device", "Medical Devices"),
        ("Life-Sciences Tools", "Life Sciences Tools"),
        ("Health Care Services", "Healthcare Services"),
        ("Research Services", "Life Sciences Tools"),
        ("Biotechnology 🧬", "Biotechnology"),
        ("diagnostics?", "Diagnostics"),
        ("Other", "Other"),
        ("A promising gene therapy startup", "Other"),
    ],
)
def test_industry_category(raw: str, category: str) -> None:
    result = normalise_industry(pd.Series([raw]))
    assert result["industry_category"].iloc[0] == category
    assert result["industry_category_raw"].iloc[0] == " ".join(raw.split())


def test_industry_null_is_other_without_raw() -> None:
    result = normalise_industry(pd.Series([None], dtype="string"))
    assert result["industry_category"].iloc[0] == "Other"
    assert pd.isna(result["industry_category_raw"].iloc[0])
    assert set(
        normalise_industry(pd.Series(list(INDUSTRY_CATEGORIES)))["industry_category"]
    ) == set(INDUSTRY_CATEGORIES)


def test_technology_token_collapses_spellings() -> None:
    values = pd.Series(["CRISPR", "Crispr", " crispr ", "Gene Therapy", "gene_therapy", "", None])
    assert technology_token(values).tolist() == [
        "crispr",
        "crispr",
        "crispr",
        "genetherapy",
        "genetherapy",
        pd.NA,
        pd.NA,
    ]


def test_map_uniques_calls_once_per_distinct_value() -> None:
    seen: list[int] = []

    def upper(uniques: pd.Series) -> pd.Series:
        seen.append(len(uniques))
        return uniques.str.upper()

    values = pd.Series(["a", "b", "a", None, "b", "a"], index=list("uvwxyz"))
    result = map_uniques(values, upper)
    assert seen == [2]
    assert result.tolist() == ["A", "B", "A", None, "B", "A"]
    assert list(result.index) == list("uvwxyz")
