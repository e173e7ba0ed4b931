"""Notification blocks and automations built from the settings (no server needed)."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from pydantic import SecretStr

from etl.config.settings import Settings, load_settings
from etl.deploy.automations import _comparable, automation_names, build_automations
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
    failed, late = build_automations(deployment_id, "daily-etl", [block])
    assert (failed.name, late.name) == automation_names("daily-etl")
    for automation in (failed, late):
        related = automation.trigger.match_related
        assert related.model_dump()["prefect.resource.id"] == f"prefect.deployment.{deployment_id}"
        [action] = automation.actions
        assert action.type == "send-notification"
        assert action.block_document_id == block.id
    assert "prefect.flow-run.Crashed" in failed.trigger.expect
    assert late.trigger.posture == "Proactive"
    assert late.trigger.after == {"prefect.flow-run.Late"}


def test_without_blocks_the_automations_do_nothing() -> None:
    failed, late = build_automations(uuid.uuid4(), "daily-etl", [])
    assert [a.type for a in failed.actions + late.actions] == ["do-nothing", "do-nothing"]


def test_comparison_ignores_the_enabled_flag_and_set_order() -> None:
    deployment_id = uuid.uuid4()
    first = build_automations(deployment_id, "daily-etl", [])[0]
    second = first.model_copy(update={"enabled": False})
    assert _comparable(first) == _comparable(second)
