"""Send a notice through every configured channel.

A failed delivery is logged and never fails the pipeline: the run's own state is the
truth, and a broken mail relay must not turn a good load into a failed one.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable

import httpx

from etl.config.settings import Settings
from etl.notify.email import build_email, send_email
from etl.notify.message import RunNotice
from etl.notify.webhook import send_webhook

logger = logging.getLogger(__name__)

_SWITCHES = {"failure": "on_failure", "success": "on_success", "retry": "on_retry"}


def notify(settings: Settings, notice: RunNotice) -> dict[str, bool]:
    """Deliver `notice` if its event is switched on; return channel -> delivered."""
    config = settings.notifications
    if not getattr(config, _SWITCHES[notice.event]):
        return {}
    delivered: dict[str, bool] = {}
    if config.webhook_url:
        token = settings.webhook_token.get_secret_value() if settings.webhook_token else None
        delivered["webhook"] = _attempt(
            "webhook", notice, lambda: send_webhook(config.webhook_url, notice, token)
        )
    if config.email_recipients and config.smtp_host:
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        message = build_email(notice, config.email_sender, config.email_recipients)
        delivered["email"] = _attempt(
            "email",
            notice,
            lambda: send_email(
                message,
                host=config.smtp_host,
                port=config.smtp_port,
                starttls=config.smtp_starttls,
                username=config.smtp_username,
                password=password,
            ),
        )
    return delivered


# Delivery errors only: a bug in building the notice should still surface.
_DELIVERY_ERRORS = (httpx.HTTPError, smtplib.SMTPException, OSError)


def _attempt(channel: str, notice: RunNotice, send: Callable[[], None]) -> bool:
    try:
        send()
    except _DELIVERY_ERRORS as exc:
        logger.warning(
            "event=notification_failed channel=%s notice=%s error=%s",
            channel,
            notice.event,
            exc,
        )
        return False
    logger.info("event=notification_sent channel=%s notice=%s", channel, notice.event)
    return True
