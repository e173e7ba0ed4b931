"""Workers on another machine: deploy/worker.compose.yml, and a backfill spread over them.

The module starts the worker-only Compose file as a project of its own (the stack's
project name + "-workers"). It reaches the Prefect server and the warehouse only through
the ports the stack publishes on 127.0.0.1, as a second machine would (host networking:
the file's header says why), and shares no network, volume or service with the stack.

Then `abi-etl backfill` (the CLI, from this machine, through the API) loads three
snapshots in that order: the sample with the companies' revenues raised by 1, then by 2,
then the sample itself (so the module leaves the warehouse as later tests expect it).
Each run must publish what a single worker publishes at the same step: the same
snapshots run one after another in standard mode (`abi-etl run --no-prefect`) on a
throwaway database, after the sample, which is what the stack's warehouse holds before
the backfill. A run published out of order would leave other table checksums.

Spread: workers take one run at a time (--limit 1), and the backfill creates run 2 only
once run 1 is Running. The test holds the load lock until run 2 has been taken, so run 1
keeps its worker busy meanwhile and run 2 must go to the other one, whatever the timings.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import docker
import httpx
import pytest
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import URL, Engine

from etl.warehouse.locks import LOAD_LOCK
from tests.integration.faults.helpers import (
    STAGING_VOLUME,
    Services,
    companies_with_revenues_raised,
    flow_run_logs,
    sample_files,
    wait_until,
)
from tests.integration.helpers import (
    REPO_ROOT,
    SAMPLE_DIR,
    WORK_POOL,
    Stack,
    assert_completed,
    published_checksums,
    run_sql,
)
from tests.support.postgres import fresh_database, query_rows
from tests.support.sample_files import COMPANIES

pytestmark = pytest.mark.integration
logger = logging.getLogger(__name__)

WORKER_FILE = "deploy/worker.compose.yml"
INPUTS = f"{STAGING_VOLUME}/backfill-inputs"
_RUN_LINE = re.compile(
    r"^run=(?P<position>\d+) .* id=(?P<id>\S+) state=(?P<state>\S+) worker=(?P<worker>\S+)$"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RemoteWorkers:
    """The worker-only project, driven as a user would: docker compose -p ... -f ..."""

    def __init__(self, stack: Stack, env_file: Path) -> None:
        self.project = f"{stack.project}-workers"
        self.worker_name = f"{self.project}-worker"
        self._env_file = env_file
        # Only what deploy/worker.env.example documents, nothing of the stack's .env
        # (--env-file points at an empty file): addresses are the published ports.
        self.env = {
            "ABI_ETL_IMAGE": stack.get("ABI_ETL_IMAGE", "abi-etl:0.1.0"),
            "ABI_REMOTE_PREFECT_API_URL": stack.api_url,
            "PREFECT_AUTH_USER": stack.auth[0],
            "PREFECT_AUTH_PASSWORD": stack.auth[1],
            "ABI_REMOTE_WAREHOUSE_HOST": "127.0.0.1",
            "ABI_REMOTE_WAREHOUSE_PORT": stack.get("WAREHOUSE_PORT", "15432"),
            "ABI_WAREHOUSE_DB": stack.get("ABI_WAREHOUSE_DB", "abi_warehouse"),
            "ABI_WAREHOUSE_ETL_USER": stack.get("ABI_WAREHOUSE_ETL_USER", "abi_etl"),
            "ABI_WAREHOUSE_ETL_PASSWORD": stack.get("ABI_WAREHOUSE_ETL_PASSWORD"),
            "ABI_WORKER_NETWORK_MODE": "host",
            "ABI_WORKER_HEALTH_PORT": str(_free_port()),
            "ABI_WORKER_NAME": self.worker_name,
            "ABI_NOTIFICATIONS__WEBHOOK_URL": stack.get("ABI_NOTIFICATIONS__WEBHOOK_URL"),
            "ABI_PUBLIC_URL": stack.public_url,
            "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": stack.get(
                "PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "30"
            ),
        }

    def compose(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        command = ["docker", "compose", "-p", self.project, "--project-directory", "."]
        command += ["-f", WORKER_FILE, "--env-file", str(self._env_file), *args]
        env = {k: v for k, v in os.environ.items() if k != "COMPOSE_PROJECT_NAME"}
        return subprocess.run(
            command,
            cwd=REPO_ROOT,
            env={**env, **self.env},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def wait_online(self, api: httpx.Client) -> None:
        wait_until(lambda: _online(api, self.worker_name), f"worker {self.worker_name} ONLINE", 300)

    def services(self) -> Services:
        return Services(self.project, docker.from_env(timeout=120))


@pytest.fixture(scope="module")
def remote_workers(
    stack: Stack, api: httpx.Client, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RemoteWorkers]:
    env_file = tmp_path_factory.mktemp("remote") / "worker.env"
    env_file.write_text("", encoding="utf-8")
    remote = RemoteWorkers(stack, env_file)
    # Not --wait: the worker starts while the test builds its reference (wait_online).
    up = remote.compose("up", "-d", "--no-build")
    try:
        assert up.returncode == 0, f"remote workers did not start:\n{up.stdout}\n{up.stderr}"
        yield remote
    finally:
        logs = remote.compose("logs", "--no-color", "--tail=60", timeout=120)
        # Shown with the captured logs of a failing test.
        logger.info("remote workers' logs:\n%s%s", logs.stdout, logs.stderr)
        remote.compose("down", "--volumes", "--remove-orphans", timeout=300)
        # Its record would stay ONLINE for a few heartbeats; the pool lists real workers.
        api.delete(f"/work_pools/{WORK_POOL}/workers/{remote.worker_name}")


def _online(api: httpx.Client, name: str) -> bool:
    workers = api.post(f"/work_pools/{WORK_POOL}/workers/filter", json={}).raise_for_status()
    return any(w["name"] == name and w["status"] == "ONLINE" for w in workers.json())


def _snapshots(tmp_path: Path) -> dict[str, dict[str, bytes]]:
    files = sample_files()
    return {
        "raised-1": {**files, COMPANIES: companies_with_revenues_raised(tmp_path, by=1)},
        "raised-2": {**files, COMPANIES: companies_with_revenues_raised(tmp_path, by=2)},
        "sample": files,
    }


def _single_worker_reference(
    pg_server: URL, folders: list[Path], tmp_path: Path
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """`abi-etl run --no-prefect` on each folder in turn, on a throwaway database: the
    published checksums after each run (this module's SQL), and each run's own table
    checksums (its etl_run row)."""
    env = {
        **os.environ,
        "ABI_PATHS__STAGING_DIR": str(tmp_path / "staging"),
        "ABI_PATHS__ARCHIVE_DIR": str(tmp_path / "archive"),
        "ABI_PATHS__DATA_DOCS_DIR": str(tmp_path / "data_docs"),
    }
    published = []
    with fresh_database(pg_server) as url:
        engine = create_engine(url, poolclass=pool.NullPool)
        try:
            for folder in folders:
                done = subprocess.run(
                    # The suites decide whether a run publishes, never what it publishes,
                    # and every backfill run must complete: skipping them here changes
                    # no table and saves a third of each run.
                    [_cli(), "run", "--no-prefect", "--skip-validation", "--raw-dir", str(folder)],
                    env={**env, "ABI_WAREHOUSE_URL": url},
                    capture_output=True,
                    text=True,
                    timeout=900,
                    check=False,
                )
                assert done.returncode == 0, f"reference run on {folder} failed:\n{done.stderr}"
                published.append(published_checksums(engine))
        finally:
            engine.dispose()
        own = [
            row[0]
            for row in query_rows(
                url, "SELECT table_checksums FROM warehouse.etl_run ORDER BY started_at"
            )
        ]
    return published, own


def _cli() -> str:
    found = shutil.which("abi-etl", path=str(Path(sys.executable).parent))
    assert found, "abi-etl is not installed next to this Python"
    return found


def test_backfill_spreads_over_two_workers_and_equals_one_worker(
    *,
    remote_workers: RemoteWorkers,
    stack: Stack,
    api: httpx.Client,
    etl_engine: Engine,
    completed_run: dict[str, Any],
    pg_server: URL,
    tmp_path: Path,
) -> None:
    assert_completed(completed_run)
    before = published_checksums(etl_engine)
    snapshots = _snapshots(tmp_path)
    host_folders = []
    for name, files in snapshots.items():
        folder = tmp_path / "snapshots" / name
        folder.mkdir(parents=True)
        for file_name, data in files.items():
            (folder / file_name).write_bytes(data)
        host_folders.append(folder)

    # The single worker's reference runs on this machine while the backfill runs on the
    # workers: most of the backfill's time is spent waiting (polls, process starts).
    with ThreadPoolExecutor(max_workers=1) as pool:
        started = time.monotonic()
        single = pool.submit(
            _single_worker_reference,
            pg_server,
            [SAMPLE_DIR, *host_folders],
            tmp_path / "reference",
        )
        remote_workers.wait_online(api)
        logger.info("phase=remote_worker_online seconds=%.1f", time.monotonic() - started)
        for name, files in snapshots.items():
            # The same path in every worker of both projects: a run may land on either.
            for services in (Services.of(stack), remote_workers.services()):
                services.put_files("worker", f"{INPUTS}/{name}", files)
        out = _backfill_holding_the_load_lock(api, stack, etl_engine, list(snapshots))
        logger.info("phase=backfill seconds=%.1f\n%s", time.monotonic() - started, out)
        reference, reference_own = single.result()
        logger.info("phase=reference_done seconds=%.1f", time.monotonic() - started)
    # The comparison is honest only from the same start: the sample, loaded once.
    assert before == reference[0], (
        "the stack's warehouse does not hold the sample alone; run this on a fresh stack"
    )

    lines = [m.groupdict() for m in map(_RUN_LINE.match, out.splitlines()) if m]
    assert [line["state"] for line in lines] == ["COMPLETED"] * len(snapshots), out
    workers = [line["worker"] for line in lines]
    assert workers[0] != workers[1], f"runs 1 and 2 on one worker: {workers}"
    assert remote_workers.worker_name in workers, f"the remote worker ran nothing: {workers}"
    # Each run after the first waited for the one before it, by its flow run id.
    for previous, line in itertools.pairwise(lines):
        waited = "event=previous_run_completed run_id="
        logs = flow_run_logs(api, line["id"])
        assert any(waited in m and f"previous_flow_run_id={previous['id']}" in m for m in logs)

    # Published in the given order, each leaving what the single worker's run left.
    rows = [
        run_sql(
            etl_engine,
            "SELECT status, ended_at, table_checksums FROM warehouse.etl_run "
            "WHERE flow_run_id = :id",
            id=line["id"],
        )[0]
        for line in lines
    ]
    assert [row.status for row in rows] == ["completed"] * len(snapshots)
    ended = [row.ended_at for row in rows]
    assert ended == sorted(ended), f"the runs ended out of order: {ended}"
    assert [row.table_checksums for row in rows] == reference_own[1:]
    assert published_checksums(etl_engine) == reference[-1]
    # The last snapshot is the sample: later tests find the warehouse as they expect.
    assert published_checksums(etl_engine) == before


def _backfill_holding_the_load_lock(
    api: httpx.Client, stack: Stack, etl_engine: Engine, names: list[str]
) -> str:
    """Run `abi-etl backfill` over the snapshots; return its output once it succeeded.

    The load lock is held until a worker has taken run 2: run 1 cannot finish before,
    so it keeps its worker (limit 1) busy, and run 2 can only go to the other worker.
    """
    env = {
        **os.environ,
        "PREFECT_API_URL": stack.api_url,
        "PREFECT_API_AUTH_STRING": stack.auth_string,
    }
    created_after = datetime.now(UTC).isoformat()
    command = [_cli(), "backfill", "--timeout", "1500", "--interval", "1"]
    for name in names:
        command += ["--raw-dir", f"{INPUTS}/{name}"]
    lock = etl_engine.connect()
    lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": LOAD_LOCK.key})
    lock.commit()
    try:
        driver = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        second = wait_until(
            lambda: _backfill_run(api, created_after, position=2),
            "the backfill's second run created",
            300,
        )
        wait_until(
            lambda: any("submitting flow run" in m for m in flow_run_logs(api, second["id"])),
            "a worker taking the backfill's second run",
            300,
        )
    finally:
        lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOAD_LOCK.key})
        lock.commit()
        lock.close()
    out, err = driver.communicate(timeout=1500)
    assert driver.returncode == 0, f"abi-etl backfill exited {driver.returncode}:\n{out}\n{err}"
    return out


def _backfill_run(api: httpx.Client, after: str, position: int) -> dict[str, Any] | None:
    """The run at `position` (1-based) of the backfill started after `after`, once created."""
    runs = api.post(
        "/flow_runs/filter",
        json={
            "flow_runs": {
                "tags": {"all_": ["backfill"]},
                "expected_start_time": {"after_": after},
            },
            "sort": "EXPECTED_START_TIME_ASC",
        },
    ).raise_for_status()
    found = runs.json()
    return found[position - 1] if len(found) >= position else None
