"""dim_publication and fact_publication_technology from the clean PubMed articles.

An article names its technologies in one `;`-separated column; the fact table has one
row per article per distinct technology. The split runs once per distinct technology
list (articles share few lists) and is joined back to the articles on integer codes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from etl.errors import DataError
from etl.transform.dates import month_start_key
from etl.transform.normalise import normalise_country, technology_token
from etl.transform.publication_scores import publication_scores
from etl.transform.vector import TEXT, as_float, as_int, clean_labels

logger = logging.getLogger(__name__)

PUBMED_LINK_PREFIX = "https://pubmed.ncbi.nlm.nih.gov/"
TECHNOLOGY_SEPARATORS = r"[;,]"  # the readers join with `;`; the raw file also uses `,`

DIM_PUBLICATION_COLUMNS = (
    "pmid",
    "title",
    "abstract",
    "authors",
    "keywords",
    "link",
    "pub_year",
    "pub_month",
    "publication_date_key",
    "article_type",
    "country",
    "research_domain",
    "technology_category",
    "trl",
    "trl_category",
    "trl_stage",
    "maturity",
)
FACT_COLUMNS = (
    "pmid",
    "technology",
    "publication_date_key",
    "pub_year",
    "trl",
    "maturity_score",
    "innovation_score",
    "market_score",
    "risk_score",
)
# Long free text: passed through as given (the readers cleaned it; abstracts keep newlines).
_LONG_TEXT = ("title", "abstract", "authors", "keywords")
# Short repetitive labels: whitespace cleaned once per distinct value.
_LABELS = ("article_type", "research_domain", "technology_category", "trl_category", "trl_stage")


@dataclass(frozen=True)
class PublicationTables:
    dim_publication: pd.DataFrame
    fact_publication_technology: pd.DataFrame
    # One row per (article, technology) with the article's technology_category:
    # what dim_technology needs to list cited technologies and vote their category.
    named: pd.DataFrame
    articles_without_technology: int


def canonical_link(pmid: pd.Series) -> pd.Series:
    """`https://pubmed.ncbi.nlm.nih.gov/<pmid>/`, whatever spelling the source used."""
    text = pa.large_string()
    digits = pa.array(pmid.to_numpy(dtype="int64")).cast(text)
    links = pc.binary_join_element_wise(
        pa.scalar(PUBMED_LINK_PREFIX, text), digits, pa.scalar("/", text), pa.scalar("", text)
    )
    return pd.Series(pd.arrays.ArrowStringArray(links), index=pmid.index)


def prepare_articles(publications: pd.DataFrame) -> pd.DataFrame:
    """Typed, normalised article-level frame with the dim_publication columns."""
    pmid = as_int(publications["pmid"])
    if pmid.isna().any():
        raise DataError(f"source=pubmed_articles column=pmid nulls={int(pmid.isna().sum())}")
    articles = pd.DataFrame({"pmid": pmid.astype("int64")}, index=publications.index)
    for column in _LONG_TEXT:
        articles[column] = publications[column].astype(TEXT)
    articles["link"] = canonical_link(articles["pmid"])
    articles["pub_year"] = as_int(publications["pub_year"])
    articles["pub_month"] = as_int(publications["pub_month"])
    articles["publication_date_key"] = month_start_key(articles["pub_year"], articles["pub_month"])
    articles["country"] = normalise_country(publications["country"])
    for column in _LABELS:
        articles[column] = clean_labels(publications[column])
    articles["trl"] = as_int(publications["trl"])
    articles["maturity"] = as_float(publications["maturity"])
    return articles[list(DIM_PUBLICATION_COLUMNS)].reset_index(drop=True)


def technology_pairs(
    technologies: pd.Series, aliases: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """(row, technology): one row per article position and distinct technology it names.

    `row` is the article's position in `technologies`. Articles naming nothing usable
    (null, empty, only separators) have no row. Spelling variants (`CRISPR`, `crispr`)
    and aliases (`aliases`, a token table: `CAR-T` -> `cart-t`) collapse to one token,
    so an article naming both counts once.
    """
    codes, lists = pd.factorize(technologies.reset_index(drop=True), use_na_sentinel=True)
    tokens = pd.Series(np.asarray(lists, dtype=object), dtype=object)
    tokens = tokens.str.split(TECHNOLOGY_SEPARATORS, regex=True).explode()
    per_list = pd.DataFrame(
        {
            "code": tokens.index.to_numpy(dtype="int64"),
            "technology": technology_token(tokens, aliases).to_numpy(dtype=object),
        }
    )
    per_list = per_list.dropna().drop_duplicates()
    # Join on integers only; the token text is expanded by Arrow at the end.
    token_codes, names = pd.factorize(per_list["technology"])
    per_list = pd.DataFrame({"code": per_list["code"].to_numpy(), "token": token_codes})
    articles = pd.DataFrame({"row": np.arange(len(codes), dtype="int64"), "code": codes})
    pairs = articles.merge(per_list, on="code", how="inner", sort=False)
    dictionary = pa.array(np.asarray(names, dtype=object), type=pa.large_string())
    technology = dictionary.take(pa.array(pairs["token"].to_numpy(dtype="int64")))
    return pd.DataFrame(
        {
            "row": pairs["row"].to_numpy(),
            "technology": pd.arrays.ArrowStringArray(technology),
        }
    )


def build_publication_tables(
    publications: pd.DataFrame,
    reference_year: int | None = None,
    aliases: Mapping[str, str] | None = None,
) -> PublicationTables:
    """dim_publication, fact_publication_technology and the technologies articles name.

    `aliases` is the technology alias token table (`alias_table`).
    """
    articles = prepare_articles(publications)
    scores = publication_scores(articles, reference_year)
    pairs = technology_pairs(publications["technologies"], aliases)
    rows = pairs["row"].to_numpy()

    fact = pd.DataFrame({"pmid": articles["pmid"].to_numpy()[rows]})
    fact["technology"] = pairs["technology"]
    for column in ("publication_date_key", "pub_year", "trl"):
        fact[column] = articles[column].take(rows).reset_index(drop=True)
    for column in scores.columns:
        fact[column] = scores[column].to_numpy()[rows]

    named = pd.DataFrame(
        {
            "technology": pairs["technology"],
            "technology_category": articles["technology_category"]
            .take(rows)
            .reset_index(drop=True),
        }
    )
    with_technology = np.zeros(len(articles), dtype=bool)
    with_technology[rows] = True
    without = int((~with_technology).sum())
    logger.info(
        "publications=built articles=%d fact_rows=%d articles_without_technology=%d",
        len(articles),
        len(fact),
        without,
    )
    return PublicationTables(articles, fact[list(FACT_COLUMNS)], named, without)
