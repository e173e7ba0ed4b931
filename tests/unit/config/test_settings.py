from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from etl.config.settings import load_settings, masked_dump
from etl.errors import ConfigError

REPO_CONFIG = Path(__file__).resolve().parents[3] / "config" / "pipeline.yaml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pipeline.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_repo_config_gives_the_guides_defaults() -> None:
    settings = load_settings(REPO_CONFIG)
    stages = settings.stages
    assert (stages.extraction.retries, stages.extraction.retry_delay_seconds) == (3, 30)
    assert stages.extraction.timeout_seconds == 3600
    assert (stages.transformation.retries, stages.transformation.timeout_seconds) == (2, 7200)
    assert (stages.load.retries, stages.load.retry_delay_seconds) == (3, 45)
    assert (stages.validation.retries, stages.validation.timeout_seconds) == (2, 900)
    assert settings.schedule.cron == "0 2 * * *"
    assert settings.schedule.work_pool == "abi-etl-pool"
    assert settings.schedule.tags == ("etl", "abi", "production")
    assert settings.validation.max_null_ratio == 0.05
    assert settings.sources.pubmed_articles.file == "pubmed_articles_2015_2025_mergeds.xlsx"
    assert settings.sources.biotech_companies.format == "csv"


def test_environment_overrides_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "validation:\n  max_null_ratio: 0.2\npaths:\n  raw_dir: a\n")
    monkeypatch.setenv("ABI_VALIDATION__MAX_NULL_RATIO", "0.3")
    monkeypatch.setenv("ABI_RAW_DIR", "/data/in")
    settings = load_settings(path)
    assert settings.validation.max_null_ratio == 0.3
    assert settings.paths.raw_dir == Path("/data/in")


def test_an_empty_variable_leaves_the_yaml_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Compose passes a .env line `ABI_DATABASE__LOCK_TIMEOUT_SECONDS=` as ""."""
    path = write(tmp_path, "database:\n  lock_timeout_seconds: 42\n")
    monkeypatch.setenv("ABI_DATABASE__LOCK_TIMEOUT_SECONDS", "")
    assert load_settings(path).database.lock_timeout_seconds == 42
    monkeypatch.setenv("ABI_DATABASE__LOCK_TIMEOUT_SECONDS", "7.5")
    assert load_settings(path).database.lock_timeout_seconds == 7.5
    assert "lock_timeout=7500" in load_settings(path).database.connection_parameters()["options"]


def test_unknown_key_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "validation:\n  max_nul_ratio: 0.2\n")
    with pytest.raises(ConfigError, match=r"key=validation.max_nul_ratio problem=unknown key"):
        load_settings(path)


def test_wrong_type_is_named(tmp_path: Path) -> None:
    path = write(
        tmp_path, "stages:\n  load: {retries: many, retry_delay_seconds: 1, timeout_seconds: 5}\n"
    )
    with pytest.raises(ConfigError, match=r"key=stages.load.retries problem=Input should be"):
        load_settings(path)


def test_missing_required_value_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "stages:\n  load: {retries: 1, timeout_seconds: 5}\n")
    with pytest.raises(ConfigError, match=r"key=stages.load.retry_delay_seconds problem=Field"):
        load_settings(path)


def test_secret_in_yaml_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "warehouse_url: postgresql://u:p@h/db\n")
    with pytest.raises(ConfigError, match=r"key=warehouse_url .*environment"):
        load_settings(path)


def test_unsupported_source_extension(tmp_path: Path) -> None:
    path = write(tmp_path, "sources:\n  trl_predictions: {file: trl.json}\n")
    with pytest.raises(ConfigError, match=r"key=sources.trl_predictions"):
        load_settings(path)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope.yaml problem=configuration file not found"):
        load_settings(tmp_path / "nope.yaml")


def test_secrets_come_from_environment_and_are_masked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ABI_WAREHOUSE_URL", "postgresql://etl:s3cret@db/abi")
    settings = load_settings(write(tmp_path, "{}\n"))
    assert settings.require_warehouse_url().startswith("postgresql://etl:s3cret@db/abi?")
    dumped = masked_dump(settings)
    assert dumped["warehouse_url"] == "********"
    assert "s3cret" not in repr(dumped)


def test_the_url_carries_the_connection_settings_and_keeps_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ABI_WAREHOUSE_URL", "postgresql://etl:p%40ss@db/abi?connect_timeout=3")
    monkeypatch.setenv("ABI_DATABASE__LOCK_TIMEOUT_SECONDS", "7.5")
    url = make_url(load_settings(write(tmp_path, "{}\n")).require_warehouse_url())
    assert url.password == "p@ss"
    assert url.query["connect_timeout"] == "3"  # the URL's own value wins
    assert url.query["application_name"] == "abi-etl"
    assert url.query["keepalives"] == "1"
    assert url.query["options"] == "-c statement_timeout=1800000 -c lock_timeout=7500"


def test_missing_warehouse_url_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ABI_WAREHOUSE_URL", raising=False)
    with pytest.raises(ConfigError, match="ABI_WAREHOUSE_URL"):
        load_settings(write(tmp_path, "{}\n")).require_warehouse_url()


def test_cli_raw_dir_wins_over_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ABI_PATHS__RAW_DIR", "/env/nested")
    path = write(tmp_path, "{}\n")
    assert load_settings(path).paths.raw_dir == Path("/env/nested")
    monkeypatch.setenv("ABI_RAW_DIR", "/env/short")
    assert load_settings(path).paths.raw_dir == Path("/env/short")
    assert load_settings(path, raw_dir="/cli").paths.raw_dir == Path("/cli")
