"""Register the deployments of deploy/prefect.yaml with Prefect's own `prefect deploy`.

Run as a subprocess so that the deployment is exactly what the documented CLI makes of
the file (pull steps, schedules, concurrency options, parameter schema); `prefect deploy`
updates an existing deployment of the same flow and name in place.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path
from uuid import UUID

from prefect.client.orchestration import PrefectClient

from etl.deploy.errors import RegistrationError

logger = logging.getLogger(__name__)

DEPLOY_TIMEOUT_S = 600.0
_TAIL_LINES = 40


def deploy_command(prefect_file: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "prefect",
        "--no-prompt",
        "deploy",
        "--all",
        "--prefect-file",
        str(prefect_file),
    ]


def run_prefect_deploy(
    prefect_file: Path, project_dir: Path, timeout_s: float = DEPLOY_TIMEOUT_S
) -> None:
    """`prefect --no-prompt deploy --all --prefect-file FILE`, from `project_dir`.

    Entrypoints in the file are relative to `project_dir`. Output is passed through to
    our log; a non-zero exit raises RegistrationError with its last lines.
    """
    command = deploy_command(prefect_file)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    logger.info("event=deploy_started cwd=%s command=%s", project_dir, " ".join(command[1:]))
    try:
        done = subprocess.run(
            command,
            cwd=project_dir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise RegistrationError(f"prefect deploy did not finish within {timeout_s:.0f}s") from exc
    for line in done.stdout.splitlines():
        if line.strip():
            logger.info("prefect_deploy: %s", line.rstrip())
    if done.returncode != 0:
        tail = "\n".join(done.stdout.splitlines()[-_TAIL_LINES:])
        raise RegistrationError(f"prefect deploy exited {done.returncode}:\n{tail}")


async def deployment_id(client: PrefectClient, full_name: str) -> UUID:
    deployment = await client.read_deployment_by_name(full_name)
    return deployment.id
