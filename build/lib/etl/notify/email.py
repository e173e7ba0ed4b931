"""E-mail delivery over SMTP."""

from __future__ import annotations

import json
import smtplib
from email.message import EmailMessage

from etl.notify.message import RunNotice

SMTP_TIMEOUT_SECONDS = 10.0


def build_email(notice: RunNotice, sender: str, recipients: tuple[str, ...]) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = notice.subject
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message.set_content(notice.text + "\n\n" + json.dumps(notice.as_json(), indent=2, default=str))
    return message


def send_email(
    message: EmailMessage,
    *,
    host: str,
    port: int,
    starttls: bool = False,
    username: str | None = None,
    password: str | None = None,
) -> None:
    with smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        if starttls:
            smtp.starttls()
        if username and password:
            smtp.login(username, password)
        smtp.send_message(message)
