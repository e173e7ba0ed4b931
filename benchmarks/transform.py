"""The transform alone, no PostgreSQL needed.

    .venv/bin/python -m benchmarks.transform --publications 1000000

Builds synthetic clean frames in the readers' shape and dtypes (Arrow-backed text,
~1.5 technologies per article, ~1 kB abstracts, 700 companies x 6 fiscal years,
25 technologies x 4 horizons), then times `transform_tables` and `write_tables` and
samples the process RSS meanwhile.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import logging
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

from benchmarks.memory import PeakRss
from etl.logs import configure_logging
from etl.transform.companies import METRICS
from etl.transform.star_schema import transform_tables, write_tables
from etl.transform.vector import TEXT

logger = logging.getLogger(__name__)

TECHNOLOGIES = [
    "crispr",
    "cart-t",
    "genetherapy",
    "stemcell",
    "mrna",
    "rnai",
    "sirna",
    "ngs",
    "adc",
    "organoids",
    "microbiome",
    "proteomics",
    "genomics",
    "bioprinting",
    "nanotechnology",
    "immunotherapy",
    "celltherapy",
    "syntheticbiology",
    "antisense",
    "tcr-t",
    "ai",
    "pcr",
    "crisprcas9",
    "3dbioprinting",
    "mrnavaccine",
]
UNKNOWN = ["quantumbiology", "xenotransplant"]
COUNTRIES = [
    "États-Unis",
    "USA",
    "United States",
    "Allemagne",
    "Royaume-Uni",
    "Chine",
    "Japon",
    "France",
    "Suisse",
    "Irlande",
    "Canada",
    "Atlantis",
]
TYPES = ["Journal Article", "Review", "Clinical Trial", "Meta-Analysis", "Case Reports", None]
DOMAINS = ["Oncology", "Clinical Research", "Preclinical", "Neurology", "Immunology", None]
CATEGORIES = ["Gene Editing", "Cell Therapy", "Diagnostics", "Delivery", None]
STATES = [
    "Delaware",
    "Delaware, États-Unis",
    "DE",
    "California",
    "Californie",
    "Irlande",
    "Nevada",
    "Massachusetts",
    "Somewhere odd",
    None,
]
SIC = [
    "Pharmaceutical Preparations [reviewed]",
    "Pharmaceutical Preparations",
    "Biological Products (No Diagnostic Substances) -- check",
    "In Vitro & In Vivo Diagnostic Substances *",
]
INDUSTRIES = ["Biotechnology", "biotech", "Pharmaceuticals", "Diagnostics", "Gene startup", None]


def _technology_lists(rng: np.random.Generator, size: int) -> np.ndarray:
    """Pick from 3,000 distinct lists of 0..3 technologies (mean ~1.55 per article)."""
    pool = TECHNOLOGIES + UNKNOWN
    lengths = rng.choice([0, 1, 2, 3], 3000, p=[0.05, 0.45, 0.40, 0.10])
    lists = np.array(
        [";".join(rng.choice(pool, n, replace=False)) if n else None for n in lengths],
        dtype=object,
    )
    return lists[rng.integers(0, len(lists), size)]


def publications(size: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pmid = rng.choice(40_000_000, size, replace=False) + 1
    filler = "Background methods results conclusion. " * 26  # ~1 kB
    abstracts = [f"{filler}{i}" for i in range(size)]
    frame = pd.DataFrame(
        {
            "pmid": pmid.astype("int64"),
            "title": pd.array([f"Study {i} of biotech" for i in range(size)], dtype=TEXT),
            "abstract": pd.array(abstracts, dtype=TEXT),
            "authors": pd.array(rng.choice(["A. B, C. D", "E. F", None], size), dtype=TEXT),
            "link": pd.array([f"https://pubmed.ncbi.nlm.nih.gov/{p}/" for p in pmid], TEXT),
            "keywords": pd.array(rng.choice(["a;b", "c", None], size), dtype=TEXT),
            "pub_year": pd.array(rng.integers(2015, 2026, size), dtype="Int64"),
            "pub_month": pd.array(rng.choice([*range(1, 13), None], size), dtype="Int64"),
            "technologies": pd.array(_technology_lists(rng, size), dtype=TEXT),
            "technology_category": pd.array(rng.choice(CATEGORIES, size), dtype=TEXT),
            "trl": pd.array(rng.choice([*range(1, 10), None], size), dtype="Int64"),
            "trl_category": pd.array(rng.choice(["Preuve de concept", None], size), TEXT),
            "trl_stage": pd.array(rng.choice(["RECHERCHE", "DÉVELOPPEMENT"], size), TEXT),
            "maturity": pd.array(rng.uniform(0, 100, size), dtype="Float64"),
            "article_type": pd.array(rng.choice(TYPES, size), dtype=TEXT),
            "country": pd.array(rng.choice(COUNTRIES, size), dtype=TEXT),
            "research_domain": pd.array(rng.choice(DOMAINS, size), dtype=TEXT),
        }
    )
    frame["row_number"] = np.arange(2, size + 2)
    return frame


def companies(count: int = 700, years: int = 6, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    size = count * years
    cik = np.repeat(rng.choice(2_000_000, count, replace=False) + 1, years)

    def money(scale: float, missing: float) -> pd.arrays.FloatingArray:
        values = rng.normal(0, scale, size)
        return pd.array(np.where(rng.random(size) < missing, np.nan, values), dtype="Float64")

    frame = pd.DataFrame(
        {
            "cik": pd.array(cik, dtype="Int64"),
            "entity_name": pd.array([f"Company {c}" for c in cik], dtype=TEXT),
            "ticker": pd.array(rng.choice(["ABC", None], size), dtype=TEXT),
            "state_of_incorporation": pd.array(rng.choice(STATES, size), dtype=TEXT),
            "sic": pd.array(rng.choice([2834, 2836, 2835], size), dtype="Int64"),
            "sic_description": pd.array(rng.choice(SIC, size), dtype=TEXT),
            "industry_category": pd.array(rng.choice(INDUSTRIES, size), dtype=TEXT),
            "fiscal_year": pd.array(np.tile(np.arange(2019, 2019 + years), count), "Int64"),
            "period": pd.array(["FY"] * size, dtype=TEXT),
            "patents_issued": pd.array(rng.choice([None, 1, 5], size), dtype="Int64"),
            "data_completeness": pd.array(rng.uniform(0, 100, size), dtype="Float64"),
            "data_freshness": pd.array(rng.choice(["Recent", "Standard"], size), TEXT),
            "year_availability": pd.array(rng.uniform(0, 1, size), dtype="Float64"),
        }
    )
    for column in METRICS:
        frame[column] = money(1e8, 0.4 if column == "revenues" else 0.1)
    frame["revenues"] = frame["revenues"].abs()
    frame["row_number"] = np.arange(2, size + 2)
    return frame


def trl() -> pd.DataFrame:
    tech = np.repeat(TECHNOLOGIES, 4)
    size = len(tech)
    return pd.DataFrame(
        {
            "technology": pd.array(tech, dtype=TEXT),
            "forecast_year": pd.array(np.tile([2026, 2027, 2028, 2030], 25), dtype="Int64"),
            "current_year": pd.array([2025] * size, dtype="Int64"),
            "current_trl": pd.array([4] * size, dtype="Int64"),
            "predicted_trl": pd.array([5.5] * size, dtype="Float64"),
            "trl_change": pd.array([1.5] * size, dtype="Float64"),
            "years_gap": pd.array([1] * size, dtype="Int64"),
            "annual_change_rate": pd.array([0.5] * size, dtype="Float64"),
            "change_category": pd.array(["Moderate Growth"] * size, dtype=TEXT),
            "current_category": pd.array(["Preuve de concept"] * size, dtype=TEXT),
            "predicted_category": pd.array(["Développement précoce"] * size, TEXT),
            "current_stage": pd.array(["RECHERCHE"] * size, dtype=TEXT),
            "predicted_stage": pd.array(["DÉVELOPPEMENT"] * size, dtype=TEXT),
            "confidence_pct": pd.array([80.0] * size, dtype="Float64"),
            "historical_data_points": pd.array([10] * size, dtype="Int64"),
            "model_used": pd.array(["Random Forest"] * size, dtype=TEXT),
            "row_number": np.arange(2, size + 2),
        }
    )


def _release_freed_memory() -> None:
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # glibc only
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.transform", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--publications", type=int, default=1_000_000)
    parser.add_argument("--companies", type=int, default=700)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    configure_logging("INFO")
    gib = 1024**3

    pubs, comps, trls = publications(args.publications), companies(args.companies), trl()
    _release_freed_memory()  # so the baseline is the inputs, not the generator's garbage
    before = psutil.Process().memory_info().rss
    with PeakRss() as transform_rss:
        started, cpu = time.perf_counter(), time.process_time()
        result = transform_tables(trls, pubs, comps)
        transform_seconds = time.perf_counter() - started
        transform_cpu = time.process_time() - cpu
    with tempfile.TemporaryDirectory() as tmp, PeakRss() as write_rss:
        started, cpu = time.perf_counter(), time.process_time()
        paths = write_tables(result.tables, args.out or Path(tmp))
        write_seconds = time.perf_counter() - started
        write_cpu = time.process_time() - cpu
        size = sum(path.stat().st_size for path in paths.values())
    logger.info(
        "bench=transform publications=%d companies=%d fact_publication_technology=%d "
        "transform_seconds=%.2f transform_cpu_seconds=%.2f write_seconds=%.2f "
        "write_cpu_seconds=%.2f parquet_mb=%.1f rss_inputs_gb=%.2f "
        "peak_rss_transform_gb=%.2f peak_rss_write_gb=%.2f",
        args.publications,
        args.companies,
        result.stats.rows["fact_publication_technology"],
        transform_seconds,
        transform_cpu,
        write_seconds,
        write_cpu,
        size / 1024**2,
        before / gib,
        transform_rss.peak / gib,
        write_rss.peak / gib,
    )


if __name__ == "__main__":
    main()
