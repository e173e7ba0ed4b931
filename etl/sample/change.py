"""A small, known change to a generated PubMed CSV file: the next night's delivery.

`change_pubmed_csv` edits the title of `changed` articles and appends `added` new ones
(copies of existing articles under new PMIDs), so that exactly `changed + added` rows
differ from the file it was given and every one of them loads. The benchmark's
small-change scenario runs the pipeline on the result (benchmarks/scenarios.py).

Only articles that load as they are take part: a canonical link (`LINK_PREFIX` + PMID +
`/`), a year the reader accepts, and a PMID no other row uses (an edited duplicate would
turn into a conflicting one and be rejected). The same file, counts and seed give the
same bytes.

The file is read as Latin-1, which maps every byte to one character and back, so the rows
the generator wrote in cp1252 come out byte for byte; the csv module quotes exactly as
the generator does (fields holding a comma, a quote or a line break).
"""

from __future__ import annotations

import csv
import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from etl.extract.pubmed_articles import PMID_PATTERN
from etl.sample.pubmed import LINK_PREFIX

logger = logging.getLogger(__name__)

TITLE_HEADER = "Titre"
LINK_HEADER = "Lien"
YEAR_HEADER = "Year"
REVISED_SUFFIX = " (revised)"
# The generator's years (etl/sample/pubmed.py `_years`); a year outside is a rejected row.
FIRST_YEAR, LAST_YEAR = 2015, 2025
_CANONICAL_LINK = re.compile(re.escape(LINK_PREFIX) + r"[1-9][0-9]*/")
_ENCODING = "latin-1"


@dataclass(frozen=True)
class PubmedChange:
    path: Path
    rows_before: int
    changed: int  # articles whose title was edited
    added: int  # new articles appended
    first_new_pmid: int

    @property
    def rows_differing(self) -> int:
        return self.changed + self.added


def change_pubmed_csv(path: Path, changed: int, added: int, seed: int = 7) -> PubmedChange:
    """Rewrite the PubMed CSV at `path` in place with `changed` edited and `added` new
    articles; raises if the file has fewer loadable articles than `changed` or `added`."""
    started = time.perf_counter()
    path = Path(path)
    if path.suffix.lower() != ".csv":
        raise ValueError(f"{path.name}: the small change edits a CSV file only")
    links, years = _read_keys(path)
    pmids = pc.struct_field(pc.extract_regex(links, PMID_PATTERN), "pmid")
    eligible = _eligible_rows(links, years, pmids)
    if max(changed, added) > len(eligible):
        raise ValueError(f"{path.name}: {len(eligible)} loadable articles, fewer than asked")
    rng = np.random.default_rng(seed)
    to_change = set(rng.choice(eligible, size=changed, replace=False).tolist())
    to_copy = sorted(rng.choice(eligible, size=added, replace=False).tolist())
    first_new = int(pc.max(pmids.cast(pa.int64())).as_py()) + 1
    _rewrite(path, to_change, to_copy, first_new)
    change = PubmedChange(path, len(links), changed, added, first_new)
    logger.info(
        "event=sample_changed file=%s rows_before=%d changed=%d added=%d seconds=%.2f",
        path.name,
        change.rows_before,
        changed,
        added,
        time.perf_counter() - started,
    )
    return change


def _read_keys(path: Path) -> tuple[pa.Array, pa.Array]:
    """The link and year of every data row, as text (Arrow's reader: the file can be GBs)."""
    table = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(encoding=_ENCODING),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            include_columns=[LINK_HEADER, YEAR_HEADER],
            column_types={LINK_HEADER: pa.string(), YEAR_HEADER: pa.string()},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    return table[LINK_HEADER].combine_chunks(), table[YEAR_HEADER].combine_chunks()


def _eligible_rows(links: pa.Array, years: pa.Array, pmids: pa.Array) -> np.ndarray:
    canonical = pc.match_substring_regex(links, f"^{_CANONICAL_LINK.pattern}$")
    year = pc.cast(
        pc.if_else(pc.match_substring_regex(years, r"^[0-9]{4}$"), years, pa.scalar("0")),
        pa.int64(),
    )
    in_range = pc.and_(pc.greater_equal(year, FIRST_YEAR), pc.less_equal(year, LAST_YEAR))
    keys = pmids.fill_null("").to_numpy(zero_copy_only=False)
    _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    unique = counts[inverse] == 1
    mask = pc.and_(canonical, in_range).to_numpy(zero_copy_only=False) & unique
    return np.flatnonzero(mask)


def _rewrite(path: Path, to_change: set[int], to_copy: list[int], first_new: int) -> None:
    """Stream the rows into a new file beside `path`, then replace it."""
    copies: list[list[str]] = []
    wanted = set(to_copy)
    temporary = path.with_name(f".{path.name}.changing")
    with (
        path.open(encoding=_ENCODING, newline="") as source,
        temporary.open("w", encoding=_ENCODING, newline="") as target,
    ):
        reader = csv.reader(source)
        writer = csv.writer(target, lineterminator="\n")
        header = next(reader)
        writer.writerow(header)
        title, link = header.index(TITLE_HEADER), header.index(LINK_HEADER)
        for position, row in enumerate(reader):
            if position in wanted:
                copies.append(list(row))
            if position in to_change:
                row[title] += REVISED_SUFFIX
            writer.writerow(row)
        for offset, row in enumerate(copies):
            row[link] = f"{LINK_PREFIX}{first_new + offset}/"
            writer.writerow(row)
    temporary.replace(path)
