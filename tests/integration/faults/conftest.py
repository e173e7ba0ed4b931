"""Fixtures of the fault tests: the stack's containers, and two versions of the inputs.

Version A is the committed sample (the workers' /data/raw, what every other test loads);
version B is the same files with every company's revenue raised by one: the same keys
and counts, other rows in fact_financial and fact_company_score. A fault test runs B
over a warehouse holding A or B, so that "unchanged" and "complete" are told apart by
the table checksums. The package ends by loading A again and checking the warehouse is
back to the checksums it started with, so the other integration tests find the sample.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine

from tests.integration.faults.helpers import (
    CONTAINER_RAW_ROOT,
    Inputs,
    Services,
    companies_with_revenues_raised,
    restore_sample,
    run_and_wait,
    sample_files,
    sha256,
)
from tests.integration.helpers import (
    Stack,
    assert_completed,
    published_checksums,
)
from tests.support.sample_files import COMPANIES


@pytest.fixture(scope="session")
def services(stack: Stack) -> Services:
    return Services.of(stack)


@pytest.fixture(scope="package")
def inputs(
    api: httpx.Client,
    etl_engine: Engine,
    services: Services,
    completed_run: dict[str, Any],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Inputs]:
    assert_completed(completed_run)
    a_checksums = published_checksums(etl_engine)
    files = sample_files()
    b_companies = companies_with_revenues_raised(tmp_path_factory.mktemp("inputs"))
    b_dir = f"{CONTAINER_RAW_ROOT}/variant"
    services.put_files("worker", b_dir, {**files, COMPANIES: b_companies})
    b_run = run_and_wait(api, b_dir)
    assert_completed(b_run)
    b_checksums = published_checksums(etl_engine)
    changed = {name for name in a_checksums if a_checksums[name] != b_checksums[name]}
    assert "fact_financial" in changed, "version B must change the warehouse"
    assert sha256(files[COMPANIES]) != sha256(b_companies)
    found = Inputs(b_dir, a_checksums, b_checksums, files[COMPANIES], b_companies)
    # Every test starts from A, so that "unchanged" (A) and "complete" (B) differ.
    restore_sample(api, etl_engine, found)
    yield found
    if published_checksums(etl_engine) != a_checksums:
        restore_sample(api, etl_engine, found)
