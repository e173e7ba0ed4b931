"""The Prefect API answers only to the basic-auth credential (PREFECT_SERVER_API_AUTH_STRING).

Without it: the UI's static shell (it asks for the credential and sends it with every API
call), /ui-settings, the public description of Prefect's API (/docs, /openapi.json) and
the health probes answer; no route that reads or changes the server's data does.
"""

from __future__ import annotations

import httpx
import pytest

from tests.integration.helpers import DEPLOYMENT_NAME, Stack, read_deployment

pytestmark = pytest.mark.integration

# (method, path under /api, JSON body): reads, writes and the admin routes.
API_ROUTES = (
    ("GET", "/version", None),
    ("GET", "/admin/version", None),
    ("GET", "/admin/settings", None),  # the server's settings, database URL included
    ("GET", "/csrf-token?client=probe", None),
    ("POST", "/flows/filter", {"limit": 1}),
    ("POST", "/deployments/filter", {"limit": 1}),
    ("POST", "/flow_runs/filter", {"limit": 1}),
    ("POST", "/work_pools/filter", {"limit": 1}),
    ("POST", "/block_documents/filter", {"limit": 1}),
    ("POST", "/variables/filter", {"limit": 1}),
    ("POST", "/automations/filter", {}),
    ("POST", "/logs/filter", {"limit": 1}),
    ("POST", "/flows/", {"name": "anonymous-was-here"}),
    ("POST", "/variables/", {"name": "anonymous_was_here", "value": "x"}),
    ("DELETE", "/flows/00000000-0000-0000-0000-000000000000", None),
)


def _wrong_credentials(stack: Stack) -> dict[str, httpx.Auth | None]:
    user, password = stack.auth
    return {
        "none": None,
        "wrong password": httpx.BasicAuth(user, "not-the-password"),
        "wrong user": httpx.BasicAuth("not-" + user, password),
        "password with a suffix": httpx.BasicAuth(user, password + "x"),
        "empty": httpx.BasicAuth("", ""),
    }


@pytest.mark.parametrize(("method", "path", "body"), API_ROUTES)
def test_api_refuses_requests_without_the_credential(
    stack: Stack, method: str, path: str, body: dict | None
) -> None:
    for name, auth in _wrong_credentials(stack).items():
        response = httpx.request(method, f"{stack.api_url}{path}", json=body, auth=auth, timeout=10)
        assert response.status_code == 401, f"{method} {path} with {name} credentials"


def test_api_answers_the_right_credential(stack: Stack) -> None:
    right = httpx.post(
        f"{stack.api_url}/flows/filter", json={"limit": 1}, auth=stack.auth, timeout=10
    )
    assert right.status_code == 200


def test_refused_writes_changed_nothing(api: httpx.Client) -> None:
    flows = api.post("/flows/filter", json={}).raise_for_status().json()
    assert "anonymous-was-here" not in {f["name"] for f in flows}
    variable = api.get("/variables/name/anonymous_was_here")
    assert variable.status_code == 404


def test_health_probes_stay_open_and_say_nothing(stack: Stack) -> None:
    """Container healthchecks call them without credentials."""
    for path in ("/health", "/ready"):
        response = httpx.get(f"{stack.api_url}{path}", timeout=10)
        assert response.status_code == 200
        assert len(response.content) < 100, response.text


def test_ui_asks_for_the_credential_and_holds_no_data(api: httpx.Client, stack: Stack) -> None:
    settings = httpx.get(f"{stack.ui_url}/ui-settings", timeout=10).json()
    assert settings["auth"] == "BASIC"
    deployment = read_deployment(api)
    for path in ("/", "/v2", "/runs", f"/deployments/deployment/{deployment['id']}"):
        page = httpx.get(f"{stack.ui_url}{path}", timeout=10, follow_redirects=True)
        assert page.status_code in (200, 404), path
        # The shell is the same for everyone: no name or id from the server's data.
        for secret in (*DEPLOYMENT_NAME.split("/"), deployment["id"], stack.auth[1]):
            assert secret not in page.text, (path, secret)
