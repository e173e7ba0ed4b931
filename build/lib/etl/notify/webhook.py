"""JSON webhook delivery."""

from __future__ import annotations

import httpx

from etl.notify.message import RunNotice

WEBHOOK_TIMEOUT_SECONDS = 10.0


def send_webhook(url: str, notice: RunNotice, token: str | None = None) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(
        url, json=notice.as_json(), headers=headers, timeout=WEBHOOK_TIMEOUT_SECONDS
    )
    response.raise_for_status()
