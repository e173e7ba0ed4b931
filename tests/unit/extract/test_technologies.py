"""Technology names as one token each, single and in lists."""

from __future__ import annotations

import pytest

from etl.errors import ConfigError
from etl.extract.arrow_text import TEXT
from etl.extract.technologies import (
    alias_table,
    normalise_technology,
    normalise_technology_list,
    resolve_aliases,
)

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


def test_unicode_dashes_are_hyphens() -> None:
    # A word processor's `CAR‑T` (U+2011) or `CAR–T` (U+2013) is the TRL file's `car-t`.
    values = text("CAR\u2011T", "CAR\u2013T", "CAR\u2010T", "TCR\u2212T")
    assert listed(normalise_technology(values)) == ["car-t", "car-t", "car-t", "tcr-t"]


def test_alias_table_compares_both_sides_as_tokens() -> None:
    table = alias_table(
        {"CAR-T": "cart-t", "car t": "CART-T", "Cart": "cart-t", "crispr": "crispr"}
    )
    # `car t` and `Cart` are one token; an alias of itself says nothing.
    assert table == {"car-t": "cart-t", "cart": "cart-t"}


@pytest.mark.parametrize(
    ("aliases", "problem"),
    [
        ({" _ ": "cart-t"}, "empty name"),
        ({"car t": "cart-t", "CART": "crispr"}, "sent to both"),
        ({"car-t": "cart-t", "cart-t": "crispr"}, "itself an alias"),
    ],
)
def test_alias_table_refuses_ambiguous_tables(aliases: dict[str, str], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        alias_table(aliases)


def test_resolve_aliases_replaces_only_aliases() -> None:
    tokens = text("car-t", "cart-t", "xenobots", None)
    resolved = resolve_aliases(tokens, {"car-t": "cart-t"})
    assert resolved.dtype == TEXT
    assert listed(resolved) == ["cart-t", "cart-t", "xenobots", None]
