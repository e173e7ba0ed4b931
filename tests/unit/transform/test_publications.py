"""dim_publication and the article x technology facts."""

from __future__ import annotations

import pandas as pd

from etl.transform.publications import build_publication_tables, canonical_link, technology_pairs

from .frames import publications_frame


def test_dimension_one_row_per_article(publications: pd.DataFrame) -> None:
    dim = build_publication_tables(publications).dim_publication
    assert dim["pmid"].tolist() == [101, 102, 103, 104]
    assert dim["link"].tolist() == [
        f"https://pubmed.ncbi.nlm.nih.gov/{p}/" for p in (101, 102, 103, 104)
    ]
    assert dim["country"].tolist() == ["United States", "Germany", "Atlantis", "United States"]
    assert dim["publication_date_key"].tolist() == [20240301, pd.NA, 20151201, 20250101]
    assert dim["abstract"].iloc[0] == "Line one.\nLine two."  # abstracts keep their lines


def test_facts_explode_technologies(publications: pd.DataFrame) -> None:
    tables = build_publication_tables(publications)
    fact = tables.fact_publication_technology
    pairs = sorted(zip(fact["pmid"], fact["technology"], strict=True))
    assert pairs == [
        (101, "crispr"),
        (101, "quantumbiology"),
        (102, "cart-t"),
        (104, "cart-t"),
        (104, "crispr"),
    ]
    assert tables.articles_without_technology == 1  # pmid 103 names none
    row = fact[fact["pmid"] == 102].iloc[0]
    assert pd.isna(row["publication_date_key"])  # month unknown
    assert (row["pub_year"], row["trl"]) == (2020, 9)
    assert set(tables.named["technology"]) == {"crispr", "quantumbiology", "cart-t"}


def test_spelling_variants_collapse_within_an_article() -> None:
    frame = publications_frame(
        [
            {"pmid": 1, "pub_year": 2020, "technologies": "CRISPR;crispr; Crispr ;;"},
            {"pmid": 2, "pub_year": 2020, "technologies": "crispr,cart-t"},
            {"pmid": 3, "pub_year": 2020, "technologies": ";"},
            {"pmid": 4, "pub_year": 2020, "technologies": ""},
        ]
    )
    tables = build_publication_tables(frame)
    fact = tables.fact_publication_technology
    assert sorted(zip(fact["pmid"], fact["technology"], strict=True)) == [
        (1, "crispr"),
        (2, "cart-t"),
        (2, "crispr"),
    ]
    assert tables.articles_without_technology == 2


def test_technology_pairs_rows_are_positions() -> None:
    technologies = pd.Series(["a;b", None, "b", "a;b"], index=[7, 8, 9, 10], dtype="string")
    pairs = technology_pairs(technologies)
    assert sorted(zip(pairs["row"], pairs["technology"], strict=True)) == [
        (0, "a"),
        (0, "b"),
        (2, "b"),
        (3, "a"),
        (3, "b"),
    ]


def test_canonical_link() -> None:
    assert canonical_link(pd.Series([12345678])).tolist() == [
        "https://pubmed.ncbi.nlm.nih.gov/12345678/"
    ]
