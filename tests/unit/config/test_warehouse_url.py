"""The warehouse URL: built from its parts with URL.create, or taken whole from
ABI_WAREHOUSE_URL; a password holding URL characters reaches PostgreSQL unchanged."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import URL, make_url

from etl.config.settings import load_settings, masked_dump
from etl.errors import ConfigError
from etl.quality.gx_context import new_context
from etl.quality.warehouse_suites import staging_datasource

# Every character that means something in a URL, a %xx escape that a careless decoder
# would turn into "J", and the .env comment and interpolation characters.
NASTY_PASSWORD = "p@ss/w:rd%4a#x y$z?q&r=s"


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("ABI_WAREHOUSE_URL", "ABI_WAREHOUSE_PASSWORD", "ABI_DATABASE__HOST"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "pipeline.yaml"
    path.write_text("{}\n", encoding="utf-8")
    return path


def test_url_is_built_from_parts_and_keeps_the_password_verbatim(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ABI_DATABASE__HOST", "warehouse-db")
    monkeypatch.setenv("ABI_DATABASE__PORT", "6543")
    monkeypatch.setenv("ABI_DATABASE__NAME", "abi_warehouse")
    monkeypatch.setenv("ABI_DATABASE__USER", "abi_etl")
    monkeypatch.setenv("ABI_WAREHOUSE_PASSWORD", NASTY_PASSWORD)
    url = make_url(load_settings(config).require_warehouse_url())
    assert url.drivername == "postgresql+psycopg2"
    assert (url.username, url.password) == ("abi_etl", NASTY_PASSWORD)
    assert (url.host, url.port, url.database) == ("warehouse-db", 6543, "abi_warehouse")
    assert url.query["application_name"] == "abi-etl"


def test_a_full_url_wins_over_the_parts(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ABI_WAREHOUSE_URL", "postgresql://etl:s3cret@db:5433/abi")
    monkeypatch.setenv("ABI_DATABASE__HOST", "elsewhere")
    monkeypatch.setenv("ABI_WAREHOUSE_PASSWORD", "other")
    url = make_url(load_settings(config).require_warehouse_url())
    assert (url.host, url.port, url.password) == ("db", 5433, "s3cret")


def test_a_full_url_without_password_takes_the_password_secret(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ABI_WAREHOUSE_URL", "postgresql://etl@db/abi")
    monkeypatch.setenv("ABI_WAREHOUSE_PASSWORD", NASTY_PASSWORD)
    url = make_url(load_settings(config).require_warehouse_url())
    assert (url.username, url.password, url.host) == ("etl", NASTY_PASSWORD, "db")


def test_neither_url_nor_host_names_what_to_set(config: Path) -> None:
    with pytest.raises(ConfigError, match=r"key=ABI_WAREHOUSE_URL .*ABI_DATABASE__HOST"):
        load_settings(config).require_warehouse_url()


def test_the_password_is_a_secret(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ABI_WAREHOUSE_PASSWORD", NASTY_PASSWORD)
    dumped = masked_dump(load_settings(config))
    assert dumped["warehouse_password"] == "********"
    assert NASTY_PASSWORD not in repr(dumped)
    yaml_path = config.parent / "secret.yaml"
    yaml_path.write_text("warehouse_password: x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"key=warehouse_password .*environment"):
        load_settings(yaml_path)


@pytest.fixture
def nasty_role(pg_server: URL, pg_url: str) -> Iterator[str]:
    """A login role of the test server whose password holds every URL character."""
    role = f"abi_it_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_server, poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
    database = make_url(pg_url).database
    with admin.connect() as conn:
        password = conn.execute(text("SELECT quote_literal(:p)"), {"p": NASTY_PASSWORD}).scalar()
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN PASSWORD {password}'))
        conn.execute(text(f'GRANT CONNECT ON DATABASE "{database}" TO "{role}"'))
    try:
        yield role
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'REVOKE ALL ON DATABASE "{database}" FROM "{role}"'))
            conn.execute(text(f'DROP ROLE "{role}"'))
        admin.dispose()


def test_a_nasty_password_connects(
    config: Path, monkeypatch: pytest.MonkeyPatch, pg_url: str, nasty_role: str
) -> None:
    server = make_url(pg_url)
    monkeypatch.setenv("ABI_DATABASE__HOST", server.host or "127.0.0.1")
    monkeypatch.setenv("ABI_DATABASE__PORT", str(server.port or 5432))
    monkeypatch.setenv("ABI_DATABASE__NAME", server.database or "")
    monkeypatch.setenv("ABI_DATABASE__USER", nasty_role)
    monkeypatch.setenv("ABI_WAREHOUSE_PASSWORD", NASTY_PASSWORD)
    engine = create_engine(load_settings(config).require_warehouse_url(), poolclass=pool.NullPool)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT current_user")).scalar() == nasty_role


def test_the_url_text_escapes_the_whole_password(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Great Expectations refuses a connection string with a space in its password."""
    monkeypatch.setenv("ABI_DATABASE__HOST", "db")
    monkeypatch.setenv("ABI_DATABASE__USER", "etl")
    monkeypatch.setenv("ABI_WAREHOUSE_PASSWORD", NASTY_PASSWORD)
    rendered = load_settings(config).require_warehouse_url()
    assert "y%24z" in rendered and " " not in rendered
    assert make_url(rendered).password == NASTY_PASSWORD


def test_great_expectations_connects_with_a_nasty_password(
    config: Path, monkeypatch: pytest.MonkeyPatch, pg_url: str, nasty_role: str, tmp_path: Path
) -> None:
    server = make_url(pg_url)
    monkeypatch.setenv("ABI_DATABASE__HOST", server.host or "127.0.0.1")
    monkeypatch.setenv("ABI_DATABASE__PORT", str(server.port or 5432))
    monkeypatch.setenv("ABI_DATABASE__NAME", server.database or "")
    monkeypatch.setenv("ABI_DATABASE__USER", nasty_role)
    monkeypatch.setenv("ABI_WAREHOUSE_PASSWORD", NASTY_PASSWORD)
    url = load_settings(config).require_warehouse_url()
    context = new_context(tmp_path / "site")
    with staging_datasource(context, url) as source, source.get_engine().connect() as conn:
        assert conn.execute(text("SELECT current_user")).scalar() == nasty_role
