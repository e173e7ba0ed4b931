"""`generate_sample`: the three ABI source files, realistic and messy, plus a manifest.

The files carry every kind of mess listed in the input contract, each in a known
number of rows, and the manifest says what a correct reader must report about them.
The same seed and arguments give the same bytes.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np

from etl.config.settings import SOURCE_NAMES, SUPPORTED_FORMATS, SourcesSettings
from etl.sample.companies import build_companies, check_companies
from etl.sample.manifest import SampleManifest, SourceManifest
from etl.sample.pubmed import build_pubmed, check_publications
from etl.sample.table import MessyTable
from etl.sample.trl import build_trl, trl_facts
from etl.sample.writer import write_table

logger = logging.getLogger(__name__)


def source_files(fmt: str | None) -> dict[str, str]:
    """File name of each source: the configured defaults, with `fmt` as the extension."""
    defaults = SourcesSettings()
    names = {source: defaults.get(source).file for source in SOURCE_NAMES}
    if fmt is None:
        return names
    if fmt not in SUPPORTED_FORMATS:
        raise ValueError(f"format must be one of {SUPPORTED_FORMATS}, not {fmt!r}")
    return {source: str(Path(name).with_suffix(f".{fmt}")) for source, name in names.items()}


def generate_sample(
    out_dir: Path,
    publications: int = 3000,
    companies: int = 120,
    seed: int = 42,
    fmt: str | None = None,
    *,
    trl_mess: bool = False,
) -> SampleManifest:
    """Write the three source files and `sample_manifest.json` into `out_dir`.

    `publications` is the number of data rows of the PubMed file (blank and rejected
    rows included); `companies` the number of distinct CIKs that load, each with 3 to 7
    fiscal years. `trl_mess` adds rejected, blank and nulled rows to the TRL file, which
    otherwise holds the team's 100 valid rows.
    """
    files = source_files(fmt)
    check_publications(publications)
    check_companies(companies)
    # One independent stream per source: a source's content depends on its own size only.
    trl_rng, pubmed_rng, companies_rng = (
        np.random.default_rng(stream) for stream in np.random.SeedSequence(seed).spawn(3)
    )

    trl = build_trl(trl_rng, with_mess=trl_mess)
    pubmed = build_pubmed(publications, pubmed_rng)
    firms = build_companies(companies, companies_rng)
    built = {
        "trl_predictions": (trl, trl_facts(trl)),
        "pubmed_articles": (pubmed.table, pubmed.facts),
        "biotech_companies": (firms.table, firms.facts),
    }
    # Only now, so that bad arguments leave no half-written folder behind.
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sources = {
        source: _write_source(source, table, facts, out_dir / files[source])
        for source, (table, facts) in built.items()
    }
    manifest = SampleManifest(
        seed=seed,
        publications=publications,
        companies=companies,
        format=fmt,
        trl_mess=trl_mess,
        sources=sources,
    )
    manifest.write(out_dir)
    return manifest


def _write_source(source: str, table: MessyTable, facts: dict, path: Path) -> SourceManifest:
    started = time.perf_counter()
    fmt = path.suffix.lstrip(".")
    # Only a CSV file is bytes we choose; xlsx and Parquet store text as Unicode.
    assembled = table.assemble(with_cp1252=fmt == "csv")
    write_table(assembled.columns, path, assembled.cp1252_positions)
    rejected = sum(assembled.rejected.values())
    entry = SourceManifest(
        source=source,
        file=path.name,
        format=fmt,
        rows_in_file=assembled.rows_in_file,
        loaded=assembled.rows_in_file - rejected - assembled.blank_rows,
        blank_rows=assembled.blank_rows,
        rejected=assembled.rejected,
        nulled=assembled.nulled,
        null_counts=assembled.null_counts,
        mess=assembled.mess,
        mess_rows=assembled.mess_rows,
        facts=facts,
    )
    logger.info(
        "event=sample_file_written source=%s file=%s rows=%d loaded=%d rejected=%d "
        "blank=%d seconds=%.2f",
        source,
        path.name,
        entry.rows_in_file,
        entry.loaded,
        rejected,
        entry.blank_rows,
        time.perf_counter() - started,
    )
    return entry
