"""A temporary Prefect server for the flow-mode scenario: `prefect server start` in a
process of its own, on a free local port, with its own PREFECT_HOME (so its own SQLite
database), stopped and removed afterwards.

A real server rather than `prefect_test_harness`: the scenario measures what a run costs
against a running server, which is what production has; the harness runs the server in
this process and would add its work to the measured run's.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

logger = logging.getLogger(__name__)

# The first start migrates a new SQLite database: about 20 s on 2 busy cores.
START_TIMEOUT_SECONDS = 180.0
PREFECT_SERVER = (sys.executable, "-m", "prefect", "server", "start")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        PREFECT_UI_ENABLED="false",
    )
    return env


@contextmanager
def prefect_server() -> Iterator[str]:
    """The API URL of a Prefect server that runs for the duration of the block."""
    home = Path(tempfile.mkdtemp(prefix="abi_bench_prefect_"))
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    log = (home / "server.log").open("wb")
    started = time.perf_counter()
    process = subprocess.Popen(
        [*PREFECT_SERVER, "--host", "127.0.0.1", "--port", str(port)],
        env=server_environment(home),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_healthy(api_url, process, home / "server.log")
        logger.info(
            "event=prefect_server_started api_url=%s seconds=%.1f",
            api_url,
            time.perf_counter() - started,
        )
        yield api_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        shutil.rmtree(home, ignore_errors=True)


def _wait_healthy(api_url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"prefect server exited with {process.returncode}: {tail}")
        try:
            if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass  # not listening yet: the deadline bounds the wait
        time.sleep(0.5)
    raise TimeoutError(f"prefect server at {api_url} not healthy in {START_TIMEOUT_SECONDS} s")
