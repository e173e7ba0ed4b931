"""The installed `abi-etl` console script, run as a user runs it: another process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

CONSOLE_SCRIPT = Path(sys.executable).with_name("abi-etl")
AbiEtl = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def abi_etl(tmp_path: Path) -> AbiEtl:
    """Run `abi-etl ARGS` in `cwd` (default: an empty folder outside the repository).

    The environment is this process's (with what monkeypatch set) plus `env`; a value of
    None removes a variable. Prefect keeps its files under tmp_path.
    """

    def run(
        *args: str, cwd: Path | None = None, env: dict[str, str | None] | None = None
    ) -> subprocess.CompletedProcess[str]:
        merged = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home"), **(env or {})}
        folder = cwd or tmp_path / "elsewhere"
        folder.mkdir(parents=True, exist_ok=True)
        return subprocess.run(
            [str(CONSOLE_SCRIPT), *args],
            cwd=folder,
            env={k: v for k, v in merged.items() if v is not None},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    return run
