"""The one typed settings object: YAML for settings, environment for secrets.

Precedence, highest first: environment (`ABI_` prefix, `__` between nested keys,
plus the `ABI_RAW_DIR` shortcut), then the YAML file `locate_config` finds (--config,
ABI_CONFIG, the project's config/pipeline.yaml), then the defaults below, which
config/pipeline.yaml repeats (a test keeps the two equal).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from sqlalchemy.engine import URL, make_url

from etl.config.locate import ConfigSource, locate_config
from etl.errors import ConfigError

SOURCE_NAMES = ("trl_predictions", "pubmed_articles", "biotech_companies")
SUPPORTED_FORMATS = ("xlsx", "csv", "parquet")
# Secrets may only come from the environment; a YAML file naming one is refused.
# Stands for the password while the URL is rendered, then gives way to its escaped text.
_PASSWORD_SLOT = "abietlpasswordslot"
SECRET_KEYS = ("warehouse_url", "warehouse_password", "smtp_password", "webhook_token")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PathsSettings(_Section):
    raw_dir: Path = Path("data/raw")
    staging_dir: Path = Path("var/staging")
    archive_dir: Path = Path("var/archive")
    data_docs_dir: Path = Path("var/data_docs")
    archive_keep_runs: int = Field(default=7, ge=0)


class SourceSettings(_Section):
    file: str

    @property
    def format(self) -> str:
        return Path(self.file).suffix.lstrip(".").lower()

    @model_validator(mode="after")
    def _known_format(self) -> SourceSettings:
        if self.format not in SUPPORTED_FORMATS:
            raise ValueError(f"extension of {self.file!r} must be one of {SUPPORTED_FORMATS}")
        return self


class SourcesSettings(_Section):
    trl_predictions: SourceSettings = SourceSettings(file="realistic_trl_predictions.xlsx")
    pubmed_articles: SourceSettings = SourceSettings(file="pubmed_articles_2015_2025_mergeds.xlsx")
    biotech_companies: SourceSettings = SourceSettings(
        file="abi_targeted_biotech_dataset_2019_2025.csv"
    )

    def get(self, name: str) -> SourceSettings:
        return getattr(self, name)


class ValidationSettings(_Section):
    max_null_ratio: float = Field(default=0.05, ge=0, le=1)
    max_duplicate_ratio: float = Field(default=0.01, ge=0, le=1)
    max_rejected_ratio: float = Field(default=0.10, ge=0, le=1)
    # Largest drop in rows, per source and per fact table, against the last completed run.
    max_shrink_ratio: float = Field(default=0.2, ge=0, le=1)
    # Years run from these minimums to the year of the run (etl.config.year_ranges); the
    # floors keep them inside the warehouse's CHECK constraints (1900 and 1990).
    min_year: int = Field(default=2015, ge=1900)
    min_fiscal_year: int = Field(default=2015, ge=1990)
    # How far past the run's year a TRL forecast may reach.
    forecast_years_ahead: int = Field(default=15, ge=0, le=50)
    balance_sheet_tolerance: float = Field(default=0.02, ge=0)


class StageSettings(_Section):
    retries: int = Field(ge=0)
    retry_delay_seconds: float = Field(ge=0)
    retry_jitter_factor: float = Field(default=0.2, ge=0)
    timeout_seconds: float = Field(gt=0)


class StagesSettings(_Section):
    extraction: StageSettings = StageSettings(
        retries=3, retry_delay_seconds=30, timeout_seconds=3600
    )
    transformation: StageSettings = StageSettings(
        retries=2, retry_delay_seconds=60, timeout_seconds=7200
    )
    load: StageSettings = StageSettings(retries=3, retry_delay_seconds=45, timeout_seconds=1800)
    validation: StageSettings = StageSettings(
        retries=2, retry_delay_seconds=30, timeout_seconds=900
    )


class ScheduleSettings(_Section):
    cron: str = "0 2 * * *"
    timezone: str = "UTC"
    deployment_name: str = "daily-etl"
    work_pool: str = "abi-etl-pool"
    work_queue: str = "abi-etl-queue"
    tags: tuple[str, ...] = ("etl", "abi", "production")


class NotificationSettings(_Section):
    on_failure: bool = True
    on_success: bool = True
    on_retry: bool = True
    webhook_url: str | None = None
    email_recipients: tuple[str, ...] = ()
    email_sender: str = "abi-etl@localhost"
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, gt=0, lt=65536)
    smtp_starttls: bool = False
    smtp_username: str | None = None
    ui_url: str = "http://localhost:4200"


class RetentionSettings(_Section):
    # Every night appends its rejected rows: without a limit the run log grows forever.
    run_log_days: int = Field(default=90, ge=1)


class DatabaseSettings(_Section):
    """Where the warehouse is, and how every connection to it behaves: nothing may block
    a run without bound."""

    # The parts the warehouse URL is built from when ABI_WAREHOUSE_URL is not set; the
    # password is the secret ABI_WAREHOUSE_PASSWORD. Built with URL.create, never by
    # splicing text, so a password holding @ / : % # needs no escaping.
    driver: str = "postgresql+psycopg2"
    host: str | None = None
    port: int = Field(default=5432, gt=0, lt=65536)
    name: str = Field(default="abi_warehouse", min_length=1)
    user: str | None = None
    connect_timeout_seconds: int = Field(default=10, gt=0)
    # One statement: the publish of a million articles takes seconds, a hung one forever.
    statement_timeout_seconds: float = Field(default=1800, gt=0)
    # Waiting for a lock another session holds (a BI query, a manual LOCK TABLE).
    lock_timeout_seconds: float = Field(default=120, gt=0)
    # TCP keepalives: a server that vanished (restarted, unplugged) is noticed within
    # idle + interval * count seconds instead of the kernel's two hours.
    keepalives_idle_seconds: int = Field(default=30, gt=0)
    keepalives_interval_seconds: int = Field(default=10, gt=0)
    keepalives_count: int = Field(default=3, gt=0)
    application_name: str = Field(default="abi-etl", min_length=1, max_length=63)

    def connection_parameters(self) -> dict[str, str]:
        """libpq parameters every warehouse connection carries (URL query, psycopg2)."""
        statement_ms = int(self.statement_timeout_seconds * 1000)
        lock_ms = int(self.lock_timeout_seconds * 1000)
        return {
            "connect_timeout": str(self.connect_timeout_seconds),
            "application_name": self.application_name,
            "keepalives": "1",
            "keepalives_idle": str(self.keepalives_idle_seconds),
            "keepalives_interval": str(self.keepalives_interval_seconds),
            "keepalives_count": str(self.keepalives_count),
            "options": f"-c statement_timeout={statement_ms} -c lock_timeout={lock_ms}",
        }


# Spellings of a TRL-file technology that its token rule does not already join: the
# articles' `CAR-T` (the TRL file says `cart-t`) and the names article titles use for a
# technology. Quantum biology, optogenetics and xenobots (not xenotransplantation) are
# technologies of their own that the TRL file does not forecast: no alias.
DEFAULT_TECHNOLOGY_ALIASES: dict[str, str] = {
    "car-t": "cart-t",
    "cart": "cart-t",
    "car t": "cart-t",
    "car-t cell": "cart-t",
    "car-t cells": "cart-t",
    "crispr-cas9": "crispr",
    "crispr/cas9": "crispr",
    "stem cells": "stemcell",
    "rna interference": "rnai",
    "antibody-drug conjugate": "adc",
    "organoid": "organoids",
    "3d bioprinting": "bioprinting",
    "single-cell sequencing": "singlecellsequencing",
    "bispecific antibody": "bispecificantibodies",
    "exosome": "exosomes",
    "xenotransplant": "xenotransplantation",
    "protac degrader": "protac",
}


class TechnologiesSettings(_Section):
    # Variant spelling -> the TRL file's technology key, so an article's `CAR-T` meets the
    # TRL file's `cart-t`. A name that matches nothing stays an unknown technology.
    aliases: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_TECHNOLOGY_ALIASES))

    @model_validator(mode="after")
    def _no_blank_names(self) -> TechnologiesSettings:
        blank = [f"{k!r}: {v!r}" for k, v in self.aliases.items() if not k.strip() or not v.strip()]
        if blank:
            raise ValueError(f"aliases must name a variant and a technology: {', '.join(blank)}")
        return self


class Settings(BaseSettings):
    """Every setting of a run. Build it with `load_settings`, not directly."""

    model_config = SettingsConfigDict(
        env_prefix="ABI_",
        env_nested_delimiter="__",
        # An empty variable is an unset one: Compose passes `VAR=` from .env as "", and
        # the YAML's value must then apply rather than fail to parse as a number.
        env_ignore_empty=True,
        extra="forbid",
        frozen=True,
    )

    paths: PathsSettings = PathsSettings()
    sources: SourcesSettings = SourcesSettings()
    validation: ValidationSettings = ValidationSettings()
    stages: StagesSettings = StagesSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    notifications: NotificationSettings = NotificationSettings()
    database: DatabaseSettings = DatabaseSettings()
    retention: RetentionSettings = RetentionSettings()

    technologies: TechnologiesSettings = TechnologiesSettings()
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    warehouse_url: SecretStr | None = None
    warehouse_password: SecretStr | None = None
    smtp_password: SecretStr | None = None
    webhook_token: SecretStr | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The YAML arrives as init kwargs; the environment must win over it.
        return env_settings, init_settings

    def warehouse_sqlalchemy_url(self) -> URL:
        """The warehouse URL as the user gave it: ABI_WAREHOUSE_URL when set (a password
        it lacks comes from ABI_WAREHOUSE_PASSWORD), else built from the `database`
        section's host, port, name and user and ABI_WAREHOUSE_PASSWORD."""
        password = self.warehouse_password.get_secret_value() if self.warehouse_password else None
        if self.warehouse_url is not None:
            url = make_url(self.warehouse_url.get_secret_value())
            if url.password is None and password is not None:
                url = url.set(password=password)
            return url
        if self.database.host is None:
            raise ConfigError(
                "key=ABI_WAREHOUSE_URL problem=not set: set ABI_WAREHOUSE_URL (a SQLAlchemy "
                "URL) or ABI_DATABASE__HOST, ABI_DATABASE__USER and ABI_WAREHOUSE_PASSWORD"
            )
        return URL.create(
            self.database.driver,
            username=self.database.user,
            password=password,
            host=self.database.host,
            port=self.database.port,
            database=self.database.name,
        )

    def require_warehouse_url(self) -> str:
        """The warehouse URL with the `database` section's connection parameters added,
        so that every consumer (the load, the run log, Alembic, the GX datasource) gets
        the same timeouts without passing them around. A parameter the URL already names
        is left as the URL says. The text escapes the password, so parsing it back
        (create_engine, make_url) gives the password unchanged."""
        url = self.warehouse_sqlalchemy_url()
        added = {
            key: value
            for key, value in self.database.connection_parameters().items()
            if key not in url.query
        }
        url = url.update_query_dict(added)
        if url.password is None:
            return url.render_as_string(hide_password=False)
        # SQLAlchemy leaves a space in the password as it is, and Great Expectations
        # refuses such a URL ("userinfo required"). Every character but letters, digits
        # and - . _ ~ is %-escaped instead, which make_url turns back verbatim.
        text = url.set(password=_PASSWORD_SLOT).render_as_string(hide_password=False)
        return text.replace(f":{_PASSWORD_SLOT}@", f":{quote(url.password, safe='')}@", 1)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"file={path} problem=configuration file not found") from exc
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"file={path} problem=invalid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"file={path} problem=top level must be a mapping")
    for key in SECRET_KEYS:
        if key in data:
            raise ConfigError(
                f"file={path} key={key} problem=secrets come from the environment "
                f"(ABI_{key.upper()}), never from YAML"
            )
    return data


def _anchor_paths(data: dict[str, Any], base_dir: Path) -> dict[str, Any]:
    """Make the file's relative folders (and the defaults it leaves out) start at `base_dir`.

    Only what the file or the defaults say is anchored: a relative ABI_PATHS__* or
    --raw-dir was typed in a shell, and keeps meaning "from the current directory".
    """
    paths = data.get("paths", {})
    if not isinstance(paths, dict):
        return data  # validation names the problem
    anchored = dict(paths)
    for key, field in PathsSettings.model_fields.items():
        value = paths.get(key, field.default)
        if field.annotation is Path and isinstance(value, str | Path):
            anchored[key] = base_dir / value  # an absolute value stays as it is
    return {**data, "paths": anchored}


def _describe(error: ValidationError, path: Path | None) -> str:
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or "<root>"
    problem = "unknown key" if first["type"] == "extra_forbidden" else first["msg"]
    more = len(error.errors()) - 1
    suffix = f" (and {more} more)" if more else ""
    return f"file={path or 'built-in defaults'} key={key} problem={problem}{suffix}"


def load_settings(
    config_path: str | Path | None = None, raw_dir: str | Path | None = None
) -> Settings:
    """Read the YAML file, apply environment overrides, validate, and return the settings.

    `raw_dir` (the CLI's `--raw-dir`) wins over everything else for `paths.raw_dir`.
    """
    return load_settings_from(locate_config(config_path), raw_dir)


def load_settings_from(source: ConfigSource, raw_dir: str | Path | None = None) -> Settings:
    data = _read_yaml(source.path) if source.path is not None else {}
    try:
        settings = Settings(**_anchor_paths(data, source.base_dir))
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source.path)) from exc
    raw_dir = raw_dir or os.environ.get("ABI_RAW_DIR")
    if raw_dir:
        paths = settings.paths.model_copy(update={"raw_dir": Path(raw_dir)})
        settings = settings.model_copy(update={"paths": paths})
    return settings


def masked_dump(settings: Settings) -> dict[str, Any]:
    """The effective configuration as plain data, with every secret masked."""
    data = settings.model_dump(mode="json")
    for key in SECRET_KEYS:
        if data.get(key) is not None:
            data[key] = "********"
    return data
