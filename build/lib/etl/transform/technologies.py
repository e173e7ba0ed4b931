"""dim_technology and fact_trl_prediction.

The technology dimension is the union of the TRL file's technologies and every
technology an article names: a name the TRL file does not know is recorded with
`in_trl_file = false`, never dropped, so its articles still reach the warehouse.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np
import pandas as pd

from etl.transform.dates import year_end_key
from etl.transform.normalise import technology_token
from etl.transform.vector import TEXT, as_float, as_int, clean_labels, map_uniques
from etl.warehouse.staged import STAGED_COLUMNS

logger = logging.getLogger(__name__)

# Display names that title-case would get wrong (acronyms, mixed case). Keys are
# normalised tokens; any other token is shown title-cased (`stemcell` -> `Stemcell`).
KNOWN_DISPLAY_NAMES: dict[str, str] = {
    "adc": "ADC",
    "ai": "AI",
    "aidrugdiscovery": "AI Drug Discovery",
    "antisense": "Antisense",
    "aso": "ASO",
    "baseediting": "Base Editing",
    "bioprinting": "Bioprinting",
    "bispecificantibodies": "Bispecific Antibodies",
    "car-t": "CAR-T",
    "cart": "CAR-T",
    "cart-t": "CAR-T",
    "celltherapy": "Cell Therapy",
    "crispr": "CRISPR",
    "crisprcas9": "CRISPR-Cas9",
    "epigeneticediting": "Epigenetic Editing",
    "exosomes": "Exosomes",
    "genetherapy": "Gene Therapy",
    "genomics": "Genomics",
    "immunotherapy": "Immunotherapy",
    "liquidbiopsy": "Liquid Biopsy",
    "microbiome": "Microbiome",
    "mrna": "mRNA",
    "nanomedicine": "Nanomedicine",
    "ngs": "NGS",
    "nkcelltherapy": "NK Cell Therapy",
    "oncolyticvirus": "Oncolytic Virus",
    "optogenetics": "Optogenetics",
    "organoids": "Organoids",
    "pcr": "PCR",
    "primeediting": "Prime Editing",
    "protac": "PROTAC",
    "proteomics": "Proteomics",
    "quantumbiology": "Quantum Biology",
    "rnai": "RNAi",
    "singlecellsequencing": "Single-Cell Sequencing",
    "sirna": "siRNA",
    "spatialtranscriptomics": "Spatial Transcriptomics",
    "stemcell": "Stem Cell",
    "syntheticbiology": "Synthetic Biology",
    "tcr-t": "TCR-T",
    "xenobots": "Xenobots",
    "xenotransplantation": "Xenotransplantation",
}

TRL_FACT_COLUMNS = tuple(STAGED_COLUMNS["fact_trl_prediction"])
_TRL_INT_COLUMNS = (
    "forecast_year",
    "current_year",
    "current_trl",
    "years_gap",
    "historical_data_points",
)
_TRL_FLOAT_COLUMNS = ("predicted_trl", "trl_change", "annual_change_rate", "confidence_pct")
_TRL_TEXT_COLUMNS = (
    "change_category",
    "current_category",
    "predicted_category",
    "current_stage",
    "predicted_stage",
    "model_used",
)


def display_names(tokens: pd.Series) -> pd.Series:
    """Human name of each token: the known-names table, else the token title-cased."""
    known = map_uniques(tokens, lambda uniques: uniques.map(KNOWN_DISPLAY_NAMES))
    titled = tokens.astype("string").str.title()
    return known.fillna(titled.astype(object)).astype(TEXT)


def build_fact_trl_prediction(
    trl: pd.DataFrame, aliases: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """One row per technology per forecast year: every horizon is kept.

    `aliases` (a token table, `alias_table`) applies here too: a TRL row spelled `CAR-T`
    is the `cart-t` technology, and one spelled both ways for a year breaks the grain.
    """
    technology = technology_token(trl["technology"], aliases)
    fact = pd.DataFrame({"technology": technology}, index=trl.index)
    for column in _TRL_INT_COLUMNS:
        fact[column] = as_int(trl[column])
    for column in _TRL_FLOAT_COLUMNS:
        fact[column] = as_float(trl[column])
    for column in _TRL_TEXT_COLUMNS:
        fact[column] = clean_labels(trl[column])
    fact["forecast_date_key"] = year_end_key(fact["forecast_year"])
    fact = fact.loc[fact["technology"].notna(), list(TRL_FACT_COLUMNS)]
    return fact.reset_index(drop=True)


def most_frequent_category(named: pd.DataFrame) -> pd.Series:
    """Per technology, the category most articles naming it give; ties -> alphabetical first.

    `named` has one row per (article, technology) with the article's
    `technology_category`; rows without a category do not vote.
    """
    votes = named.loc[named["technology_category"].notna(), ["technology", "technology_category"]]
    counts = votes.groupby(["technology", "technology_category"], observed=True).size()
    ranked = (
        counts.rename("votes")
        .reset_index()
        .sort_values(["technology", "votes", "technology_category"], ascending=[True, False, True])
    )
    winners = ranked.drop_duplicates("technology", keep="first")
    return pd.Series(
        winners["technology_category"].to_numpy(),
        index=pd.Index(winners["technology"].to_numpy(), name="technology"),
        dtype=TEXT,
    )


def build_dim_technology(trl_technologies: pd.Series, named: pd.DataFrame) -> pd.DataFrame:
    """Union of the TRL file's technologies and the ones articles name (`named`)."""
    known = pd.Index(trl_technologies.dropna().unique())
    cited = pd.Index(named["technology"].dropna().unique())
    technologies = known.union(cited).sort_values()
    tokens = pd.Series(np.asarray(technologies, dtype=object), dtype=TEXT)
    category = most_frequent_category(named).reindex(technologies)
    dim = pd.DataFrame(
        {
            "technology": tokens,
            "display_name": display_names(tokens),
            "technology_category": category.to_numpy(),
            "in_trl_file": tokens.isin(known).to_numpy(dtype=bool),
        }
    )
    logger.info(
        "dim_technology=built technologies=%d in_trl_file=%d unknown=%d",
        len(dim),
        int(dim["in_trl_file"].sum()),
        int((~dim["in_trl_file"]).sum()),
    )
    return dim


def unknown_technology_articles(
    dim_technology: pd.DataFrame, named: pd.DataFrame
) -> dict[str, int]:
    """Technologies the TRL file does not know -> how many articles name each.

    What an analyst needs to decide whether a name is an alias to add to the settings
    (`technologies.aliases`) or a technology of its own. `named` has one row per
    (article, technology), so a count is a number of articles.
    """
    unknown = dim_technology.loc[~dim_technology["in_trl_file"], "technology"]
    counts = named.loc[named["technology"].isin(unknown), "technology"].value_counts()
    counts = counts.reindex(unknown.to_numpy(), fill_value=0).sort_index()
    return {str(name): int(count) for name, count in counts.items()}
