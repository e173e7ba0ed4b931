"""The four article scores: hand-computed values, fallbacks, bounds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from etl.transform.publication_scores import NEUTRAL, maturity_score, publication_scores


def _articles(**columns: list) -> pd.DataFrame:
    size = len(next(iter(columns.values())))
    defaults = {
        "trl": pd.array([None] * size, dtype="Int64"),
        "maturity": [np.nan] * size,
        "pub_year": [2025] * size,
        "article_type": [None] * size,
        "research_domain": [None] * size,
    }
    defaults.update(columns)
    frame = pd.DataFrame(defaults)
    frame["trl"] = frame["trl"].astype("Int64")
    return frame


def test_hand_computed_scores() -> None:
    articles = _articles(
        trl=[5],
        maturity=[60.0],
        pub_year=[2024],
        article_type=["Journal Article"],
        research_domain=["Oncology"],
    )
    scores = publication_scores(articles, reference_year=2025).iloc[0]
    # maturity: 0.5 * (5-1)/8*100 + 0.5 * 60 = 25 + 30
    assert scores["maturity_score"] == 55.0
    # innovation: 0.5 * 70 (journal article) + 0.5 * 90 (one year old over ten)
    assert scores["innovation_score"] == 80.0
    # market: 0.6 * 85 (oncology) + 0.4 * 55 (journal article)
    assert scores["market_score"] == 73.0
    # risk: 0.7 * (100 - 55) + 0.3 * 50 (journal article)
    assert scores["risk_score"] == 46.5


def test_maturity_fallbacks() -> None:
    trl = pd.Series([9, None, None, 1], dtype="Int64")
    maturity = pd.Series([np.nan, 40.0, np.nan, 0.0])
    assert maturity_score(trl, maturity).tolist() == [100.0, 40.0, NEUTRAL, 0.0]


def test_unknown_labels_are_neutral_and_case_insensitive() -> None:
    articles = _articles(
        article_type=["clinical  TRIAL", "Clinical Trial", "Poem"],
        research_domain=["oncology", "Oncology", "Astrology"],
        maturity=[50.0, 50.0, 50.0],
    )
    scores = publication_scores(articles, reference_year=2025)
    assert scores.iloc[0].tolist() == scores.iloc[1].tolist()
    assert scores["market_score"].iloc[2] == NEUTRAL
    assert scores["innovation_score"].iloc[2] == 0.5 * NEUTRAL + 0.5 * 100.0


def test_recency_defaults_to_newest_year_and_floors_at_zero() -> None:
    articles = _articles(pub_year=[2025, 2015, 2000], article_type=["Review"] * 3)
    scores = publication_scores(articles)  # reference = 2025
    assert scores["innovation_score"].tolist() == [0.5 * 40 + 50.0, 0.5 * 40, 0.5 * 40]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_scores_always_within_bounds(seed: int) -> None:
    rng = np.random.default_rng(seed)
    size = 500
    articles = _articles(
        trl=pd.array(rng.choice([1, 5, 9, None], size), dtype="Int64"),
        maturity=rng.choice([0.0, 33.3, 100.0, np.nan], size),
        pub_year=rng.integers(1990, 2026, size),
        article_type=rng.choice(["Review", "Clinical Trial", "Preprint", None, "?"], size),
        research_domain=rng.choice(["Oncology", "Basic Research", None], size),
    )
    scores = publication_scores(articles)
    assert scores.notna().all().all()
    assert ((scores >= 0) & (scores <= 100)).all().all()
