"""transform_tables end to end on the hand-checked sample, plus the Parquet hand-over."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from etl.errors import DataError
from etl.transform import star_schema
from etl.transform.star_schema import (
    TABLE_NAMES,
    natural_key,
    read_tables,
    sort_by_key,
    transform_tables,
    write_tables,
)
from etl.warehouse.schema import PUBLISHED_TABLES
from etl.warehouse.staged import STAGED_COLUMNS

from .frames import sample_companies, sample_publications, sample_trl

EXPECTED_ROWS = {
    "dim_date": 5844,  # 2015-01-01 .. 2030-12-31 (publications 2015, forecasts up to 2030)
    "dim_technology": 3,  # crispr, cart-t, quantumbiology
    "dim_publication": 4,
    "dim_company": 2,
    "fact_trl_prediction": 8,  # 2 technologies x 4 horizons
    "fact_publication_technology": 5,  # 2 + 1 + 0 + 2
    "fact_financial": 4,
    "fact_company_score": 4,
}
SCORE_COLUMNS = {
    "fact_publication_technology": [
        "maturity_score",
        "innovation_score",
        "market_score",
        "risk_score",
    ],
    "fact_company_score": [
        "rd_score",
        "cash_score",
        "growth_score",
        "market_score",
        "total_score",
    ],
}


@pytest.fixture
def result(trl: pd.DataFrame, publications: pd.DataFrame, companies: pd.DataFrame):
    return transform_tables(trl, publications, companies)


def test_all_tables_in_staged_shape(result) -> None:
    assert tuple(result.tables) == tuple(t.name for t in PUBLISHED_TABLES) == TABLE_NAMES
    for name, frame in result.tables.items():
        assert list(frame.columns) == STAGED_COLUMNS[name], name


def test_exact_row_counts_and_stats(result) -> None:
    assert {name: len(frame) for name, frame in result.tables.items()} == EXPECTED_ROWS
    assert result.stats.rows == EXPECTED_ROWS
    assert result.stats.articles_without_technology == 1
    assert result.stats.unknown_technologies == 1
    assert result.stats.unknown_technology_names == ("quantumbiology",)
    assert result.stats.as_dict()["unknown_technology_names"] == ["quantumbiology"]
    assert result.stats.unknown_technology_articles == {"quantumbiology": 1}
    # Both companies' latest descriptions carry an annotation: `-- check`, `(note: verify)`.
    assert result.stats.sic_descriptions_stripped == 2
    assert result.tables["dim_company"]["sic_description_raw"].tolist() == [
        "Pharmaceutical Preparations -- check",
        "Biological Products (No Diagnostic Substances) (note: verify)",
    ]


def test_unknown_technology_is_kept(result) -> None:
    dim = result.tables["dim_technology"].set_index("technology")
    assert not dim.loc["quantumbiology", "in_trl_file"]
    assert dim.loc["crispr", "in_trl_file"]
    fact = result.tables["fact_publication_technology"]
    assert fact.loc[fact["pmid"] == 101, "technology"].tolist() == ["crispr", "quantumbiology"]


def test_grains_unique_and_sorted(result) -> None:
    for name, frame in result.tables.items():
        keys = list(natural_key(name))
        assert not frame.duplicated(keys).any(), name
        assert frame.equals(frame.sort_values(keys, ignore_index=True)), name


def test_natural_keys_follow_the_schema() -> None:
    assert {name: natural_key(name) for name in TABLE_NAMES} == {
        "dim_date": ("date_key",),
        "dim_technology": ("technology",),
        "dim_publication": ("pmid",),
        "dim_company": ("cik",),
        "fact_trl_prediction": ("technology", "forecast_year"),
        "fact_publication_technology": ("pmid", "technology"),
        "fact_financial": ("cik", "fiscal_year"),
        "fact_company_score": ("cik", "fiscal_year"),
    }


def test_scores_within_bounds(result) -> None:
    for name, columns in SCORE_COLUMNS.items():
        scores = result.tables[name][columns]
        assert scores.notna().all().all(), name
        assert ((scores >= 0) & (scores <= 100)).all().all(), name


def test_every_fact_date_key_is_in_dim_date(result) -> None:
    keys = set(result.tables["dim_date"]["date_key"])
    used = pd.concat(
        [
            result.tables["dim_publication"]["publication_date_key"].dropna(),
            result.tables["fact_publication_technology"]["publication_date_key"].dropna(),
            result.tables["fact_trl_prediction"]["forecast_date_key"],
            result.tables["fact_financial"]["fiscal_year_end_date_key"],
        ]
    )
    assert set(used.astype("int64")) <= keys


def test_facts_reference_their_dimensions(result) -> None:
    t = result.tables
    technologies = set(t["dim_technology"]["technology"])
    assert set(t["fact_trl_prediction"]["technology"]) <= technologies
    assert set(t["fact_publication_technology"]["technology"]) <= technologies
    assert set(t["fact_publication_technology"]["pmid"]) <= set(t["dim_publication"]["pmid"])
    ciks = set(t["dim_company"]["cik"])
    assert set(t["fact_financial"]["cik"]) <= ciks
    assert set(t["fact_company_score"]["cik"]) <= ciks


def test_dtypes(result) -> None:
    t = result.tables
    assert str(t["dim_publication"]["pmid"].dtype) == "int64"
    assert str(t["dim_publication"]["pub_month"].dtype) == "Int64"
    assert str(t["dim_publication"]["title"].dtype) == "string"
    assert str(t["dim_technology"]["in_trl_file"].dtype) == "bool"
    assert str(t["fact_financial"]["revenue_growth_yoy"].dtype) == "float64"
    assert str(t["fact_financial"]["patents_issued"].dtype) == "Int64"


def test_parquet_is_byte_identical_and_round_trips(tmp_path: Path, result) -> None:
    again = transform_tables(sample_trl(), sample_publications(), sample_companies())
    first = write_tables(result.tables, tmp_path / "first")
    second = write_tables(again.tables, tmp_path / "second")
    assert list(first) == list(TABLE_NAMES)
    for name in TABLE_NAMES:
        assert first[name].name == f"{name}.parquet"
        assert first[name].read_bytes() == second[name].read_bytes(), name
    back = read_tables(first)
    for name in TABLE_NAMES:
        pd.testing.assert_frame_equal(back[name], result.tables[name], obj=name)
    assert not list((tmp_path / "first").glob(".*partial"))


def test_parquet_row_groups_are_deterministic(
    tmp_path: Path, result, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(star_schema, "ROW_GROUP_ROWS", 1000)
    first = write_tables(result.tables, tmp_path / "first")
    second = write_tables(result.tables, tmp_path / "second")
    assert pq.read_metadata(first["dim_date"]).num_row_groups == 6  # 5,844 rows
    for name in TABLE_NAMES:
        assert first[name].read_bytes() == second[name].read_bytes(), name
    pd.testing.assert_frame_equal(
        read_tables({"dim_date": first["dim_date"]})["dim_date"], result.tables["dim_date"]
    )


def test_failed_write_leaves_no_file(tmp_path: Path, result) -> None:
    broken = dict(result.tables)
    broken["dim_company"] = broken["dim_company"].assign(sic=70_000)  # overflows SMALLINT
    with pytest.raises(pa.ArrowInvalid):
        write_tables(broken, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "dim_date.parquet",
        "dim_publication.parquet",
        "dim_technology.parquet",
    ]


def test_sort_by_key_refuses_a_broken_grain() -> None:
    frame = pd.DataFrame({"pmid": [3, 1, 3], "technology": pd.array(["b", "a", "b"], "string")})
    with pytest.raises(DataError, match=r"rows=1 sample=\[\{'pmid': 3, 'technology': 'b'\}\]"):
        sort_by_key(frame, ["pmid", "technology"], "fact_publication_technology")
    ok = sort_by_key(frame.iloc[:2], ["pmid", "technology"], "t")
    assert ok["pmid"].tolist() == [1, 3]


def test_input_order_does_not_change_output(trl, publications, companies) -> None:
    base = transform_tables(trl, publications, companies)
    shuffled = transform_tables(
        trl.sample(frac=1, random_state=1),
        publications.sample(frac=1, random_state=2),
        companies.sample(frac=1, random_state=3),
    )
    for name in TABLE_NAMES:
        pd.testing.assert_frame_equal(base.tables[name], shuffled.tables[name], obj=name)


def test_plain_numpy_and_object_inputs_give_the_same_tables(trl, publications, companies) -> None:
    """Frames read back with default pandas dtypes (object text, float numbers) work too."""
    base = transform_tables(trl, publications, companies)

    def plain(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.astype(
            {
                column: object if isinstance(dtype, pd.StringDtype) else "float64"
                for column, dtype in frame.dtypes.items()
                if isinstance(dtype, pd.StringDtype) or str(dtype) in {"Int64", "Float64"}
            }
        )

    other = transform_tables(plain(trl), plain(publications), plain(companies))
    for name in TABLE_NAMES:
        pd.testing.assert_frame_equal(base.tables[name], other.tables[name], obj=name)


def test_duplicate_natural_key_is_refused(trl, publications, companies) -> None:
    doubled = pd.concat([publications, publications.iloc[[0]]], ignore_index=True)
    with pytest.raises(DataError, match="duplicate_natural_key"):
        transform_tables(trl, doubled, companies)
    doubled_trl = pd.concat([trl, trl.iloc[[0]]], ignore_index=True)
    with pytest.raises(DataError, match="duplicate_natural_key"):
        transform_tables(doubled_trl, publications, companies)


def test_missing_column_is_refused(trl, publications, companies) -> None:
    with pytest.raises(DataError, match="missing_columns columns=technologies"):
        transform_tables(trl, publications.drop(columns=["technologies"]), companies)


def test_empty_inputs_give_empty_tables(trl, publications, companies) -> None:
    empty = transform_tables(trl.iloc[:0], publications.iloc[:0], companies.iloc[:0])
    assert all(frame.empty for frame in empty.tables.values())
    for name, frame in empty.tables.items():
        assert list(frame.columns) == STAGED_COLUMNS[name]
