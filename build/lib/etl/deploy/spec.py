"""What deploy/prefect.yaml declares, read back and checked against the settings.

The schedule lives in two places on purpose: config/pipeline.yaml (the settings every
abi-etl component reads, e.g. notifications' links) and deploy/prefect.yaml (what
`prefect deploy` reads). Registration refuses to register when they disagree, naming
the differing key, instead of silently deploying one of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from etl.config.settings import ScheduleSettings
from etl.deploy.errors import DeploySpecError


@dataclass(frozen=True)
class DeploymentSpec:
    name: str
    flow_name: str
    entrypoint: str
    work_pool: str
    work_queue: str
    tags: tuple[str, ...]
    cron: str | None
    timezone: str | None

    @property
    def full_name(self) -> str:
        """The API's name for it: `<flow name>/<deployment name>`."""
        return f"{self.flow_name}/{self.name}"


def _required(entry: dict[str, Any], key: str, path: Path) -> Any:
    value = entry
    for part in key.split("."):
        if not isinstance(value, dict) or value.get(part) in (None, ""):
            raise DeploySpecError(f"file={path} key=deployments[].{key} problem=missing")
        value = value[part]
    return value


def load_deployment_specs(path: Path) -> list[DeploymentSpec]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise DeploySpecError(f"file={path} problem=not found") from exc
    except yaml.YAMLError as exc:
        raise DeploySpecError(f"file={path} problem=invalid YAML: {exc}") from exc
    entries = data.get("deployments") if isinstance(data, dict) else None
    if not entries:
        raise DeploySpecError(f"file={path} key=deployments problem=no deployment declared")
    specs = []
    for entry in entries:
        schedules = entry.get("schedules") or ([entry["schedule"]] if entry.get("schedule") else [])
        first = schedules[0] if schedules else {}
        specs.append(
            DeploymentSpec(
                name=_required(entry, "name", path),
                flow_name=_required(entry, "flow_name", path),
                entrypoint=_required(entry, "entrypoint", path),
                work_pool=_required(entry, "work_pool.name", path),
                work_queue=_required(entry, "work_pool.work_queue_name", path),
                tags=tuple(entry.get("tags") or ()),
                cron=first.get("cron"),
                timezone=first.get("timezone"),
            )
        )
    return specs


def scheduled_spec(specs: list[DeploymentSpec], schedule: ScheduleSettings) -> DeploymentSpec:
    """The deployment that `schedule.deployment_name` names, checked against `schedule`."""
    path_hint = "deploy/prefect.yaml"
    matches = [s for s in specs if s.name == schedule.deployment_name]
    if not matches:
        raise DeploySpecError(
            f"file={path_hint} key=deployments[].name problem=no deployment named "
            f"{schedule.deployment_name!r} (schedule.deployment_name)"
        )
    spec = matches[0]
    expected = {
        "cron": (spec.cron, schedule.cron),
        "timezone": (spec.timezone, schedule.timezone),
        "work_pool": (spec.work_pool, schedule.work_pool),
        "work_queue": (spec.work_queue, schedule.work_queue),
        "tags": (tuple(sorted(spec.tags)), tuple(sorted(schedule.tags))),
    }
    for key, (declared, configured) in expected.items():
        if declared != configured:
            raise DeploySpecError(
                f"file={path_hint} deployment={spec.name} key={key} problem=declares "
                f"{declared!r} but the settings say schedule.{key}={configured!r}"
            )
    return spec
