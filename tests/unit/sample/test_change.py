"""The small change: exactly the asked rows differ, every other byte stays, and it repeats."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from etl.sample.change import REVISED_SUFFIX, change_pubmed_csv
from etl.sample.generator import generate_sample, source_files
from etl.sample.pubmed import LINK_PREFIX

PUBLICATIONS = 3_000
CHANGED, ADDED = 300, 200


def _rows(data: bytes) -> list[list[str]]:
    """Data rows as the csv module reads them (Latin-1: one character per byte)."""
    return list(csv.reader(io.StringIO(data.decode("latin-1"), newline="")))[1:]


@pytest.fixture(scope="module")
def pubmed_before(tmp_path_factory: pytest.TempPathFactory) -> Path:
    raw = tmp_path_factory.mktemp("raw")
    generate_sample(raw, publications=PUBLICATIONS, companies=20, fmt="csv")
    return raw / source_files("csv")["pubmed_articles"]


def _changed_copy(source: Path, target: Path) -> tuple[bytes, bytes]:
    before = source.read_bytes()
    target.write_bytes(before)
    change_pubmed_csv(target, CHANGED, ADDED)
    return before, target.read_bytes()


def test_exactly_the_asked_rows_differ(pubmed_before: Path, tmp_path: Path) -> None:
    before, after = _changed_copy(pubmed_before, tmp_path / "pubmed.csv")
    old, new = _rows(before), _rows(after)

    assert len(old) == PUBLICATIONS
    assert len(new) == PUBLICATIONS + ADDED
    edited = [(a, b) for a, b in zip(old, new, strict=False) if a != b]
    assert len(edited) == CHANGED
    # An edited article keeps its link (so its PMID): only its title differs.
    for a, b in edited:
        assert b[0] == a[0] + REVISED_SUFFIX
        assert b[1:] == a[1:]
    assert len(edited) + len(new[PUBLICATIONS:]) == CHANGED + ADDED


def test_added_articles_have_new_pmids(pubmed_before: Path, tmp_path: Path) -> None:
    before, after = _changed_copy(pubmed_before, tmp_path / "pubmed.csv")
    links_before = {row[3] for row in _rows(before)}
    added = _rows(after)[PUBLICATIONS:]

    pmids = [int(row[3].removeprefix(LINK_PREFIX).rstrip("/")) for row in added]
    assert len(set(pmids)) == ADDED
    assert pmids == list(range(pmids[0], pmids[0] + ADDED))
    assert not {row[3] for row in added} & links_before


def test_other_bytes_are_unchanged_and_the_change_repeats(
    pubmed_before: Path, tmp_path: Path
) -> None:
    before, after = _changed_copy(pubmed_before, tmp_path / "one.csv")
    _, again = _changed_copy(pubmed_before, tmp_path / "two.csv")

    # cp1252 rows, quoted line breaks and all: removing the edit gives the file back.
    assert after.replace(REVISED_SUFFIX.encode(), b"")[: len(before)] == before
    assert after.count(REVISED_SUFFIX.encode()) == CHANGED
    assert again == after


def test_refuses_what_it_cannot_do(pubmed_before: Path, tmp_path: Path) -> None:
    parquet = tmp_path / "pubmed.parquet"
    parquet.write_bytes(b"")
    with pytest.raises(ValueError, match="CSV file only"):
        change_pubmed_csv(parquet, 1, 1)
    copy = tmp_path / "pubmed.csv"
    copy.write_bytes(pubmed_before.read_bytes())
    with pytest.raises(ValueError, match="loadable articles, fewer than asked"):
        change_pubmed_csv(copy, PUBLICATIONS, 0)
    assert copy.read_bytes() == pubmed_before.read_bytes()
