"""`abi-etl bench`: extract, transform and load N publications, against two baselines.

One run measures, on the same rows: each stage of the real pipeline (the stage functions
the flow runs; the load once into the empty warehouse and once more with the same
files, the nightly case), the Great Expectations suites, a raw COPY of the final tables into plain
tables (the floor), the same COPY into the warehouse's own tables followed by building
their keys (the floor for tables that carry the constraints the schema requires), and
pandas `to_sql` of the same final tables (what naive code does).
Every database is a throwaway one created on the server of the given URL.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import SecretStr
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import Connection, make_url

from etl.config.settings import SOURCE_NAMES, Settings
from etl.sample.generator import generate_sample
from etl.stages import load as load_stage
from etl.stages.context import new_run_context
from etl.stages.extract import extract_source
from etl.stages.transform import transform_sources
from etl.warehouse.bench_load import PeakRss, fresh_database, settle
from etl.warehouse.bulk import BulkPlan
from etl.warehouse.migrate import upgrade
from etl.warehouse.schema import PUBLISHED_TABLES, WAREHOUSE_SCHEMA
from etl.warehouse.tables import publish_order, qi, qualified, sql_type
from etl.warehouse.write import COPY_READ_SIZE

logger = logging.getLogger(__name__)


@dataclass
class StageFigure:
    seconds: float
    rows: int
    peak_rss_mb: float

    @property
    def rows_per_second(self) -> float:
        return round(self.rows / self.seconds, 1) if self.seconds else 0.0

    def as_dict(self) -> dict[str, float]:
        return {
            "seconds": round(self.seconds, 2),
            "rows": self.rows,
            "rows_per_second": self.rows_per_second,
            "peak_rss_mb": round(self.peak_rss_mb, 1),
        }


@dataclass
class BenchReport:
    publications: int
    companies: int
    source_format: str
    stages: dict[str, StageFigure] = field(default_factory=dict)
    baselines: dict[str, StageFigure] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        etl = ("extract", "transform", "load")
        total = sum(self.stages[s].seconds for s in etl if s in self.stages)

        def over(stage: str, baseline: str) -> float | None:
            timed, floor = self.stages.get(stage), self.baselines.get(baseline)
            return round(timed.seconds / floor.seconds, 2) if timed and floor else None

        return {
            "publications": self.publications,
            "companies": self.companies,
            "source_format": self.source_format,
            "stages": {name: f.as_dict() for name, f in self.stages.items()},
            "baselines": {name: f.as_dict() for name, f in self.baselines.items()},
            "extract_transform_load_seconds": round(total, 2),
            "load_over_raw_copy": over("load", "raw_copy_floor"),
            "load_over_raw_copy_keyed": over("load", "raw_copy_keyed"),
            "reload_over_raw_copy": over("reload", "raw_copy_floor"),
            "reload_over_raw_copy_keyed": over("reload", "raw_copy_keyed"),
            "extract_transform_load_peak_rss_mb": round(
                max((self.stages[s].peak_rss_mb for s in etl if s in self.stages), default=0.0), 1
            ),
            "peak_rss_mb": round(max(f.peak_rss_mb for f in self.stages.values()), 1),
        }


def _measure(action: Callable[[], int]) -> StageFigure:
    """Time `action` (which returns its row count) and the process's peak memory during it."""
    with PeakRss() as rss:
        started = time.perf_counter()
        rows = action()
        seconds = time.perf_counter() - started
    return StageFigure(seconds, rows, rss.peak / 2**20)


def _to_sql(url: str, final: dict[str, pd.DataFrame]) -> int:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            for name, frame in final.items():
                frame.to_sql(name, conn, index=False, chunksize=10_000)
    finally:
        engine.dispose()
    return sum(len(frame) for frame in final.values())


def _copy_on(conn: Connection, sql: str, path: Path, mode: str) -> None:
    with path.open(mode) as handle:
        cursor = conn.connection.driver_connection.cursor()
        cursor.copy_expert(sql, handle, size=COPY_READ_SIZE)


def _copy(url: str, sql: str, path: Path, mode: str) -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            _copy_on(conn, sql, path, mode)
    finally:
        engine.dispose()


def _dump_published(url: str, out_dir: Path) -> dict[str, tuple[Path, int]]:
    """The final tables exactly as published, as CSV files (not timed)."""
    out_dir.mkdir(parents=True)
    dumps = {}
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        counts = {
            t.name: conn.execute(
                text(f"SELECT count(*) FROM {qualified(WAREHOUSE_SCHEMA, t.name)}")
            ).scalar_one()
            for t in PUBLISHED_TABLES
        }
    engine.dispose()
    for table in PUBLISHED_TABLES:
        path = out_dir / f"{table.name}.csv"
        source = qualified(WAREHOUSE_SCHEMA, table.name)
        _copy(url, f"COPY {source} TO STDOUT WITH (FORMAT csv, HEADER)", path, "wb")
        dumps[table.name] = (path, counts[table.name])
    return dumps


def _raw_copy(url: str, dumps: dict[str, tuple[Path, int]], rows: int) -> int:
    """The floor: plain tables, no key, index or constraint, filled by one COPY each."""
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.begin() as conn:
        for table in PUBLISHED_TABLES:
            ddl = ", ".join(f"{qi(c.name)} {sql_type(c)}" for c in table.columns)
            conn.execute(text(f"CREATE TABLE {qi(table.name)} ({ddl})"))
    engine.dispose()
    for name, (path, _) in dumps.items():
        _copy(url, f"COPY {qi(name)} FROM STDIN WITH (FORMAT csv, HEADER)", path, "rb")
    return rows


def _keyed_copy(url: str, dumps: dict[str, tuple[Path, int]], rows: int) -> int:
    """The floor for the final tables as the schema defines them, keys included.

    The fastest way there: into the migrated warehouse tables, with their keys, indexes
    and foreign keys dropped first and rebuilt after (what the load's first-load path
    does too), all in one transaction. The schema is created beforehand, untimed.
    """
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            plan = BulkPlan.for_tables({table.name for table in PUBLISHED_TABLES})
            plan.drop(conn)
            for name in publish_order(list(dumps)):
                target = qualified(WAREHOUSE_SCHEMA, name)
                sql = f"COPY {target} FROM STDIN WITH (FORMAT csv, HEADER)"
                _copy_on(conn, sql, dumps[name][0], "rb")
            plan.recreate(conn)
    finally:
        engine.dispose()
    return rows


def run_bench(
    settings: Settings,
    server_url: str,
    *,
    publications: int,
    companies: int,
    source_format: str = "csv",
    with_to_sql: bool = True,
) -> BenchReport:
    report = BenchReport(publications, companies, source_format)
    server = make_url(server_url)
    scratch = Path(tempfile.mkdtemp(prefix="abi_bench_"))
    try:
        raw = scratch / "raw"
        generate_sample(raw, publications=publications, companies=companies, fmt=source_format)
        with fresh_database(server) as url:
            paths = settings.paths.model_copy(
                update={
                    "raw_dir": raw,
                    "staging_dir": scratch / "staging",
                    "data_docs_dir": scratch / "docs",
                }
            )
            run_settings = settings.model_copy(
                update={"paths": paths, "warehouse_url": SecretStr(url)}
            )
            ctx = new_run_context(run_settings, "standard")
            outcomes: dict[str, Any] = {}

            def extract() -> int:
                for source in SOURCE_NAMES:
                    outcomes[source] = extract_source(ctx, source)
                return sum(o.rows_in_file for o in outcomes.values())

            report.stages["extract"] = _measure(extract)
            stage_results: dict[str, Any] = {}

            def transform() -> int:
                stage_results["transform"] = transform_sources(ctx, outcomes)
                return sum(stage_results["transform"].rows.values())

            report.stages["transform"] = _measure(transform)
            transformed = stage_results["transform"]
            settle(server)

            def load() -> int:
                with load_stage.run_lock(ctx):
                    written = load_stage.write_staging(ctx, transformed)
                    load_stage.publish_staging(ctx)
                return sum(written.rows.values())

            report.stages["load"] = _measure(load)

            def validate() -> int:
                audited = load_stage.audit_staging(ctx, outcomes)
                return int(audited.details.get("evaluated", 0))

            report.stages["validate"] = _measure(validate)
            # The nightly case: the same files again, so publish finds nothing to change.
            settle(server)
            report.stages["reload"] = _measure(load)

            dumps = _dump_published(url, scratch / "published")
        rows = sum(count for _, count in dumps.values())
        with fresh_database(server) as url:
            settle(server)
            report.baselines["raw_copy_floor"] = _measure(lambda: _raw_copy(url, dumps, rows))
        with fresh_database(server) as url:
            upgrade(url)
            settle(server)
            report.baselines["raw_copy_keyed"] = _measure(lambda: _keyed_copy(url, dumps, rows))
        if with_to_sql:
            frames = {name: pd.read_csv(path) for name, (path, _) in dumps.items()}
            with fresh_database(server) as url:
                settle(server)
                report.baselines["pandas_to_sql"] = _measure(lambda: _to_sql(url, frames))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return report


def write_report(report: BenchReport, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"bench-{report.publications}.json"
    path.write_text(json.dumps(report.as_dict(), indent=2) + "\n", encoding="utf-8")
    return path
