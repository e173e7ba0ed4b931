"""`make backup` dumps the running warehouse; `make restore FILE=...` loads a dump into a
fresh stack's warehouse with equal table checksums and working BI grants, refuses a
missing or foreign file, and never leaves a warehouse half restored.

The fresh stack is a second Compose project (`<project>-restore`) running only
warehouse-db from the same docker-compose.yml and .env, on a free port: its init
scripts create the roles, the database and the schemas, as on a new machine.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import DBAPIError

from etl.warehouse.checksum import TableChecksum, checksums, table_checksum
from tests.integration.deploy.make_targets import MakeResult, run_make
from tests.integration.helpers import Stack, compose

pytestmark = pytest.mark.integration

# The run log travels with the published tables: the next run's volume guard reads it.
RUN_LOG_TABLES = ("etl_run", "etl_rejected_row")


def _snapshot(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        published = checksums(conn)
        with conn.begin():
            run_log = {name: table_checksum(conn, name) for name in RUN_LOG_TABLES}
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return {"tables": {**published, **run_log}, "alembic_revision": revision}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Backup:
    file: Path
    made: MakeResult
    source: dict[str, Any]


@pytest.fixture(scope="module")
def backup(
    completed_run: dict[str, Any], etl_engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> Backup:
    folder = tmp_path_factory.mktemp("backups")
    made = run_make("backup", env={"BACKUP_DIR": str(folder)}, timeout=600)
    assert made.returncode == 0, made.describe()
    source = _snapshot(etl_engine)  # no run starts between the dump and this read
    [file] = folder.glob("*.dump")
    return Backup(file, made, source)


@dataclass(frozen=True)
class FreshStack:
    compose_command: str
    url: URL
    bi_url: URL

    def restore(self, file: Path | str | None) -> MakeResult:
        env = {"COMPOSE": self.compose_command, "FORCE": "1"}
        if file is not None:
            env["FILE"] = str(file)
        return run_make("restore", env=env, timeout=600)

    def snapshot(self) -> dict[str, Any]:
        engine = create_engine(self.url, poolclass=pool.NullPool)
        try:
            return _snapshot(engine)
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def fresh_stack(stack: Stack) -> Iterator[FreshStack]:
    project = f"{stack.project}-restore"
    port = _free_port()
    env = {"WAREHOUSE_PORT": str(port)}
    compose("-p", project, "down", "--volumes", timeout=120, check=False)
    started = compose(
        "-p", project, "up", "-d", "--no-build", "--wait", "warehouse-db",
        timeout=300, check=False, env=env,
    )  # fmt: skip
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        yield FreshStack(
            compose_command=f"docker compose -p {project}",
            url=stack.warehouse_url("etl").set(port=port),
            bi_url=stack.warehouse_url("bi").set(port=port),
        )
    finally:
        compose("-p", project, "down", "--volumes", timeout=120, check=False, env=env)


@pytest.fixture(scope="module")
def restored(backup: Backup, fresh_stack: FreshStack) -> FreshStack:
    done = fresh_stack.restore(backup.file)
    assert done.returncode == 0, done.describe()
    assert f"restored {backup.file}" in done.stdout
    return fresh_stack


def test_backup_writes_a_pg_dump_archive(backup: Backup) -> None:
    assert re.fullmatch(r"abi_warehouse-\d{8}T\d{6}Z\.dump", backup.file.name)
    assert backup.file.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    assert backup.file.stat().st_mode & 0o077 == 0, "the dump is readable by others"
    assert not list(backup.file.parent.glob("*.partial"))
    assert f"backup written to {backup.file}" in backup.made.stdout


def test_restore_into_a_fresh_stack_gives_equal_checksums(
    backup: Backup, restored: FreshStack
) -> None:
    tables: dict[str, TableChecksum] = backup.source["tables"]
    assert tables["dim_publication"].rows > 0, "nothing published to back up"
    assert tables["etl_run"].rows > 0
    assert restored.snapshot() == backup.source


def test_the_bi_role_reads_the_restored_warehouse_and_writes_nothing(
    backup: Backup, restored: FreshStack
) -> None:
    engine = create_engine(restored.bi_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT count(*) FROM warehouse.dim_publication")).scalar()
            assert rows == backup.source["tables"]["dim_publication"].rows
            conn.execute(text("SELECT count(*) FROM analytics.trl_heatmap")).scalar()
            with pytest.raises(DBAPIError, match="permission denied"):
                conn.execute(text("DELETE FROM warehouse.dim_publication"))
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (None, "FILE is required"),
        ("/nonexistent/abi_warehouse.dump", "cannot read FILE=/nonexistent/abi_warehouse.dump"),
        ("NOT_AN_ARCHIVE", "is not a pg_dump archive"),
    ],
)
def test_restore_refuses_a_missing_or_foreign_file(
    restored: FreshStack, backup: Backup, tmp_path: Path, file: str | None, message: str
) -> None:
    if file == "NOT_AN_ARCHIVE":
        file = str(tmp_path / "notes.dump")
        Path(file).write_text("SELECT 'not a dump';\n")
    done = restored.restore(file)
    assert done.returncode != 0, done.describe()
    assert message in done.stderr
    assert restored.snapshot() == backup.source


def test_a_cut_dump_leaves_the_warehouse_as_it_was(
    restored: FreshStack, backup: Backup, tmp_path: Path
) -> None:
    """Its table of contents reads, its data ends early: pg_restore fails halfway, after
    --clean dropped the tables, and the one transaction puts everything back."""
    data = backup.file.read_bytes()
    cut = tmp_path / "cut.dump"
    cut.write_bytes(data[: len(data) * 2 // 3])
    done = restored.restore(cut)
    assert done.returncode != 0, done.describe()
    assert "the warehouse is unchanged" in done.stderr
    assert restored.snapshot() == backup.source
