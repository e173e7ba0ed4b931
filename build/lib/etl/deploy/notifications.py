"""The notification blocks the automations send through, created or updated by name.

- `abi-etl-webhook` (Prefect's Custom Webhook block) when notifications.webhook_url is
  set; the bearer token ABI_WEBHOOK_TOKEN, if any, is kept in the block's secrets;
- `abi-etl-email` (etl.deploy.blocks.AbiSmtpEmail) when notifications.smtp_host and
  notifications.email_recipients are set; the password comes from ABI_SMTP_PASSWORD.

`Block.save(name, overwrite=True)` updates the document of that name in place (same
id), so registering again never adds a block.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from uuid import UUID

from prefect.blocks.core import Block
from prefect.blocks.notifications import CustomWebhookNotificationBlock
from prefect.client.orchestration import PrefectClient

from etl.config.settings import Settings
from etl.deploy.blocks import AbiSmtpEmail

logger = logging.getLogger(__name__)

WEBHOOK_BLOCK_NAME = "abi-etl-webhook"
EMAIL_BLOCK_NAME = "abi-etl-email"


@dataclass(frozen=True)
class SavedBlock:
    name: str
    type_slug: str
    id: UUID


def webhook_block(settings: Settings) -> CustomWebhookNotificationBlock | None:
    config = settings.notifications
    if not config.webhook_url:
        return None
    token = settings.webhook_token.get_secret_value() if settings.webhook_token else None
    return CustomWebhookNotificationBlock(
        name="abi-etl",
        url=config.webhook_url,
        method="POST",
        json_data={"source": "prefect-automation", "subject": "{{subject}}", "body": "{{body}}"},
        headers={"Authorization": "Bearer {{token}}"} if token else None,
        secrets={"token": token} if token else {},
    )


def email_block(settings: Settings) -> AbiSmtpEmail | None:
    config = settings.notifications
    if not (config.smtp_host and config.email_recipients):
        return None
    return AbiSmtpEmail(
        smtp_host=config.smtp_host,
        smtp_port=config.smtp_port,
        starttls=config.smtp_starttls,
        username=config.smtp_username,
        # an empty ABI_SMTP_PASSWORD means "no password", not an empty secret
        password=settings.smtp_password if settings.smtp_password else None,
        sender=config.email_sender,
        recipients=list(config.email_recipients),
    )


async def _save(client: PrefectClient, block: Block, name: str) -> SavedBlock:
    block_id = await block.asave(name=name, overwrite=True, client=client)
    logger.info(
        "event=block_saved name=%s type=%s id=%s", name, block.get_block_type_slug(), block_id
    )
    return SavedBlock(name=name, type_slug=block.get_block_type_slug(), id=block_id)


async def ensure_notification_blocks(client: PrefectClient, settings: Settings) -> list[SavedBlock]:
    """Save the configured blocks; return them (empty when nothing is configured)."""
    saved = []
    for name, block in (
        (WEBHOOK_BLOCK_NAME, webhook_block(settings)),
        (EMAIL_BLOCK_NAME, email_block(settings)),
    ):
        if block is None:
            logger.info("event=block_not_configured name=%s", name)
            continue
        saved.append(await _save(client, block, name))
    return saved
