"""The image's runtime lock is the development lock minus the dev tools, never a drift."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==(\S+) \\$", re.MULTILINE)
HASH = re.compile(r"--hash=(sha256:[0-9a-f]{64})")
DEV_TOOLS = {"pytest", "pytest-timeout", "ruff", "selenium", "aiosmtpd", "matplotlib"}


def _pins(name: str) -> dict[str, tuple[str, frozenset[str]]]:
    """package -> (version, hashes) from a uv-compiled, hashed lock file."""
    text = (ROOT / name).read_text(encoding="utf-8")
    blocks = re.split(r"\n(?=[A-Za-z0-9_.-]+==)", text)
    pins = {}
    for block in blocks:
        match = PIN.match(block)
        if match:
            pins[match.group(1).lower()] = (match.group(2), frozenset(HASH.findall(block)))
    return pins


def test_runtime_lock_pins_the_dev_lock_versions_and_hashes() -> None:
    dev, runtime = _pins("requirements.lock"), _pins("requirements-runtime.lock")
    assert len(runtime) > 100  # the parser read the file, not an empty match
    drift = {name: (pin, dev.get(name)) for name, pin in runtime.items() if dev.get(name) != pin}
    assert drift == {}


def test_runtime_lock_leaves_the_dev_tools_out() -> None:
    dev, runtime = _pins("requirements.lock"), _pins("requirements-runtime.lock")
    assert set(dev) >= DEV_TOOLS
    assert DEV_TOOLS & set(runtime) == set()
    # and keeps what the services import
    assert {"prefect", "great-expectations", "pandas", "pyarrow", "psycopg2-binary"} <= set(runtime)
