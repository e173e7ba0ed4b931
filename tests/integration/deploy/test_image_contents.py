"""The stack's image holds no benchmark and no test code (the README's one-line check)."""

from __future__ import annotations

import pytest

from tests.integration.helpers import Stack, compose

pytestmark = pytest.mark.integration

# Files of the installed abi-etl distribution, then modules importable from the services'
# working directory (/opt/abi-etl): neither may be a benchmark or a test.
IMAGE_CHECK = (
    "import importlib.metadata as m, importlib.util as u; "
    "bad = [str(f) for f in m.files('abi-etl') "
    "if 'bench' in f.name or f.parts[0] in ('tests', 'benchmarks')] "
    "+ [n for n in ('benchmarks', 'tests') if u.find_spec(n)]; "
    "print('bad=%s' % bad); raise SystemExit(bool(bad))"
)


def test_image_has_no_benchmark_or_test_code(stack: Stack) -> None:
    result = compose(
        "run", "--rm", "--no-deps", "worker", "python", "-c", IMAGE_CHECK, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "bad=[]" in result.stdout
