"""The abi-etl wheel (what the image installs) holds the runtime package and nothing else:
no benchmark, no test code.

Built offline from a copy of the checkout with the locked build backend
(--no-build-isolation), so the check needs no index and leaves no build/ in the tree.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Whatever is not source: the venv, git, caches, outputs, the data files.
NOT_SOURCE = shutil.ignore_patterns(
    ".venv", ".git", "__pycache__", "*.egg-info", "build", "var", "data", "bench-results"
)


def _build_wheel(tmp_path: Path) -> Path:
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    out = tmp_path / "wheels"
    offline = ["--no-deps", "--no-build-isolation", "--no-index", "--quiet"]
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", *offline, "--wheel-dir", str(out), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = out.glob("abi_etl-*.whl")
    return wheel


def test_wheel_holds_the_etl_package_and_no_benchmark_or_test_code(tmp_path: Path) -> None:
    names = zipfile.ZipFile(_build_wheel(tmp_path)).namelist()
    top_level = {name.split("/")[0] for name in names}
    assert {name for name in top_level if not name.endswith(".dist-info")} == {"etl"}
    assert "etl/flows/abi_etl_flow.py" in names  # the deployment's entrypoint is there
    assert [n for n in names if n.startswith(("benchmarks/", "tests/"))] == []
    assert [n for n in names if "bench" in Path(n).name.lower()] == []
