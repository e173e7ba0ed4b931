"""Stage bars on a terminal, nothing at all elsewhere."""

from __future__ import annotations

import io
import logging
import re

import pytest
from rich.console import Console

from etl.cli.progress import StageProgress
from etl.cli.stage_progress import with_progress
from etl.stages.standard import DirectCaller, LogReporter
from etl.stages.summary import StageOutcome

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def terminal() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=True, force_interactive=True, width=100), out


def final_screen(out: io.StringIO) -> str:
    """What the terminal shows last: the final redraw of the bars."""
    return ANSI.sub("", out.getvalue()).split("\r")[-1]


def test_a_bar_per_stage_with_rows_and_seconds() -> None:
    console, out = terminal()
    with StageProgress(console) as progress:
        with progress.stage("extract") as bar:
            bar.rows(3675)
        with pytest.raises(ValueError), progress.stage("audit_staging"):
            raise ValueError("boom")
        progress.done("write trl", rows=100, seconds=0.25)
    lines = final_screen(out).splitlines()
    assert re.fullmatch(r"extract\s+━+ 3,675 rows\s+\d+\.\ds\s*", lines[0])
    assert lines[1].startswith("audit_staging failed")
    assert re.fullmatch(r"write trl\s+━+ 100 rows\s+0\.2s\s*", lines[2])


def test_without_a_terminal_nothing_is_drawn() -> None:
    out = io.StringIO()
    with StageProgress(Console(file=out)) as progress:
        assert not progress.enabled
        with progress.stage("extract") as bar:
            bar.rows(1)
            progress.current.percent(50)
        progress.done("write", rows=1)
    assert out.getvalue() == ""


def test_following_turns_event_lines_into_bars() -> None:
    console, out = terminal()
    log = logging.getLogger("etl.sample.test_progress")
    log.setLevel(logging.INFO)
    with (
        StageProgress(console) as progress,
        progress.following("etl.sample", "sample_file_written", "write {source}"),
    ):
        log.info("event=sample_file_written source=pubmed rows=3000 seconds=1.50")
        log.info("event=something_else source=x rows=1")
        log.info("event=sample_file_written rows=oops")  # another shape: no bar, no error
    screen = final_screen(out)
    assert re.search(r"write pubmed\s+━+ 3,000 rows\s+1\.5s", screen)
    assert "write x" not in screen and "oops" not in screen


def test_wrapped_caller_and_reporter_draw_stages_and_still_do_their_work(
    caplog: pytest.LogCaptureFixture,
) -> None:
    console, out = terminal()
    caplog.set_level(logging.INFO, "etl.stages.standard")
    with StageProgress(console) as progress:
        caller, reporter = with_progress(progress)(DirectCaller(), LogReporter())

        def publish(report_progress) -> StageOutcome:
            report_progress(50.0)
            return StageOutcome("publish", 0.1, rows={"dim_a": 2, "fact_b": 3})

        outcome = caller.call("load", "publish_staging", publish, reporter.progress)
    assert outcome.rows == {"dim_a": 2, "fact_b": 3}
    assert "progress=publish percent=50" in caplog.text  # the wrapped reporter's own line
    assert re.search(r"publish_staging\s+━+ 5 rows", final_screen(out))
