"""The bench report's writers on given figures: ratios, targets, table, JSON and plot."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from benchmarks.__main__ import write_outputs
from benchmarks.render import render
from benchmarks.report import BenchReport, SizeReport, StageFigure
from benchmarks.scenarios import RunFigure
from benchmarks.table import log_rows, render_markdown, render_text

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
STAGES = {"extraction": 1.0, "transformation": 0.5, "load": 1.5, "validation": 1.0, "publish": 2.0}


def _run(seconds: float, run_seconds: float, rows: int = 1_000, rss: float = 500.0) -> RunFigure:
    return RunFigure(
        seconds=seconds,
        startup_seconds=0.75,
        run_seconds=run_seconds,
        stages=dict(STAGES),
        stage_rows={"extraction": 900, "publish": rows},
        published_rows=rows,
        peak_rss_mb=rss,
        status="completed",
        mode="standard",
    )


def _size(publications: int, floor: float) -> SizeReport:
    size = SizeReport(publications, 700, "csv", small_change={"changed": 5, "added": 5})
    # First run 3.5x the floor (met), flow mode 5 s slower (missed), unchanged night
    # 0.5x (missed), small change 0.25x (met).
    size.runs = {
        "first_run": _run(3.5 * floor, 3.5 * floor - 1.0),
        "flow_mode": _run(3.5 * floor + 5.0, 3.5 * floor + 4.0),
        "unchanged_night": _run(0.5 * floor, 0.5 * floor - 1.0),
        "small_change": _run(0.25 * floor, 0.25 * floor - 0.1),
    }
    size.baselines = {
        "raw_copy_floor": StageFigure(floor, 1_000, 100.0),
        "raw_copy_keyed": StageFigure(1.5 * floor, 1_000, 100.0),
        "pandas_to_sql": StageFigure(10 * floor, 1_000, 300.0),
    }
    return size


@pytest.fixture
def report() -> BenchReport:
    machine = {"nproc": 2, "cpu": "Test CPU", "postgresql": "15.18"}
    return BenchReport(machine, [_size(10_000, 2.0), _size(100_000, 8.0)])


def test_ratios_are_over_the_floor_of_the_same_size(report: BenchReport) -> None:
    small, large = (size.ratios() for size in report.sizes)

    assert small["first_run_over_floor"] == 3.5
    assert small["unchanged_night_over_floor"] == 0.5
    assert small["small_change_over_floor"] == 0.25
    assert small["raw_copy_keyed_over_floor"] == 1.5
    assert small["pandas_to_sql_over_floor"] == 10.0
    assert small["flow_mode_extra_seconds"] == 5.0
    assert large["first_run_over_floor"] == 3.5


def test_the_first_run_breaks_down_into_every_second(report: BenchReport) -> None:
    run = report.sizes[0].runs["first_run"]  # 7.0 s, of which 6.0 s in the run

    breakdown = run.breakdown()
    assert list(breakdown) == ["startup", *STAGES, "run_other", "exit"]
    assert breakdown["startup"] == pytest.approx(0.75)
    assert breakdown["run_other"] == pytest.approx(6.0 - sum(STAGES.values()))
    assert breakdown["exit"] == pytest.approx(0.25)
    assert sum(breakdown.values()) == pytest.approx(run.seconds)


def test_text_table_gives_each_figure_its_ratio_and_verdict(report: BenchReport) -> None:
    lines = render_text(report).splitlines()

    first = next(line for line in lines if line.lstrip().startswith("10,000  first run"))
    assert "7.00" in first  # seconds
    assert "3.50" in first  # x floor
    assert "<= 3.5x, RSS <= 3 GB" in first
    assert first.endswith("yes")
    flow = next(line for line in lines if "10,000  flow mode" in line)
    assert flow.endswith("no (+5.0 s)")
    unchanged = next(line for line in lines if "10,000  unchanged night" in line)
    assert " 0.50 " in unchanged
    assert unchanged.endswith("no")
    small = next(line for line in lines if "10,000  small change: 5 articles edited" in line)
    assert small.endswith("yes")
    publish = next(line for line in lines if "10,000    of which publish" in line)
    assert " 2.00 " in publish  # seconds
    assert publish.endswith(" 1.00")  # 2.0 s over the 2.0 s floor
    to_sql = next(line for line in lines if "100,000  baseline: pandas to_sql" in line)
    assert "80.00" in to_sql
    assert "10.00" in to_sql
    # Aligned: every row of the table is as wide as its header's columns reach.
    header = lines[0]
    assert header.index("seconds") + len("seconds") == first.index("7.00") + len("7.00")
    assert any(line.startswith("machine: ") and "cpu Test CPU" in line for line in lines)


def test_markdown_and_log_lines_carry_the_same_rows(
    report: BenchReport, caplog: pytest.LogCaptureFixture
) -> None:
    markdown = render_markdown(report).splitlines()
    rows = report.rows()
    table = [line for line in markdown if line.startswith("| ")]
    assert len(table) == 2 + len(rows)  # header and alignment rows
    assert "| 10,000 | first run:" in table[2]
    assert "| 3.50 |" in table[2]

    caplog.set_level("INFO", logger="benchmarks.table")
    log_rows(report)
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == len(rows)
    assert "bench=first_run publications=10000 seconds=7.00 " in lines[0]
    assert "x_floor=3.500" in lines[0]
    assert lines[0].endswith("met=yes")


def test_files_hold_the_report(report: BenchReport, tmp_path: Path) -> None:
    paths = write_outputs(report, tmp_path)

    assert {p.name for p in paths} == {
        "bench.json",
        "bench-10000.json",
        "bench-100000.json",
        "bench.txt",
        "bench.md",
        "bench.png",
    }
    data = json.loads((tmp_path / "bench.json").read_text())
    assert data == report.as_dict()
    assert BenchReport.from_dict(data).as_dict() == data
    one = json.loads((tmp_path / "bench-100000.json").read_text())
    assert one["machine"] == report.machine
    assert one["ratios"]["first_run_over_floor"] == 3.5
    assert (tmp_path / "bench.txt").read_text() == render_text(report)
    png = (tmp_path / "bench.png").read_bytes()
    assert png.startswith(PNG_SIGNATURE)
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk comes first
    assert width > 500
    assert height > 300


def test_render_writes_the_same_files_again_from_the_json(
    report: BenchReport, tmp_path: Path
) -> None:
    write_outputs(report, tmp_path)
    table = (tmp_path / "bench.md").read_text()
    for name in ("bench.txt", "bench.md", "bench.png"):
        (tmp_path / name).unlink()

    render(tmp_path)

    assert (tmp_path / "bench.md").read_text() == table
    assert (tmp_path / "bench.txt").read_text() == render_text(report)
    assert (tmp_path / "bench.png").read_bytes().startswith(PNG_SIGNATURE)
