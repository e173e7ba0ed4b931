"""The committed sample, and copies of it damaged the way real nights damage files."""

from __future__ import annotations

import shutil
from pathlib import Path

from etl.config.settings import SOURCE_NAMES, SourcesSettings

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "data" / "sample"
# The sample carries the team's default file names (settings.sources).
FILES = {name: SourcesSettings().get(name).file for name in SOURCE_NAMES}
COMPANIES = FILES["biotech_companies"]
ARTICLES = FILES["pubmed_articles"]


def sample_copy(tmp_path: Path, name: str = "raw") -> Path:
    """A writable copy of the committed sample's files."""
    raw = tmp_path / name
    shutil.copytree(SAMPLE_DIR, raw)
    return raw


def cut_file(source: Path, target: Path, share: float) -> None:
    """`target` holds the first `share` of `source`'s bytes: a copy that stopped midway."""
    data = source.read_bytes()
    target.write_bytes(data[: int(len(data) * share)])
