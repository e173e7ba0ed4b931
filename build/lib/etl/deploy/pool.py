"""The work pool (type `process`) and its queue, created or updated by name."""

from __future__ import annotations

import logging
from typing import Literal

from prefect.client.orchestration import PrefectClient
from prefect.client.schemas.actions import WorkPoolCreate, WorkPoolUpdate
from prefect.exceptions import ObjectNotFound
from prefect.workers.process import ProcessWorker

logger = logging.getLogger(__name__)

POOL_TYPE = "process"
POOL_DESCRIPTION = "abi-etl workers (docker-compose service `worker`): flow runs as processes."
QUEUE_DESCRIPTION = "The nightly abi-etl deployment (daily-etl)."

Outcome = Literal["created", "updated", "unchanged"]


async def ensure_work_pool(client: PrefectClient, name: str) -> Outcome:
    """Create the pool, or bring its description and job template up to date.

    An operator's pause (is_paused) and concurrency limit are left as they are.
    """
    template = ProcessWorker.get_default_base_job_template()
    try:
        pool = await client.read_work_pool(name)
    except ObjectNotFound:
        await client.create_work_pool(
            WorkPoolCreate(
                name=name,
                type=POOL_TYPE,
                description=POOL_DESCRIPTION,
                base_job_template=template,
            )
        )
        logger.info("event=work_pool_created pool=%s type=%s", name, POOL_TYPE)
        return "created"
    if pool.type != POOL_TYPE:
        raise ValueError(
            f"work pool {name!r} exists with type {pool.type!r}, not {POOL_TYPE!r}: "
            "delete it (prefect work-pool delete) or choose another schedule.work_pool"
        )
    if pool.description == POOL_DESCRIPTION and pool.base_job_template == template:
        logger.info("event=work_pool_unchanged pool=%s", name)
        return "unchanged"
    await client.update_work_pool(
        name, WorkPoolUpdate(description=POOL_DESCRIPTION, base_job_template=template)
    )
    logger.info("event=work_pool_updated pool=%s", name)
    return "updated"


async def ensure_work_queue(client: PrefectClient, pool: str, name: str) -> Outcome:
    """Create the queue in `pool` (a deployment would create it too, undescribed)."""
    try:
        queue = await client.read_work_queue_by_name(name, work_pool_name=pool)
    except ObjectNotFound:
        await client.create_work_queue(
            name=name, description=QUEUE_DESCRIPTION, work_pool_name=pool
        )
        logger.info("event=work_queue_created pool=%s queue=%s", pool, name)
        return "created"
    if queue.description == QUEUE_DESCRIPTION:
        return "unchanged"
    await client.update_work_queue(queue.id, description=QUEUE_DESCRIPTION)
    logger.info("event=work_queue_updated pool=%s queue=%s", pool, name)
    return "updated"
