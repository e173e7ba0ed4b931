"""Expectation suites for the clean source tables, one per source, named after it.

The clean Parquet files the extract stage writes are small enough for pandas (a million
publications read in about a second), so these suites run on GX's pandas data source.
The column list, types, mandatory columns and ranges come from `etl.extract.columns`,
the thresholds from `settings.validation`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import great_expectations as gx
import great_expectations.expectations as gxe
import pandas as pd
import pyarrow as pa
from great_expectations.core import ExpectationValidationResult
from great_expectations.data_context import AbstractDataContext
from great_expectations.datasource.fluent import PandasDatasource

from etl.config.settings import SOURCE_NAMES, Settings, ValidationSettings
from etl.config.year_ranges import YearRanges
from etl.extract.columns import NATURAL_KEYS, RULES, ColumnRule, Kind
from etl.quality.data_docs import build_data_docs, new_run_id, site_dir
from etl.quality.gx_context import new_context
from etl.quality.gx_results import expectation_result
from etl.quality.results import QualityReport, SuiteResult
from etl.quality.runner import log_suite_result, run_validation
from etl.quality.severity import ERROR, WARNING, Severity

logger = logging.getLogger(__name__)

KIND = "source"
DATASOURCE_NAME = "sources"
# Columns that are not in RULES but every clean frame of that source carries.
EXTRA_COLUMNS: dict[str, tuple[tuple[str, Kind], ...]] = {
    "pubmed_articles": (("pmid", "int"),),  # parsed from the link by the reader
}

# Text columns written as pandas "string" are read with Arrow storage: a million long
# abstracts as Python str objects take ~1.7x the Arrow bytes, and converting holds both at
# once. GX maps the type name "StringDtype" to `pd.StringDtype()`, whose storage is this
# same option, so the type checks run under it too. Columns written as `object` stay
# `object` and keep GX's per-value type check.
STRING_STORAGE = ("mode.string_storage", "pyarrow")
# Expectations that read the values of their one column only. GX's pandas engine filters
# the whole batch frame to the column's non-null rows for each range metric, which copies
# every Arrow text buffer; these run on a frame of just the columns they name (all rows).
VALUE_CHECKS = (
    gxe.ExpectColumnValuesToNotBeNull,
    gxe.ExpectColumnValuesToBeBetween,
)

_INTS = ("int8", "int16", "int32", "int64", "Int8Dtype", "Int16Dtype", "Int32Dtype", "Int64Dtype")
_FLOATS = ("float32", "float64", "Float32Dtype", "Float64Dtype")
# GX compares a typed column's dtype against this list, and for an `object` column the
# Python type of each value, hence both spellings of text.
TYPE_LISTS: dict[Kind, list[str]] = {
    "int": list(_INTS),
    "float": [*_FLOATS, *_INTS],  # a float column whose values are all whole may come as int
    "text": ["object", "str", "StringDtype", "string"],
}


class SourceOutcomeLike(Protocol):
    """What the suites need of `etl.stages.extract.SourceOutcome`."""

    @property
    def source(self) -> str: ...
    @property
    def data_path(self) -> str: ...
    @property
    def rows_in_file(self) -> int: ...
    @property
    def loaded(self) -> int: ...
    @property
    def rejected(self) -> int: ...
    @property
    def blank_rows(self) -> int: ...


@dataclass(frozen=True)
class Range:
    minimum: float | None
    maximum: float | None
    severity: Severity
    source: str  # where the bounds come from, for the docs and the report


def column_range(rule: ColumnRule, years: YearRanges) -> Range | None:
    """The allowed range of a clean column: the run's year bounds, else the reader's rule.

    The same bounds the reader applied, so the suite restates them for the Data Docs; a
    reader that let an out-of-range value through would fail here.
    """
    if rule.column in years.by_column:
        bound = years[rule.column]
        # The assessment year is not a key: out of range is worth a look, not a block.
        severity = WARNING if rule.column == "current_year" else ERROR
        return Range(bound.minimum, bound.maximum, severity, bound.source)
    if rule.minimum is not None or rule.maximum is not None:
        return Range(rule.minimum, rule.maximum, ERROR, "etl.extract.columns rule")
    return None


def _meta(check: str, threshold_source: str | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"check": check}
    if threshold_source:
        meta["threshold_source"] = threshold_source
    return meta


def min_loaded_rows(outcome: SourceOutcomeLike, max_rejected_ratio: float) -> int:
    """Fewest clean rows that keep rejected / (rows_in_file - blank_rows) within the maximum.

    rejected = counted - loaded, so `rejected <= max * counted` is `loaded >= this`.
    The small epsilon keeps 0.1 * 30 from flooring to 2 in binary floating point.
    """
    counted = max(outcome.rows_in_file - outcome.blank_rows, 0)
    return counted - math.floor(max_rejected_ratio * counted + 1e-9)


def source_columns(source: str) -> list[tuple[str, Kind, ColumnRule | None]]:
    extra = [(name, kind, None) for name, kind in EXTRA_COLUMNS.get(source, ())]
    return extra + [(rule.column, rule.kind, rule) for rule in RULES[source]]


def build_source_suite(
    source: str, limits: ValidationSettings, outcome: SourceOutcomeLike, years: YearRanges
) -> gx.ExpectationSuite:
    """The suite of one source: presence, types, null ratio, ranges, rejects."""
    return gx.ExpectationSuite(
        name=source, expectations=source_expectations(source, limits, outcome, years)
    )


def source_expectations(
    source: str, limits: ValidationSettings, outcome: SourceOutcomeLike, years: YearRanges
) -> list[gxe.Expectation]:
    """The expectations of `build_source_suite`, in its order."""
    if source not in RULES:
        raise ValueError(f"source={source} problem=no column rules for this source")
    # Collected first: adding to a suite that no context owns yet makes GX look for one.
    expectations: list[gxe.Expectation] = []
    key = NATURAL_KEYS[source]
    for column, kind, rule in source_columns(source):
        expectations.append(
            gxe.ExpectColumnToExist(
                column=column,
                severity=ERROR.gx,
                meta=_meta("column_present", "etl.extract.columns"),
            )
        )
        expectations.append(
            gxe.ExpectColumnValuesToBeInTypeList(
                column=column,
                type_list=TYPE_LISTS[kind],
                severity=ERROR.gx,
                meta=_meta(f"type_{kind}", "etl.extract.columns"),
            )
        )
        if column in key or (rule is not None and rule.required):
            expectations.append(
                gxe.ExpectColumnValuesToNotBeNull(
                    column=column,
                    mostly=1 - limits.max_null_ratio,
                    severity=ERROR.gx,
                    meta=_meta("null_ratio", "settings.validation.max_null_ratio"),
                )
            )
        allowed = column_range(rule, years) if rule is not None else None
        if allowed is not None:
            expectations.append(
                gxe.ExpectColumnValuesToBeBetween(
                    column=column,
                    min_value=allowed.minimum,
                    max_value=allowed.maximum,
                    severity=allowed.severity.gx,
                    meta=_meta("range", allowed.source),
                )
            )
    # No duplicate-ratio expectation: the clean table is unique by construction (the reader
    # rejects every repeat), so one here could not fail. Conflicting repeats are measured
    # on the file's rows before anything is dropped and checked once, at extraction
    # (etl.stages.extract.check_conflicting_duplicates, settings.validation.max_duplicate_ratio).
    expectations.append(
        gxe.ExpectTableRowCountToBeBetween(
            min_value=min_loaded_rows(outcome, limits.max_rejected_ratio),
            severity=ERROR.gx,
            description="rejected-row ratio: clean rows >= counted rows * (1 - max ratio)",
            meta=_meta("rejected_ratio", "settings.validation.max_rejected_ratio")
            | {
                "rows_in_file": outcome.rows_in_file,
                "blank_rows": outcome.blank_rows,
                "rejected": outcome.rejected,
                "max_rejected_ratio": limits.max_rejected_ratio,
            },
        )
    )
    return expectations


def source_frame(source: str, data_path: str | Path) -> pd.DataFrame:
    """The clean rows of `source`, text columns Arrow-backed."""
    with pd.option_context(*STRING_STORAGE):
        frame = pd.read_parquet(data_path)
    # The numeric columns were converted out of Arrow; hand their buffers back to the OS.
    pa.default_memory_pool().release_unused()
    return frame


def value_frame(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The named columns of `frame` (those it has), nullable numbers as float64.

    GX compares a range vectorised only for a numpy int or float column; a nullable Int64
    or Float64 column goes value by value through a Python function (4M calls at 1M
    articles: 7 s of the suites' CPU). As float64 the nulls are NaN, which GX counts as
    null exactly as it did <NA>, and every value the readers keep (cik < 10^10) is exact.
    """
    kept = frame[[c for c in columns if c in frame.columns]]
    nullable = [c for c in kept.columns if _nullable_number(kept[c].dtype)]
    return kept.astype(dict.fromkeys(nullable, "float64")) if nullable else kept


def _nullable_number(dtype: Any) -> bool:
    types = pd.api.types
    return (
        types.is_extension_array_dtype(dtype)
        and types.is_numeric_dtype(dtype)
        and not types.is_bool_dtype(dtype)
    )


def _ordered(outcomes: Mapping[str, SourceOutcomeLike]) -> list[str]:
    unknown = sorted(set(outcomes) - set(SOURCE_NAMES))
    if unknown:
        raise ValueError(f"sources={','.join(unknown)} problem=unknown source names")
    return [name for name in SOURCE_NAMES if name in outcomes]


def run_source_suites(
    context: AbstractDataContext,
    limits: ValidationSettings,
    outcomes: Mapping[str, SourceOutcomeLike],
    run_id: str,
    years: YearRanges,
) -> list[SuiteResult]:
    datasource = context.data_sources.add_pandas(DATASOURCE_NAME)
    results = []
    for source in _ordered(outcomes):
        outcome = outcomes[source]
        expectations = source_expectations(source, limits, outcome, years)
        frame = source_frame(source, outcome.data_path)
        results.append(_run_source(context, datasource, source, expectations, frame, run_id=run_id))
        # Dropped before the next source's file is read, not after.
        del frame
        pa.default_memory_pool().release_unused()
    return results


def _by_column(expectations: list[gxe.Expectation]) -> list[int]:
    """Indexes grouped by column, first seen first: GX's validator orders a suite so."""
    groups: dict[str | None, list[int]] = {}
    for index, expectation in enumerate(expectations):
        column = getattr(expectation, "column", None)
        groups.setdefault(column if isinstance(column, str) else None, []).append(index)
    return [index for group in groups.values() for index in group]


def _run_source(
    context: AbstractDataContext,
    datasource: PandasDatasource,
    source: str,
    expectations: list[gxe.Expectation],
    frame: pd.DataFrame,
    *,
    run_id: str,
) -> SuiteResult:
    """One source's expectations on all its rows, as two GX suites of one batch each.

    `<source>.table` (presence, types, row count) sees the whole frame; `<source>.values`
    sees only the columns its value checks name. The results come back as one suite named
    after the source, in GX's column order (one GX run would list any expectation whose
    metrics raised first; here it keeps its place).
    """
    parts: dict[str, list[int]] = {"table": [], "values": []}
    for index, expectation in enumerate(expectations):
        parts["values" if isinstance(expectation, VALUE_CHECKS) else "table"].append(index)
    # A column missing from the file stays missing, so its checks fail as on the whole frame.
    named = dict.fromkeys(str(expectations[i].column) for i in parts["values"])
    frames = {"table": frame, "values": value_frame(frame, list(named))}
    asset = datasource.add_dataframe_asset(source)
    evrs: dict[int, ExpectationValidationResult] = {}
    seconds = 0.0
    with pd.option_context(*STRING_STORAGE):
        for part, indexes in parts.items():
            if not indexes:
                continue
            suite = context.suites.add(
                gx.ExpectationSuite(
                    name=f"{source}.{part}", expectations=[expectations[i] for i in indexes]
                )
            )
            validation, took = run_validation(
                context,
                KIND,
                suite,
                asset.add_batch_definition_whole_dataframe(part),
                run_id=run_id,
                batch_parameters={"dataframe": frames[part]},
            )
            seconds += took
            # GX gives each expectation of a stored suite an id; its result carries it.
            index_of = {e.id: i for i, e in zip(indexes, suite.expectations, strict=True)}
            reported = [index_of[evr.expectation_config.id] for evr in validation.results]
            evrs.update(zip(reported, validation.results, strict=True))
    result = SuiteResult(
        name=source,
        kind=KIND,
        results=tuple(expectation_result(source, evrs[i]) for i in _by_column(expectations)),
        seconds=seconds,
    )
    log_suite_result(result)
    return result


def validate_sources(
    settings: Settings,
    outcomes: Mapping[str, SourceOutcomeLike],
    *,
    years: YearRanges,
    run_id: str | None = None,
) -> QualityReport:
    """Validate each source's clean Parquet file; build this run's Data Docs site."""
    run_id = run_id or new_run_id()
    docs = site_dir(settings, run_id, "sources")
    context = new_context(docs)
    suites = run_source_suites(context, settings.validation, outcomes, run_id, years)
    index = build_data_docs(context, docs)
    return QualityReport(suites=tuple(suites), data_docs_path=str(index), run_id=run_id)
