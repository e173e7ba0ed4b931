"""`register_all`: the whole registration, in order, idempotently."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from prefect.client.orchestration import get_client

from etl.config.settings import Settings
from etl.deploy.api import wait_for_api
from etl.deploy.automations import (
    DEFAULT_LATE_AFTER,
    build_automations,
    delete_retired_automations,
    ensure_automation,
    flow_heartbeat_seconds,
)
from etl.deploy.deployments import deployment_id, run_prefect_deploy
from etl.deploy.notifications import ensure_notification_blocks
from etl.deploy.pool import ensure_work_pool, ensure_work_queue
from etl.deploy.spec import load_deployment_specs, scheduled_spec

logger = logging.getLogger(__name__)


@dataclass
class RegistrationReport:
    warehouse_revision: str | None = None
    work_pools: dict[str, str] = field(default_factory=dict)
    work_queues: dict[str, str] = field(default_factory=dict)
    deployments: dict[str, str] = field(default_factory=dict)  # full name -> id
    blocks: dict[str, str] = field(default_factory=dict)  # name -> id
    automations: dict[str, str] = field(default_factory=dict)  # name -> outcome

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RegistrationOptions:
    prefect_file: Path
    project_dir: Path
    api_timeout_s: float = 120.0
    migrate: bool = True
    bi_role: str | None = None
    late_after: timedelta = DEFAULT_LATE_AFTER


def migrate_warehouse(settings: Settings, bi_role: str | None) -> str:
    # Imported here: alembic and the schema module are only needed for this step.
    from etl.warehouse.migrate import upgrade  # noqa: PLC0415

    revision = upgrade(settings.require_warehouse_url(), bi_role=bi_role)
    logger.info("event=warehouse_migrated revision=%s bi_role=%s", revision, bi_role)
    return revision


async def _register(settings: Settings, options: RegistrationOptions) -> RegistrationReport:
    report = RegistrationReport()
    specs = load_deployment_specs(options.prefect_file)
    scheduled = scheduled_spec(specs, settings.schedule)

    async with get_client() as client:
        await wait_for_api(client, timeout_s=options.api_timeout_s)

        if options.migrate:
            report.warehouse_revision = await asyncio.to_thread(
                migrate_warehouse, settings, options.bi_role
            )

        for pool in sorted({s.work_pool for s in specs}):
            report.work_pools[pool] = await ensure_work_pool(client, pool)
        for spec in specs:
            key = f"{spec.work_pool}/{spec.work_queue}"
            report.work_queues[key] = await ensure_work_queue(
                client, spec.work_pool, spec.work_queue
            )

        await asyncio.to_thread(run_prefect_deploy, options.prefect_file, options.project_dir)
        for spec in specs:
            report.deployments[spec.full_name] = str(await deployment_id(client, spec.full_name))

        blocks = await ensure_notification_blocks(client, settings)
        report.blocks = {b.name: str(b.id) for b in blocks}

        scheduled_id = await deployment_id(client, scheduled.full_name)
        for automation in build_automations(
            scheduled_id,
            scheduled.name,
            blocks,
            late_after=options.late_after,
            heartbeat_seconds=flow_heartbeat_seconds(),
        ):
            report.automations[automation.name] = await ensure_automation(client, automation)
        for name in await delete_retired_automations(client, scheduled.name):
            report.automations[name] = "deleted"
    return report


def register_all(settings: Settings, options: RegistrationOptions) -> RegistrationReport:
    """Register everything; raise on the first failure (the job exits non-zero)."""
    return asyncio.run(_register(settings, options))
