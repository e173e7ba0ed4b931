"""Small pools of varied strings, built once with a loop and then sampled by index.

Building a million abstracts one by one would take minutes; a few thousand distinct
ones sampled by index look just as varied and cost nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from etl.sample import vocab

MAX_POOL_SIZE = 4096


def pool_size(rows: int) -> int:
    """As many distinct entries as rows, up to a few thousand: small samples stay fast."""
    return max(64, min(MAX_POOL_SIZE, rows))


def spellings(tech: vocab.Technology) -> tuple[str, ...]:
    """Ways people write a technology; all normalise to its token (first = the token)."""
    words = tech.words
    forms = (
        tech.token,
        "".join(words),
        " ".join(words),
        "_".join(word.lower() for word in words),
        tech.token.upper(),
        tech.token.capitalize(),
    )
    return tuple(dict.fromkeys(forms))


def normalise_technology(name: str) -> str:
    """The readers' rule: lower-case, strip, drop whitespace and underscores."""
    return "".join(name.strip().lower().split()).replace("_", "")


@dataclass(frozen=True)
class TechnologyPool:
    text: np.ndarray  # object: the Technologies field
    first: np.ndarray  # index in vocab.TECHNOLOGIES of the first technology named
    variant: np.ndarray  # bool: some technology is not spelled as its token


def technology_pool(rng: np.random.Generator, size: int) -> TechnologyPool:
    n_tech = len(vocab.TECHNOLOGIES)
    all_spellings = [spellings(tech) for tech in vocab.TECHNOLOGIES]
    text, first, variant = [], [], []
    for _ in range(size):
        count = int(rng.choice((1, 2, 3), p=(0.6, 0.3, 0.1)))
        chosen = rng.choice(n_tech, size=count, replace=False)
        names = []
        for tech in chosen:
            options = all_spellings[tech]
            # The token itself half of the time, another spelling otherwise.
            pick = 0 if rng.random() < 0.5 else int(rng.integers(0, len(options)))
            names.append(options[pick])
        separator = str(rng.choice((", ", ",", "; ", ";")))
        text.append(separator.join(names))
        first.append(int(chosen[0]))
        tokens = [vocab.TECHNOLOGIES[tech].token for tech in chosen]
        variant.append(names != tokens)
    return TechnologyPool(
        np.array(text, dtype=object), np.array(first), np.array(variant, dtype=bool)
    )


def _sentence(rng: np.random.Generator) -> str:
    template = vocab.SENTENCES[int(rng.integers(0, len(vocab.SENTENCES)))]
    start = int(rng.integers(2008, 2022))
    return template.format(
        n=int(rng.integers(12, 900)),
        c=int(rng.integers(2, 40)),
        y1=start,
        y2=start + int(rng.integers(1, 4)),
        p=int(rng.integers(5, 96)),
        p2=int(rng.integers(2, 60)),
        m=int(rng.integers(6, 60)),
        m2=round(float(rng.uniform(2, 30)), 1),
    )


def _abstract(rng: np.random.Generator) -> str:
    style = rng.random()
    if style < 0.4:
        # Structured abstract: one heading per line, as PubMed exports them.
        parts = [
            f"{heading}: " + " ".join(_sentence(rng) for _ in range(int(rng.integers(1, 3))))
            for heading in vocab.SECTION_HEADINGS
        ]
        return "\n".join(parts)
    sentences = [_sentence(rng) for _ in range(int(rng.integers(4, 8)))]
    if style < 0.85:
        cut = len(sentences) // 2
        return " ".join(sentences[:cut]) + "\n\n" + " ".join(sentences[cut:])
    return " ".join(sentences)


def abstract_pool(rng: np.random.Generator, size: int) -> np.ndarray:
    return np.array([_abstract(rng) for _ in range(size)], dtype=object)


def author_pool(rng: np.random.Generator, size: int) -> np.ndarray:
    lists = []
    for _ in range(size):
        count = int(min(12, rng.geometric(0.25)))
        last = rng.integers(0, len(vocab.LAST_NAMES), size=count)
        initials = rng.integers(0, len(vocab.INITIALS), size=(count, 2))
        two = rng.random(count) < 0.5
        names = [
            vocab.LAST_NAMES[last[i]]
            + " "
            + vocab.INITIALS[initials[i, 0]]
            + (vocab.INITIALS[initials[i, 1]] if two[i] else "")
            for i in range(count)
        ]
        lists.append(", ".join(names))
    return np.array(lists, dtype=object)


def keyword_pool(rng: np.random.Generator, size: int) -> np.ndarray:
    lists = []
    for _ in range(size):
        chosen = rng.permutation(len(vocab.KEYWORDS))[: int(rng.integers(2, 7))]
        separator = "; " if rng.random() < 0.7 else ";"
        lists.append(separator.join(vocab.KEYWORDS[i] for i in chosen))
    return np.array(lists, dtype=object)
