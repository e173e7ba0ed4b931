"""The transformation summary names what an analyst must act on, in logs and artifacts."""

from __future__ import annotations

import logging

import pytest

from etl.flows import artifacts
from etl.stages.standard import LogReporter
from etl.stages.summary import StageOutcome

OUTCOME = StageOutcome(
    "transformation",
    2.5,
    rows={"dim_technology": 27},
    details={
        "articles_without_technology": 4,
        "unknown_technologies": 2,
        "unknown_technology_articles": {"car-t": 12, "xenobots": 1},
        "sic_descriptions_stripped": 158,
    },
)


def test_log_summary_lists_unknown_technologies_and_stripped_descriptions(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="etl.stages.standard")
    LogReporter().transformation(OUTCOME)
    assert "summary=transformation unknown_technology=car-t articles=12" in caplog.messages
    assert "summary=transformation unknown_technology=xenobots articles=1" in caplog.messages
    assert (
        "summary=transformation articles_without_technology=4 unknown_technologies=2 "
        "sic_descriptions_stripped=158" in caplog.messages
    )


def test_artifact_lists_unknown_technologies_and_stripped_descriptions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    published: list[str] = []
    monkeypatch.setattr(
        artifacts, "create_markdown_artifact", lambda text, **_: published.append(text)
    )
    artifacts.ArtifactReporter().transformation(OUTCOME)
    (text,) = published
    assert "| dim_technology | 27 |" in text
    assert "| car-t | 12 |" in text
    assert "| xenobots | 1 |" in text
    assert "sic_descriptions_stripped: 158" in text
