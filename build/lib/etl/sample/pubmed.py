"""The PubMed export: French headers, multi-line abstracts, and every kind of mess."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from etl.extract.columns import PUBMED_ARTICLES
from etl.sample import pools, vocab
from etl.sample.mess import (
    CellVariant,
    RowVariant,
    inject_blanks,
    inject_cells,
    inject_duplicates,
    inject_rejects,
    mess_unit,
)
from etl.sample.table import Columns, Effect, MessyTable

HEADERS = [rule.header for rule in PUBMED_ARTICLES]
LINK_PREFIX = "https://pubmed.ncbi.nlm.nih.gov/"
FIRST_PMID = 25_600_000  # about January 2015
PMID_SPAN = 13_500_000  # PMIDs issued from 2015 to 2025
MIN_PUBLICATIONS = 200

# Spellings of one article's link that all carry its PMID.
LINK_SPELLINGS = (
    lambda pmid: f"http://pubmed.ncbi.nlm.nih.gov/{pmid}/",
    lambda pmid: f"{LINK_PREFIX}{pmid}",
    lambda pmid: f"{LINK_PREFIX}{pmid}/?from_term=crispr+therapy&from_source=abi",
    lambda pmid: f"{LINK_PREFIX}{pmid}/   ",
)
# Links from which no PMID can be read.
UNUSABLE_LINKS = (
    "",
    "N/A",
    LINK_PREFIX,
    "voir PDF joint",
    "https://doi.org/10.1016/j.cell.2021.04.015",
)
MISSING_YEARS = ("", "N/A", "n.d.")
INVALID_YEARS = (1899, 2031, "deux mille dix-neuf")


def _extra_rows(unit: int) -> int:
    """Rows inserted by `_inject_row_mess`: each kind takes max(unit, its variants)."""
    kinds = (UNUSABLE_LINKS, MISSING_YEARS, INVALID_YEARS, LINK_SPELLINGS)
    return _blank_rows(unit) + sum(max(unit, len(variants)) for variants in kinds)


def _blank_rows(unit: int) -> int:
    return max(2, unit)


@dataclass(frozen=True)
class PubmedSample:
    table: MessyTable
    facts: dict[str, Any]


def check_publications(publications: int) -> None:
    if publications < MIN_PUBLICATIONS:
        raise ValueError(f"publications must be at least {MIN_PUBLICATIONS}, not {publications}")


def build_pubmed(publications: int, rng: np.random.Generator) -> PubmedSample:
    """`publications` data rows in all: clean articles plus blank and rejected rows."""
    check_publications(publications)
    unit = mess_unit(publications, per=500, cap=40)
    base, stats = _base_columns(publications - _extra_rows(unit), rng)
    table = MessyTable(base, PUBMED_ARTICLES, rng, stats)
    unknown = _inject_cell_mess(table, unit)
    _inject_row_mess(table, unit)
    if table.rows_in_file != publications:
        raise AssertionError(f"planned {publications} rows, built {table.rows_in_file}")
    facts = {
        "distinct_pmids": table.base_rows,
        "unknown_technologies": unknown,
        "technologies_in_trl_file": len(vocab.TECHNOLOGIES),
    }
    return PubmedSample(table, facts)


def _base_columns(rows: int, rng: np.random.Generator) -> tuple[Columns, dict[str, int]]:
    size = pools.pool_size(rows)
    tech_pool = pools.technology_pool(rng, size)
    abstracts = pools.abstract_pool(rng, size)
    authors = pools.author_pool(rng, size)
    keywords = pools.keyword_pool(rng, size)

    pick = rng.integers(0, size, size=(4, rows))
    first = tech_pool.first[pick[0]]
    years = _years(rows, rng)
    months = rng.integers(1, 13, size=rows)
    trl = _article_trl(first, rng)
    abstract = abstracts[pick[1]]
    no_abstract = rng.random(rows) < 0.04  # some exports have no abstract
    abstract[no_abstract] = None
    multiline = np.array(["\n" in text for text in abstracts])[pick[1]] & ~no_abstract
    pmids = _pmids(years, months, rng)

    columns = {
        "Titre": _titles(first, rng),
        "Résumé": abstract,
        "Auteurs": authors[pick[2]],
        "Lien": _links(pmids),
        "Mots-clés": keywords[pick[3]],
        "Year": years,
        "Month": months,
        "Technologies": tech_pool.text[pick[0]],
        "Technology Category": _lookup([t.category for t in vocab.TECHNOLOGIES], first),
        "TRL": trl,
        "TRL_Category": _lookup(vocab.TRL_CATEGORIES, trl),
        "TRL_Stage": _lookup(vocab.TRL_STAGES, trl),
        "Maturité": np.round(np.clip((trl - 1) / 8 * 100 + rng.normal(0, 7, rows), 0, 100), 1),
        "Article Type": _weighted(vocab.ARTICLE_TYPES, rows, rng),
        "Country": _weighted(vocab.COUNTRIES, rows, rng),
        "Research Domain": _lookup(
            vocab.RESEARCH_DOMAINS,
            rng.integers(0, len(vocab.RESEARCH_DOMAINS), size=rows),
        ),
    }
    stats = {
        "spelling_variants": int(tech_pool.variant[pick[0]].sum()),
        "multiline_abstracts": int(multiline.sum()),
        "max_pmid": int(pmids.max()),
    }
    return {header: columns[header] for header in HEADERS}, stats


def _years(rows: int, rng: np.random.Generator) -> np.ndarray:
    years = np.arange(2015, 2026)
    weights = 1.12 ** (years - 2015)  # output grows every year
    return rng.choice(years, size=rows, p=weights / weights.sum())


def _article_trl(first: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    current = np.array([t.current_trl for t in vocab.TECHNOLOGIES])[first]
    return np.clip(np.rint(current + rng.normal(0, 1.3, size=len(first))), 1, 9).astype(np.int64)


def _pmids(years: np.ndarray, months: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Unique by construction (strictly increasing gaps) and rising with the date."""
    max_gap = max(2, 2 * PMID_SPAN // len(years))
    ascending = FIRST_PMID + np.cumsum(rng.integers(1, max_gap + 1, size=len(years)))
    pmids = np.empty_like(ascending)
    pmids[np.argsort(years * 12 + months, kind="stable")] = ascending
    return pmids


def _links(pmids: np.ndarray) -> np.ndarray:
    # Arrow joins a million strings in C++; pandas or numpy string ops are 4-8x slower.
    links = pc.binary_join_element_wise(LINK_PREFIX, pc.cast(pa.array(pmids), pa.string()), "/", "")
    return links.to_numpy(zero_copy_only=False)


def _titles(first: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Opening x technology x closing, drawn from all the combinations built once."""
    openings, closings = vocab.TITLE_OPENINGS, vocab.TITLE_CLOSINGS
    names = [tech.title for tech in vocab.TECHNOLOGIES]
    combos = np.array(
        [f"{start} {name} {end}" for start in openings for name in names for end in closings],
        dtype=object,
    )
    opening = rng.integers(0, len(openings), len(first))
    closing = rng.integers(0, len(closings), len(first))
    return combos[(opening * len(names) + first) * len(closings) + closing]


def _lookup(values: Any, index: np.ndarray) -> np.ndarray:
    """values[index] for a sequence or an int-keyed dict, as an object array."""
    if isinstance(values, dict):
        table = np.empty(max(values) + 1, dtype=object)
        for key, value in values.items():
            table[key] = value
    else:
        table = np.array(values, dtype=object)
    return table[index]


def _weighted(
    choices: tuple[tuple[str, float], ...], rows: int, rng: np.random.Generator
) -> np.ndarray:
    labels = np.array([label for label, _ in choices], dtype=object)
    weights = np.array([weight for _, weight in choices])
    return labels[rng.choice(len(labels), size=rows, p=weights / weights.sum())]


# ---- mess ---------------------------------------------------------------------------


def _inject_cell_mess(table: MessyTable, unit: int) -> dict[str, int]:
    """Mess in rows that still load; returns unknown technology -> rows naming it."""
    table.count_ambient("technology_spelling_variant", table.stats["spelling_variants"])
    table.count_ambient("quoted_newline", table.stats["multiline_abstracts"])

    def cell(header: str, value: Any, effect: Effect = "loaded") -> CellVariant:
        return lambda row: (header, value, effect)

    def as_text(header: str, template: str) -> CellVariant:
        return lambda row: (header, template.format(table.value(header, row)), "loaded")

    inject_cells(
        table,
        "number_as_text",
        [
            as_text("Year", "{}.0"),
            as_text("Year", " {} "),
            as_text("TRL", "TRL {}"),
            as_text("Month", "{}.0"),
        ],
        unit,
    )
    placeholders = [("Month", "N/A"), ("TRL", "n.d."), ("Maturité", "N/A")]
    placeholders += [("Résumé", "n.d."), ("Country", "N/A"), ("Auteurs", "-")]
    inject_cells(table, "placeholder", [cell(h, v, "placeholder") for h, v in placeholders], unit)
    empties = [cell(header, "", "placeholder") for header in ("Month", "TRL", "Maturité")]
    inject_cells(table, "empty_number", empties, unit)
    impossible = [("Month", 13), ("TRL", 0), ("TRL", 10), ("Maturité", 150.0), ("Month", 0)]
    inject_cells(table, "impossible_value", [cell(h, v, "nulled") for h, v in impossible], unit)
    links = [_respell_link_cell(table, spell) for spell in LINK_SPELLINGS]
    inject_cells(table, "link_variant", links, unit)
    _inject_emoji(table, unit)
    _inject_cp1252_values(table, unit)
    return _inject_unknown_technologies(table, unit)


def _respell_link_cell(table: MessyTable, spell: Any) -> CellVariant:
    return lambda row: ("Lien", spell(_pmid_of(table.value("Lien", row))), "loaded")


def _pmid_of(link: str) -> int:
    return int(link.removeprefix(LINK_PREFIX).rstrip("/"))


def _inject_emoji(table: MessyTable, unit: int) -> None:
    with_abstract = ~pd.isna(table.base["Résumé"])
    variants: list[CellVariant] = [
        lambda row: ("Résumé", f"{table.value('Résumé', row)} {vocab.EMOJI[0]}", "loaded"),
        lambda row: ("Titre", f"{vocab.EMOJI[1]} {table.value('Titre', row)}", "loaded"),
    ]
    inject_cells(table, "emoji", variants, unit, candidates=with_abstract)


def _inject_cp1252_values(table: MessyTable, unit: int) -> None:
    """Rows the CSV writer encodes as cp1252; each gets an accented value to show it."""
    values = [
        ("Country", "États-Unis"),
        ("Auteurs", "Lefèvre M, Müller K, Dubois C"),
        ("Résumé", "The patient’s response was durable; l’équipe a confirmé le résultat."),
    ]
    for i, row in enumerate(table.pick(max(2, unit // 2))):
        header, value = values[i % len(values)]
        table.set_cell(int(row), header, value, kind=None)
        table.mark_cp1252(int(row))


def _inject_unknown_technologies(table: MessyTable, unit: int) -> dict[str, int]:
    fields = vocab.UNKNOWN_TECHNOLOGY_FIELDS
    variants: list[CellVariant] = [
        (lambda row, text=text: ("Technologies", text, "loaded")) for _, text in fields
    ]
    rows = inject_cells(table, "unknown_technology", variants, unit)
    counts = Counter(fields[i % len(fields)][0] for i in range(len(rows)))
    return dict(sorted(counts.items()))


def _inject_row_mess(table: MessyTable, unit: int) -> None:
    fresh = _fresh_pmids(table)

    def with_link(link: str) -> RowVariant:
        return lambda values: {**values, "Lien": link}

    def with_year(year: Any) -> RowVariant:
        return lambda values: {**values, "Lien": f"{LINK_PREFIX}{next(fresh)}/", "Year": year}

    inject_rejects(table, "missing_pmid", [with_link(x) for x in UNUSABLE_LINKS], unit)
    inject_rejects(table, "missing_pub_year", [with_year(y) for y in MISSING_YEARS], unit)
    inject_rejects(table, "invalid_pub_year", [with_year(y) for y in INVALID_YEARS], unit)
    respelled = [
        (lambda values, spell=spell: {**values, "Lien": spell(_pmid_of(values["Lien"]))})
        for spell in LINK_SPELLINGS
    ]
    inject_duplicates(table, respelled, unit)
    inject_blanks(table, _blank_rows(unit))


def _fresh_pmids(table: MessyTable) -> Iterator[int]:
    """PMIDs above every article's, for rejected rows that must not share a key."""
    pmid = table.stats["max_pmid"] + 1000
    while True:
        pmid += 7
        yield pmid
