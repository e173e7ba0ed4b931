"""fact_company_score: four 0..100 component scores, a weighted total and a recommendation.

Closed-form and deterministic; docs/scoring.md gives each formula and its reasons.
A component whose inputs are missing scores MISSING_SCORE: below neutral, because a
company that does not report a metric has not shown it is healthy, but above zero,
because it has not shown it is unhealthy either.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SCORING_VERSION = "2026.11-1"  # bump whenever a constant or formula below changes
MISSING_SCORE = 25.0
SCORE_DECIMALS = 4

RD_INTENSITY_FULL = 0.40  # R&D at 40% of revenues or more scores 100
RD_TO_ASSETS_FULL = 0.40  # pre-revenue: a year's R&D at 40% of total assets scores 100
RUNWAY_FULL_YEARS = 3.0  # three years of cash at the current burn scores 100
GROWTH_SPAN = 0.50  # revenue growth -50% -> 0, 0% -> 50, +50% -> 100
REVENUE_LOG10_SPAN = (6.0, 10.0)  # revenues $1M -> 0 .. $10B -> 100 (log scale)
NET_MARGIN_SPAN = (-1.0, 0.5)  # net margin -100% -> 0 .. +50% -> 100
MARKET_WEIGHTS = {"scale": 0.6, "margin": 0.4}
TOTAL_WEIGHTS = {"rd_score": 0.30, "cash_score": 0.30, "growth_score": 0.20, "market_score": 0.20}
# Lower bound of total_score for each recommendation, best first; below the last: Avoid.
THRESHOLDS: tuple[tuple[float, str], ...] = (
    (75.0, "Strong Buy"),
    (60.0, "Buy"),
    (45.0, "Hold"),
    (30.0, "Watch"),
)
FLOOR_RECOMMENDATION = "Avoid"  # the labels are schema.RECOMMENDATIONS (a test checks it)
SCORE_COLUMNS = ("rd_score", "cash_score", "growth_score", "market_score", "total_score")


def _linear(values: pd.Series, low: float, high: float) -> pd.Series:
    """0 at `low`, 100 at `high`, linear between, clipped; NaN stays NaN."""
    return ((values - low) / (high - low)).clip(0.0, 1.0) * 100.0


def _finish(score: pd.Series) -> pd.Series:
    return score.fillna(MISSING_SCORE).clip(0.0, 100.0).round(SCORE_DECIMALS)


def rd_score(financials: pd.DataFrame) -> pd.Series:
    """R&D effort: rd_intensity when revenues are positive, else R&D over total assets."""
    by_revenue = _linear(financials["rd_intensity"], 0.0, RD_INTENSITY_FULL)
    assets = financials["assets"].where(financials["assets"] > 0)
    by_assets = _linear(financials["rd_expense"] / assets, 0.0, RD_TO_ASSETS_FULL)
    no_rd = financials["rd_expense"] == 0  # reported zero R&D: known, and it scores 0
    return _finish(by_revenue.fillna(by_assets).mask(no_rd, 0.0))


def cash_score(financials: pd.DataFrame) -> pd.Series:
    """Funding: 100 when operations generate cash, else runway over RUNWAY_FULL_YEARS."""
    ocf = financials["operating_cash_flow"]
    burn = -ocf.where(ocf < 0)
    runway = financials["cash_and_equivalents"] / burn  # negative cash -> clipped to 0
    score = _linear(runway, 0.0, RUNWAY_FULL_YEARS).mask(ocf >= 0, 100.0)
    return _finish(score)


def growth_score(financials: pd.DataFrame) -> pd.Series:
    """Revenue growth year on year: 50 for flat, +/-GROWTH_SPAN reaches 100 / 0."""
    return _finish(_linear(financials["revenue_growth_yoy"], -GROWTH_SPAN, GROWTH_SPAN))


def market_score(financials: pd.DataFrame) -> pd.Series:
    """Commercial footprint: revenue scale (log) and net margin.

    No revenue (null or <= 0: pre-revenue) is a known zero scale, not missing data.
    """
    revenues = financials["revenues"]
    scale = _linear(np.log10(revenues.where(revenues > 0)), *REVENUE_LOG10_SPAN).fillna(0.0)
    margin = _linear(financials["net_margin"], *NET_MARGIN_SPAN).fillna(MISSING_SCORE)
    return _finish(MARKET_WEIGHTS["scale"] * scale + MARKET_WEIGHTS["margin"] * margin)


def recommendation(total: pd.Series) -> np.ndarray:
    conditions = [total >= bound for bound, _ in THRESHOLDS]
    labels = [label for _, label in THRESHOLDS]
    return np.select(conditions, labels, FLOOR_RECOMMENDATION).astype(object)


def build_fact_company_score(financials: pd.DataFrame) -> pd.DataFrame:
    """One score row per fact_financial row (cik, fiscal_year).

    `financials` is fact_financial as built by `companies.build_fact_financial`
    (float64 metrics and ratios).
    """
    scores = pd.DataFrame(
        {
            "cik": financials["cik"].to_numpy(),
            "fiscal_year": financials["fiscal_year"].to_numpy(),
            "rd_score": rd_score(financials).to_numpy(),
            "cash_score": cash_score(financials).to_numpy(),
            "growth_score": growth_score(financials).to_numpy(),
            "market_score": market_score(financials).to_numpy(),
        }
    )
    # The total is computed from the stored (rounded) components, so it can be re-derived.
    total = sum(weight * scores[name] for name, weight in TOTAL_WEIGHTS.items())
    scores["total_score"] = pd.Series(total, dtype="float64").clip(0.0, 100.0).round(SCORE_DECIMALS)
    scores["recommendation"] = recommendation(scores["total_score"])
    scores["scoring_version"] = SCORING_VERSION
    return scores
