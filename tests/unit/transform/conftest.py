"""Fixtures of the transform tests: the hand-checked sample frames of `frames`."""

from __future__ import annotations

import pandas as pd
import pytest

from .frames import sample_companies, sample_publications, sample_trl


@pytest.fixture
def trl() -> pd.DataFrame:
    return sample_trl()


@pytest.fixture
def publications() -> pd.DataFrame:
    return sample_publications()


@pytest.fixture
def companies() -> pd.DataFrame:
    return sample_companies()
