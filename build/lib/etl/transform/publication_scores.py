"""The four 0..100 scores of an article, the same for every technology it names.

Closed-form and deterministic; docs/scoring.md gives each formula and its reasons.
Inputs that are missing fall back to documented neutral values, so no score is null.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from etl.transform.vector import letters_key, map_table, map_uniques_frame

NEUTRAL = 50.0  # the score of an input we know nothing about
RECENCY_HORIZON_YEARS = 10  # an article this many years older than the newest scores 0
SCORE_DECIMALS = 4

# Weights (each row sums to 1).
MATURITY_WEIGHTS = {"trl": 0.5, "maturity": 0.5}
INNOVATION_WEIGHTS = {"article_type": 0.5, "recency": 0.5}
MARKET_WEIGHTS = {"research_domain": 0.6, "article_type": 0.4}
RISK_WEIGHTS = {"immaturity": 0.7, "article_type": 0.3}

# Article type -> (innovation, market, risk) on 0..100. Keys are matched on letters only,
# case- and accent-insensitively, so `Clinical  Trial` and `clinical-trial` match.
ARTICLE_TYPE_PROFILES: dict[str, tuple[float, float, float]] = {
    "Journal Article": (70.0, 55.0, 50.0),
    "Research Article": (70.0, 55.0, 50.0),
    "Article de revue": (70.0, 55.0, 50.0),
    "Clinical Trial": (75.0, 90.0, 30.0),
    "Essai clinique": (75.0, 90.0, 30.0),
    "Randomized Controlled Trial": (75.0, 95.0, 25.0),
    "Clinical Study": (70.0, 85.0, 35.0),
    "Observational Study": (55.0, 70.0, 40.0),
    "Review": (40.0, 50.0, 45.0),
    "Revue": (40.0, 50.0, 45.0),
    "Systematic Review": (35.0, 55.0, 40.0),
    "Meta-Analysis": (35.0, 60.0, 35.0),
    "Méta-analyse": (35.0, 60.0, 35.0),
    "Case Reports": (50.0, 40.0, 60.0),
    "Case Report": (50.0, 40.0, 60.0),
    "Preprint": (85.0, 35.0, 75.0),
    "Conference Paper": (60.0, 40.0, 60.0),
    "Editorial": (20.0, 30.0, 60.0),
    "Comment": (20.0, 30.0, 60.0),
    "Letter": (25.0, 30.0, 60.0),
}

# Research domain -> market score: how close the field is to paying patients.
RESEARCH_DOMAIN_MARKET: dict[str, float] = {
    "Oncology": 85.0,
    "Oncologie": 85.0,
    "Clinical Research": 80.0,
    "Recherche clinique": 80.0,
    "Cardiology": 75.0,
    "Cardiologie": 75.0,
    "Diagnostics": 70.0,
    "Immunology": 70.0,
    "Immunologie": 70.0,
    "Infectious Diseases": 70.0,
    "Infectious Disease": 70.0,
    "Neurology": 70.0,
    "Neurologie": 70.0,
    "Rare Diseases": 65.0,
    "Maladies rares": 65.0,
    "Regenerative Medicine": 60.0,
    "Médecine régénérative": 60.0,
    "Genetics": 55.0,
    "Génétique": 55.0,
    "Preclinical": 40.0,
    "Préclinique": 40.0,
    "Basic Research": 25.0,
    "Recherche fondamentale": 25.0,
}


def _keyed(table: dict[str, object]) -> dict[str, object]:
    keys = letters_key(pd.Series(list(table), dtype=object)).tolist()
    return dict(zip(keys, table.values(), strict=True))


PROFILE_COLUMNS = ("innovation", "market", "risk")
_TYPE_BY_KEY = _keyed(ARTICLE_TYPE_PROFILES)
_DOMAIN_BY_KEY = _keyed(RESEARCH_DOMAIN_MARKET)


def _clip(values: pd.Series | np.ndarray) -> np.ndarray:
    return np.round(np.clip(np.asarray(values, dtype="float64"), 0.0, 100.0), SCORE_DECIMALS)


def _profiles_of(uniques: pd.Series) -> pd.DataFrame:
    keys = letters_key(uniques).astype(object)
    columns = {
        name: keys.map({key: profile[i] for key, profile in _TYPE_BY_KEY.items()})
        for i, name in enumerate(PROFILE_COLUMNS)
    }
    return pd.DataFrame(columns)


def article_type_profile(article_type: pd.Series) -> pd.DataFrame:
    """innovation / market / risk component of each article type; unknown -> NEUTRAL."""
    profile = map_uniques_frame(article_type, _profiles_of)
    return profile.astype("float64").fillna(NEUTRAL)


def domain_market(research_domain: pd.Series) -> pd.Series:
    """Market component of each research domain; unknown -> NEUTRAL."""
    mapped = map_table(research_domain, letters_key, _DOMAIN_BY_KEY)
    return mapped.astype("float64").fillna(NEUTRAL)


def maturity_score(trl: pd.Series, maturity: pd.Series) -> np.ndarray:
    """Mean of the TRL on 0..100 ((trl - 1) / 8 * 100) and Maturité; one if the other is missing."""
    trl_part = (trl.astype("float64") - 1.0) / 8.0 * 100.0
    maturity_part = maturity.astype("float64")
    both = MATURITY_WEIGHTS["trl"] * trl_part + MATURITY_WEIGHTS["maturity"] * maturity_part
    score = both.fillna(trl_part).fillna(maturity_part).fillna(NEUTRAL)
    return _clip(score)


def recency(pub_year: pd.Series, reference_year: int) -> np.ndarray:
    """100 for the reference year, falling linearly to 0 over RECENCY_HORIZON_YEARS.

    A missing year (never expected: the reader requires it) scores NEUTRAL.
    """
    age = reference_year - pub_year.astype("float64")
    score = (1.0 - age / RECENCY_HORIZON_YEARS).clip(0.0, 1.0) * 100.0
    return score.fillna(NEUTRAL).to_numpy(dtype="float64")


def publication_scores(articles: pd.DataFrame, reference_year: int | None = None) -> pd.DataFrame:
    """maturity / innovation / market / risk scores (float64, 0..100) of each article.

    `articles` needs trl, maturity, pub_year, article_type and research_domain.
    `reference_year` defaults to the newest pub_year given, so recency never depends on
    the clock and the same input always scores the same.
    """
    pub_year = articles["pub_year"].astype("float64")
    if reference_year is None:
        reference_year = int(pub_year.max()) if pub_year.notna().any() else 0
    profile = article_type_profile(articles["article_type"])
    maturity = maturity_score(articles["trl"], articles["maturity"])
    by_type = profile["innovation"].to_numpy()
    by_recency = recency(pub_year, reference_year)
    innovation = (
        INNOVATION_WEIGHTS["article_type"] * by_type + INNOVATION_WEIGHTS["recency"] * by_recency
    )
    market = (
        MARKET_WEIGHTS["research_domain"] * domain_market(articles["research_domain"]).to_numpy()
        + MARKET_WEIGHTS["article_type"] * profile["market"].to_numpy()
    )
    risk = (
        RISK_WEIGHTS["immaturity"] * (100.0 - maturity)
        + RISK_WEIGHTS["article_type"] * profile["risk"].to_numpy()
    )
    return pd.DataFrame(
        {
            "maturity_score": maturity,
            "innovation_score": _clip(innovation),
            "market_score": _clip(market),
            "risk_score": _clip(risk),
        },
        index=articles.index,
    )
