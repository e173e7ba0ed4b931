"""Prefect's database is reachable by the Prefect server only.

prefect-db publishes no port and sits alone with prefect-server on the `internal` network
prefect-internal (Docker forwards nothing from it beyond the host). Neither the worker
nor anything on the `etl` network reaches it, and it reaches nothing there. The Docker
host itself can open a connection to a container's bridge address (the host is every
bridge's gateway): that is root's machine, and the database still asks for
PREFECT_DB_PASSWORD; other machines have no route to it.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from tests.integration.helpers import compose

pytestmark = pytest.mark.integration

# Exit status 0 when a TCP connection to host:port opens within 3 s.
_CONNECT = (
    "import socket, sys\n"
    "try:\n"
    "    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3).close()\n"
    "except OSError as exc:\n"
    "    print(type(exc).__name__, exc)\n"
    "    sys.exit(1)\n"
)


def _probe(service: str, host: str, port: str = "5432") -> subprocess.CompletedProcess:
    """Try a TCP connection to host:port from inside `service`'s container."""
    return compose(
        "exec", "-T", service, "python", "-c", _CONNECT, host, port, timeout=60, check=False
    )


def _ip(container: dict[str, Any]) -> dict[str, str]:
    return {
        name: network["IPAddress"]
        for name, network in container["NetworkSettings"]["Networks"].items()
    }


def test_prefect_db_publishes_no_port(containers: dict[str, list[dict[str, Any]]]) -> None:
    [db] = containers["prefect-db"]
    assert not db["HostConfig"]["PortBindings"]
    bound = [b for b in (db["NetworkSettings"]["Ports"] or {}).values() if b]
    assert bound == []


def test_prefect_db_network_is_internal_and_shared_with_the_server_only(
    containers: dict[str, list[dict[str, Any]]],
) -> None:
    [db] = containers["prefect-db"]
    [network] = db["NetworkSettings"]["Networks"]
    inspected = json.loads(
        subprocess.run(
            ["docker", "network", "inspect", network],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
    )[0]
    assert inspected["Internal"] is True
    attached = {
        c["Config"]["Labels"]["com.docker.compose.service"]
        for service in containers.values()
        for c in service
        if c["Id"] in inspected["Containers"]
    }
    assert attached == {"prefect-db", "prefect-server"}


def test_worker_cannot_reach_prefect_db(containers: dict[str, list[dict[str, Any]]]) -> None:
    [db] = containers["prefect-db"]
    [address] = _ip(db).values()
    by_name = _probe("worker", "prefect-db")
    assert by_name.returncode == 1 and "gaierror" in by_name.stdout, by_name.stdout
    by_address = _probe("worker", address)
    assert by_address.returncode == 1, by_address.stdout
    # The same probe works: the worker reaches the warehouse it loads.
    warehouse = _probe("worker", "warehouse-db")
    assert warehouse.returncode == 0, warehouse.stdout


def test_prefect_server_reaches_prefect_db() -> None:
    done = _probe("prefect-server", "prefect-db")
    assert done.returncode == 0, done.stdout


def test_prefect_db_reaches_nothing_on_the_etl_network(
    containers: dict[str, list[dict[str, Any]]],
) -> None:
    """A compromised Prefect database cannot reach the warehouse."""
    [warehouse] = containers["warehouse-db"]
    [address] = _ip(warehouse).values()
    # bash's /dev/tcp: the postgres image has no Python. 124: timed out (dropped).
    probe = f"timeout 5 bash -c 'echo > /dev/tcp/{address}/5432'"
    done = compose("exec", "-T", "prefect-db", "bash", "-c", probe, timeout=60, check=False)
    assert done.returncode != 0, done.stdout
    # The same probe from a container of the etl network connects.
    control = _probe("worker", address)
    assert control.returncode == 0, control.stdout
