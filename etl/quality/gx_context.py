"""The Great Expectations context of one validation run: in memory, analytics off.

An ephemeral context keeps suites, validation definitions and results in memory, so GX
never creates a `gx/` project folder in the repository or the working directory. The only
thing it writes is the Data Docs site, and only under the folder it is given.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import great_expectations as gx
from great_expectations.data_context import AbstractDataContext
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)
from great_expectations.execution_engine import pandas_execution_engine

logger = logging.getLogger(__name__)

DOCS_SITE_NAME = "abi_etl"


def docs_site_config(site_dir: Path) -> dict[str, object]:
    """A local filesystem Data Docs site rooted at `site_dir` (index.html at its top)."""
    return {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(site_dir.resolve()),
        },
    }


def new_context(docs_site_dir: Path | None = None) -> AbstractDataContext:
    """A fresh ephemeral context; with `docs_site_dir`, one Data Docs site rooted there."""
    # GX reads this when a context starts; the config flag below says the same thing, so a
    # future GX that honours only one of them still sends nothing.
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    # GX fingerprints every pandas batch under HASH_THRESHOLD bytes (1 GB) by hashing all
    # its values into batch_markers["pandas_data_fingerprint"], which nothing here reads:
    # at 1M articles that hash was 14 of the source suites' 35 s (cProfile, loaded
    # machine). A threshold of 0 skips it; SQL batches never had it.
    pandas_execution_engine.HASH_THRESHOLD = 0
    sites = {DOCS_SITE_NAME: docs_site_config(docs_site_dir)} if docs_site_dir else {}
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        # tqdm bars on stderr would interleave with the key=value log lines.
        progress_bars=ProgressBarsConfig(globally=False),
        data_docs_sites=sites,
    )
    context = gx.get_context(mode="ephemeral", project_config=config)
    logger.debug("quality=context mode=ephemeral docs_site_dir=%s", docs_site_dir)
    return context
