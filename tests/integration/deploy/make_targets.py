"""Run the project's make targets from the integration tests, as a user would."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass

from tests.integration.helpers import REPO_ROOT


@dataclass(frozen=True)
class MakeResult:
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    def describe(self) -> str:
        return f"exit {self.returncode} after {self.seconds:.0f}s\n{self.stdout}\n{self.stderr}"


def run_make(target: str, env: dict[str, str] | None = None, timeout: float = 900) -> MakeResult:
    started = time.monotonic()
    done = subprocess.run(
        ["make", "--no-print-directory", target],
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return MakeResult(done.returncode, done.stdout, done.stderr, time.monotonic() - started)
