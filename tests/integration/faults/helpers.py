"""What the fault tests do to the stack, and how they read its end state.

Containers are those of this Compose project only (COMPOSE_PROJECT_NAME of the stack's
.env, `abi-etl` by default), found by Compose's labels through the Docker SDK. Input
files for a run are placed in every worker container under
/var/lib/abi-etl/staging/fault-inputs/<name> (the staging volume: the rest of the worker's
filesystem is read-only) and passed as the flow's `raw_dir`: the raw-files mount stays
the committed sample, so a fresh `make up` needs nothing more.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import tarfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import httpx
import pandas as pd
import pytest
from docker.models.containers import Container
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from etl.config.settings import load_settings
from tests.integration.helpers import (
    SAMPLE_DIR,
    TEST_OUTPUT,
    Stack,
    assert_completed,
    published_checksums,
    run_sql,
    trigger_run,
    wait_for_terminal_state,
)
from tests.support.sample_files import COMPANIES

# Input files for fault runs go into the workers' staging volume: the worker's root
# filesystem is read-only, and Docker cannot copy into its tmpfs. The name sorts after
# every run id, so the staging retention (etl.stages.archive) never prunes it.
STAGING_VOLUME = "/var/lib/abi-etl/staging"
CONTAINER_RAW_ROOT = f"{STAGING_VOLUME}/fault-inputs"
WORKER_UID = 10001  # the image's user `abi`


@dataclass(frozen=True)
class Inputs:
    """Version A (the sample) and B of the inputs, and the warehouse each leaves."""

    b_dir: str  # raw_dir of version B in the workers (A: the default, None)
    a_checksums: dict[str, str]
    b_checksums: dict[str, str]
    a_companies: bytes
    b_companies: bytes


# ------------------------------------------------------------------ the warehouse


FAULT_LOG = TEST_OUTPUT / "faults.log"


def record_fault(fault: str, **observed: object) -> None:
    """One `fault=... key=value` line per fault test, observed before its assertions, so
    a CI run lists every fault's end state (.ci/run-stack.sh prints test-output/faults.log)."""
    line = " ".join([f"fault={fault}", *(f"{k}={v}" for k, v in observed.items())])
    TEST_OUTPUT.mkdir(exist_ok=True)
    with FAULT_LOG.open("a", encoding="utf-8") as out:
        out.write(line + "\n")


def record_run_fault(
    fault: str,
    run: dict[str, Any],
    engine: Engine,
    inputs: Inputs,
    notices: list[dict[str, Any]],
    **observed: object,
) -> None:
    """record_fault for a run that ended: its state, its etl_run status, which version
    the warehouse holds (it held A before), and the notices it sent."""
    record_fault(
        fault,
        state=run["state"]["name"],
        etl_run=etl_run_of(engine, run["id"])["status"],
        warehouse_before="A",
        warehouse_after=warehouse_is(engine, inputs),
        notices=",".join(n["body"]["event"] for n in notices),
        **observed,
    )


def warehouse_is(engine: Engine, inputs: Inputs) -> str:
    """Which version's tables the warehouse holds now: A, B, or neither (corrupt)."""
    now = published_checksums(engine)
    if now == inputs.a_checksums:
        return "A"
    return "B" if now == inputs.b_checksums else "neither"


def etl_run_of(engine: Engine, flow_run_id: str) -> dict[str, Any]:
    rows = run_sql(
        engine,
        "SELECT run_id, status, error, started_at, ended_at, input_checksums, table_checksums "
        "FROM warehouse.etl_run WHERE flow_run_id = :id",
        id=flow_run_id,
    )
    assert len(rows) == 1, f"warehouse.etl_run holds {len(rows)} rows for flow run {flow_run_id}"
    return dict(rows[0]._mapping)


def restore_sample(api: httpx.Client, engine: Engine, inputs: Inputs) -> None:
    """Load version A (the sample) again: the next run completes, the warehouse is A."""
    run = run_and_wait(api)
    assert_completed(run)
    assert published_checksums(engine) == inputs.a_checksums


@contextmanager
def held_table_lock(engine: Engine, table: str, mode: str) -> Iterator[Connection]:
    """Hold `LOCK TABLE warehouse.<table> IN <mode> MODE` in an open transaction, as the
    ETL role, until the block ends (or the connection dies with the server)."""
    conn = engine.connect()
    try:
        conn.execute(text("SET application_name = 'abi-faults-test'"))
        conn.execute(text(f'LOCK TABLE warehouse."{table}" IN {mode} MODE'))
        yield conn
    finally:
        try:
            conn.rollback()
        except DBAPIError:
            # The session died with the server (a restart): its lock went with it.
            conn.invalidate()
        conn.close()


def application_name() -> str:
    """What the workers name their warehouse sessions: the settings' value, which the
    image reads from the same config/pipeline.yaml."""
    return load_settings().database.application_name


def waiting_etl_sessions(engine: Engine) -> list[Any]:
    """The ETL's sessions that wait for a lock, with the statement they wait in."""
    return run_sql(
        engine,
        "SELECT pid, application_name, wait_event_type, query FROM pg_stat_activity "
        "WHERE application_name = :app AND wait_event_type = 'Lock'",
        app=application_name(),
    )


def wait_until(
    probe: Callable[[], Any], what: str, timeout_s: float = 300, every_s: float = 1.0
) -> Any:
    """The first truthy value of `probe()`; the test fails naming `what` at the deadline."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"{what}: not seen within {timeout_s:.0f}s")
        time.sleep(every_s)


# -------------------------------------------------------------- Prefect's records


def run_and_wait(api: httpx.Client, raw_dir: str | None = None) -> dict[str, Any]:
    return wait_for_terminal_state(api, trigger_run(api, raw_dir, tags=("fault-test",)))


def task_runs(api: httpx.Client, flow_run_id: str) -> list[dict[str, Any]]:
    response = api.post(
        "/task_runs/filter",
        json={
            "task_runs": {"flow_run_id": {"any_": [flow_run_id]}},
            "sort": "EXPECTED_START_TIME_ASC",
        },
    )
    response.raise_for_status()
    return response.json()


def task_run_named(api: httpx.Client, flow_run_id: str, name: str) -> dict[str, Any] | None:
    for run in task_runs(api, flow_run_id):
        if run["name"].startswith(name):
            return run
    return None


def flow_run_logs(api: httpx.Client, flow_run_id: str) -> list[str]:
    response = api.post(
        "/logs/filter",
        json={"logs": {"flow_run_id": {"any_": [flow_run_id]}}, "sort": "TIMESTAMP_ASC"},
    )
    response.raise_for_status()
    return [entry["message"] for entry in response.json()]


# ------------------------------------------------------------------- containers


@dataclass(frozen=True)
class Services:
    """The containers of one Compose project, by service."""

    project: str
    client: docker.DockerClient

    @classmethod
    def of(cls, stack: Stack) -> Services:
        return cls(stack.get("COMPOSE_PROJECT_NAME", "abi-etl"), docker.from_env(timeout=120))

    def containers(self, service: str) -> list[Container]:
        found = self.client.containers.list(
            filters={
                "label": [
                    f"com.docker.compose.project={self.project}",
                    f"com.docker.compose.service={service}",
                ]
            }
        )
        assert found, f"no running container of service {service} in project {self.project}"
        return found

    def one(self, service: str) -> Container:
        (container,) = self.containers(service)
        return container

    def restart(self, service: str) -> None:
        for container in self.containers(service):
            container.restart(timeout=30)

    def wait_healthy(self, service: str, timeout_s: float = 300) -> None:
        def healthy() -> bool:
            states = []
            for container in self.containers(service):
                container.reload()
                states.append(container.attrs["State"].get("Health", {}).get("Status"))
            return all(state == "healthy" for state in states)

        wait_until(healthy, f"service {service} healthy", timeout_s, every_s=2)

    def put_files(self, service: str, folder: str, files: dict[str, bytes]) -> None:
        """Write `files` into `folder` (created, owned by the worker's user) of every
        container of `service`."""
        assert folder.startswith(f"{STAGING_VOLUME}/"), f"{folder} is not in {STAGING_VOLUME}"
        relative = folder.removeprefix(f"{STAGING_VOLUME}/").strip("/")
        archive = io.BytesIO()
        with tarfile.open(fileobj=archive, mode="w") as tar:
            # The folder and its parents below the volume, owned by the worker's user.
            parts = relative.split("/")
            for depth in range(1, len(parts) + 1):
                directory = tarfile.TarInfo("/".join(parts[:depth]))
                directory.type, directory.mode = tarfile.DIRTYPE, 0o755
                directory.uid = directory.gid = WORKER_UID
                tar.addfile(directory)
            for name, data in files.items():
                info = tarfile.TarInfo(f"{relative}/{name}")
                info.size, info.mode = len(data), 0o644
                info.uid = info.gid = WORKER_UID
                info.mtime = int(time.time())
                tar.addfile(info, io.BytesIO(data))
        for container in self.containers(service):
            done = container.put_archive(STAGING_VOLUME, archive.getvalue())
            assert done, f"put_archive {folder}"

    def exec(self, service: str, *command: str, detach: bool = False) -> str:
        """Run `command` in every container of `service` as the image's user."""
        outputs = []
        for container in self.containers(service):
            result = container.exec_run(list(command), detach=detach)
            if not detach:
                output = result.output.decode("utf-8", "replace")
                assert result.exit_code == 0, f"{command} exited {result.exit_code}: {output}"
                outputs.append(output)
        return "".join(outputs)


# ---------------------------------------------------------------------- inputs


def sample_files() -> dict[str, bytes]:
    return {
        path.name: path.read_bytes()
        for path in sorted(SAMPLE_DIR.iterdir())
        if path.suffix in {".csv", ".xlsx"}
    }


def companies_with_revenues_raised(tmp_path: Path, by: int = 1) -> bytes:
    """The sample's companies file with every numeric revenue raised by `by`: the same
    rows and keys (so the same counts), other values in fact_financial."""
    path = tmp_path / COMPANIES
    shutil.copyfile(SAMPLE_DIR / COMPANIES, path)
    options = {"encoding": "utf-8", "dtype": str, "keep_default_na": False}
    frame = pd.read_csv(path, encoding_errors="surrogateescape", skip_blank_lines=False, **options)
    revenues = pd.to_numeric(frame["Revenues"], errors="coerce")
    raised = revenues.notna()
    frame.loc[raised, "Revenues"] = (revenues[raised] + by).map(repr)
    frame.to_csv(path, index=False, errors="surrogateescape")
    return path.read_bytes()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
