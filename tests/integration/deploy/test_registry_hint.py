"""Without a reachable registry, `make stack-build` (and so `make up`) ends with one line
saying what to do, not with BuildKit's raw error alone. Needs Docker, not the stack."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.integration.deploy.make_targets import run_make
from tests.integration.helpers import STACK_SECRETS

pytestmark = pytest.mark.integration

HINT = "stack: a base image cannot be pulled"
# make's own "make: *** [...] Error 1" (make[1] when the tests run under make).
MAKE_ERROR = re.compile(r"make(\[\d+\])?: ")


@pytest.fixture(scope="module")
def docker_engine() -> None:
    try:
        subprocess.run(["docker", "info"], capture_output=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        if os.environ.get("ABI_REQUIRE_STACK") == "1":
            pytest.fail(f"no Docker engine: {exc}")
        pytest.skip(f"no Docker engine: {exc}")


@pytest.mark.usefixtures("docker_engine")
def test_unreachable_registry_ends_with_one_line_saying_what_to_do(tmp_path: Path) -> None:
    # A registry on a closed port of 127.0.0.1 fails like one behind a missing DNS or
    # network ("dial tcp"), without sending anything off the machine.
    env = {
        "PYTHON_IMAGE": "127.0.0.1:9/library/python:3.11-slim-bookworm",
        "STACK_ENV": str(tmp_path / ".env"),  # leaves the checkout's .env alone
        **dict.fromkeys(STACK_SECRETS, "unused"),
    }
    built = run_make("stack-build", env=env, timeout=300)
    assert built.returncode != 0, built.describe()
    hints = [line for line in built.stderr.splitlines() if line.startswith(HINT)]
    assert len(hints) == 1, built.describe()
    assert "PYTHON_IMAGE and POSTGRES_IMAGE" in hints[0]
    assert ".ci/build-base-images.sh" in hints[0]
    ours = [line for line in built.stderr.splitlines() if not MAKE_ERROR.match(line)]
    assert ours[-1] == hints[0], "the hint must come last, after the engine's error"
