"""deploy/worker.compose.yml: documented, and hardened as the main stack's worker."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[3]
WORKER_FILE = REPO / "deploy" / "worker.compose.yml"
ENV_EXAMPLE = REPO / "deploy" / "worker.env.example"
MAIN_FILE = REPO / "docker-compose.yml"
# ${NAME...} that Compose interpolates; $${...} is passed to the container's shell.
_INTERPOLATED = re.compile(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)")
_HARDENING = ("init", "cap_drop", "security_opt", "read_only", "tmpfs", "stop_grace_period")


def _worker(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["services"]["worker"]


def test_every_variable_of_the_file_is_documented_in_the_example() -> None:
    used = set(_INTERPOLATED.findall(WORKER_FILE.read_text(encoding="utf-8")))
    documented = {
        line.split("=", 1)[0]
        for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#") and "=" in line
    }
    # Build-only knobs of the shared image, documented in .env.example.
    build_only = {"EXTRA_CA_CERT", "ABI_SMOKE_TEST"}
    assert used - documented - build_only == set()
    assert "ABI_REMOTE_PREFECT_API_URL" in used and "ABI_REMOTE_WAREHOUSE_HOST" in used


def test_it_starts_workers_only_hardened_as_the_main_files_worker() -> None:
    data = yaml.safe_load(WORKER_FILE.read_text(encoding="utf-8"))
    assert list(data["services"]) == ["worker"]
    remote, main = _worker(WORKER_FILE), _worker(MAIN_FILE)
    assert "depends_on" not in remote and "networks" not in remote
    for key in _HARDENING:
        assert remote[key] == main[key], key
    assert remote["image"] == main["image"] == "${ABI_ETL_IMAGE:-abi-etl:0.1.0}"
    assert remote["mem_limit"] == remote["memswap_limit"] == "${ABI_WORKER_MEM_LIMIT:-2g}"
    assert remote["healthcheck"]["test"][-1].endswith(
        "u.urlopen('http://127.0.0.1:${ABI_WORKER_HEALTH_PORT:-8080}/health', timeout=4)"
    )
    assert remote["environment"]["PREFECT_WORKER_WEBSERVER_PORT"] == (
        "${ABI_WORKER_HEALTH_PORT:-8080}"
    )
    command = remote["command"][-1]
    assert '--limit "$$ABI_WORKER_RUN_LIMIT"' in command
    assert command.split("--name")[0] == main["command"][-1].split("--name")[0]
