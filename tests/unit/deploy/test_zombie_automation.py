"""The zombie automation: a run that stops beating is set Crashed, a finished run never.

Its trigger and action are checked as built; against a real Prefect API (the test
harness), registration is idempotent and the non-forced Crashed it sends is refused for
a run that already completed (the false positive of PrefectHQ/prefect#18653, #20887).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import StateType
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
from prefect.states import State

from etl.deploy.automations import (
    ZOMBIE_MISSED_BEATS,
    automation_names,
    build_automations,
    ensure_automation,
    flow_heartbeat_seconds,
)


def _zombie(heartbeat_seconds: int = 30, deployment_id: uuid.UUID | None = None):
    automations = build_automations(
        deployment_id or uuid.uuid4(), "daily-etl", [], heartbeat_seconds=heartbeat_seconds
    )
    [zombie] = [a for a in automations if a.name == automation_names("daily-etl")[2]]
    return zombie


def test_a_run_that_stops_beating_is_set_crashed_without_force() -> None:
    zombie = _zombie(heartbeat_seconds=30)
    trigger = zombie.trigger
    assert trigger.posture == "Proactive"
    assert trigger.after == {"prefect.flow-run.heartbeat"}
    # another beat, or any end of the run, stops the wait
    assert trigger.expect == {
        "prefect.flow-run.heartbeat",
        "prefect.flow-run.Completed",
        "prefect.flow-run.Failed",
        "prefect.flow-run.Crashed",
        "prefect.flow-run.Cancelled",
    }
    assert trigger.for_each == {"prefect.resource.id"}  # one wait per flow run
    assert trigger.threshold == 1
    assert trigger.within == timedelta(seconds=150)
    [action] = zombie.actions
    assert action.type == "change-flow-run-state"
    assert action.state == StateType.CRASHED
    assert action.force is False
    assert "No heartbeat for 150 s (flow runs beat every 30 s)" in action.message


def test_the_window_follows_the_heartbeat_frequency() -> None:
    assert _zombie(heartbeat_seconds=60).trigger.within == timedelta(
        seconds=60 * ZOMBIE_MISSED_BEATS
    )


def test_the_frequency_comes_from_prefect_settings() -> None:
    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: 45}):
        assert flow_heartbeat_seconds() == 45
    with (
        temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
        pytest.raises(ValueError, match="PREFECT_FLOWS_HEARTBEAT_FREQUENCY is off"),
    ):
        flow_heartbeat_seconds()


@pytest.mark.usefixtures("prefect_api")
def test_registering_twice_changes_nothing_and_a_new_frequency_updates() -> None:
    deployment_id = uuid.uuid4()

    async def scenario() -> list[str]:
        async with get_client() as client:
            outcomes = [
                await ensure_automation(client, _zombie(30, deployment_id)),
                await ensure_automation(client, _zombie(30, deployment_id)),
                await ensure_automation(client, _zombie(60, deployment_id)),
            ]
            [saved] = await client.read_automations_by_name(_zombie().name)
            assert saved.trigger.within == timedelta(seconds=300)
            await client.delete_automation(saved.id)
            return outcomes

    assert asyncio.run(scenario()) == ["created", "unchanged", "updated"]


@flow(name="zombie-test-flow")
def _finishes() -> int:
    return 1


@pytest.mark.usefixtures("prefect_api")
def test_the_automations_crashed_state_is_refused_for_a_completed_run() -> None:
    """What the automation sends when a late heartbeat reopened a window after the end."""
    [action] = _zombie().actions
    completed = _finishes(return_state=True)
    assert completed.is_completed()

    async def scenario() -> tuple[str, str]:
        async with get_client() as client:
            flow_run_id = completed.state_details.flow_run_id
            result = await client.set_flow_run_state(
                flow_run_id,
                State(type=action.state, name=action.name, message=action.message),
                force=action.force,
            )
            run = await client.read_flow_run(flow_run_id)
            return result.status.value, run.state.type.value

    status, state = asyncio.run(scenario())
    assert status == "ABORT"
    assert state == "COMPLETED"
