"""Log lines go to the stderr of the moment, even after a CLI call swapped it."""

from __future__ import annotations

import io
import logging
import sys

import pytest

from etl.logs import configure_logging


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
