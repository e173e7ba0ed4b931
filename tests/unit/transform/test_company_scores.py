"""fact_company_score: hand-computed components, total, thresholds, bounds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from etl.transform.companies import build_fact_financial
from etl.transform.company_scores import (
    FLOOR_RECOMMENDATION,
    SCORE_COLUMNS,
    SCORING_VERSION,
    THRESHOLDS,
    build_fact_company_score,
    recommendation,
)
from etl.warehouse.schema import RECOMMENDATIONS

from .frames import companies_frame, company_record


def test_hand_computed_scores(companies: pd.DataFrame) -> None:
    scores = build_fact_company_score(build_fact_financial(companies))
    table = scores.set_index(["cik", "fiscal_year"])[[*SCORE_COLUMNS, "recommendation"]]
    assert table.loc[(1001, 2021)].tolist() == [25.0, 83.3333, 25.0, 10.0, 39.5, "Watch"]
    assert table.loc[(1001, 2022)].tolist() == [100.0, 100.0, 25.0, 24.0, 69.8, "Buy"]
    assert table.loc[(1001, 2023)].tolist() == [25.0, 100.0, 100.0, 29.3333, 63.3667, "Buy"]
    assert table.loc[(1002, 2023)].tolist() == [25.0, 25.0, 25.0, 10.0, 22.0, "Avoid"]
    assert set(scores["scoring_version"]) == {SCORING_VERSION}


def test_recommendation_labels_are_the_schema_ones() -> None:
    labels = [label for _, label in THRESHOLDS] + [FLOOR_RECOMMENDATION]
    assert labels == list(RECOMMENDATIONS)


@pytest.mark.parametrize(
    ("total", "label"),
    [
        (100.0, "Strong Buy"),
        (75.0, "Strong Buy"),
        (74.9999, "Buy"),
        (60.0, "Buy"),
        (45.0, "Hold"),
        (30.0, "Watch"),
        (29.9999, "Avoid"),
        (0.0, "Avoid"),
    ],
)
def test_thresholds(total: float, label: str) -> None:
    assert recommendation(pd.Series([total])).tolist() == [label]


def test_large_profitable_company_scores_high() -> None:
    frame = companies_frame(
        [
            company_record(
                5,
                2022,
                revenues=8e9,
                rd_expense=3.2e9,
                net_income_loss=2e9,
                operating_cash_flow=3e9,
                cash_and_equivalents=5e9,
            ),
            company_record(
                5,
                2023,
                revenues=1e10,
                rd_expense=4e9,
                net_income_loss=2.5e9,
                operating_cash_flow=3e9,
                cash_and_equivalents=5e9,
            ),
        ]
    )
    latest = build_fact_company_score(build_fact_financial(frame)).iloc[-1]
    # rd 100; cash 100; growth 50 + 25/50*50 = 75; market 0.6*100 + 0.4*(1.25/1.5*100)
    assert [latest[c] for c in SCORE_COLUMNS] == [100.0, 100.0, 75.0, 93.3333, 93.6667]
    assert latest["recommendation"] == "Strong Buy"


def test_scores_bounded_on_random_financials() -> None:
    rng = np.random.default_rng(7)
    records = []
    for cik in range(1, 51):
        for year in range(2019, 2025):
            values = rng.normal(0, 1e8, 6) * rng.choice([0, 1, 1, 1], 6)
            maybe = [None if rng.random() < 0.3 else float(v) for v in values]
            records.append(
                company_record(
                    cik,
                    year,
                    revenues=maybe[0],
                    rd_expense=maybe[1],
                    net_income_loss=maybe[2],
                    operating_cash_flow=maybe[3],
                    cash_and_equivalents=maybe[4],
                    assets=maybe[5],
                )
            )
    scores = build_fact_company_score(build_fact_financial(companies_frame(records)))
    numbers = scores[list(SCORE_COLUMNS)]
    assert numbers.notna().all().all()
    assert ((numbers >= 0) & (numbers <= 100)).all().all()
    assert set(scores["recommendation"]) <= set(RECOMMENDATIONS)
