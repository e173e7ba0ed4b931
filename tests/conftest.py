"""Fixtures shared by every test: a real PostgreSQL, one fresh database per test.

The server comes from ABI_TEST_DATABASE_URL (any database on it; the role needs
CREATEDB). Without it, a throwaway cluster is started for the session where PostgreSQL's
server binaries are installed (support/postgres.py). With neither, PostgreSQL tests are
skipped, unless ABI_REQUIRE_POSTGRES=1 (CI sets it) turns the skip into a failure so that
CI can never pass without them.
"""

from __future__ import annotations

import email
import email.policy
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.engine import URL, make_url

from tests.support.postgres import (
    cannot_start_reason,
    find_pg_ctl,
    fresh_database,
    throwaway_server,
)
from tests.support.receivers import HttpReceiver, http_receiver_on

TEST_DATABASE_ENV = "ABI_TEST_DATABASE_URL"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[URL]:
    """The server every PostgreSQL test creates its database on."""
    raw = os.environ.get(TEST_DATABASE_ENV)
    if raw:
        yield make_url(raw)
        return
    reason = cannot_start_reason()
    if reason is not None:
        message = f"{TEST_DATABASE_ENV} is not set and no throwaway PostgreSQL: {reason}"
        if os.environ.get("ABI_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    with throwaway_server(find_pg_ctl()) as server:
        yield server


@pytest.fixture
def pg_url(pg_server: URL) -> Iterator[str]:
    """URL of a new, empty database, dropped after the test."""
    with fresh_database(pg_server) as url:
        yield url


# Real notification receivers on 127.0.0.1: an HTTP server that records JSON bodies
# and an SMTP server (aiosmtpd) that records messages.


@pytest.fixture
def http_receiver() -> Iterator[HttpReceiver]:
    with http_receiver_on("127.0.0.1") as receiver:
        yield receiver


@dataclass
class SmtpReceiver:
    host: str
    port: int
    messages: list[email.message.Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)
        return "250 OK"


@pytest.fixture
def smtp_receiver() -> Iterator[SmtpReceiver]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    receiver = SmtpReceiver("127.0.0.1", port)
    controller = Controller(receiver, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield receiver
    finally:
        controller.stop()
