"""Automations that alert when a run of the scheduled deployment goes wrong.

Two automations, one per kind of trigger, created or updated by name:

- "<deployment>: run crashed" (reactive): a flow run of the deployment enters Crashed.
  Failed and TimedOut runs are left to the flow's own hooks, which send a richer notice
  (row counts, error) from inside the run: alerting on them here too sent every failure
  twice. A crash is the case where the run's process may have died before any hook
  could run, so the server alerts as well.
- "<deployment>: run late" (proactive): a flow run of the deployment became Late and
  no worker picked it up (no Pending/Running/... event) within `late_after`: no
  worker online, pool or queue paused, wrong queue. Nothing in-process can report that.

Each sends through every configured notification block (etl.deploy.notifications);
with none configured it does nothing but still records its triggers in the UI
(Automations, Event feed), and the log says so.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Literal
from uuid import UUID

from prefect.client.orchestration import PrefectClient
from prefect.events.actions import DoNothing, SendNotification
from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture

from etl.deploy.notifications import SavedBlock

logger = logging.getLogger(__name__)

DEFAULT_LATE_AFTER = timedelta(minutes=15)
CRASH_EVENTS = frozenset({"prefect.flow-run.Crashed"})
# Any state after Late means the run left it: picked up, or settled by someone.
PICKED_UP_EVENTS = frozenset(
    {
        "prefect.flow-run.Pending",
        "prefect.flow-run.Running",
        "prefect.flow-run.Completed",
        "prefect.flow-run.Failed",
        "prefect.flow-run.Crashed",
        "prefect.flow-run.Cancelling",
        "prefect.flow-run.Cancelled",
        "prefect.flow-run.Paused",
        "prefect.flow-run.Scheduled",
    }
)
TAGS = ["abi-etl"]

SUBJECT = "abi-etl: {{ deployment.name }} run {{ flow_run.name }} is {{ flow_run.state.name }}"
BODY = """\
Flow run {{ flow_run.name }} of deployment {{ flow.name }}/{{ deployment.name }} is \
{{ flow_run.state.name }}.
Scheduled start: {{ flow_run.expected_start_time }}
State message: {{ flow_run.state.message }}
Open it in the Prefect UI: {{ flow_run|ui_url }}
"""

Outcome = Literal["created", "updated", "unchanged"]


def automation_names(deployment_name: str) -> tuple[str, str]:
    return (
        f"abi-etl {deployment_name}: run crashed",
        f"abi-etl {deployment_name}: run late",
    )


def retired_automation_names(deployment_name: str) -> tuple[str, ...]:
    """Names earlier versions created; registration deletes them."""
    return (f"abi-etl {deployment_name}: run failed or crashed",)


def _actions(blocks: list[SavedBlock]) -> list[SendNotification | DoNothing]:
    if not blocks:
        return [DoNothing()]
    return [SendNotification(block_document_id=b.id, subject=SUBJECT, body=BODY) for b in blocks]


def build_automations(
    deployment_id: UUID,
    deployment_name: str,
    blocks: list[SavedBlock],
    late_after: timedelta = DEFAULT_LATE_AFTER,
) -> list[AutomationCore]:
    """The desired automations for one deployment, as plain models (not yet saved)."""
    crashed_name, late_name = automation_names(deployment_name)
    flow_runs = {"prefect.resource.id": "prefect.flow-run.*"}
    of_deployment = {
        "prefect.resource.role": "deployment",
        "prefect.resource.id": f"prefect.deployment.{deployment_id}",
    }
    channels = ", ".join(b.name for b in blocks) or "no notification block configured"
    return [
        AutomationCore(
            name=crashed_name,
            description=f"A run of {deployment_name} crashed (failures are reported by "
            "the flow's own hooks). "
            f"Notifies: {channels}. Managed by `abi-etl register`.",
            enabled=True,
            tags=TAGS,
            trigger=EventTrigger(
                match=flow_runs,
                match_related=of_deployment,
                expect=set(CRASH_EVENTS),
                posture=Posture.Reactive,
                threshold=1,
                within=timedelta(0),
            ),
            actions=_actions(blocks),
        ),
        AutomationCore(
            name=late_name,
            description=f"A run of {deployment_name} has been Late for "
            f"{int(late_after.total_seconds() // 60)} min and no worker picked it up. "
            f"Notifies: {channels}. Managed by `abi-etl register`.",
            enabled=True,
            tags=TAGS,
            trigger=EventTrigger(
                match=flow_runs,
                match_related=of_deployment,
                after={"prefect.flow-run.Late"},
                expect=set(PICKED_UP_EVENTS),
                for_each={"prefect.resource.id"},
                posture=Posture.Proactive,
                threshold=1,
                within=late_after,
            ),
            actions=_actions(blocks),
        ),
    ]


def _comparable(automation: AutomationCore) -> dict[str, object]:
    data = AutomationCore.model_validate(automation.model_dump()).model_dump(mode="json")
    data.pop("enabled", None)
    data.pop("owner_resource", None)
    # sets serialise in arbitrary order
    trigger = data.get("trigger") or {}
    for key in ("after", "expect", "for_each"):
        if isinstance(trigger.get(key), list):
            trigger[key] = sorted(trigger[key])
    return data


async def ensure_automation(client: PrefectClient, desired: AutomationCore) -> Outcome:
    """Create `desired`, or update the automation of that name in place.

    An operator's enable/disable choice is kept. Duplicates of the name (never made by
    this function, but possible by hand) are removed so that exactly one remains.
    """
    existing = await client.read_automations_by_name(desired.name)
    if not existing:
        automation_id = await client.create_automation(desired)
        logger.info("event=automation_created name=%r id=%s", desired.name, automation_id)
        return "created"
    keep, *extra = sorted(existing, key=lambda a: str(a.id))
    for duplicate in extra:
        await client.delete_automation(duplicate.id)
        logger.warning(
            "event=automation_duplicate_deleted name=%r id=%s", desired.name, duplicate.id
        )
    wanted = desired.model_copy(update={"enabled": keep.enabled})
    if _comparable(keep) == _comparable(wanted):
        logger.info("event=automation_unchanged name=%r id=%s", desired.name, keep.id)
        return "unchanged"
    await client.update_automation(keep.id, wanted)
    logger.info("event=automation_updated name=%r id=%s", desired.name, keep.id)
    return "updated"


async def delete_retired_automations(client: PrefectClient, deployment_name: str) -> list[str]:
    """Delete the automations earlier versions created under names no longer used."""
    deleted = []
    for name in retired_automation_names(deployment_name):
        for automation in await client.read_automations_by_name(name):
            await client.delete_automation(automation.id)
            logger.info("event=automation_retired name=%r id=%s", name, automation.id)
            deleted.append(name)
    return deleted
