"""The PostgreSQL server the tests run against, and a fresh database per test on it.

ABI_TEST_DATABASE_URL names a server when it is set (CI, or a developer's own server).
Otherwise, where PostgreSQL's server binaries are installed, `throwaway_server` starts a
cluster of its own for the session with pytest-postgresql's PostgreSQLExecutor (initdb,
then pg_ctl start, trust authentication on 127.0.0.1 and a random free port) in a
temporary folder, and stops and deletes it at the end.

initdb and pg_ctl refuse to run as root, and the test process cannot drop its own
privileges, so as root the executor is handed a two-line pg_ctl that re-runs the real one
as the `postgres` system user (`runuser -u postgres`, util-linux), and the cluster's folder
belongs to that user. The Debian package that installs the server creates that user.
"""

from __future__ import annotations

import logging
import os
import pwd
import shlex
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from port_for import get_port
from pytest_postgresql.executors import PostgreSQLExecutor
from pytest_postgresql.janitor import DatabaseJanitor
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import URL

logger = logging.getLogger(__name__)

# Debian and Ubuntu keep the server binaries off PATH, one folder per major version.
DEBIAN_PG_BINARIES = Path("/usr/lib/postgresql")
CLUSTER_USER = "postgres"


def query_rows(url: str, sql: str, **params: object) -> list[tuple]:
    """Rows of one statement on a connection of its own (closed before returning)."""
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql), params)]
    finally:
        engine.dispose()


def find_pg_ctl() -> str | None:
    """pg_ctl from PATH, else the newest major version under /usr/lib/postgresql."""
    found = shutil.which("pg_ctl")
    if found:
        return found
    versions = [p for p in DEBIAN_PG_BINARIES.glob("*/bin/pg_ctl") if p.parts[-3].isdigit()]
    return str(max(versions, key=lambda p: int(p.parts[-3]))) if versions else None


def cannot_start_reason() -> str | None:
    """Why this process could not start a throwaway cluster, or None when it can."""
    if find_pg_ctl() is None:
        return "no pg_ctl on PATH or under /usr/lib/postgresql/*/bin (install postgresql-15)"
    if os.geteuid() != 0:
        return None
    if shutil.which("runuser") is None:
        return "running as root and runuser (util-linux) is missing"
    try:
        pwd.getpwnam(CLUSTER_USER)
    except KeyError:
        return f"running as root and there is no {CLUSTER_USER!r} user to run initdb as"
    return None


def _as_cluster_user(pg_ctl: str, bin_dir: Path, cluster_dir: Path) -> str:
    """A pg_ctl that runs the real one as the postgres user, who owns `cluster_dir`."""
    account = pwd.getpwnam(CLUSTER_USER)
    os.chown(cluster_dir, account.pw_uid, account.pw_gid)
    wrapper = bin_dir / "pg_ctl"
    wrapper.write_text(
        f'#!/bin/sh\nexec runuser -u {CLUSTER_USER} -- {shlex.quote(pg_ctl)} "$@"\n',
        encoding="utf-8",
    )
    wrapper.chmod(0o755)
    return str(wrapper)


@contextmanager
def throwaway_server(pg_ctl: str) -> Iterator[URL]:
    """A new PostgreSQL cluster for as long as the block runs; its superuser's URL."""
    with ExitStack() as stack:
        # Two folders: the wrapper stays root's while the cluster's belongs to postgres.
        bin_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="abi-pg-bin-")))
        cluster_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="abi-pg-")))
        executable = pg_ctl
        if os.geteuid() == 0:
            executable = _as_cluster_user(pg_ctl, bin_dir, cluster_dir)
        port = get_port(None)
        executor = PostgreSQLExecutor(
            executable=executable,
            host="127.0.0.1",
            port=port,
            datadir=str(cluster_dir / "data"),
            unixsocketdir=str(cluster_dir),
            logfile=str(cluster_dir / "postgresql.log"),
            startparams="-w",
            dbname="postgres",
            user=CLUSTER_USER,
        )
        executor.start()
        stack.callback(executor.stop)
        logger.info(
            "event=throwaway_postgres_started port=%d version=%s dir=%s",
            port,
            executor.version,
            cluster_dir,
        )
        yield URL.create(
            "postgresql+psycopg2",
            username=CLUSTER_USER,
            host="127.0.0.1",
            port=port,
            database="postgres",
        )


@contextmanager
def fresh_database(server: URL) -> Iterator[str]:
    """URL of a new, empty database on `server`, dropped after (connections ended first)."""
    name = f"abi_test_{uuid.uuid4().hex[:8]}"
    janitor = DatabaseJanitor(
        user=server.username or CLUSTER_USER,
        password=server.password,
        host=server.host or "127.0.0.1",
        port=server.port or 5432,
        dbname=name,
        maintenance_dbname=server.database or "postgres",
    )
    with janitor:
        yield server.set(database=name).render_as_string(hide_password=False)
