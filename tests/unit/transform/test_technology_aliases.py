"""Technology aliases: an article's `CAR-T` meets the TRL file's `cart-t` forecasts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from etl.config.settings import (
    PathsSettings,
    Settings,
    TechnologiesSettings,
    load_settings,
)
from etl.errors import DataError
from etl.extract.technologies import alias_table
from etl.sample.vocab import TECHNOLOGIES, UNKNOWN_TECHNOLOGY_FIELDS
from etl.stages.context import RunContext
from etl.stages.extract import SourceOutcome
from etl.stages.transform import transform_sources
from etl.transform.star_schema import transform_tables

from .frames import publications_frame, sample_companies, trl_frame, trl_record

PIPELINE_YAML = Path(__file__).parents[3] / "config" / "pipeline.yaml"
CAR_T_ALIASES = {"car-t": "cart-t", "cart": "cart-t", "car t": "cart-t"}


def _article(pmid: int, technologies: str) -> dict[str, object]:
    return {"pmid": pmid, "pub_year": 2024, "pub_month": 5, "technologies": technologies}


def _trl(*technologies: str) -> pd.DataFrame:
    return trl_frame([trl_record(t, year) for t in technologies for year in (2026, 2030)])


def _articles() -> pd.DataFrame:
    return publications_frame(
        [
            _article(201, "CAR-T"),
            _article(202, "car t"),
            _article(203, "CAR\u2011T"),  # non-breaking hyphen, as pasted from a PDF
            _article(204, "CAR-T; cart-t"),  # one technology named twice
            _article(205, "Xenobots, CAR-T"),
            _article(206, "xenobots"),
            _article(207, "crispr"),
        ]
    )


def test_car_t_articles_meet_their_trl_forecasts() -> None:
    result = transform_tables(
        _trl("cart-t", "crispr"),
        _articles(),
        sample_companies(),
        technology_aliases=load_settings(PIPELINE_YAML).technologies.aliases,
    )
    dim = result.tables["dim_technology"]
    assert dim["technology"].tolist() == ["cart-t", "crispr", "xenobots"]
    assert dim["in_trl_file"].tolist() == [True, True, False]
    fact = result.tables["fact_publication_technology"]
    car_t = fact.loc[fact["technology"] == "cart-t", "pmid"].tolist()
    assert car_t == [201, 202, 203, 204, 205]  # 204 once: the grain holds
    forecasts = fact.merge(result.tables["fact_trl_prediction"], on="technology")
    assert set(forecasts["pmid"]) == {201, 202, 203, 204, 205, 207}
    assert result.stats.unknown_technology_articles == {"xenobots": 2}
    assert result.stats.unknown_technology_names == ("xenobots",)


def test_without_aliases_car_t_stays_apart() -> None:
    # The defect the aliases fix: a second technology, unknown to the TRL file.
    result = transform_tables(_trl("cart-t", "crispr"), _articles(), sample_companies())
    assert result.stats.unknown_technology_articles == {"car-t": 4, "cart": 1, "xenobots": 2}
    assert result.stats.as_dict()["unknown_technology_articles"] == {
        "car-t": 4,
        "cart": 1,
        "xenobots": 2,
    }


def test_trl_file_spelled_with_an_alias_is_the_same_technology() -> None:
    result = transform_tables(
        _trl("CAR-T"), _articles(), sample_companies(), technology_aliases=CAR_T_ALIASES
    )
    assert set(result.tables["fact_trl_prediction"]["technology"]) == {"cart-t"}
    both = pd.concat([_trl("CAR-T"), _trl("cart-t")], ignore_index=True)
    with pytest.raises(DataError, match="duplicate"):  # two forecasts of one technology-year
        transform_tables(both, _articles(), sample_companies(), technology_aliases=CAR_T_ALIASES)


def test_shipped_aliases_point_at_trl_technologies() -> None:
    shipped = load_settings(PIPELINE_YAML).technologies.aliases
    assert shipped == Settings().technologies.aliases  # a config without the section agrees
    table = alias_table(shipped)
    assert {table[k] for k in ("car-t", "cart")} == {"cart-t"}
    assert set(table.values()) <= {tech.token for tech in TECHNOLOGIES}
    # Technologies of their own, which the TRL file does not forecast: never an alias.
    assert not {name for name, _ in UNKNOWN_TECHNOLOGY_FIELDS} & set(table)


def test_transform_stage_applies_the_settings_aliases(tmp_path: Path) -> None:
    frames = {
        "trl_predictions": _trl("cart-t"),
        "pubmed_articles": _articles(),
        "biotech_companies": sample_companies(),
    }
    outcomes = {}
    for name, frame in frames.items():
        path = tmp_path / f"{name}.parquet"
        frame.to_parquet(path)
        outcomes[name] = SourceOutcome(name, "f", "0", 0, 0, 0, 0, {}, {}, str(path), "")
    settings = Settings(
        paths=PathsSettings(staging_dir=tmp_path / "staging"),
        technologies=TechnologiesSettings(aliases=CAR_T_ALIASES),
    )
    ctx = RunContext("run-1", settings, "standard", False, datetime.now(UTC))
    outcome = transform_sources(ctx, outcomes)
    dim = pd.read_parquet(outcome.paths["dim_technology"])
    assert dim["technology"].tolist() == ["cart-t", "crispr", "xenobots"]
    assert outcome.details["unknown_technology_articles"] == {"crispr": 1, "xenobots": 2}
