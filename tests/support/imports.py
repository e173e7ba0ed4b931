"""What importing a module loads, seen from a fresh interpreter (this one has loaded
everything already)."""

from __future__ import annotations

import json
import subprocess
import sys


def modules_loaded_by(module: str, candidates: tuple[str, ...]) -> dict[str, bool]:
    """For each of `candidates`: is it in sys.modules after `import module`?"""
    code = (
        f"import json, sys, {module}; "
        f"print(json.dumps({{name: name in sys.modules for name in {list(candidates)!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    )
    return json.loads(result.stdout)
