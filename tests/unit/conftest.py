"""Fixtures for tests that run the pipeline: the committed sample, a fresh warehouse."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect.testing.utilities import prefect_test_harness
from sqlalchemy import create_engine, text

from etl.warehouse.checksum import checksums
from tests.support.sample_files import COMPANIES, SAMPLE_DIR, sample_copy

MANIFEST = SAMPLE_DIR / "sample_manifest.json"


def sample_manifest_counts() -> dict[str, dict[str, int]]:
    """What a run on the committed sample must load, reject and publish, read from the
    manifest the generator wrote with the sample (never copied into the tests)."""
    sources = json.loads(MANIFEST.read_text())["sources"]
    loaded = {name: source["loaded"] for name, source in sources.items()}
    rejected = {name: sum(source["rejected"].values()) for name, source in sources.items()}
    published = {
        "dim_publication": sources["pubmed_articles"]["facts"]["distinct_pmids"],
        "fact_trl_prediction": loaded["trl_predictions"],
        "fact_financial": loaded["biotech_companies"],
        "fact_company_score": loaded["biotech_companies"],
        "dim_company": sources["biotech_companies"]["facts"]["distinct_ciks"],
        "dim_technology_at_least": sources["trl_predictions"]["facts"]["technologies"],
    }
    return {"loaded": loaded, "rejected": rejected, "published": published}


REPO_CONFIG = Path(__file__).resolve().parents[2] / "config" / "pipeline.yaml"


@pytest.fixture
def pipeline_env(pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Settings for a run on the committed sample into a fresh warehouse; returns its URL."""
    monkeypatch.setenv("ABI_WAREHOUSE_URL", pg_url)
    monkeypatch.setenv("ABI_RAW_DIR", str(SAMPLE_DIR))
    monkeypatch.setenv("ABI_PATHS__STAGING_DIR", str(tmp_path / "staging"))
    monkeypatch.setenv("ABI_PATHS__DATA_DOCS_DIR", str(tmp_path / "docs"))
    monkeypatch.setenv("ABI_PATHS__ARCHIVE_DIR", str(tmp_path / "archive"))
    monkeypatch.setenv("ABI_CONFIG", str(REPO_CONFIG))
    return pg_url


@pytest.fixture
def broken_raw_dir(tmp_path: Path) -> Path:
    """The sample with the companies file missing its `cik` column."""
    raw = sample_copy(tmp_path)
    path = raw / COMPANIES
    lines = path.read_bytes().split(b"\n")
    lines[0] = lines[0].replace(b"cik,", b"cikk,", 1)
    path.write_bytes(b"\n".join(lines))
    return raw


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[None]:
    """A real, temporary Prefect API (SQLite) shared by the session's flow tests."""
    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def sample_counts() -> dict[str, dict[str, int]]:
    return sample_manifest_counts()


class WarehouseProbe:
    """Reads the published warehouse the way an analyst would: SQL, nothing mocked."""

    def __init__(self, url: str) -> None:
        self.url = url

    def scalar(self, sql: str) -> object:
        engine = create_engine(self.url)
        try:
            with engine.connect() as conn:
                return conn.execute(text(sql)).scalar()
        finally:
            engine.dispose()

    def checksums(self) -> dict[str, str]:
        engine = create_engine(self.url)
        try:
            with engine.connect() as conn:
                return {name: c.checksum for name, c in checksums(conn).items()}
        finally:
            engine.dispose()

    def assert_sample_published(self, expected: dict[str, int]) -> None:
        for table, rows in expected.items():
            if table.endswith("_at_least"):
                name = table.removesuffix("_at_least")
                assert self.scalar(f"SELECT count(*) FROM warehouse.{name}") >= rows, name
            else:
                assert self.scalar(f"SELECT count(*) FROM warehouse.{table}") == rows, table


@pytest.fixture
def warehouse(pipeline_env: str) -> WarehouseProbe:
    return WarehouseProbe(pipeline_env)
