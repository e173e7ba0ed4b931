"""The Prefect UI, in headless Chromium, as an operator on the host sees it.

Debian's `chromium` and `chromium-driver` packages, driven by Selenium with the Debian
chromedriver: nothing is downloaded (Selenium Manager stays offline). The UI (Prefect
3.9 serves its "v2" UI by default) asks for the basic-auth string "USER:PASSWORD" on a
login page with one password field; it then keeps it in the browser's local storage.

Screenshots land in test-output/ (ui-login.png, ui-dashboard.png, ui-flow-run.png),
also when an assertion fails, so CI artifacts show what the browser saw.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.helpers import TEST_OUTPUT, Stack, assert_completed

pytestmark = pytest.mark.integration

CHROMIUM = os.environ.get("ABI_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("ABI_CHROMEDRIVER", "/usr/bin/chromedriver")
WAIT_S = 60

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def _screenshot(driver: Any, name: str) -> Path:
    TEST_OUTPUT.mkdir(parents=True, exist_ok=True)
    path = TEST_OUTPUT / name
    driver.save_screenshot(str(path))
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    for binary in (CHROMIUM, CHROMEDRIVER):
        if not Path(binary).exists():
            message = f"{binary} missing: apt-get install chromium chromium-driver"
            if os.environ.get("ABI_REQUIRE_STACK") == "1":
                pytest.fail(message)
            pytest.skip(message)
    # Never let Selenium Manager look for (or download) a browser or a driver.
    os.environ["SE_OFFLINE"] = "true"
    profile = tempfile.mkdtemp(prefix="abi-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--window-size=1600,1000",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    service = webdriver.ChromeService(executable_path=CHROMEDRIVER)
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(WAIT_S)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _body_text(driver: Any) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


@pytest.fixture(scope="module")
def logged_in(browser: Any, stack: Stack) -> Any:
    """The browser, logged into the UI with the stack's auth string."""
    browser.get(f"{stack.ui_url}/")
    wait = WebDriverWait(browser, WAIT_S)
    try:
        field = wait.until(
            ec.visibility_of_element_located((By.CSS_SELECTOR, "input[type=password]"))
        )
    except TimeoutException:
        _screenshot(browser, "ui-login.png")
        pytest.fail(f"no login form at {browser.current_url}: {_body_text(browser)[:500]!r}")
    _screenshot(browser, "ui-login.png")
    field.send_keys(stack.auth_string)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    try:
        wait.until(lambda d: "/login" not in d.current_url)
        wait.until(lambda d: "Dashboard" in _body_text(d) or "Flow Runs" in _body_text(d))
    except TimeoutException:
        _screenshot(browser, "ui-dashboard.png")
        pytest.fail(f"login did not get past {browser.current_url}: {_body_text(browser)[:500]!r}")
    return browser


def test_login_page_asks_for_credentials(browser: Any, stack: Stack) -> None:
    """A fresh browser gets the login page, not data."""
    browser.delete_all_cookies()
    browser.get(f"{stack.ui_url}/")
    browser.execute_script("window.localStorage.clear()")
    browser.get(f"{stack.ui_url}/")
    WebDriverWait(browser, WAIT_S).until(
        ec.visibility_of_element_located((By.CSS_SELECTOR, "input[type=password]"))
    )
    assert "/login" in browser.current_url


def test_dashboard_after_login(logged_in: Any) -> None:
    path = _screenshot(logged_in, "ui-dashboard.png")
    assert path.stat().st_size > 0
    assert "/login" not in logged_in.current_url


def test_deployment_page(logged_in: Any, stack: Stack, api: Any) -> None:
    from tests.integration.helpers import read_deployment  # noqa: PLC0415

    deployment = read_deployment(api)
    logged_in.get(f"{stack.ui_url}/v2/deployments/deployment/{deployment['id']}")
    WebDriverWait(logged_in, WAIT_S).until(lambda d: "daily-etl" in _body_text(d))
    _screenshot(logged_in, "ui-deployment.png")
    assert "abi-etl-pool" in _body_text(logged_in)


def test_flow_run_page_shows_completed(
    logged_in: Any, stack: Stack, completed_run: dict[str, Any]
) -> None:
    logged_in.get(f"{stack.ui_url}/v2/runs/flow-run/{completed_run['id']}")
    wait = WebDriverWait(logged_in, WAIT_S)
    try:
        wait.until(lambda d: completed_run["name"] in _body_text(d))
        state_name = (completed_run.get("state") or {}).get("name") or ""
        wait.until(lambda d: state_name in _body_text(d))
    finally:
        _screenshot(logged_in, "ui-flow-run.png")
    assert_completed(completed_run)
    assert "Completed" in _body_text(logged_in)
