"""Technology names as one token each, single and in lists."""

from __future__ import annotations

from etl.extract.arrow_text import TEXT
from etl.extract.technologies import normalise_technology, normalise_technology_list

from .series import listed, text


def test_normalise_technology() -> None:
    values = text(
        "CRISPR", "Crispr", " crispr ", "Gene Therapy", "gene_therapy", "CAR-T", " _ ", None
    )
    assert listed(normalise_technology(values)) == [
        "crispr",
        "crispr",
        "crispr",
        "genetherapy",
        "genetherapy",
        "car-t",
        None,
        None,
    ]


def test_normalise_technology_list_dedupes_in_order() -> None:
    values = text("CRISPR, Gene Therapy; crispr", "mRNA;;stem_cell,", " ; , ", "Crispr", None)
    result = normalise_technology_list(values)
    assert result.dtype == TEXT
    assert listed(result) == [
        "crispr;genetherapy",
        "mrna;stemcell",
        None,
        "crispr",
        None,
    ]
