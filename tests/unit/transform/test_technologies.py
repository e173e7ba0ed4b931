"""dim_technology (union, unknown technologies kept, category vote) and TRL facts."""

from __future__ import annotations

import pandas as pd

from etl.transform.technologies import (
    build_dim_technology,
    build_fact_trl_prediction,
    display_names,
    most_frequent_category,
)

from .frames import trl_frame, trl_record


def test_every_horizon_is_a_fact(trl: pd.DataFrame) -> None:
    fact = build_fact_trl_prediction(trl)
    assert len(fact) == 8  # 2 technologies x 4 forecast years
    assert not fact.duplicated(["technology", "forecast_year"]).any()
    assert sorted(fact["forecast_year"].unique()) == [2026, 2027, 2028, 2030]
    assert set(fact["forecast_date_key"]) == {20261231, 20271231, 20281231, 20301231}
    crispr_2030 = fact[(fact["technology"] == "crispr") & (fact["forecast_year"] == 2030)].iloc[0]
    assert crispr_2030["current_trl"] == 4
    assert crispr_2030["predicted_trl"] == 5.0
    assert crispr_2030["years_gap"] == 5
    assert crispr_2030["predicted_stage"] == "DÉVELOPPEMENT"


def test_trl_technology_is_normalised() -> None:
    fact = build_fact_trl_prediction(trl_frame([trl_record(" Gene Therapy ", 2026)]))
    assert fact["technology"].tolist() == ["genetherapy"]


def _named(pairs: list[tuple[str, str | None]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "technology": pd.array([t for t, _ in pairs], dtype="string"),
            "technology_category": pd.array([c for _, c in pairs], dtype="string"),
        }
    )


def test_dimension_is_union_with_unknown_recorded() -> None:
    named = _named([("crispr", "Gene Editing"), ("quantumbiology", None)])
    dim = build_dim_technology(pd.Series(["crispr", "crispr", "cart-t"]), named)
    assert dim["technology"].tolist() == ["cart-t", "crispr", "quantumbiology"]
    assert dim["in_trl_file"].tolist() == [True, True, False]
    assert dim["display_name"].tolist() == ["CAR-T", "CRISPR", "Quantum Biology"]
    # No article names cart-t, and quantumbiology's only article gives no category.
    assert dim["technology_category"].isna().tolist() == [True, False, True]


def test_category_is_most_frequent_then_alphabetical() -> None:
    named = _named(
        [
            ("crispr", "Gene Editing"),
            ("crispr", "Gene Editing"),
            ("crispr", "Biotech"),
            ("stemcell", "Zoology"),  # tie 1-1: alphabetical first wins
            ("stemcell", "Cell Therapy"),
            ("stemcell", None),
        ]
    )
    winners = most_frequent_category(named)
    assert winners.to_dict() == {"crispr": "Gene Editing", "stemcell": "Cell Therapy"}


def test_display_names_known_and_title_case() -> None:
    tokens = pd.Series(["crispr", "mrna", "stemcell", "xenotransplant"], dtype="string")
    assert display_names(tokens).tolist() == ["CRISPR", "mRNA", "Stem Cell", "Xenotransplant"]
