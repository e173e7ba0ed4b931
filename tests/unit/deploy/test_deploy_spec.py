"""deploy/prefect.yaml is read back and must agree with config/pipeline.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from etl.config.settings import load_settings
from etl.deploy.backfill import BACKFILL_DEPLOYMENT
from etl.deploy.errors import DeploySpecError
from etl.deploy.spec import load_deployment_specs, scheduled_spec

REPO = Path(__file__).resolve().parents[3]
PREFECT_FILE = REPO / "deploy" / "prefect.yaml"


def test_repository_files_agree() -> None:
    settings = load_settings(REPO / "config" / "pipeline.yaml")
    spec = scheduled_spec(load_deployment_specs(PREFECT_FILE), settings.schedule)
    assert spec.full_name == "ABI ETL Pipeline/daily-etl"
    assert spec.entrypoint == "etl/flows/abi_etl_flow.py:abi_etl_pipeline"
    assert (spec.work_pool, spec.work_queue) == ("abi-etl-pool", "abi-etl-queue")
    assert (spec.cron, spec.timezone) == ("0 2 * * *", "UTC")


def test_prefect_file_has_no_build_or_push_and_a_pull_step() -> None:
    data = yaml.safe_load(PREFECT_FILE.read_text(encoding="utf-8"))
    assert data["build"] is None
    assert data["push"] is None
    assert data["pull"] == [
        {"prefect.deployments.steps.set_working_directory": {"directory": "/opt/abi-etl"}}
    ]
    assert [d["name"] for d in data["deployments"]] == ["daily-etl", "backfill"]
    daily = data["deployments"][0]
    assert daily["concurrency_limit"] == {"limit": 1, "collision_strategy": "ENQUEUE"}


def test_the_backfill_deployment_runs_the_same_flow_unscheduled_and_unlimited() -> None:
    data = yaml.safe_load(PREFECT_FILE.read_text(encoding="utf-8"))
    daily, backfill = data["deployments"]
    assert f"{backfill['flow_name']}/{backfill['name']}" == BACKFILL_DEPLOYMENT
    for key in ("flow_name", "entrypoint", "work_pool"):
        assert backfill[key] == daily[key], key
    # Run k+1 must start while run k loads: no schedule, no concurrency limit.
    assert backfill["schedules"] == []
    assert "concurrency_limit" not in backfill
    assert backfill["parameters"]["after_flow_run_id"] is None


def test_mismatch_is_refused_naming_the_key(tmp_path: Path) -> None:
    data = yaml.safe_load(PREFECT_FILE.read_text(encoding="utf-8"))
    data["deployments"][0]["schedules"][0]["cron"] = "0 3 * * *"
    changed = tmp_path / "prefect.yaml"
    changed.write_text(yaml.safe_dump(data), encoding="utf-8")
    settings = load_settings(REPO / "config" / "pipeline.yaml")
    with pytest.raises(DeploySpecError, match="key=cron"):
        scheduled_spec(load_deployment_specs(changed), settings.schedule)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(DeploySpecError, match="not found"):
        load_deployment_specs(tmp_path / "nope.yaml")
