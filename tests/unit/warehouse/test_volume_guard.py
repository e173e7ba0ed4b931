"""The volume guard, through the pipeline: a cut file never shrinks the warehouse."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from etl.config.settings import load_settings
from etl.errors import DataQualityError
from etl.stages.standard import run_standard
from tests.support.sample_files import ARTICLES, COMPANIES, SAMPLE_DIR, cut_file, sample_copy

pytestmark = pytest.mark.postgres


def _raw_dir(tmp_path: Path) -> Path:
    return sample_copy(tmp_path, "raw-today")


def _cut_companies(raw: Path, share: float) -> None:
    cut_file(SAMPLE_DIR / COMPANIES, raw / COMPANIES, share)


def _previous_run(warehouse) -> str:
    return warehouse.scalar("SELECT run_id FROM warehouse.etl_run WHERE status = 'completed'")


def test_half_copied_companies_file_stops_the_run(warehouse, sample_counts, tmp_path) -> None:
    run_standard(load_settings())
    before, previous = warehouse.checksums(), _previous_run(warehouse)
    raw = _raw_dir(tmp_path)
    _cut_companies(raw, 0.4)
    with pytest.raises(DataQualityError, match="check=volume_guard") as caught:
        run_standard(load_settings(raw_dir=raw))
    message = str(caught.value)
    loaded = sample_counts["loaded"]["biotech_companies"]
    assert "source=biotech_companies rows=" in message
    assert f"previous_rows={loaded} previous_run_id={previous}" in message
    assert "table=fact_financial rows=" in message
    assert "max_shrink_ratio=0.2" in message
    assert "source=pubmed_articles" not in message
    assert warehouse.checksums() == before
    status = "SELECT status FROM warehouse.etl_run ORDER BY started_at DESC LIMIT 1"
    assert warehouse.scalar(status) == "failed"


def test_an_articles_export_with_a_tenth_of_the_rows_stops_the_run(
    warehouse, sample_counts, tmp_path
) -> None:
    run_standard(load_settings())
    before = warehouse.checksums()
    raw = _raw_dir(tmp_path)
    articles = pd.read_excel(raw / ARTICLES, dtype=str)
    articles.head(len(articles) // 10).to_excel(raw / ARTICLES, index=False)
    with pytest.raises(DataQualityError, match="source=pubmed_articles rows=") as caught:
        run_standard(load_settings(raw_dir=raw))
    assert f"previous_rows={sample_counts['loaded']['pubmed_articles']}" in str(caught.value)
    assert "table=fact_publication_technology" in str(caught.value)
    assert warehouse.checksums() == before


def test_an_allowed_shrink_publishes_and_is_recorded(warehouse, sample_counts, tmp_path) -> None:
    run_standard(load_settings())
    raw = _raw_dir(tmp_path)
    _cut_companies(raw, 0.4)
    summary = run_standard(load_settings(raw_dir=raw), allow_shrink=True)
    assert summary.status == "completed"
    financials = warehouse.scalar("SELECT count(*) FROM warehouse.fact_financial")
    assert financials == summary.sources["biotech_companies"]["loaded"]
    assert financials < 0.8 * sample_counts["loaded"]["biotech_companies"]
    latest = "SELECT {} FROM warehouse.etl_run ORDER BY started_at DESC LIMIT 1"
    assert warehouse.scalar(latest.format("allow_shrink")) is True
    assert warehouse.scalar(latest.format("status")) == "completed"
    guard = [c for c in summary.validation["builtin"] if c["name"] == "volume_guard"]
    assert guard[0]["passed"] is False and "allowed_by=--allow-shrink" in guard[0]["message"]


def test_the_first_run_and_an_unchanged_night_pass(warehouse) -> None:
    first = run_standard(load_settings())
    # The whole run: an unchanged night that checks nothing new is skipped (test_unchanged).
    second = run_standard(load_settings(), full_refresh=True)
    for summary in (first, second):
        guard = [c for c in summary.validation["builtin"] if c["name"] == "volume_guard"]
        assert guard == [{"name": "volume_guard", "passed": True, "failed_rows": 0, "message": ""}]
