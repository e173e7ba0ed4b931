"""A notification block that sends e-mail through a plain SMTP relay.

Prefect 3.9 ships webhook-style notification blocks (Custom Webhook, Slack, Teams,
Mattermost, Discord, PagerDuty, Opsgenie, Twilio SMS) and Sendgrid e-mail, but no
block for a plain SMTP relay, which is what abi-etl's settings describe
(notifications.smtp_*). This block fills that gap with the same delivery code as the
pipeline's own e-mail notices (etl.notify.email).

Automations run their SendNotification actions inside the Prefect *server*, which must
therefore be able to import this module: the package declares it in the
`prefect.collections` entry-point group (pyproject.toml), which Prefect loads before
looking a block class up by its slug.
"""

from __future__ import annotations

import asyncio
from email.message import EmailMessage

from prefect.blocks.abstract import NotificationBlock
from pydantic import Field, SecretStr

from etl.notify.email import send_email

SMTP_BLOCK_SLUG = "abi-smtp-email"


class AbiSmtpEmail(NotificationBlock):
    """Send notifications by e-mail through an SMTP relay."""

    _block_type_name = "ABI SMTP Email"
    _block_type_slug = SMTP_BLOCK_SLUG
    _description = "E-mail notifications through an SMTP relay (abi-etl)."

    smtp_host: str = Field(description="SMTP relay host name.")
    smtp_port: int = Field(default=25, description="SMTP relay port.")
    starttls: bool = Field(default=False, description="Upgrade the connection with STARTTLS.")
    username: str | None = Field(default=None, description="SMTP login, if the relay wants one.")
    password: SecretStr | None = Field(default=None, description="SMTP password.")
    sender: str = Field(description="From: address.")
    recipients: list[str] = Field(description="To: addresses.", min_length=1)

    def build_message(self, body: str, subject: str | None) -> EmailMessage:
        message = EmailMessage()
        message["Subject"] = subject or "abi-etl notification"
        message["From"] = self.sender
        message["To"] = ", ".join(self.recipients)
        message.set_content(body)
        return message

    async def notify(self, body: str, subject: str | None = None) -> None:
        message = self.build_message(body, subject)
        password = self.password.get_secret_value() if self.password else None
        await asyncio.to_thread(
            send_email,
            message,
            host=self.smtp_host,
            port=self.smtp_port,
            starttls=self.starttls,
            username=self.username,
            password=password,
        )
