"""`make deploy` after a schedule change: the image is rebuilt, the deployment re-registered
from it and the workers restarted on it.

The image bakes deploy/prefect.yaml and config/ in, so the test edits the real files of
the checkout (both: registration refuses a schedule the two disagree on), and restores
them, deploying again, whatever happens.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

from tests.integration.deploy.make_targets import run_make
from tests.integration.helpers import DEPLOYMENT_NAME, REPO_ROOT, Stack, compose

pytestmark = pytest.mark.integration

ORIGINAL_CRON = 'cron: "0 2 * * *"'
CHANGED_CRON = 'cron: "17 3 * * *"'
SCHEDULE_FILES = (REPO_ROOT / "deploy" / "prefect.yaml", REPO_ROOT / "config" / "pipeline.yaml")
WORKER_CRON = "from etl.config.settings import load_settings; print(load_settings().schedule.cron)"


def _registered_cron(stack: Stack) -> str:
    async def read() -> str:
        async with get_client() as client:
            deployment = await client.read_deployment_by_name(DEPLOYMENT_NAME)
        [schedule] = deployment.schedules
        return schedule.schedule.cron

    updates = {PREFECT_API_URL: stack.api_url, PREFECT_API_AUTH_STRING: stack.auth_string}
    with temporary_settings(updates=updates):
        return asyncio.run(read())


def _docker(*args: str) -> str:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=60, check=True
    ).stdout.strip()


def _assert_workers_run_the_built_image(stack: Stack, cron: str) -> None:
    built = _docker(
        "image", "inspect", "-f", "{{.Id}}", stack.get("ABI_ETL_IMAGE", "abi-etl:0.1.0")
    )
    containers = compose("ps", "-q", "worker").stdout.split()
    assert containers, "no worker container"
    assert {_docker("inspect", "-f", "{{.Image}}", c) for c in containers} == {built}
    seen = compose("exec", "-T", "worker", "python", "-c", WORKER_CRON, timeout=120)
    assert seen.stdout.strip() == cron, "the worker reads another config/pipeline.yaml"


@pytest.fixture
def schedule_files() -> Iterator[dict[Path, bytes]]:
    originals = {path: path.read_bytes() for path in SCHEDULE_FILES}
    for path, text in originals.items():
        assert text.count(ORIGINAL_CRON.encode()) == 1, f"{path}: expected one {ORIGINAL_CRON}"
    yield originals
    for path, text in originals.items():
        path.write_bytes(text)


def test_make_deploy_registers_a_changed_schedule_and_restarts_the_workers(
    stack: Stack, schedule_files: dict[Path, bytes]
) -> None:
    started = time.monotonic()
    assert _registered_cron(stack) == "0 2 * * *"
    try:
        for path, text in schedule_files.items():
            path.write_bytes(text.replace(ORIGINAL_CRON.encode(), CHANGED_CRON.encode()))
        deployed = run_make("deploy")
        print(f"make_deploy_seconds={deployed.seconds:.0f} change=schedule")
        assert deployed.returncode == 0, deployed.describe()
        assert _registered_cron(stack) == "17 3 * * *"
        _assert_workers_run_the_built_image(stack, "17 3 * * *")
    finally:
        for path, text in schedule_files.items():
            path.write_bytes(text)
        restored = run_make("deploy")
        print(f"make_deploy_seconds={restored.seconds:.0f} change=restore")
    assert restored.returncode == 0, restored.describe()
    assert _registered_cron(stack) == "0 2 * * *"
    _assert_workers_run_the_built_image(stack, "0 2 * * *")
    print(f"test_seconds={time.monotonic() - started:.0f}")
