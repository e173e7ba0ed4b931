"""Automations that alert when a run of the scheduled deployment goes wrong.

Three automations, created or updated by name:

- "<deployment>: run crashed" (reactive): a flow run of the deployment enters Crashed.
  Failed and TimedOut runs are left to the flow's own hooks, which send a richer notice
  (row counts, error) from inside the run: alerting on them here too sent every failure
  twice. A crash is the case where the run's process may have died before any hook
  could run, so the server alerts as well.
- "<deployment>: run late" (proactive): a flow run of the deployment became Late and
  no worker picked it up (no Pending/Running/... event) within `late_after`: no
  worker online, pool or queue paused, wrong queue. Nothing in-process can report that.
- "<deployment>: run unresponsive" (proactive): zombie detection. A flow run beats every
  PREFECT_FLOWS_HEARTBEAT_FREQUENCY seconds; when neither another heartbeat nor a
  terminal state follows a heartbeat within ZOMBIE_MISSED_BEATS beats, the run's process
  is gone (worker killed, container or machine lost) and the automation sets the run
  Crashed, which the "run crashed" automation then reports, once.

Against false positives (PrefectHQ/prefect#18653, #20887, a run that completed marked
Crashed afterwards): terminal states end the wait as heartbeats do; the window is five
beats, not one, so a slow beat or a busy server is no death; and the state change is
never forced, so Prefect's orchestration refuses it for a run already in a terminal
state (Completed, Failed, Cancelled), even when a late heartbeat opened a last window.

The first two send through every configured notification block (etl.deploy.notifications);
with none configured it does nothing but still records its triggers in the UI
(Automations, Event feed), and the log says so.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Literal
from uuid import UUID

from prefect.client.orchestration import PrefectClient
from prefect.client.schemas.objects import StateType
from prefect.events.actions import ChangeFlowRunState, DoNothing, SendNotification
from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture
from prefect.settings import get_current_settings

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
HEARTBEAT_EVENT = "prefect.flow-run.heartbeat"
# What ends the wait for the next heartbeat: the run beat again, or it is over.
ALIVE_OR_DONE_EVENTS = frozenset(
    {
        HEARTBEAT_EVENT,
        "prefect.flow-run.Completed",
        "prefect.flow-run.Failed",
        "prefect.flow-run.Crashed",
        "prefect.flow-run.Cancelled",
    }
)
# Beats a run may miss before it counts as dead: 5 x 30 s by default, so a killed run is
# Crashed 2.5 to 3 min later and one slow beat never is.
ZOMBIE_MISSED_BEATS = 5
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


def automation_names(deployment_name: str) -> tuple[str, str, str]:
    return (
        f"abi-etl {deployment_name}: run crashed",
        f"abi-etl {deployment_name}: run late",
        f"abi-etl {deployment_name}: run unresponsive",
    )


def flow_heartbeat_seconds() -> int:
    """Seconds between flow-run heartbeats, as the flow runs of this stack emit them.

    Read from Prefect's settings (PREFECT_FLOWS_HEARTBEAT_FREQUENCY), which the stack
    gives the register job and the workers alike.
    """
    seconds = get_current_settings().flows.heartbeat_frequency
    if seconds is None:
        raise ValueError(
            "PREFECT_FLOWS_HEARTBEAT_FREQUENCY is off: flow runs would send no heartbeat "
            "and a run whose worker dies would stay Running forever; set it (>= 30)"
        )
    return seconds


def zombie_window(heartbeat_seconds: int) -> timedelta:
    return timedelta(seconds=ZOMBIE_MISSED_BEATS * heartbeat_seconds)


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
    heartbeat_seconds: int = 30,
) -> list[AutomationCore]:
    """The desired automations for one deployment, as plain models (not yet saved)."""
    crashed_name, late_name, zombie_name = automation_names(deployment_name)
    window = zombie_window(heartbeat_seconds)
    window_s = int(window.total_seconds())
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
        AutomationCore(
            name=zombie_name,
            description=f"A run of {deployment_name} sent no heartbeat for {window_s} s "
            f"({ZOMBIE_MISSED_BEATS} beats of {heartbeat_seconds} s) and did not end: its "
            "process is gone. Sets it Crashed (never a run already finished); "
            f'"{crashed_name}" then notifies. Managed by `abi-etl register`.',
            enabled=True,
            tags=TAGS,
            trigger=EventTrigger(
                match=flow_runs,
                match_related=of_deployment,
                after={HEARTBEAT_EVENT},
                expect=set(ALIVE_OR_DONE_EVENTS),
                for_each={"prefect.resource.id"},
                posture=Posture.Proactive,
                threshold=1,
                within=window,
            ),
            actions=[
                ChangeFlowRunState(
                    state=StateType.CRASHED,
                    name="Crashed",
                    message=f"No heartbeat for {window_s} s (flow runs beat every "
                    f"{heartbeat_seconds} s): the run's process is gone (worker killed, "
                    "container or machine lost). Marked Crashed by the automation "
                    f'"{zombie_name}"; its etl_run row is marked crashed by the next run.',
                    # Never forced: Prefect refuses Crashed for a run already finished.
                    force=False,
                )
            ],
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
