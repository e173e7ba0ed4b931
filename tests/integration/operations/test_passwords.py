"""Passwords holding @ / : % # $ work everywhere.

`make stack-env` generates every password of the stack with those characters, so each
`make up`, CI's included, runs the whole integration suite on such passwords; these tests
check that the generated ones hold them, that Compose hands them over verbatim, and that
each component the stack connects with them (URL.create on the host, the settings'
URL inside the image, psql in the container, Prefect's basic auth) gets in.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.integration.deploy.make_targets import run_make
from tests.integration.helpers import REPO_ROOT, STACK_SECRETS, Stack, compose, read_env_file

pytestmark = pytest.mark.integration

URL_CHARACTERS = "@/:%#$"


def _missing(value: str) -> str:
    return "".join(c for c in URL_CHARACTERS if c not in value)


@pytest.fixture(scope="module")
def generated_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("stack-env") / ".env"
    done = run_make("stack-env", env={"STACK_ENV": str(path)}, timeout=60)
    assert done.returncode == 0, done.describe()
    return path


def test_generated_passwords_hold_url_characters(generated_env: Path) -> None:
    lines = dict(
        line.split("=", 1) for line in generated_env.read_text().splitlines() if "=" in line
    )
    for name in STACK_SECRETS:
        raw = lines[name]
        # Single-quoted: Compose takes the value verbatim (no $ interpolation, no comment).
        assert raw.startswith("'") and raw.endswith("'"), f"{name}={raw}"
        assert not _missing(raw), f"{name} lacks {_missing(raw)!r}: {raw}"
    assert generated_env.stat().st_mode & 0o077 == 0, "the .env is readable by others"


def test_compose_hands_the_passwords_over_verbatim(generated_env: Path) -> None:
    values = read_env_file(generated_env)
    done = compose("--env-file", str(generated_env), "config", "--format", "json", timeout=60)
    services = json.loads(done.stdout)["services"]
    # `config` prints a Compose file, where a literal $ is written $$.
    env = {
        name: {k: v.replace("$$", "$") for k, v in service.get("environment", {}).items()}
        for name, service in services.items()
    }
    assert env["prefect-db"]["POSTGRES_PASSWORD"] == values["PREFECT_DB_PASSWORD"]
    assert (
        env["prefect-server"]["PREFECT_SERVER_DATABASE_PASSWORD"] == (values["PREFECT_DB_PASSWORD"])
    )
    assert env["warehouse-db"]["POSTGRES_PASSWORD"] == values["WAREHOUSE_ADMIN_PASSWORD"]
    assert env["warehouse-db"]["ABI_WAREHOUSE_ETL_PASSWORD"] == values["ABI_WAREHOUSE_ETL_PASSWORD"]
    assert env["warehouse-db"]["ABI_WAREHOUSE_BI_PASSWORD"] == values["ABI_WAREHOUSE_BI_PASSWORD"]
    for service in ("register", "worker"):
        assert env[service]["ABI_WAREHOUSE_PASSWORD"] == values["ABI_WAREHOUSE_ETL_PASSWORD"]
        assert env[service]["PREFECT_API_AUTH_STRING"] == f"admin:{values['PREFECT_AUTH_PASSWORD']}"
    assert "CONNECTION_URL" not in json.dumps(env), "a database URL is spliced again"


def test_the_running_stack_uses_such_passwords(stack: Stack) -> None:
    weak = {name: _missing(stack.get(name)) for name in STACK_SECRETS if _missing(stack.get(name))}
    assert not weak, (
        f"the stack's passwords lack URL characters {weak}: an .env from before "
        "`make stack-env` generated them; `make clean`, delete .env, `make up`"
    )


@pytest.mark.parametrize(
    ("service", "variable", "secret"),
    [
        ("worker", "ABI_WAREHOUSE_PASSWORD", "ABI_WAREHOUSE_ETL_PASSWORD"),
        ("prefect-server", "PREFECT_SERVER_DATABASE_PASSWORD", "PREFECT_DB_PASSWORD"),
        ("warehouse-db", "POSTGRES_PASSWORD", "WAREHOUSE_ADMIN_PASSWORD"),
    ],
)
def test_containers_receive_the_passwords_verbatim(
    stack: Stack, service: str, variable: str, secret: str
) -> None:
    done = compose("exec", "-T", service, "sh", "-c", f'printf %s "${variable}"', timeout=60)
    assert done.stdout == stack.get(secret)


@pytest.mark.parametrize("role", ["etl", "bi"])
def test_roles_log_in_through_url_create(
    role: str, etl_engine: Engine, bi_engine: Engine, stack: Stack
) -> None:
    engine = {"etl": etl_engine, "bi": bi_engine}[role]
    with engine.connect() as conn:
        user = conn.execute(text("SELECT current_user")).scalar()
    assert user == stack.warehouse_url(role).username


def test_the_settings_url_connects_inside_the_image(stack: Stack) -> None:
    done = compose(
        "run", "--rm", "--no-deps", "-T", "register", "abi-etl", "db", "upgrade",
        timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_make_psql_logs_in_as_the_bi_role(stack: Stack) -> None:
    done = subprocess.run(
        ["make", "--no-print-directory", "-s", "psql"],
        cwd=REPO_ROOT,
        input="SELECT 'user=' || current_user;\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"user={stack.get('ABI_WAREHOUSE_BI_USER', 'abi_bi')}" in done.stdout


def test_prefect_basic_auth_takes_the_password(stack: Stack) -> None:
    response = httpx.post(f"{stack.api_url}/flows/filter", json={}, auth=stack.auth, timeout=10)
    assert response.status_code == 200
