"""Source suites on pandas: every expectation tripped by a crafted frame, and passed."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd
import pytest

from etl.config.settings import Settings, ValidationSettings
from etl.errors import DataQualityError
from etl.extract.columns import RULES
from etl.quality.gx_context import new_context
from etl.quality.results import ExpectationResult, SuiteResult
from etl.quality.source_suites import (
    min_loaded_rows,
    run_source_suites,
    source_columns,
    source_expectations,
    source_frame,
    validate_sources,
)
from tests.support.clock import RUN_YEAR, run_year_ranges

SOURCES = ("trl_predictions", "pubmed_articles", "biotech_companies")


def run(limits: ValidationSettings, outcomes: Mapping[str, object]) -> dict[str, SuiteResult]:
    context = new_context()  # no Data Docs site: only the end-to-end test builds one
    return {s.name: s for s in run_source_suites(context, limits, outcomes, "t", run_year_ranges())}


def failures(suite: SuiteResult) -> dict[tuple[str, str], ExpectationResult]:
    return {(r.check, ",".join(r.columns)): r for r in suite.results if not r.success}


def numpy_dtypes(frame: pd.DataFrame) -> pd.DataFrame:
    """The same values with plain numpy / object dtypes instead of the nullable ones."""
    numpy = {"Int64": "int64", "Float64": "float64"}
    return frame.astype({c: numpy.get(str(t), object) for c, t in frame.dtypes.items()})


@pytest.mark.parametrize("dtypes", ["reader", "numpy"])
def test_clean_sources_pass_every_expectation(
    dtypes: str, limits: ValidationSettings, make_frame: Callable, write_source: Callable
) -> None:
    convert = numpy_dtypes if dtypes == "numpy" else (lambda frame: frame)
    outcomes = {s: write_source(s, convert(make_frame(s))) for s in SOURCES}
    suites = run(limits, outcomes)
    assert list(suites) == list(SOURCES)
    for name, suite in suites.items():
        assert failures(suite) == {}, name
        checks = {r.check for r in suite.results}
        assert {"column_present", "null_ratio", "rejected_ratio"} <= checks
        # Duplicates are checked once, at extraction, on the file's rows: not here.
        assert "duplicate_ratio" not in checks
        # One presence and one type expectation per clean column.
        columns = len(source_columns(name))
        assert sum(r.check == "column_present" for r in suite.results) == columns
        assert sum(r.check.startswith("type_") for r in suite.results) == columns


def _set(column: str, rows: list[int], value: object) -> Callable[[pd.DataFrame], None]:
    def mutate(frame: pd.DataFrame) -> None:
        frame.loc[rows, column] = value

    return mutate


def _drop(column: str) -> Callable[[pd.DataFrame], None]:
    def mutate(frame: pd.DataFrame) -> None:
        frame.drop(columns=[column], inplace=True)

    return mutate


def _as_float(column: str) -> Callable[[pd.DataFrame], None]:
    def mutate(frame: pd.DataFrame) -> None:
        frame[column] = frame[column].astype("Float64")

    return mutate


def _as_int(column: str) -> Callable[[pd.DataFrame], None]:
    def mutate(frame: pd.DataFrame) -> None:
        frame[column] = range(len(frame))

    return mutate


# (source, mutation, failed (check, column) -> (severity, unexpected_count, observed))
# The frames hold 20 rows, so one row is 5%.
CASES = {
    "missing_column": (
        "pubmed_articles",
        _drop("country"),
        {("column_present", "country"): ("error", None, None), ("type_text", "country"): None},
    ),
    "int_column_as_float": (
        "trl_predictions",
        _as_float("forecast_year"),
        {("type_int", "forecast_year"): ("error", None, "float64")},  # GX's name for Float64
    ),
    "text_column_as_int": (
        "pubmed_articles",
        _as_int("country"),
        {("type_text", "country"): ("error", None, "int64")},
    ),
    "null_ratio_over_limit": (
        "pubmed_articles",
        _set("pub_year", [0, 1], None),
        {("null_ratio", "pub_year"): ("error", 2, None)},
    ),
    "year_below_settings_min": (
        "pubmed_articles",
        _set("pub_year", [3], 2014),
        {("range", "pub_year"): ("error", 1, None)},
    ),
    "month_13": (
        "pubmed_articles",
        _set("pub_month", [3, 4], 13),
        {("range", "pub_month"): ("error", 2, None)},
    ),
    "trl_10": ("pubmed_articles", _set("trl", [5], 10), {("range", "trl"): ("error", 1, None)}),
    "predicted_trl_0": (
        "trl_predictions",
        _set("predicted_trl", [0], 0.5),
        {("range", "predicted_trl"): ("error", 1, None)},
    ),
    "forecast_year_past_the_horizon": (
        "trl_predictions",
        _set("forecast_year", [0], RUN_YEAR + 16),
        {("range", "forecast_year"): ("error", 1, None)},
    ),
    "current_year_out_of_range_is_a_warning": (
        "trl_predictions",
        _set("current_year", [0, 1, 2], 2010),
        {("range", "current_year"): ("warning", 3, None)},
    ),
    "fiscal_year_above_settings_max": (
        "biotech_companies",
        _set("fiscal_year", [7], 2031),
        {("range", "fiscal_year"): ("error", 1, None)},
    ),
    "completeness_over_100": (
        "biotech_companies",
        _set("data_completeness", [2], 100.5),
        {("range", "data_completeness"): ("error", 1, None)},
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_crafted_frame_trips_exactly_its_expectation(
    case: str, limits: ValidationSettings, make_frame: Callable, write_source: Callable
) -> None:
    source, mutate, expected = CASES[case]
    frame = make_frame(source)
    mutate(frame)
    suite = run(limits, {source: write_source(source, frame)})[source]
    failed = failures(suite)
    assert set(failed) == set(expected)
    for key, want in expected.items():
        if want is None:
            continue
        severity, count, observed = want
        result = failed[key]
        assert result.severity.value == severity
        assert result.unexpected_count == count
        if observed is not None:
            value = result.observed_value
            assert (value["unexpected_ratio"] if isinstance(value, dict) else value) == observed
    # A column GX cannot find makes the dependent expectations fail, with GX's exception.
    if case == "missing_column":
        assert failed[("type_text", "country")].exception


def test_null_ratio_at_the_limit_passes_and_threshold_comes_from_settings(
    make_frame: Callable, write_source: Callable
) -> None:
    one_null = make_frame("pubmed_articles")
    one_null.loc[0, "pub_year"] = None  # 1 of 20 = 5%, the default maximum
    two_nulls = make_frame("biotech_companies")
    two_nulls.loc[[0, 1], "fiscal_year"] = None  # 10%
    outcomes = {
        "pubmed_articles": write_source("pubmed_articles", one_null),
        "biotech_companies": write_source("biotech_companies", two_nulls),
    }
    suites = run(ValidationSettings(), outcomes)
    assert failures(suites["pubmed_articles"]) == {}
    assert set(failures(suites["biotech_companies"])) == {("null_ratio", "fiscal_year")}
    relaxed = run(ValidationSettings(max_null_ratio=0.10), outcomes)
    assert failures(relaxed["biotech_companies"]) == {}
    [null_check] = [
        r
        for r in relaxed["biotech_companies"].results
        if r.check == "null_ratio" and r.columns == ("fiscal_year",)
    ]
    assert null_check.threshold["mostly"] == pytest.approx(0.90)
    assert null_check.unexpected_count == 2


def test_no_source_suite_checks_duplicates_on_the_deduplicated_table(
    limits: ValidationSettings, make_frame: Callable, write_source: Callable
) -> None:
    # The reader already rejected every repeat: a uniqueness check here could not fail
    # (etl.stages.extract.check_conflicting_duplicates measures them before dropping).
    frame = make_frame("pubmed_articles", rows=20)
    frame.loc[1:10, "pmid"] = 1  # half the rows share a key: still no duplicate check
    suite = run(limits, {"pubmed_articles": write_source("pubmed_articles", frame)})
    assert failures(suite["pubmed_articles"]) == {}
    assert "duplicate_ratio" not in {r.check for r in suite["pubmed_articles"].results}


@pytest.mark.parametrize(
    "case",
    [(2, 0, True), (3, 0, False), (2, 7, True), (3, 7, False)],
    ids=["2_rejected", "3_rejected", "2_rejected_7_blank", "3_rejected_7_blank"],
)
def test_rejected_ratio_against_the_configured_maximum(
    case: tuple[int, int, bool],
    limits: ValidationSettings,
    make_frame: Callable,
    write_source: Callable,
) -> None:
    # 20 clean rows: 2 rejects are 2/22 = 9.1% (<= 10%), 3 are 3/23 = 13%; blanks don't count.
    rejected, blank, passes = case
    outcome = write_source("trl_predictions", make_frame("trl_predictions"), rejected, blank)
    suite = run(limits, {"trl_predictions": outcome})["trl_predictions"]
    [check] = [r for r in suite.results if r.check == "rejected_ratio"]
    assert check.success is passes
    assert check.observed_value == 20
    assert check.threshold["min_value"] == min_loaded_rows(outcome, limits.max_rejected_ratio)
    assert set(failures(suite)) == (set() if passes else {("rejected_ratio", "")})


def test_min_loaded_rows_is_exact_at_the_boundary(write_source: Callable) -> None:
    thirty = write_source("trl_predictions", pd.DataFrame({"x": range(27)}), rejected=3)
    assert min_loaded_rows(thirty, 0.10) == 27  # 3 of 30 rejected is exactly 10%: allowed
    empty = write_source("trl_predictions", pd.DataFrame({"x": []}))
    assert min_loaded_rows(empty, 0.10) == 0


def test_validate_sources_builds_data_docs_and_a_json_summary(
    settings: Settings, make_frame: Callable, write_source: Callable
) -> None:
    broken = make_frame("pubmed_articles")
    broken.loc[0, "pub_month"] = 13
    outcomes = {
        "pubmed_articles": write_source("pubmed_articles", broken),
        "trl_predictions": write_source("trl_predictions", make_frame("trl_predictions")),
    }
    report = validate_sources(settings, outcomes, years=run_year_ranges(), run_id="run-1")
    index = Path(report.data_docs_path or "")
    assert index == (settings.paths.data_docs_dir / "run-1" / "sources" / "index.html").resolve()
    assert index.is_file()
    assert "pubmed_articles" in index.read_text(encoding="utf-8")
    summary = json.loads(json.dumps(report.as_dict()))
    assert summary["data_docs_path"] == str(index)
    assert summary["failed_errors"] == 1
    [failed] = [e for s in summary["suites"] for e in s["expectations"] if not e["success"]]
    assert failed["suite"] == "pubmed_articles"
    assert failed["expectation_type"] == "expect_column_values_to_be_between"
    assert failed["columns"] == ["pub_month"]
    assert failed["unexpected_count"] == 1
    assert failed["unexpected_examples"] == [13]
    assert failed["severity"] == "error"
    with pytest.raises(DataQualityError, match=r"suite=pubmed_articles .*column=pub_month"):
        report.raise_for_errors()


def test_unknown_source_is_refused(limits: ValidationSettings, write_source: Callable) -> None:
    with pytest.raises(ValueError, match="unknown source"):
        run(limits, {"weather": object()})


def test_every_rule_column_is_checked() -> None:
    for source, rules in RULES.items():
        names = {c for c, _, _ in source_columns(source)}
        assert {r.column for r in rules} <= names


def test_string_text_is_read_arrow_backed_and_object_text_stays_object(
    make_frame: Callable, write_source: Callable
) -> None:
    frame = make_frame("pubmed_articles")
    frame["country"] = frame["country"].astype(object)
    read = source_frame("pubmed_articles", write_source("pubmed_articles", frame).data_path)
    assert read["abstract"].dtype == pd.StringDtype("pyarrow")
    assert read["country"].dtype == object  # GX checks the type of each value here
    assert str(read["pub_year"].dtype) == "Int64"


def test_one_result_per_expectation_grouped_by_column_on_every_row(
    limits: ValidationSettings, make_frame: Callable, write_source: Callable
) -> None:
    outcome = write_source("biotech_companies", make_frame("biotech_companies", rows=30))
    suite = run(limits, {"biotech_companies": outcome})["biotech_companies"]
    expected = source_expectations("biotech_companies", limits, outcome, run_year_ranges())
    assert sorted(r.check for r in suite.results) == sorted(e.meta["check"] for e in expected)
    columns = [r.columns for r in suite.results]
    runs = [c for i, c in enumerate(columns) if i == 0 or c != columns[i - 1]]
    assert len(runs) == len(set(runs))  # each column's results are together, as GX lists them
    value_checks = [r for r in suite.results if r.check in ("null_ratio", "range")]
    assert value_checks
    assert all(r.observed_value["element_count"] == 30 for r in value_checks)
