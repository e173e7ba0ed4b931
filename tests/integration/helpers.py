"""Helpers shared by the integration tests (imported as `integration.helpers`)."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import URL, text
from sqlalchemy.engine import Engine

from etl.warehouse.schema import PUBLISHED_TABLES

REPO_ROOT = Path(__file__).resolve().parents[2]
ENV_FILE = REPO_ROOT / ".env"
SAMPLE_DIR = REPO_ROOT / "data" / "sample"
TEST_OUTPUT = REPO_ROOT / "test-output"

DEPLOYMENT_NAME = "ABI ETL Pipeline/daily-etl"
WORK_POOL = "abi-etl-pool"
WORK_QUEUE = "abi-etl-queue"
# The stack's generated secrets (mk/stack.mk STACK_SECRETS): Compose refuses an empty one.
STACK_SECRETS = (
    "PREFECT_AUTH_PASSWORD",
    "PREFECT_DB_PASSWORD",
    "WAREHOUSE_ADMIN_PASSWORD",
    "ABI_WAREHOUSE_ETL_PASSWORD",
    "ABI_WAREHOUSE_BI_PASSWORD",
)
TERMINAL_STATES = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}
RUN_TIMEOUT_S = float(os.environ.get("ABI_IT_RUN_TIMEOUT", "1500"))


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a Compose .env file (comments and blanks skipped)."""
    values: dict[str, str] = {}
    if not path.exists():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


@dataclass(frozen=True)
class Stack:
    env: dict[str, str]

    def get(self, key: str, default: str = "") -> str:
        return os.environ.get(key) or self.env.get(key) or default

    @property
    def prefect_port(self) -> int:
        return int(self.get("PREFECT_PORT", "4200"))

    @property
    def ui_url(self) -> str:
        return f"http://127.0.0.1:{self.prefect_port}"

    @property
    def api_url(self) -> str:
        return f"{self.ui_url}/api"

    @property
    def public_url(self) -> str:
        """The UI's address for people (ABI_PUBLIC_URL), as docker-compose.yml defaults it."""
        return self.get("ABI_PUBLIC_URL", f"http://localhost:{self.prefect_port}")

    @property
    def project(self) -> str:
        return self.get("COMPOSE_PROJECT_NAME", "abi-etl")

    @property
    def auth(self) -> tuple[str, str]:
        return self.get("PREFECT_AUTH_USER", "admin"), self.get("PREFECT_AUTH_PASSWORD")

    @property
    def auth_string(self) -> str:
        return ":".join(self.auth)

    def warehouse_url(self, role: str) -> URL:
        user_key, password_key, default_user = {
            "etl": ("ABI_WAREHOUSE_ETL_USER", "ABI_WAREHOUSE_ETL_PASSWORD", "abi_etl"),
            "bi": ("ABI_WAREHOUSE_BI_USER", "ABI_WAREHOUSE_BI_PASSWORD", "abi_bi"),
        }[role]
        return URL.create(
            "postgresql+psycopg2",
            username=self.get(user_key, default_user),
            password=self.get(password_key),
            host="127.0.0.1",
            port=int(self.get("WAREHOUSE_PORT", "15432")),
            database=self.get("ABI_WAREHOUSE_DB", "abi_warehouse"),
        )


def read_deployment(api: httpx.Client, full_name: str = DEPLOYMENT_NAME) -> dict[str, Any]:
    flow, _, name = full_name.partition("/")
    response = api.get(f"/deployments/name/{flow}/{name}")
    response.raise_for_status()
    return response.json()


def count(api: httpx.Client, path: str, body: dict[str, Any] | None = None) -> int:
    response = api.post(path, json=body or {})
    response.raise_for_status()
    return int(response.json())


def wait_for_terminal_state(
    api: httpx.Client, flow_run_id: str, timeout_s: float = RUN_TIMEOUT_S
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        run = api.get(f"/flow_runs/{flow_run_id}").raise_for_status().json()
        state = (run.get("state") or {}).get("type")
        if state in TERMINAL_STATES:
            return run
        if time.monotonic() >= deadline:
            pytest.fail(f"flow run {flow_run_id} still {state} after {timeout_s:.0f}s")
        time.sleep(3)


def trigger_run(
    api: httpx.Client,
    raw_dir: str | None = None,
    tags: tuple[str, ...] = (),
    origin: str = "integration-test",
    *,
    full_refresh: bool = True,
) -> str:
    """Start a run of daily-etl now through the API (raw files from `raw_dir` in the
    worker if given), tagged with `origin` (who started it) and `tags`; return its flow
    run id. benchmarks/trigger.py triggers its runs through here too.

    A whole run unless `full_refresh` is False: the tests exercise the stages, and a run
    on the files of the last completed run would otherwise skip them.
    """
    deployment = read_deployment(api)
    parameters: dict[str, Any] = {"full_refresh": full_refresh}
    if raw_dir is not None:
        parameters["raw_dir"] = raw_dir
    body: dict[str, Any] = {"tags": [origin, *tags], "parameters": parameters}
    created = api.post(f"/deployments/{deployment['id']}/create_flow_run", json=body)
    created.raise_for_status()
    return created.json()["id"]


def trigger_and_wait(api: httpx.Client, *, full_refresh: bool = True) -> dict[str, Any]:
    """Start a run of daily-etl now through the API; return it once it has finished."""
    return wait_for_terminal_state(api, trigger_run(api, full_refresh=full_refresh))


def assert_completed(run: dict[str, Any]) -> None:
    state = run.get("state") or {}
    assert state.get("type") == "COMPLETED", (
        f"flow run {run['name']} ({run['id']}) ended {state.get('name')}: {state.get('message')}"
    )


def compose(
    *args: str, timeout: float = 600, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """`docker compose ARGS` in the checkout; `env` adds to (and wins over) the shell's."""
    return subprocess.run(
        ["docker", "compose", *args],
        cwd=REPO_ROOT,
        env={**os.environ, **env} if env else None,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=check,
    )


def docker_bridge_address() -> str:
    """The host's address on Docker's default bridge, which `host-gateway` names."""
    out = subprocess.run(
        [
            "docker",
            "network",
            "inspect",
            "bridge",
            "--format",
            "{{(index .IPAM.Config 0).Gateway}}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return out.stdout.strip()


def is_notice_of(flow_run_id: str, source: str = "flow"):
    """Predicate for HttpReceiver.wait_for: a notice about this flow run, sent by the
    flow's own hooks (source "flow") or by a server automation ("automation"), whose
    text carries the run's UI link."""

    def matches(record: dict[str, Any]) -> bool:
        body = record["body"]
        if not isinstance(body, dict):
            return False
        if source == "automation":
            return body.get("source") == "prefect-automation" and flow_run_id in str(
                body.get("body")
            )
        return body.get("flow_run_id") == flow_run_id

    return matches


def run_sql(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params))


def service_containers(service: str) -> list[str]:
    """Ids of the running containers of one service of this Compose project."""
    return compose("ps", "-q", service).stdout.split()


def published_checksums(engine: Engine) -> dict[str, str]:
    """md5 of every published table's rows in primary-key order, computed here in SQL so
    that the check does not trust the ETL's own checksum code."""
    digests = {}
    for table in PUBLISHED_TABLES:
        order = ", ".join(f't."{c.name}"' for c in table.primary_key.columns)
        (digest,) = run_sql(
            engine,
            f"SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY {order}), '')) "
            f'FROM warehouse."{table.name}" t',
        )[0]
        digests[table.name] = digest
    return digests
