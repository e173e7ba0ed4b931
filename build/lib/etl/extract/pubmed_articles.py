"""Reader of the merged PubMed export: one row per article, keyed by the PMID in `Lien`."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from etl.config.year_ranges import YearRanges
from etl.extract.arrow_text import arrow_text
from etl.extract.assembly import build_result
from etl.extract.clean_table import apply_rules
from etl.extract.columns import DROPPED_HEADERS, NATURAL_KEYS, PUBMED_ARTICLES, REPEAT_IGNORED
from etl.extract.raw_files import read_source_file
from etl.extract.result import ExtractResult, log_result
from etl.extract.technologies import normalise_technology_list
from etl.extract.verdicts import reject_repeated_keys, table_rejects

logger = logging.getLogger(__name__)

SOURCE = "pubmed_articles"
LINK_HEADER = "Lien"
# The article URL in every spelling seen (http/https, www., trailing slash, query string,
# spaces) and the legacy ncbi.nlm.nih.gov/pubmed/<id> form; anything else has no PMID.
PMID_PATTERN = (
    r"(?i)^\s*https?://(?:www\.)?"
    r"(?:pubmed\.ncbi\.nlm\.nih\.gov/|ncbi\.nlm\.nih\.gov/pubmed/)"
    r"(?P<pmid>[1-9][0-9]{0,9})/?(?:[?#].*)?\s*$"
)


def parse_pmid(links: pd.Series) -> pd.Series:
    """The PMID of each link (Int64), NA when the link carries none: never guessed."""
    digits = pc.struct_field(pc.extract_regex(arrow_text(links), PMID_PATTERN), "pmid")
    # Copies: Arrow's numpy views are read-only, pandas' arrays must be writable.
    numbers = pc.fill_null(pc.cast(digits, pa.int64()), 0).to_numpy(zero_copy_only=False).copy()
    missing = pc.is_null(digits).to_numpy(zero_copy_only=False).copy()
    return pd.Series(pd.arrays.IntegerArray(numbers, missing), index=links.index)


def read_pubmed_articles(path: Path, ranges: YearRanges) -> ExtractResult:
    """Clean articles keyed by PMID; the same article under another link spelling is a
    duplicate of its first occurrence."""
    headers = [rule.header for rule in PUBMED_ARTICLES]
    table = read_source_file(path, headers, optional=DROPPED_HEADERS.get(SOURCE, ()))
    rejects = table_rejects(table)
    links = table.frame[LINK_HEADER]
    pmid = parse_pmid(links)
    rejects.add_value_problem(
        pmid.isna(), "missing_pmid", LINK_HEADER, links, "no PubMed id in link"
    )
    parsed = apply_rules(
        table.frame,
        ranges.apply(PUBMED_ARTICLES),
        rejects,
        normalisers={"technologies": normalise_technology_list},
    )
    parsed.data.insert(0, "pmid", pmid)
    repeats = reject_repeated_keys(
        parsed.data, NATURAL_KEYS[SOURCE], rejects, REPEAT_IGNORED.get(SOURCE, ())
    )
    result = build_result(SOURCE, table, parsed, rejects, repeats)
    # Every loaded row has a PMID, so the key can be a plain integer.
    result.data["pmid"] = result.data["pmid"].astype("int64")
    log_result(logger, result)
    return result
