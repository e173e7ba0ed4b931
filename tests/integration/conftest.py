"""Fixtures for the end-to-end tests against the running Compose stack (`make up`).

Everything is reached on 127.0.0.1 through the ports the stack publishes, with the
credentials of the stack's .env (the shell environment wins, as in Compose):

- the Prefect API at http://127.0.0.1:${PREFECT_PORT}/api, basic auth
  ${PREFECT_AUTH_USER}:${PREFECT_AUTH_PASSWORD};
- the warehouse at 127.0.0.1:${WAREHOUSE_PORT}, as the ETL role or the BI role;
- a real webhook receiver the stack posts its notices to: the stack must have been
  started with ABI_NOTIFICATIONS__WEBHOOK_URL=http://host.docker.internal:18090/hook
  (CI exports it; any port works), the receiver listens on the host's Docker bridge.

Without a reachable stack the tests are skipped, unless ABI_REQUIRE_STACK=1 (set by
`make test-integration` and CI) turns that into a failure. When a test fails, the
services' state and recent logs are attached to its report.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from tests.integration.helpers import (
    ENV_FILE,
    SAMPLE_DIR,
    Stack,
    compose,
    docker_bridge_address,
    read_env_file,
    trigger_and_wait,
)
from tests.support.receivers import HttpReceiver, http_receiver_on

# The name docker-compose.yml maps to the host (extra_hosts: host-gateway).
WEBHOOK_HOST = "host.docker.internal"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def stack() -> Stack:
    stack = Stack(read_env_file(ENV_FILE))
    problem = None
    if not stack.get("PREFECT_AUTH_PASSWORD"):
        problem = f"no PREFECT_AUTH_PASSWORD ({ENV_FILE} missing?): run `make up` first"
    else:
        try:
            httpx.get(f"{stack.api_url}/health", timeout=5).raise_for_status()
        except httpx.HTTPError as exc:
            problem = f"Prefect API at {stack.api_url} unreachable ({exc}): run `make up` first"
    if problem:
        _unavailable(problem)
    return stack


def _unavailable(problem: str) -> None:
    if os.environ.get("ABI_REQUIRE_STACK") == "1":
        pytest.fail(problem)
    pytest.skip(problem)


@pytest.fixture(scope="session")
def stack_webhook(stack: Stack) -> Iterator[HttpReceiver]:
    """The receiver of every notice the stack sends: the flow's hooks (from the worker)
    and the automations (from the server). Started before the session's first run."""
    configured = urlsplit(stack.get("ABI_NOTIFICATIONS__WEBHOOK_URL"))
    if configured.hostname != WEBHOOK_HOST or not configured.port:
        _unavailable(
            "the stack posts no notices to the tests: set ABI_NOTIFICATIONS__WEBHOOK_URL="
            f"http://{WEBHOOK_HOST}:18090/hook in .env (or the shell), then `make deploy`"
        )
    with http_receiver_on(
        docker_bridge_address(), configured.port, public_host=WEBHOOK_HOST
    ) as receiver:
        yield receiver


@pytest.fixture(scope="session")
def api(stack: Stack) -> Iterator[httpx.Client]:
    """An authenticated client of the Prefect REST API."""
    with httpx.Client(base_url=stack.api_url, auth=stack.auth, timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def etl_engine(stack: Stack) -> Iterator[Engine]:
    engine = create_engine(stack.warehouse_url("etl"), pool_pre_ping=True)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def bi_engine(stack: Stack) -> Iterator[Engine]:
    engine = create_engine(stack.warehouse_url("bi"), pool_pre_ping=True)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def sample_manifest() -> dict[str, Any]:
    return json.loads((SAMPLE_DIR / "sample_manifest.json").read_text(encoding="utf-8"))


@dataclass
class Runs:
    """The runs this session started, in order (shared by the modules)."""

    started: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture(scope="session")
def runs() -> Runs:
    return Runs()


@pytest.fixture(scope="session")
def completed_run(api: httpx.Client, runs: Runs, stack_webhook: HttpReceiver) -> dict[str, Any]:
    """The first run of the session, once finished, whatever its state (tests assert it)."""
    run = trigger_and_wait(api)
    runs.started.append(run)
    return run


_logs_dumped = False


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """On a failure, attach `docker compose ps -a` and (once) the services' logs."""
    outcome = yield
    report = outcome.get_result()
    global _logs_dumped  # noqa: PLW0603
    if not report.failed or "integration" not in item.keywords:
        return
    try:
        state = compose("ps", "-a", timeout=60, check=False).stdout
        report.sections.append(("docker compose ps -a", state))
        if not _logs_dumped:
            # Once per session: the logs are the same for every failing test.
            _logs_dumped = True
            logs = compose("logs", "--no-color", "--tail=150", timeout=120, check=False)
            report.sections.append(("docker compose logs --tail=150", logs.stdout + logs.stderr))
    except (OSError, subprocess.SubprocessError) as exc:
        report.sections.append(("docker compose", f"could not collect the logs: {exc}"))
