"""Notification blocks and automations built from the settings; retiring old automations."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from pydantic import SecretStr

from etl.config.settings import Settings, load_settings
from etl.deploy.automations import (
    _comparable,
    automation_names,
    build_automations,
    delete_retired_automations,
    ensure_automation,
    retired_automation_names,
)
from etl.deploy.blocks import AbiSmtpEmail
from etl.deploy.notifications import SavedBlock, email_block, webhook_block

REPO_CONFIG = Path(__file__).resolve().parents[3] / "config" / "pipeline.yaml"


def _settings(**notifications: object) -> Settings:
    base = load_settings(REPO_CONFIG)
    return base.model_copy(
        update={"notifications": base.notifications.model_copy(update=notifications)}
    )


def test_nothing_configured_no_block() -> None:
    settings = _settings(webhook_url=None, smtp_host=None)
    assert webhook_block(settings) is None
    assert email_block(settings) is None


def test_webhook_block_keeps_the_token_secret() -> None:
    settings = _settings(webhook_url="https://hooks.example.org/abi").model_copy(
        update={"webhook_token": SecretStr("s3cret")}
    )
    block = webhook_block(settings)
    assert block is not None
    assert block.url == "https://hooks.example.org/abi"
    assert block.headers == {"Authorization": "Bearer {{token}}"}
    assert block.secrets.get_secret_value() == {"token": "s3cret"}
    assert "s3cret" not in block.model_dump_json()


def test_email_block_needs_host_and_recipients() -> None:
    assert email_block(_settings(smtp_host="smtp.example.org", email_recipients=())) is None
    block = email_block(_settings(smtp_host="smtp.example.org", email_recipients=("a@b.org",)))
    assert block is not None
    assert block.recipients == ["a@b.org"]


def test_smtp_block_delivers(smtp_receiver) -> None:
    block = AbiSmtpEmail(
        smtp_host=smtp_receiver.host,
        smtp_port=smtp_receiver.port,
        sender="abi-etl@localhost",
        recipients=["analysts@example.org"],
    )
    asyncio.run(block.notify("run crashed", subject="abi-etl: daily-etl Crashed"))
    [message] = smtp_receiver.messages
    assert message["Subject"] == "abi-etl: daily-etl Crashed"
    assert message["To"] == "analysts@example.org"
    assert "run crashed" in message.get_content()


def test_automations_target_the_deployment() -> None:
    deployment_id = uuid.uuid4()
    block = SavedBlock("abi-etl-webhook", "custom-webhook", uuid.uuid4())
    failed, late, zombie = build_automations(deployment_id, "daily-etl", [block])
    assert (failed.name, late.name, zombie.name) == automation_names("daily-etl")
    for automation in (failed, late, zombie):
        related = automation.trigger.match_related
        assert related.model_dump()["prefect.resource.id"] == f"prefect.deployment.{deployment_id}"
    for automation in (failed, late):
        [action] = automation.actions
        assert action.type == "send-notification"
        assert action.block_document_id == block.id
    # Failed and TimedOut are notified by the flow's hooks: only a crash alerts here too.
    assert failed.trigger.expect == {"prefect.flow-run.Crashed"}
    assert late.trigger.posture == "Proactive"
    assert late.trigger.after == {"prefect.flow-run.Late"}


def test_without_blocks_the_automations_do_nothing() -> None:
    failed, late, zombie = build_automations(uuid.uuid4(), "daily-etl", [])
    assert [a.type for a in failed.actions + late.actions] == ["do-nothing", "do-nothing"]
    # marking a dead run Crashed needs no channel
    assert [a.type for a in zombie.actions] == ["change-flow-run-state"]


def test_comparison_ignores_the_enabled_flag_and_set_order() -> None:
    deployment_id = uuid.uuid4()
    first = build_automations(deployment_id, "daily-etl", [])[0]
    second = first.model_copy(update={"enabled": False})
    assert _comparable(first) == _comparable(second)


@pytest.mark.usefixtures("prefect_api")
def test_registration_replaces_the_retired_failure_automation() -> None:
    deployment_id = uuid.uuid4()
    crashed, late, _ = build_automations(deployment_id, "daily-etl", [])
    [retired_name] = retired_automation_names("daily-etl")
    retired = crashed.model_copy(update={"name": retired_name})

    async def scenario() -> tuple[list[str], dict[str, int]]:
        async with get_client() as client:
            await client.create_automation(retired)
            for automation in (crashed, late):
                await ensure_automation(client, automation)
            deleted = await delete_retired_automations(client, "daily-etl")
            names = (retired_name, crashed.name, late.name)
            left = {n: len(await client.read_automations_by_name(n)) for n in names}
            for automation in (crashed, late):
                for saved in await client.read_automations_by_name(automation.name):
                    await client.delete_automation(saved.id)
            return deleted, left

    deleted, left = asyncio.run(scenario())
    assert deleted == [retired_name]
    assert left == {retired_name: 0, crashed.name: 1, late.name: 1}
