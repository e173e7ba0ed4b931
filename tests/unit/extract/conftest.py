"""Fixtures of the extract tests: crafted source files in tmp_path."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from .rows import Row, write_table

MakeFile = Callable[[str, Sequence[str], Sequence[Row]], Path]


@pytest.fixture
def make_file(tmp_path: Path) -> MakeFile:
    """`make_file("x.csv", headers, rows)` writes the file by its extension, returns its path."""

    def make(name: str, headers: Sequence[str], rows: Sequence[Row]) -> Path:
        return write_table(tmp_path / name, headers, rows)

    return make
