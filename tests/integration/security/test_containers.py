"""The containers' own hardening: users, capabilities, read-only root, memory, ports.

Figures behind the memory limits: docs/stack.md, "Resource limits".
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.helpers import compose
from tests.integration.security.conftest import (
    LONG_RUNNING,
    POSTGRES_SERVICES,
    PYTHON_SERVICES,
)

pytestmark = pytest.mark.integration

DOCKER_DEFAULT_SHM = 64 * 2**20
UID = "10001"  # the image's user `abi`

# What the worker may write: its volumes and its tmpfs; and what it must not.
WORKER_WRITABLE = (
    "/tmp",
    "/home/abi/.prefect",
    "/var/lib/abi-etl/staging",
    "/var/lib/abi-etl/data_docs",
    "/var/lib/abi-etl/archive",
)
WORKER_READ_ONLY = ("/", "/opt/abi-etl", "/opt/abi-etl/config", "/opt/venv", "/home/abi", "/etc")
# Writes a file in each directory given and removes it; prints {directory: error or null}.
_PROBE = """
import json, os, sys
result = {}
for directory in sys.argv[1:]:
    path = os.path.join(directory, ".abi-write-probe")
    try:
        with open(path, "w") as handle:
            handle.write("x")
        os.remove(path)
        result[directory] = None
    except OSError as exc:
        result[directory] = exc.strerror
print(json.dumps(result))
"""


def _write_probe(service: str, directories: tuple[str, ...]) -> dict[str, str | None]:
    done = compose("exec", "-T", service, "python", "-c", _PROBE, *directories, timeout=60)
    return json.loads(done.stdout)


def test_worker_root_filesystem_is_read_only(containers: dict[str, list[dict[str, Any]]]) -> None:
    for worker in containers["worker"]:
        assert worker["HostConfig"]["ReadonlyRootfs"] is True
    refused = _write_probe("worker", WORKER_READ_ONLY)
    assert refused == dict.fromkeys(WORKER_READ_ONLY, "Read-only file system"), refused


def test_worker_writes_to_its_volumes_and_tmpfs() -> None:
    written = _write_probe("worker", WORKER_WRITABLE)
    assert written == dict.fromkeys(WORKER_WRITABLE), written


def test_raw_files_are_mounted_read_only() -> None:
    refused = _write_probe("worker", ("/data/raw",))
    assert refused == {"/data/raw": "Read-only file system"}


def test_every_service_has_a_memory_limit(
    services: list[str],
    containers: dict[str, list[dict[str, Any]]],
    compose_config: dict[str, Any],
) -> None:
    assert set(services) == set(containers), "a service without a container: make up"
    for service in services:
        configured = int(compose_config["services"][service]["mem_limit"])
        assert configured > 0, service
        for container in containers[service]:
            host = container["HostConfig"]
            assert host["Memory"] == configured, service
            # No swap on top: the limit is the limit.
            assert host["MemorySwap"] == configured, service


@pytest.mark.parametrize("service", POSTGRES_SERVICES)
def test_postgres_has_more_shared_memory_than_dockers_default(
    containers: dict[str, list[dict[str, Any]]], service: str
) -> None:
    [container] = containers[service]
    shm = container["HostConfig"]["ShmSize"]
    assert shm > DOCKER_DEFAULT_SHM
    assert shm < container["HostConfig"]["Memory"]  # /dev/shm pages count in the limit


@pytest.mark.parametrize("service", ["prefect-server", "worker"])
def test_python_services_run_as_non_root(service: str) -> None:
    done = compose("exec", "-T", service, "id", "-u", timeout=60)
    assert done.stdout.strip() == UID


@pytest.mark.parametrize("service", LONG_RUNNING)
def test_main_process_is_not_root_and_has_no_capabilities(service: str) -> None:
    """PID 1 (tini for the Python services, postgres after the entrypoint dropped root)."""
    done = compose("exec", "-T", service, "cat", "/proc/1/status", timeout=60)
    status = dict(line.split(":", 1) for line in done.stdout.splitlines() if ":" in line)
    real, effective, *_ = status["Uid"].split()
    assert real != "0" and effective != "0", status["Uid"]
    assert int(status["CapEff"], 16) == 0, status["CapEff"]


@pytest.mark.parametrize("service", PYTHON_SERVICES)
def test_python_services_drop_capabilities_and_privilege_escalation(
    containers: dict[str, list[dict[str, Any]]], service: str
) -> None:
    for container in containers[service]:
        host = container["HostConfig"]
        assert host["CapDrop"] == ["ALL"]
        assert not host["CapAdd"]
        assert "no-new-privileges:true" in host["SecurityOpt"]
        assert host["Privileged"] is False
        assert container["Config"]["User"] in (UID, f"{UID}:{UID}")


def test_flow_run_processes_cannot_gain_privileges() -> None:
    done = compose("exec", "-T", "worker", "cat", "/proc/self/status", timeout=60)
    status = dict(line.split(":", 1) for line in done.stdout.splitlines() if ":" in line)
    assert status["NoNewPrivs"].strip() == "1"
    assert int(status["CapBnd"], 16) == 0  # not even a setuid binary could get one back


def _published_ports() -> list[dict[str, Any]]:
    done = compose("ps", "--format", "json", timeout=60)
    text = done.stdout.strip()
    services = (
        json.loads(text) if text.startswith("[") else [json.loads(x) for x in text.splitlines()]
    )
    return [p for s in services for p in (s.get("Publishers") or []) if p.get("PublishedPort")]


def test_ports_are_published_on_localhost_only() -> None:
    published = _published_ports()
    assert published, "no published port at all?"
    assert {p["URL"] for p in published} == {"127.0.0.1"}, published
    assert {p["TargetPort"] for p in published} == {4200, 5432}
