"""One setting, ABI_PUBLIC_URL, gives every address people follow: the API URL the UI's
browser code calls, Prefect's UI URL (automation messages) and the links in abi-etl's
notifications. Nothing hard-codes localhost."""

from __future__ import annotations

import json

import httpx
import pytest
import yaml

from tests.integration.helpers import Stack, compose

pytestmark = pytest.mark.integration

ELSEWHERE = "https://etl.example.internal:8443"


def test_the_ui_calls_the_api_at_the_public_url(stack: Stack) -> None:
    settings = httpx.get(f"{stack.ui_url}/ui-settings", timeout=10).raise_for_status().json()
    assert settings["api_url"] == f"{stack.public_url}/api"


def test_one_variable_sets_every_public_address() -> None:
    done = compose("config", "--format", "json", timeout=60, env={"ABI_PUBLIC_URL": ELSEWHERE})
    services = json.loads(done.stdout)["services"]
    server = services["prefect-server"]["environment"]
    assert server["PREFECT_UI_API_URL"] == f"{ELSEWHERE}/api"
    assert server["PREFECT_UI_URL"] == ELSEWHERE
    for service in ("register", "worker"):
        assert services[service]["environment"]["ABI_NOTIFICATIONS__UI_URL"] == ELSEWHERE
    rendered = json.dumps(services)
    assert "localhost" not in rendered, "a public address still names localhost"


def test_notification_links_start_at_the_public_url(stack: Stack) -> None:
    """What the flow's hooks read for their run links, inside the stack's image."""
    done = compose(
        "run", "--rm", "--no-deps", "-T", "register", "abi-etl", "config", "show",
        timeout=300, env={"ABI_PUBLIC_URL": ELSEWHERE},
    )  # fmt: skip
    shown = yaml.safe_load(done.stdout)
    assert shown["notifications"]["ui_url"] == ELSEWHERE
