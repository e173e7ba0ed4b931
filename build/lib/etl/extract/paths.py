"""Where a source file is: the configured name, or the same stem in another format."""

from __future__ import annotations

import logging
from pathlib import Path

from etl.errors import SourceFileError

logger = logging.getLogger(__name__)

SUPPORTED_EXTENSIONS = ("xlsx", "csv", "parquet")


def resolve_source_path(raw_dir: Path, file_name: str) -> Path:
    """The configured file, or the same stem under another supported extension."""
    wanted = Path(raw_dir) / file_name
    if wanted.is_file():
        return wanted
    for extension in SUPPORTED_EXTENSIONS:
        candidate = wanted.with_suffix(f".{extension}")
        if candidate != wanted and candidate.is_file():
            logger.warning("file=%s problem=missing using=%s", wanted, candidate)
            return candidate
    tried = ", ".join(f"{wanted.stem}.{ext}" for ext in SUPPORTED_EXTENSIONS)
    raise SourceFileError(wanted, f"missing file (looked for {tried} in {wanted.parent})")
