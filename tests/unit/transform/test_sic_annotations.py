"""SIC descriptions: the reviewer's symbol and emoji marks that real files carry.

The marks are drawn from whole Unicode categories (So, Sk, Sm) and emoji sequences, not
from the few the code was written against, and combined with and without a word after
them and with and without a space before them.
"""

from __future__ import annotations

import itertools
import sys
import unicodedata

import pandas as pd
import pytest

from etl.sample.vocab import SIC_ANNOTATIONS, SIC_CODES
from etl.transform.normalise import clean_sic_description

DESCRIPTIONS = tuple(description for _, description, *_ in SIC_CODES)
# SEC descriptions as EDGAR writes them: letters, digits, spaces and - , & ( ) / ' .
REAL_DESCRIPTIONS = (
    *DESCRIPTIONS,
    "Services-Medical Laboratories",
    "Wholesale-Drugs Proprietaries & Druggists' Sundries",
    "Perfumes, Cosmetics & Other Toilet Preparations",
    "Services-Computer Programming, Data Processing, Etc.",
    "Orthopedic, Prosthetic & Surgical Appliances & Supplies",
    "X-Ray Apparatus & Tubes & Related Irradiation Apparatus",
    "Services-Misc Health & Allied Services, NEC",
    "Measuring & Controlling Devices, NEC",
    "Services-Engineering, Accounting, Research, Management",
    "Wholesale-Medical, Dental & Hospital Equipment & Supplies",
    "Services-Offices & Clinics of Doctors of Medicine",
    "Blank Checks",
    "Retail-Drug Stores and Proprietary Stores",
    "Plastic Materials, Synth Resins & Nonvulcan Elastomers",
    "Laboratory Analytical Instruments",
    "Patent Owners & Lessors",
)
EMOJI_SEQUENCES = (
    "✔️",  # check mark + variation selector 16
    "⚠️",
    "👍🏽",  # skin-tone modifier
    "👩‍🔬",  # zero-width joiner sequence
    "👨‍👩‍👧",
    "🇫🇷",  # regional indicator pair (a flag)
    "1️⃣",  # keycap
    "🏴󠁧󠁢󠁳󠁣󠁴󠁿",  # tag sequence (Scotland)
    "❤︎",  # text presentation selector
    "✓✓",
    "⚠ ✓",
)
WORDS = ("", "review", "Reviewed", "check", "CHECKED", "verified", "ok", "todo", "à vérifier")
GAPS = ("", " ", "  ")


def _category_marks(per_category: int = 40) -> list[str]:
    """Symbols spread over the whole code space, `per_category` of each of So, Sk and Sm."""
    found: dict[str, list[str]] = {"So": [], "Sk": [], "Sm": []}
    for code in range(0x20, sys.maxunicode + 1):
        category = unicodedata.category(chr(code))
        if category in found:
            found[category].append(chr(code))
    marks: list[str] = []
    for symbols in found.values():
        step = max(1, len(symbols) // per_category)
        marks.extend(symbols[::step][:per_category])
    return marks


def _annotated(marks: list[str]) -> pd.DataFrame:
    rows = [
        (base, f"{base}{gap}{mark}{' ' if word else ''}{word}")
        for base, mark, word, gap in itertools.product(DESCRIPTIONS, marks, WORDS, GAPS)
    ]
    rows += [
        (base, f"{base}{mark}{word}")
        for base, mark, word in itertools.product(DESCRIPTIONS, marks, ("check", "ok"))
    ]  # `🔍check`: the word glued to the mark
    return pd.DataFrame(rows, columns=["expected", "raw"])


def _offenders(frame: pd.DataFrame) -> list[tuple[str, object]]:
    cleaned = clean_sic_description(frame["raw"]).astype(object)
    wrong = cleaned.ne(frame["expected"]) | cleaned.isna()
    return list(zip(frame.loc[wrong, "raw"], cleaned[wrong], strict=True))[:10]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Pharmaceutical Preparations ✓", "Pharmaceutical Preparations"),
        ("Biological Products ⚠ review", "Biological Products"),
        ("In Vitro Diagnostics 🔍check", "In Vitro Diagnostics"),
        ("Surgical Instruments★ verified", "Surgical Instruments"),
        ("Medicinal Chemicals ✔️ reviewed", "Medicinal Chemicals"),
        ("Pharmaceutical Preparations ⚠ see 10-K, note 3", "Pharmaceutical Preparations"),
        ("Pharmaceutical Preparations [reviewed] ✓", "Pharmaceutical Preparations"),
        ("Pharmaceutical Preparations ✓ [reviewed]", "Pharmaceutical Preparations"),
        ("✓ Pharmaceutical Preparations", "Pharmaceutical Preparations"),  # mark in front
        ("Pharmaceutical Preparations - ✓", "Pharmaceutical Preparations"),
        ("✓ reviewed", None),
    ],
)
def test_listed_marks_are_stripped(raw: str, expected: str | None) -> None:
    result = clean_sic_description(pd.Series([raw])).iloc[0]
    assert (None if pd.isna(result) else result) == expected


def test_every_symbol_category_mark_is_stripped() -> None:
    frame = _annotated(_category_marks())
    assert len(frame) > 20_000  # 120 marks x 9 words x 3 gaps x 7 descriptions, and more
    assert _offenders(frame) == []


def test_emoji_sequences_are_stripped_whole() -> None:
    # A selector, joiner or modifier left behind would be an invisible tail.
    assert _offenders(_annotated(list(EMOJI_SEQUENCES))) == []


def test_real_descriptions_are_untouched() -> None:
    values = pd.Series(REAL_DESCRIPTIONS)
    assert clean_sic_description(values).tolist() == list(REAL_DESCRIPTIONS)


# The generator's annotations and its two-line notes: what the committed sample carries.
@pytest.mark.parametrize(
    "annotation", (*SIC_ANNOTATIONS, "\n[reviewed 2024]", ",\nsee 10-K, note 3")
)
def test_every_sample_annotation_is_stripped(annotation: str) -> None:
    raw = pd.Series([description + annotation for description in DESCRIPTIONS])
    assert clean_sic_description(raw).tolist() == list(DESCRIPTIONS)
