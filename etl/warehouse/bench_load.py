"""Benchmark the load against its floor: a raw COPY of the final tables into plain tables.

    python -m etl.warehouse.bench_load --publications 1000000 \
        --url postgresql+psycopg2://abi_test:abi_test@127.0.0.1:5432/postgres

Each measurement gets a fresh database on the server (the role needs CREATEDB), after a
CHECKPOINT when the role may issue one, so no run pays for the previous run's dirty
pages. Measured: the floor (CREATE TABLE + COPY + commit of all eight final tables,
surrogate keys included, no constraints or indexes); load_tables on an empty warehouse;
load_tables again with identical input; and pandas to_sql on a sample, extrapolated.
Results are logged and written as JSON (default bench-results/load.json).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import URL, Connection, Engine, make_url

from etl.warehouse.arrow_batches import arrow_schema, frame_batches, parquet_batches
from etl.warehouse.schema import PUBLISHED_TABLES
from etl.warehouse.staged import STAGED_COLUMNS
from etl.warehouse.tables import qi, sql_type
from etl.warehouse.write import copy_batches

logger = logging.getLogger(__name__)

FACTS_PER_PUBLICATION = 1.5
TECHNOLOGIES = 200
_SYLLABLES = [
    "ge",
    "ne",
    "cel",
    "pro",
    "tein",
    "ther",
    "apy",
    "cli",
    "ni",
    "cal",
    "tri",
    "al",
    "im",
    "mu",
    "re",
    "spon",
    "se",
    "vec",
    "tor",
    "de",
    "li",
    "ver",
    "y",
    "ed",
    "it",
    "ing",
    "seq",
    "uen",
    "ce",
    "ex",
    "pres",
    "sion",
    "mo",
    "del",
    "pa",
    "ti",
    "ent",
]


def _vocabulary(rng: np.random.Generator, size: int = 5000) -> np.ndarray:
    """Pseudo-words with Zipf-like frequencies: text about as compressible as English."""
    words = ["".join(rng.choice(_SYLLABLES, size=rng.integers(1, 5))) for _ in range(size)]
    return np.array(words)


def _texts(rng: np.random.Generator, count: int, words: int, pool_size: int = 4096) -> list[str]:
    """`count` texts of about `words` words, varied but cheap to make."""
    vocabulary = _vocabulary(rng)
    weights = 1.0 / np.arange(1, len(vocabulary) + 1)
    weights /= weights.sum()
    pool_texts = [" ".join(rng.choice(vocabulary, size=words, p=weights)) for _ in range(pool_size)]
    picks = rng.integers(0, pool_size, size=count)
    return [f"{pool_texts[p]} #{i}" for i, p in enumerate(picks)]


def _dim_date() -> pd.DataFrame:
    days = pd.date_range("2000-01-01", "2035-12-31", freq="D")
    return pd.DataFrame(
        {
            "date_key": days.year * 10000 + days.month * 100 + days.day,
            "date": days.date,
            "year": days.year,
            "quarter": days.quarter,
            "month": days.month,
            "month_name": days.month_name(),
            "iso_week": days.isocalendar().week.to_numpy(),
            "day_of_week": days.dayofweek + 1,
            "is_weekend": days.dayofweek >= 5,
            "fiscal_year": days.year,
            "fiscal_quarter": days.quarter,
        }
    )[STAGED_COLUMNS["dim_date"]]


def staged_dataset(publications: int, seed: int = 0) -> dict[str, pd.DataFrame]:
    """Staged frames: `publications` articles (~1 kB abstracts), 1.5 facts per article."""
    rng = np.random.default_rng(seed)
    n = publications
    pmids = np.arange(30_000_000, 30_000_000 + n, dtype=np.int64)
    years = rng.integers(2015, 2026, size=n)
    months = rng.integers(1, 13, size=n)
    trl = rng.integers(1, 10, size=n)
    technologies = [f"technology {i:03d}" for i in range(TECHNOLOGIES)]
    dim_publication = pd.DataFrame(
        {
            "pmid": pmids,
            "title": _texts(rng, n, 10),
            "abstract": _texts(rng, n, 150),
            "authors": _texts(rng, n, 6),
            "keywords": _texts(rng, n, 4),
            "link": [f"https://pubmed.ncbi.nlm.nih.gov/{p}/" for p in pmids],
            "pub_year": years,
            "pub_month": months,
            "publication_date_key": years * 10000 + months * 100 + 1,
            "article_type": rng.choice(["Journal Article", "Review", "Clinical Trial"], size=n),
            "country": rng.choice(["United States", "Germany", "Japan", "France"], size=n),
            "research_domain": rng.choice(["Genomics", "Oncology", "Vaccines"], size=n),
            "technology_category": rng.choice(["Gene Editing", "Cell Therapy", None], size=n),
            "trl": trl,
            "trl_category": rng.choice(["Research", "Development", "Deployment"], size=n),
            "trl_stage": rng.choice(["Early", "Mid", "Late"], size=n),
            "maturity": rng.uniform(0, 100, size=n).round(2),
        }
    )[STAGED_COLUMNS["dim_publication"]]
    doubled = int(n * (FACTS_PER_PUBLICATION - 1))
    fact_pmid_index = np.concatenate([np.arange(n), np.arange(doubled)])
    fact_pmid_index.sort(kind="stable")
    first_tech = rng.integers(0, TECHNOLOGIES, size=n)
    tech_index = first_tech[fact_pmid_index].copy()
    second = np.r_[False, fact_pmid_index[1:] == fact_pmid_index[:-1]]
    tech_index[second] = (tech_index[second] + 1) % TECHNOLOGIES
    m = len(fact_pmid_index)
    fact = pd.DataFrame(
        {
            "pmid": pmids[fact_pmid_index],
            "technology": np.array(technologies, dtype=object)[tech_index],
            "publication_date_key": dim_publication["publication_date_key"].to_numpy()[
                fact_pmid_index
            ],
            "pub_year": years[fact_pmid_index],
            "trl": trl[fact_pmid_index],
            "maturity_score": rng.uniform(0, 100, size=m).round(2),
            "innovation_score": rng.uniform(0, 100, size=m).round(2),
            "market_score": rng.uniform(0, 100, size=m).round(2),
            "risk_score": rng.uniform(0, 100, size=m).round(2),
        }
    )[STAGED_COLUMNS["fact_publication_technology"]]
    dim_technology = pd.DataFrame(
        {
            "technology": technologies,
            "display_name": [t.title() for t in technologies],
            "technology_category": "Biotech",
            "in_trl_file": True,
        }
    )[STAGED_COLUMNS["dim_technology"]]
    empty = {
        name: pd.DataFrame(columns=STAGED_COLUMNS[name])
        for name in ("dim_company", "fact_trl_prediction", "fact_financial", "fact_company_score")
    }
    return {
        "dim_date": _dim_date(),
        "dim_technology": dim_technology,
        "dim_publication": dim_publication,
        "fact_publication_technology": fact,
        **empty,
    }


def final_dataset(staged: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The same content as published: surrogate keys in place of natural keys."""
    final = dict(staged)
    publication = staged["dim_publication"]
    publication_key = pd.Series(np.arange(1, len(publication) + 1), index=publication["pmid"])
    technology = staged["dim_technology"]
    technology_key = pd.Series(np.arange(1, len(technology) + 1), index=technology["technology"])
    final["dim_publication"] = publication.assign(publication_key=publication_key.to_numpy())
    final["dim_technology"] = technology.assign(technology_key=technology_key.to_numpy())
    fact = staged["fact_publication_technology"]
    final["fact_publication_technology"] = fact.assign(
        publication_key=publication_key.reindex(fact["pmid"]).to_numpy(),
        technology_key=technology_key.reindex(fact["technology"]).to_numpy(),
    ).drop(columns=["pmid", "technology"])
    for name in ("dim_company", "fact_trl_prediction", "fact_financial", "fact_company_score"):
        table = next(t for t in PUBLISHED_TABLES if t.name == name)
        final[name] = pd.DataFrame(columns=[c.name for c in table.columns])
    return final


def settle(server: URL) -> None:
    """Flush dirty pages (ours and the server's) so a measurement never pays for the last."""
    os.sync()
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)
    with admin.connect() as conn:
        superuser = conn.execute(
            text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        ).scalar()
        # The previous load's autovacuum would otherwise run during this measurement.
        while conn.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'")
        ).scalar():
            time.sleep(0.5)
        if superuser:
            conn.execute(text("CHECKPOINT"))
    admin.dispose()
    os.sync()


def vacuum(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)
    with engine.connect() as conn:
        conn.execute(text("VACUUM (ANALYZE)"))
    engine.dispose()


@contextmanager
def fresh_database(server: URL) -> Iterator[str]:
    name = f"abi_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {qi(name)}"))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {qi(name)} WITH (FORCE)"))
        admin.dispose()


class PeakRss:
    """Peak resident memory of this process while the block runs (sampled)."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        process = psutil.Process()
        while not self._stop.is_set():
            self.peak = max(self.peak, process.memory_info().rss)
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakRss:
        self.baseline = psutil.Process().memory_info().rss
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.baseline) / 2**20


Source = dict[str, pd.DataFrame] | dict[str, Path]


def raw_copy(conn: Connection, final: Source) -> None:
    """The floor: plain tables (no key, index or constraint), filled by the same COPY path."""
    for table in PUBLISHED_TABLES:
        columns = [(c.name, c.type) for c in table.columns]
        ddl = ", ".join(f"{qi(c.name)} {sql_type(c)}" for c in table.columns)
        conn.execute(text(f"CREATE TABLE {qi(table.name)} ({ddl})"))
        source = final[table.name]
        schema = arrow_schema(columns)
        if isinstance(source, pd.DataFrame):
            batches = frame_batches(source[schema.names], schema, table.name)
        else:
            batches = parquet_batches(source, schema, table.name)
        copy_batches(conn, qi(table.name), schema.names, batches, fmt="csv")


def to_parquet(frames: dict[str, pd.DataFrame], directory: Path) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, frame in frames.items():
        paths[name] = directory / f"{name}.parquet"
        # Small row groups: the reader holds one row group in memory at a time.
        frame.to_parquet(paths[name], index=False, row_group_size=65_536)
    return paths


def timed(
    server: URL, label: str, action: Callable[[], object], results: dict[str, object]
) -> float:
    """Seconds `action` takes after the machine settled; keeps the peak memory growth."""
    settle(server)
    with PeakRss() as rss:
        started = time.perf_counter()
        action()
        seconds = round(time.perf_counter() - started, 2)
    key = f"{label}_rss_growth_mb"
    previous = float(results.get(key, 0.0))  # type: ignore[arg-type]
    results[key] = max(previous, round(rss.growth_mb, 1))
    logger.info(
        "event=bench label=%s seconds=%.2f rss_growth_mb=%.0f", label, seconds, rss.growth_mb
    )
    return seconds


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 2)


def bench(
    server: URL, publications: int, to_sql_rows: int, repeat: int = 1, source: str = "frames"
) -> dict[str, object]:
    results: dict[str, object] = {"publications": publications, "repeat": repeat, "source": source}
    started = time.perf_counter()
    staged_frames = staged_dataset(publications)
    final_frames = final_dataset(staged_frames)
    staged: Source = staged_frames
    final: Source = final_frames
    scratch = Path(tempfile.mkdtemp(prefix="abi_bench_"))
    if source == "parquet":
        staged = to_parquet(staged_frames, scratch / "staged")
        final = to_parquet(final_frames, scratch / "final")
    results["facts"] = len(staged_frames["fact_publication_technology"])
    logger.info("event=bench_data_ready seconds=%.1f", time.perf_counter() - started)
    runs: dict[str, list[float]] = {"raw_copy_floor": [], "load_first": [], "load_rerun": []}
    for _ in range(repeat):
        # Alternate floor and load so that drifting machine load hits both alike.
        with fresh_database(server) as url:
            engine = create_engine(url, poolclass=pool.NullPool)

            def floor(engine: Engine = engine) -> None:
                with engine.begin() as conn:
                    raw_copy(conn, final)

            runs["raw_copy_floor"].append(timed(server, "raw_copy_floor", floor, results))
            engine.dispose()
        with fresh_database(server) as url:
            first = partial(load_tables, url, staged, run_id="bench-1")
            runs["load_first"].append(timed(server, "load_first", first, results))
            # A nightly re-run comes a day later, when autovacuum has long processed the
            # first load; without this it would run during, and blur, the measurement.
            vacuum(url)
            rerun = partial(load_tables, url, staged, run_id="bench-2")
            runs["load_rerun"].append(timed(server, "load_rerun", rerun, results))
    for label, values in runs.items():
        results[f"{label}_runs"] = values
        results[label] = _median(values)
    if to_sql_rows:
        sample = final_frames["dim_publication"].iloc[:to_sql_rows]
        facts = final_frames["fact_publication_technology"].iloc[: int(to_sql_rows * 1.5)]
        with fresh_database(server) as url:
            engine = create_engine(url, poolclass=pool.NullPool)

            def to_sql(engine: Engine = engine) -> None:
                with engine.begin() as conn:
                    sample.to_sql("dim_publication", conn, index=False, chunksize=10_000)
                    facts.to_sql("fact_publication_technology", conn, index=False, chunksize=10_000)

            seconds = timed(server, "to_sql_sample", to_sql, results)
            engine.dispose()
        results["to_sql_sample"] = seconds
        results["to_sql_extrapolated"] = round(seconds * publications / to_sql_rows, 1)
    floor_s = float(results["raw_copy_floor"])  # type: ignore[arg-type]
    for label in ("load_first", "load_rerun"):
        results[f"{label}_ratio"] = round(float(results[label]) / floor_s, 2)  # type: ignore[arg-type]
    shutil.rmtree(scratch)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--publications", type=int, default=1_000_000)
    parser.add_argument("--to-sql-rows", type=int, default=100_000, help="0 to skip")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; medians reported")
    parser.add_argument(
        "--source",
        choices=("frames", "parquet"),
        default="frames",
        help="hand the loads DataFrames or Parquet files (as the transform writes them)",
    )
    parser.add_argument(
        "--url",
        default=os.environ.get("ABI_BENCH_DATABASE_URL") or os.environ.get("ABI_TEST_DATABASE_URL"),
        help="any database on the server to benchmark (a role with CREATEDB)",
    )
    parser.add_argument("--output", type=Path, default=Path("bench-results/load.json"))
    args = parser.parse_args(argv)
    if not args.url:
        parser.error("give --url or set ABI_BENCH_DATABASE_URL")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    results = bench(
        make_url(args.url), args.publications, args.to_sql_rows, args.repeat, args.source
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    logger.info("event=bench_done output=%s results=%s", args.output, json.dumps(results))


if __name__ == "__main__":
    main()
