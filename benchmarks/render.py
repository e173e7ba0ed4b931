"""`python -m benchmarks.render DIR`: write the table and the plot again from DIR/bench.json.

For a report whose figures stay but whose presentation changed (labels, columns, plot):
no need to measure again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from benchmarks.__main__ import write_outputs
from benchmarks.report import BenchReport


def render(folder: Annotated[Path, typer.Argument(help="Folder holding bench.json.")]) -> None:
    """Rewrite every file of the report in FOLDER from its bench.json."""
    data = json.loads((folder / "bench.json").read_text(encoding="utf-8"))
    for path in write_outputs(BenchReport.from_dict(data), folder):
        typer.echo(path)


if __name__ == "__main__":
    typer.run(render)
