"""Free-text normalisation: places, SIC descriptions, industry categories, technology names.

Every function works on whole columns: the text is folded to a comparison key with
vectorised string methods (accents, case, spacing) and looked up in a mapping table,
once per distinct value (`vector.map_uniques`). The tables are deliberately explicit:
adding a spelling is a one-line change that a reviewer can read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from etl.extract.technologies import normalise_technology, resolve_aliases
from etl.transform.vector import (
    TEXT,
    clean_labels,
    collapse_whitespace,
    fold,
    letters_key,
    map_uniques_frame,
    map_uniques_text,
)

UNITED_STATES = "United States"
CANADA = "Canada"

# Canonical English country name -> spellings seen in the sources (English, French, codes).
# Keys are compared after `_place_key` (accents, case, dots and spacing removed).
_COUNTRY_SPELLINGS: dict[str, tuple[str, ...]] = {
    UNITED_STATES: (
        "united states",
        "united states of america",
        "usa",
        "us",
        "u.s.",
        "u.s.a.",
        "etats-unis",
        "etats unis",
        "etats-unis d'amerique",
        "amerique",
        "america",
    ),
    "United Kingdom": (
        "united kingdom",
        "uk",
        "u.k.",
        "great britain",
        "britain",
        "england",
        "royaume-uni",
        "royaume uni",
        "grande-bretagne",
        "angleterre",
        "scotland",
        "ecosse",
    ),
    "Germany": ("germany", "allemagne", "deutschland"),
    "France": ("france",),
    "Switzerland": ("switzerland", "suisse", "schweiz"),
    "Ireland": ("ireland", "irlande", "republic of ireland"),
    "China": ("china", "chine", "people's republic of china", "prc"),
    "Japan": ("japan", "japon"),
    CANADA: ("canada",),
    "Netherlands": ("netherlands", "the netherlands", "pays-bas", "pays bas", "holland"),
    "Belgium": ("belgium", "belgique"),
    "Denmark": ("denmark", "danemark"),
    "Sweden": ("sweden", "suede"),
    "Norway": ("norway", "norvege"),
    "Finland": ("finland", "finlande"),
    "Austria": ("austria", "autriche"),
    "Italy": ("italy", "italie"),
    "Spain": ("spain", "espagne"),
    "Portugal": ("portugal",),
    "Poland": ("poland", "pologne"),
    "Israel": ("israel",),
    "India": ("india", "inde"),
    "South Korea": ("south korea", "korea", "republic of korea", "coree du sud", "coree"),
    "Taiwan": ("taiwan",),
    "Hong Kong": ("hong kong",),
    "Singapore": ("singapore", "singapour"),
    "Australia": ("australia", "australie"),
    "New Zealand": ("new zealand", "nouvelle-zelande", "nouvelle zelande"),
    "Brazil": ("brazil", "bresil", "brasil"),
    "Mexico": ("mexico", "mexique"),
    "Russia": ("russia", "russie", "russian federation"),
    "Luxembourg": ("luxembourg",),
    "Cayman Islands": ("cayman islands", "iles caimans", "iles cayman", "caimans"),
    "Bermuda": ("bermuda", "bermudes"),
    "British Virgin Islands": (
        "british virgin islands",
        "iles vierges britanniques",
        "bvi",
    ),
    "Jersey": ("jersey",),
    "Guernsey": ("guernsey", "guernesey"),
}

# Canonical English state/province -> (country, spellings). Two-letter USPS codes included
# because SEC filings use them (`DE` is Delaware here, not Germany).
_US_STATES: dict[str, tuple[str, ...]] = {
    "Alabama": ("al",),
    "Alaska": ("ak",),
    "Arizona": ("az",),
    "Arkansas": ("ar",),
    "California": ("ca", "californie"),
    "Colorado": ("co",),
    "Connecticut": ("ct",),
    "Delaware": ("de",),
    "District of Columbia": ("dc", "district de columbia"),
    "Florida": ("fl", "floride"),
    "Georgia": ("ga", "georgie"),
    "Hawaii": ("hi", "hawai"),
    "Idaho": ("id",),
    "Illinois": ("il",),
    "Indiana": ("in",),
    "Iowa": ("ia",),
    "Kansas": ("ks",),
    "Kentucky": ("ky",),
    "Louisiana": ("la", "louisiane"),
    "Maine": ("me",),
    "Maryland": ("md",),
    "Massachusetts": ("ma",),
    "Michigan": ("mi",),
    "Minnesota": ("mn",),
    "Mississippi": ("ms",),
    "Missouri": ("mo",),
    "Montana": ("mt",),
    "Nebraska": ("ne",),
    "Nevada": ("nv",),
    "New Hampshire": ("nh",),
    "New Jersey": ("nj",),
    "New Mexico": ("nm", "nouveau-mexique", "nouveau mexique"),
    "New York": ("ny", "etat de new york"),
    "North Carolina": ("nc", "caroline du nord"),
    "North Dakota": ("nd", "dakota du nord"),
    "Ohio": ("oh",),
    "Oklahoma": ("ok",),
    "Oregon": ("or",),
    "Pennsylvania": ("pa", "pennsylvanie"),
    "Rhode Island": ("ri",),
    "South Carolina": ("sc", "caroline du sud"),
    "South Dakota": ("sd", "dakota du sud"),
    "Tennessee": ("tn",),
    "Texas": ("tx",),
    "Utah": ("ut",),
    "Vermont": ("vt",),
    "Virginia": ("va", "virginie"),
    "Washington": ("wa", "etat de washington"),
    "West Virginia": ("wv", "virginie-occidentale", "virginie occidentale"),
    "Wisconsin": ("wi",),
    "Wyoming": ("wy",),
    "Puerto Rico": ("pr", "porto rico"),
}
_CANADIAN_PROVINCES: dict[str, tuple[str, ...]] = {
    "Ontario": (),
    "Quebec": (),
    "Alberta": (),
    "Manitoba": (),
    "Saskatchewan": (),
    "British Columbia": ("colombie-britannique", "colombie britannique"),
    "Nova Scotia": ("nouvelle-ecosse", "nouvelle ecosse"),
    "New Brunswick": ("nouveau-brunswick", "nouveau brunswick"),
}

# Noise around a place name that carries no information.
_PLACE_PREFIX = r"^(?:state of|the state of|etat du|etat de|l'etat du|l'etat de|province of)\s+"
# Separators between a state and its country: `Delaware, USA`, `Delaware (USA)`, `DE - US`.
_PLACE_SEPARATORS = r"\s*(?:[,;/|()]|\s-\s)[\s,;/|()]*"


def _place_key(values: pd.Series) -> pd.Series:
    """`fold` plus dots dropped (`U.S.A.` -> `usa`) and noise prefixes removed."""
    key = fold(values).str.replace(".", "", regex=False).str.replace(r"\s+", " ", regex=True)
    return key.str.strip().str.replace(_PLACE_PREFIX, "", regex=True)


def _spellings_table(spellings: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Canonical name -> spellings, inverted to key -> canonical name (names match themselves)."""
    names = list(spellings)
    keys = _place_key(pd.Series(names)).tolist()
    table = dict(zip(keys, names, strict=True))
    for name, aliases in spellings.items():
        table.update(dict.fromkeys(_place_key(pd.Series(aliases, dtype=object)).tolist(), name))
    return table


COUNTRY_BY_KEY: dict[str, str] = _spellings_table(_COUNTRY_SPELLINGS)
STATE_BY_KEY: dict[str, str] = {
    **_spellings_table(_US_STATES),
    **_spellings_table(_CANADIAN_PROVINCES),
}
COUNTRY_OF_STATE: dict[str, str] = {
    **dict.fromkeys(_US_STATES, UNITED_STATES),
    **dict.fromkeys(_CANADIAN_PROVINCES, CANADA),
}


def normalise_country(values: pd.Series) -> pd.Series:
    """Country names in English; an unknown name is kept as given (whitespace cleaned).

    `États-Unis`, `USA` -> `United States`; `Allemagne` -> `Germany`; `Mars` -> `Mars`.
    """

    def english(uniques: pd.Series) -> pd.Series:
        cleaned = collapse_whitespace(uniques)
        return _place_key(cleaned).map(COUNTRY_BY_KEY).fillna(cleaned.astype(object))

    return map_uniques_text(values, english)


def _resolve_places(raw: pd.Series) -> pd.DataFrame:
    """State and country of each distinct raw place text (vectorised over the distinct values).

    Accepted shapes: `<state>`, `<country>`, `<state>, <country>` or `<country>, <state>`,
    where the country must be the state's own. Anything else (three parts, a state with
    another country, unknown words) resolves to nothing: a guess would be worse than null.
    """
    parts = _place_key(raw).str.replace(_PLACE_SEPARATORS, ",", regex=True).str.strip(", ")
    split = parts.str.split(",", n=2, expand=True).reindex(columns=[0, 1, 2])
    first, second = split[0].astype(object), split[1].astype(object)
    single, pair = second.isna(), second.notna() & split[2].isna()

    state_first, state_second = first.map(STATE_BY_KEY), second.map(STATE_BY_KEY)
    country_first, country_second = first.map(COUNTRY_BY_KEY), second.map(COUNTRY_BY_KEY)
    home_first = state_first.map(COUNTRY_OF_STATE)
    home_second = state_second.map(COUNTRY_OF_STATE)

    is_state = single & state_first.notna()
    is_country = single & state_first.isna() & country_first.notna()
    state_then_country = pair & state_first.notna() & (home_first == country_second)
    country_then_state = pair & state_second.notna() & (home_second == country_first)

    state = np.select(
        [is_state | state_then_country, country_then_state], [state_first, state_second], None
    )
    country = np.select(
        [is_state | state_then_country, is_country, country_then_state],
        [home_first, country_first, home_second],
        None,
    )
    return pd.DataFrame({"state": state, "country": country}, index=raw.index)


def normalise_incorporation(values: pd.Series) -> pd.DataFrame:
    """Split free-text incorporation places into state, country and the raw text kept.

    Returns columns `state_of_incorporation`, `country_of_incorporation` (English names,
    null when not recognised) and `state_of_incorporation_raw` (the text as given,
    whitespace cleaned, kept for every row so a reviewer can audit each mapping).
    """
    raw = clean_labels(values)
    places = map_uniques_frame(raw, _resolve_places)
    return pd.DataFrame(
        {
            "state_of_incorporation": places["state"].astype(TEXT),
            "country_of_incorporation": places["country"].astype(TEXT),
            "state_of_incorporation_raw": raw,
        },
        index=values.index,
    )


# Reviewer annotations appended to SIC descriptions. Only tails that a real SEC
# description never ends with are removed: `(No Diagnostic Substances)` stays.
_ANNOTATION_WORDS = (
    r"(?:todo|to do|fixme|check(?:ed)?|to check|verify|verified|review(?:ed)?|needs review"
    r"|tbc|tbd|ok|draft|updated|corrected|a verifier|à vérifier|a revoir|à revoir|voir"
    r"|see|cf)"
)
_ANNOTATION_TAILS = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"\s*\[[^\[\]]*\]\s*$",  # [reviewed]
        r"\s*\((?:note|nb|n\.b\.|remarque|comment(?:aire)?)\b[^()]*\)\s*$",  # (note: ...)
        rf"\s*\({_ANNOTATION_WORDS}\b[^()]*\)\s*$",  # (to check), (see notes)
        r"\s*--.*$",  # -- check   (SEC descriptions never hold a double dash)
        rf"\s+[-–—:|/#]+\s*{_ANNOTATION_WORDS}\b.*$",  # - TODO, : reviewed, # check
        rf"\s*[,;]\s*{_ANNOTATION_WORDS}\b.*$",  # , see 10-K, note 3
        r"\s*\b(?:note|nb)\s*:.*$",  # note: ... without parentheses
        r"\s+(?:todo|fixme|tbc|tbd)\s*$",  # bare trailing marker
        rf"^\s*{_ANNOTATION_WORDS}\s*$",  # nothing but the annotation (its mark stripped)
        r"\s*[*?!]+\s*$",  # trailing *, ?, !
        r"\s*[,;:]+\s*$",  # separator left behind
        r"\s+[-–—|/#]+\s*$",  # `Preparations - ✓` once the mark has gone
    )
)
# A reviewer's mark made of symbols or emoji: `✓`, `⚠ review`, `🔍check`, `★ verified`,
# `✔️ reviewed`. A real SEC description is letters, digits, spaces and `-,&()/'.`: it never
# holds a symbol (Unicode So, Sk, Sm) or an emoji's joiners and selectors (variation
# selectors, ZWJ, keycap, tag characters), so everything from the first such mark to the
# end is the reviewer's, and so is a mark before the text. RE2 syntax (run by Arrow):
# Python's `re` has no Unicode categories.
_MARK = (
    r"(?:[#*0-9]\x{FE0F}?\x{20E3}"  # keycap: 1️⃣
    r"|[\p{So}\p{Sk}\p{Sm}\x{FE0E}\x{FE0F}\x{200D}\x{20E3}\x{E0020}-\x{E007F}])"
)
_LEADING_MARKS = rf"^(?:{_MARK}\s*)+"
_MARKED_TAIL = rf"\s*{_MARK}.*$"
_MAX_ANNOTATION_PASSES = 5  # annotations can stack: `... [reviewed] *`


def _strip_marks(text: pd.Series) -> pd.Series:
    """Symbol and emoji marks removed, with the words that follow a trailing one."""
    array = pa.array(text.to_numpy(dtype=object, na_value=None), type=pa.large_string())
    array = pc.replace_substring_regex(array, _LEADING_MARKS, "")
    array = pc.replace_substring_regex(array, _MARKED_TAIL, "")
    return pd.Series(pd.arrays.ArrowStringArray(array), index=text.index).astype("string")


def _strip_annotations(uniques: pd.Series) -> pd.Series:
    text = collapse_whitespace(uniques)
    for _ in range(_MAX_ANNOTATION_PASSES):  # passes over the column, not rows
        before = text
        text = _strip_marks(text)
        for pattern in _ANNOTATION_TAILS:
            text = text.str.replace(pattern, "", regex=True)
        text = collapse_whitespace(text)
        if text.equals(before):
            break
    return text


def clean_sic_description(values: pd.Series) -> pd.Series:
    """SIC description with reviewer annotation suffixes stripped; empty result -> null."""
    return map_uniques_text(clean_labels(values), _strip_annotations)


INDUSTRY_CATEGORIES = (
    "Biotechnology",
    "Pharmaceuticals",
    "Diagnostics",
    "Medical Devices",
    "Life Sciences Tools",
    "Healthcare Services",
    "Other",
)
OTHER_INDUSTRY = "Other"
_INDUSTRY_SYNONYMS: dict[str, tuple[str, ...]] = {
    "Biotechnology": ("biotech", "biotechnologie", "biotechnologies"),
    "Pharmaceuticals": (
        "pharmaceutical",
        "pharma",
        "pharmaceutique",
        "pharmaceutiques",
        "drug manufacturers",
    ),
    "Diagnostics": ("diagnostic", "diagnostique", "diagnostiques", "in vitro diagnostics", "ivd"),
    "Medical Devices": (
        "medical device",
        "medtech",
        "dispositifs medicaux",
        "dispositif medical",
        "devices",
    ),
    "Life Sciences Tools": (
        "life science tools",
        "life sciences tools and services",
        "research tools",
        "research services",
        "contract research",
        "cro",
        "tools",
        "outils sciences de la vie",
    ),
    "Healthcare Services": (
        "health care services",
        "healthcare service",
        "health services",
        "healthcare",
        "services de sante",
    ),
    "Other": ("others", "autre", "autres", "misc", "miscellaneous"),
}


def _industry_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for name in INDUSTRY_CATEGORIES:
        spellings = (name, *_INDUSTRY_SYNONYMS.get(name, ()))
        keys = letters_key(pd.Series(spellings, dtype=object)).tolist()
        table.update(dict.fromkeys(keys, name))
    return table


INDUSTRY_BY_KEY: dict[str, str] = _industry_table()


def normalise_industry(values: pd.Series) -> pd.DataFrame:
    """Industry category on the controlled list (`INDUSTRY_CATEGORIES`), else `Other`.

    Matching ignores case, accents, spaces and punctuation. Returns `industry_category`
    (never null) and `industry_category_raw` (the text as given, whitespace cleaned).
    """
    raw = clean_labels(values)
    category = map_uniques_text(
        raw, lambda uniques: letters_key(uniques).map(INDUSTRY_BY_KEY).fillna(OTHER_INDUSTRY)
    ).fillna(OTHER_INDUSTRY)
    return pd.DataFrame(
        {"industry_category": category, "industry_category_raw": raw},
        index=values.index,
    )


def technology_token(values: pd.Series, aliases: Mapping[str, str] | None = None) -> pd.Series:
    """Normalised technology name, with aliases resolved: the key technologies match on.

    The readers' rule (etl.extract.technologies.normalise_technology) re-applied, so the
    transform is safe on any input and idempotent on the readers' tokens: `Gene Therapy`,
    `gene_therapy` and `GENETHERAPY` all give `genetherapy`. Empty -> null. `aliases` is
    a token table (`alias_table`): with `{"car-t": "cart-t"}`, `CAR-T` and `CAR‑T` give
    `cart-t`. The readers know no aliases (they have no settings); the transform does.
    """
    return resolve_aliases(normalise_technology(values), aliases or {})
