"""daily-etl end to end: triggered through the Prefect API, run by a worker of the stack.

Expected figures come from data/sample/sample_manifest.json, written by the generator
of the baked-in sample: the loaded rows of each source are the rows the warehouse must
hold at the grain of the table that source feeds.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine

from tests.integration.helpers import (
    assert_completed,
    is_notice_of,
    published_checksums,
    run_sql,
    trigger_and_wait,
)
from tests.support.receivers import HttpReceiver

pytestmark = pytest.mark.integration

ARTIFACT_KEYS = {
    "extraction-summary",
    "transformation-summary",
    "loading-summary",
    "validation-summary",
    "pipeline-summary",
}
# warehouse table -> the source whose loaded rows it holds, one row each
TABLE_OF_SOURCE = {
    "dim_publication": "pubmed_articles",
    "fact_trl_prediction": "trl_predictions",
    "fact_financial": "biotech_companies",
}


def test_run_completes(completed_run: dict[str, Any]) -> None:
    assert_completed(completed_run)


def test_success_notice_reaches_the_webhook(
    completed_run: dict[str, Any], stack_webhook: HttpReceiver, sample_manifest: dict[str, Any]
) -> None:
    """The flow's own hook posts one success notice, with the counts and a UI link."""
    assert_completed(completed_run)
    notices = stack_webhook.wait_for(is_notice_of(completed_run["id"]), timeout_s=30, settle_s=2)
    assert [n["body"]["event"] for n in notices] == ["success"]
    body = notices[0]["body"]
    expected = sample_manifest["sources"]["pubmed_articles"]["loaded"]
    assert body["counts"]["dim_publication"] == expected
    assert body["ui_url"].endswith(f"/runs/flow-run/{completed_run['id']}")


def test_run_was_executed_by_a_stack_worker(completed_run: dict[str, Any]) -> None:
    assert completed_run["work_pool_name"] == "abi-etl-pool"
    assert completed_run["work_queue_name"] == "abi-etl-queue"
    assert completed_run["parameters"] == {
        "config_path": None,
        "raw_dir": None,
        "skip_validation": False,
        "allow_shrink": False,
        "full_refresh": True,
    }


@pytest.mark.parametrize(("table", "source"), sorted(TABLE_OF_SOURCE.items()))
def test_warehouse_holds_the_sample(
    completed_run: dict[str, Any],
    bi_engine: Engine,
    sample_manifest: dict[str, Any],
    table: str,
    source: str,
) -> None:
    assert_completed(completed_run)
    expected = sample_manifest["sources"][source]["loaded"]
    # read as the BI role: what a BI tool sees
    (rows,) = run_sql(bi_engine, f"SELECT count(*) FROM warehouse.{table}")[0]
    assert rows == expected, f"warehouse.{table}: {rows} rows, manifest says {source} loaded"


def test_etl_run_recorded(completed_run: dict[str, Any], etl_engine: Engine) -> None:
    assert_completed(completed_run)
    rows = run_sql(
        etl_engine,
        "SELECT status, mode FROM warehouse.etl_run WHERE flow_run_id = :id",
        id=completed_run["id"],
    )
    assert [tuple(r) for r in rows] == [("completed", "prefect")]


def test_summary_artifacts(completed_run: dict[str, Any], api: httpx.Client) -> None:
    response = api.post(
        "/artifacts/filter",
        json={"artifacts": {"flow_run_id": {"any_": [completed_run["id"]]}}},
    )
    response.raise_for_status()
    keys = {a["key"] for a in response.json() if a.get("key")}
    assert keys >= ARTIFACT_KEYS, f"missing artifacts: {sorted(ARTIFACT_KEYS - keys)}"


def test_second_run_changes_nothing(
    completed_run: dict[str, Any], api: httpx.Client, etl_engine: Engine
) -> None:
    """Same input, second run: every published table is byte-for-byte the same."""
    assert_completed(completed_run)
    before = published_checksums(etl_engine)
    second = trigger_and_wait(api)
    assert_completed(second)
    assert published_checksums(etl_engine) == before

    # The pipeline's own record agrees: the second run and the completed run before it
    # (this session's first, or a later one that left the same tables) have the same
    # table checksums.
    recorded = run_sql(
        etl_engine,
        "SELECT flow_run_id, table_checksums FROM warehouse.etl_run "
        "WHERE status = 'completed' ORDER BY ended_at DESC LIMIT 2",
    )
    assert recorded[0].flow_run_id == second["id"]
    latest, previous = (r.table_checksums for r in recorded)
    assert latest, "etl_run.table_checksums is empty"
    assert latest == previous


def test_unchanged_night_is_skipped(
    completed_run: dict[str, Any], api: httpx.Client, etl_engine: Engine
) -> None:
    """A run on the files of the completed run before it (the previous test's, or the one
    this test starts first) skips its stages, ends Completed, and says why."""
    assert_completed(completed_run)
    assert_completed(trigger_and_wait(api, full_refresh=False))
    before = published_checksums(etl_engine)
    skipped = trigger_and_wait(api, full_refresh=False)
    assert_completed(skipped)
    assert published_checksums(etl_engine) == before
    rows = run_sql(
        etl_engine,
        "SELECT status, skipped_because FROM warehouse.etl_run WHERE flow_run_id = :id",
        id=skipped["id"],
    )
    assert [r.status for r in rows] == ["completed"]
    assert rows[0].skipped_because.startswith("inputs_unchanged last_run_id=")
