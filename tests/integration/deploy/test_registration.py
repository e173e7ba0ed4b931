"""What `abi-etl register` (the register service) leaves on the Prefect server.

Also: registering again changes nothing. Authentication, ports and users:
tests/integration/security/.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from etl.config.settings import load_settings
from tests.integration.helpers import (
    REPO_ROOT,
    WORK_POOL,
    WORK_QUEUE,
    Stack,
    compose,
    count,
    read_deployment,
)

pytestmark = pytest.mark.integration

AUTOMATIONS = (
    "abi-etl daily-etl: run crashed",
    "abi-etl daily-etl: run late",
    "abi-etl daily-etl: run unresponsive",
)


@pytest.fixture(scope="module")
def deployment(api: httpx.Client) -> dict[str, Any]:
    return read_deployment(api)


def test_deployment_matches_the_settings(deployment: dict[str, Any]) -> None:
    schedule = load_settings(REPO_ROOT / "config" / "pipeline.yaml").schedule
    assert deployment["name"] == schedule.deployment_name
    assert deployment["entrypoint"] == "etl/flows/abi_etl_flow.py:abi_etl_pipeline"
    assert deployment["work_pool_name"] == schedule.work_pool == WORK_POOL
    assert deployment["work_queue_name"] == schedule.work_queue == WORK_QUEUE
    assert set(deployment["tags"]) == set(schedule.tags) == {"etl", "abi", "production"}
    assert not deployment["paused"]
    [entry] = deployment["schedules"]
    assert entry["active"]
    assert entry["schedule"]["cron"] == schedule.cron == "0 2 * * *"
    assert entry["schedule"]["timezone"] == schedule.timezone == "UTC"


def test_deployment_runs_one_at_a_time(deployment: dict[str, Any]) -> None:
    assert deployment["global_concurrency_limit"]["limit"] == 1
    assert deployment["concurrency_options"]["collision_strategy"] == "ENQUEUE"


def test_deployment_runs_the_code_baked_into_the_image(deployment: dict[str, Any]) -> None:
    assert deployment["pull_steps"] == [
        {"prefect.deployments.steps.set_working_directory": {"directory": "/opt/abi-etl"}}
    ]
    assert deployment["parameters"] == {
        "config_path": None,
        "raw_dir": None,
        "skip_validation": False,
        "allow_shrink": False,
        "full_refresh": False,
    }
    # The engine is started directly, without Prefect's supervisor interpreter in front
    # of it (deploy/prefect.yaml; docs/stack.md, "Trigger latency").
    assert deployment["job_variables"] == {"command": "python -m prefect.engine"}


def test_work_pool_is_a_process_pool(api: httpx.Client) -> None:
    pool = api.get(f"/work_pools/{WORK_POOL}").raise_for_status().json()
    assert pool["type"] == "process"
    assert not pool["is_paused"]
    queues = api.post(f"/work_pools/{WORK_POOL}/queues/filter", json={}).raise_for_status()
    assert WORK_QUEUE in {q["name"] for q in queues.json()}


def test_a_worker_is_online(api: httpx.Client) -> None:
    workers = api.post(f"/work_pools/{WORK_POOL}/workers/filter", json={}).raise_for_status()
    online = [w["name"] for w in workers.json() if w["status"] == "ONLINE"]
    assert online, f"no ONLINE worker in {WORK_POOL}: {workers.json()}"


def test_automations_watch_the_deployment(
    api: httpx.Client, deployment: dict[str, Any], stack: Stack
) -> None:
    automations = api.post("/automations/filter", json={}).raise_for_status().json()
    by_name = {a["name"]: a for a in automations}
    for name in AUTOMATIONS:
        assert name in by_name, f"automation {name!r} missing"
        related = json.dumps(by_name[name]["trigger"]["match_related"])
        assert f"prefect.deployment.{deployment['id']}" in related
    failed = by_name[AUTOMATIONS[0]]["trigger"]
    assert failed["expect"] == ["prefect.flow-run.Crashed"]  # failures: the flow's hooks
    assert "abi-etl daily-etl: run failed or crashed" not in by_name  # retired name
    late = by_name[AUTOMATIONS[1]]["trigger"]
    assert late["posture"] == "Proactive"
    assert late["after"] == ["prefect.flow-run.Late"]
    zombie = by_name[AUTOMATIONS[2]]
    assert zombie["trigger"]["after"] == ["prefect.flow-run.heartbeat"]
    assert "prefect.flow-run.Completed" in zombie["trigger"]["expect"]
    assert zombie["trigger"]["for_each"] == ["prefect.resource.id"]
    # 5 beats of PREFECT_FLOWS_HEARTBEAT_FREQUENCY (30 s in the stack by default)
    heartbeat_s = int(stack.get("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "30"))
    assert zombie["trigger"]["within"] == 5 * heartbeat_s
    [action] = zombie["actions"]
    assert (action["type"], action["state"], action["force"]) == (
        "change-flow-run-state",
        "CRASHED",
        False,
    )


def _inventory(api: httpx.Client) -> dict[str, Any]:
    deployment = read_deployment(api)
    return {
        "work_pools": count(api, "/work_pools/count"),
        "work_queues": len(
            api.post(f"/work_pools/{WORK_POOL}/queues/filter", json={}).raise_for_status().json()
        ),
        "deployments": count(api, "/deployments/count"),
        "block_documents": count(api, "/block_documents/count"),
        "automations": len(api.post("/automations/filter", json={}).raise_for_status().json()),
        "deployment_id": deployment["id"],
        "schedule_ids": sorted(s["id"] for s in deployment["schedules"]),
    }


def test_registering_again_changes_nothing(api: httpx.Client) -> None:
    before = _inventory(api)
    for attempt in (1, 2):
        done = compose("run", "--rm", "--no-deps", "-T", "register", check=False, timeout=600)
        assert done.returncode == 0, f"register #{attempt} failed:\n{done.stdout}\n{done.stderr}"
        assert _inventory(api) == before, f"register #{attempt} changed the server"
        for name in AUTOMATIONS:
            assert f'"{name}": "unchanged"' in done.stdout, done.stdout
