"""`abi-etl sample` then the readers: every count is known in advance."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from etl.cli.main import app
from etl.extract.paths import resolve_source_path
from etl.extract.readers import READERS
from tests.support.clock import run_year_ranges

# Counts of the default sample (3,000 publications, 120 companies, seed 42), checked by hand
# against the generator's list of injected mess.
EXPECTED = {
    "trl_predictions": {"rows_in_file": 100, "loaded": 100, "blank": 0, "rejected": {}},
    "pubmed_articles": {
        "rows_in_file": 3000,
        "loaded": 2970,
        "blank": 6,
        "rejected": {
            "duplicate_row": 6,
            "invalid_pub_year": 6,
            "missing_pmid": 6,
            "missing_pub_year": 6,
        },
    },
    "biotech_companies": {
        "rows_in_file": 612,
        "loaded": 605,
        "blank": 2,
        "rejected": {"duplicate_row": 2, "invalid_fiscal_year": 1, "missing_cik": 2},
    },
}
DEFAULT_FILES = {
    "trl_predictions": "realistic_trl_predictions.xlsx",
    "pubmed_articles": "pubmed_articles_2015_2025_mergeds.xlsx",
    "biotech_companies": "abi_targeted_biotech_dataset_2019_2025.csv",
}


@pytest.fixture(scope="module", params=[None, "csv", "parquet"])
def sample_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp(f"sample-{request.param}")
    args = ["sample", "--out", str(out)]
    if request.param:
        args += ["--format", request.param]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("source", list(EXPECTED))
def test_readers_find_exactly_what_sample_wrote(sample_dir: Path, source: str) -> None:
    path = resolve_source_path(sample_dir, DEFAULT_FILES[source])
    result = READERS[source](path, run_year_ranges())
    expected = EXPECTED[source]
    assert result.rows_in_file == expected["rows_in_file"]
    assert len(result.data) == expected["loaded"]
    assert result.blank_rows == expected["blank"]
    assert result.rejected_by_reason() == expected["rejected"]
    assert result.reconciles

    manifest = json.loads((sample_dir / "sample_manifest.json").read_text())["sources"][source]
    assert result.nulled == manifest["nulled"]


def test_committed_sample_is_the_default_output(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["sample", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    committed = Path(__file__).resolve().parents[3] / "data" / "sample"
    for name in DEFAULT_FILES.values():
        assert (committed / name).read_bytes() == (tmp_path / name).read_bytes(), name
