"""Log lines go to the stderr of the moment, even after a CLI call swapped it."""

from __future__ import annotations

import io
import logging
import sys

import pytest

from etl.logs import DemoteTracebacks, configure_logging, console_filter, logger_level


def test_records_after_the_setup_stream_closed_still_reach_stderr(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    borrowed = io.StringIO()
    monkeypatch.setattr(sys, "stderr", borrowed)  # what an in-process CLI runner does
    configure_logging("INFO")
    logging.getLogger("etl.test").info("event=during_call")
    monkeypatch.undo()
    assert "event=during_call" in borrowed.getvalue()
    borrowed.close()
    logging.getLogger("etl.test").info("event=after_call rows=3")
    err = capsys.readouterr().err
    assert "Logging error" not in err
    assert "level=INFO logger=etl.test event=after_call rows=3" in err


class PlannedError(Exception):
    """An error whose one-line message the command prints itself."""


def log_failure(name: str, error: Exception) -> None:
    try:
        raise error
    except Exception:
        logging.getLogger(name).exception("Encountered exception during execution")


@pytest.mark.parametrize(("level", "shown"), [("INFO", False), ("DEBUG", True)])
def test_planned_errors_lose_their_traceback_unless_debug(
    level: str, shown: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(level)
    demote = DemoteTracebacks(("lib.runs",), (PlannedError,))
    with console_filter(demote):
        log_failure("lib.runs.flow", PlannedError("file=x problem=y"))
        log_failure("lib.runs.flow", KeyError("bug"))  # not planned: stays an ERROR
        log_failure("other", PlannedError("elsewhere"))  # another logger: untouched
    log_failure("lib.runs.flow", PlannedError("after the block"))
    err = capsys.readouterr().err
    assert ("level=DEBUG logger=lib.runs.flow" in err) is shown
    assert ("PlannedError: file=x problem=y" in err) is shown
    assert "level=ERROR logger=lib.runs.flow Encountered" in err
    assert "KeyError: 'bug'" in err
    assert "level=ERROR logger=other" in err and "PlannedError: elsewhere" in err
    assert "PlannedError: after the block" in err


def test_logger_level_is_put_back(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("WARNING")
    with logger_level("etl.test", "INFO"):
        logging.getLogger("etl.test").info("event=inside")
    logging.getLogger("etl.test").info("event=outside")
    err = capsys.readouterr().err
    assert "event=inside" in err and "event=outside" not in err
