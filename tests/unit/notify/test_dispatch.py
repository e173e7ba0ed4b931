from pathlib import Path

import pytest

from etl.config.settings import Settings, load_settings
from etl.notify.dispatch import notify
from etl.notify.message import RunNotice

REPO_CONFIG = Path(__file__).resolve().parents[3] / "config" / "pipeline.yaml"


def settings_for(webhook_url: str | None, smtp_port: int | None, **switches: bool) -> Settings:
    base = load_settings(REPO_CONFIG)
    notifications = base.notifications.model_copy(
        update={
            "webhook_url": webhook_url,
            "smtp_host": "127.0.0.1" if smtp_port else None,
            "smtp_port": smtp_port or 25,
            "email_recipients": ("analysts@example.org",),
            **switches,
        }
    )
    return base.model_copy(update={"notifications": notifications})


NOTICE = RunNotice(
    event="failure",
    flow_name="ABI ETL Pipeline",
    flow_run_id="run-123",
    state="Failed",
    duration_seconds=12.5,
    ui_url="http://localhost:4200/runs/flow-run/run-123",
    counts={"fact_financial": 600},
    message="file=x.csv problem=no data rows",
)


def test_failure_reaches_webhook_and_mailbox(http_receiver, smtp_receiver) -> None:
    settings = settings_for(http_receiver.url, smtp_receiver.port)
    assert notify(settings, NOTICE) == {"webhook": True, "email": True}

    (hook,) = http_receiver.received
    body = hook["body"]
    assert body["flow_run_id"] == "run-123"
    assert body["state"] == "Failed"
    assert body["duration_seconds"] == 12.5
    assert body["counts"] == {"fact_financial": 600}
    assert body["ui_url"].endswith("/runs/flow-run/run-123")
    assert "ABI ETL Pipeline run run-123 is Failed" in body["text"]

    (mail,) = smtp_receiver.messages
    assert mail["Subject"] == "[abi-etl] ABI ETL Pipeline: Failed"
    assert mail["To"] == "analysts@example.org"
    assert "no data rows" in mail.get_content()


def test_switched_off_event_sends_nothing(http_receiver, smtp_receiver) -> None:
    settings = settings_for(http_receiver.url, smtp_receiver.port, on_failure=False)
    assert notify(settings, NOTICE) == {}
    assert http_receiver.received == []
    assert smtp_receiver.messages == []


def test_failed_delivery_is_logged_not_raised(http_receiver, caplog) -> None:
    http_receiver.server.status = 500
    settings = settings_for(http_receiver.url, smtp_port=1)  # nothing listens on port 1
    with caplog.at_level("WARNING"):
        assert notify(settings, NOTICE) == {"webhook": False, "email": False}
    assert "event=notification_failed channel=webhook" in caplog.text
    assert "event=notification_failed channel=email" in caplog.text


def test_webhook_token_is_sent_as_bearer(http_receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ABI_WEBHOOK_TOKEN", "t0ken")
    settings = settings_for(http_receiver.url, None)
    settings = settings.model_copy(
        update={"webhook_token": load_settings(REPO_CONFIG).webhook_token}
    )
    notify(settings, NOTICE)
    assert http_receiver.received[0]["headers"]["Authorization"] == "Bearer t0ken"
