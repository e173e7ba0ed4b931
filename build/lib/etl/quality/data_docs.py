"""Data Docs: static HTML sites under `settings.paths.data_docs_dir/<run_id>/<part>/`.

A site per run, rather than one site rebuilt each night, because the context is ephemeral:
it only knows this run's results, so a shared site's index would forget earlier runs while
their pages stayed on disk. For the same reason each validation call gets its own site
(`part`: `sources`, `staging`, or `all` for `run_quality`), so validating the sources after
extraction and the staging tables after the load in one run leaves two complete sites.
Old run folders are pruned by the pipeline's retention (etl.stages.archive), not here.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from pathlib import Path

from great_expectations.data_context import AbstractDataContext

from etl.config.settings import Settings
from etl.quality.gx_context import DOCS_SITE_NAME

logger = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def new_run_id() -> str:
    """Used when the caller has no pipeline run id (a validation run on its own)."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-quality"


def site_dir(settings: Settings, run_id: str, part: str) -> Path:
    """Folder of one site of this run; the run id is made safe to be a folder name."""
    return settings.paths.data_docs_dir / _UNSAFE.sub("_", run_id) / part


def build_data_docs(context: AbstractDataContext, directory: Path) -> Path:
    """Render every suite and validation result the context holds; return index.html."""
    directory.mkdir(parents=True, exist_ok=True)
    context.build_data_docs(site_names=[DOCS_SITE_NAME])
    index = directory.resolve() / "index.html"
    if not index.is_file():
        # GX reported success but wrote no index: a silent gap in the audit trail is worse
        # than a failed run step.
        raise FileNotFoundError(f"file={index} problem=Data Docs build wrote no index.html")
    logger.info("quality=data_docs index=%s", index)
    return index
