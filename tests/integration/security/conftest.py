"""The stack's containers as Docker reports them (`docker compose ps -a -q` + `docker inspect`)."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from tests.integration.helpers import Stack, compose

LONG_RUNNING = ("prefect-db", "prefect-server", "warehouse-db", "worker")
PYTHON_SERVICES = ("prefect-server", "register", "worker")
POSTGRES_SERVICES = ("prefect-db", "warehouse-db")


def inspect_containers(*ids: str) -> list[dict[str, Any]]:
    done = subprocess.run(
        ["docker", "inspect", *ids], capture_output=True, text=True, check=True, timeout=60
    )
    return json.loads(done.stdout)


@pytest.fixture(scope="session")
def services(stack: Stack) -> list[str]:
    """Every service docker-compose.yml defines."""
    return compose("config", "--services", timeout=60).stdout.split()


@pytest.fixture(scope="session")
def compose_config(stack: Stack) -> dict[str, Any]:
    """docker-compose.yml as Compose resolves it with the stack's .env."""
    return json.loads(compose("config", "--format", "json", timeout=60).stdout)


@pytest.fixture(scope="session")
def containers(stack: Stack) -> dict[str, list[dict[str, Any]]]:
    """service -> `docker inspect` of its containers (exited one-shot jobs included)."""
    ids = compose("ps", "-a", "-q", timeout=60).stdout.split()
    assert ids, "no container in the stack: make up"
    by_service: dict[str, list[dict[str, Any]]] = {}
    for container in inspect_containers(*ids):
        service = container["Config"]["Labels"]["com.docker.compose.service"]
        by_service.setdefault(service, []).append(container)
    return by_service
