"""Nothing the stack keeps grows without bound: container logs rotate, the Prefect
server deletes old run history, the run log keeps retention.run_log_days (pruned by
every run: tests/unit/stages/test_run_log.py)."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.integration.helpers import Stack, compose

pytestmark = pytest.mark.integration

SERVICES = ("prefect-db", "prefect-server", "warehouse-db", "register", "worker")


@pytest.mark.parametrize("service", SERVICES)
def test_container_logs_rotate(stack: Stack, service: str) -> None:
    containers = compose("ps", "-a", "-q", service, timeout=60).stdout.split()
    assert containers, f"no {service} container"
    inspected = subprocess.run(
        ["docker", "inspect", *containers], capture_output=True, text=True, check=True, timeout=60
    )
    for container in json.loads(inspected.stdout):
        log_config = container["HostConfig"]["LogConfig"]
        assert log_config == {
            "Type": "json-file",
            "Config": {"max-size": "10m", "max-file": "5"},
        }, container["Name"]


def test_prefect_deletes_old_run_history(stack: Stack) -> None:
    script = (
        "from prefect.settings import get_current_settings as g; "
        "v = g().server.services.db_vacuum; "
        "print(sorted(v.enabled), int(v.retention_period.total_seconds()))"
    )
    done = compose("exec", "-T", "prefect-server", "python", "-c", script, timeout=60)
    expected = int(stack.get("PREFECT_SERVER_SERVICES_DB_VACUUM_RETENTION_PERIOD", "7776000"))
    assert done.stdout.strip() == f"['events', 'flow_runs'] {expected}"
