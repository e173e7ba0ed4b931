"""The one typed settings object: YAML for settings, environment for secrets.

Precedence, highest first: environment (`ABI_` prefix, `__` between nested keys,
plus the `ABI_RAW_DIR` shortcut), then `config/pipeline.yaml`, then the defaults below.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from etl.errors import ConfigError

DEFAULT_CONFIG_PATH = Path("config/pipeline.yaml")
CONFIG_PATH_ENV = "ABI_CONFIG"
SOURCE_NAMES = ("trl_predictions", "pubmed_articles", "biotech_companies")
SUPPORTED_FORMATS = ("xlsx", "csv", "parquet")
# Secrets may only come from the environment; a YAML file naming one is refused.
SECRET_KEYS = ("warehouse_url", "smtp_password", "webhook_token")


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
    min_year: int = 2015
    max_year: int = 2035
    min_fiscal_year: int = 2015
    max_fiscal_year: int = 2030
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
        extra="forbid",
        frozen=True,
    )

    paths: PathsSettings = PathsSettings()
    sources: SourcesSettings = SourcesSettings()
    validation: ValidationSettings = ValidationSettings()
    stages: StagesSettings = StagesSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    notifications: NotificationSettings = NotificationSettings()
    technologies: TechnologiesSettings = TechnologiesSettings()
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    warehouse_url: SecretStr | None = None
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

    def require_warehouse_url(self) -> str:
        if self.warehouse_url is None:
            raise ConfigError(
                "key=ABI_WAREHOUSE_URL problem=not set (the warehouse SQLAlchemy URL)"
            )
        return self.warehouse_url.get_secret_value()


def resolve_config_path(config_path: str | Path | None) -> Path:
    if config_path is not None:
        return Path(config_path)
    return Path(os.environ.get(CONFIG_PATH_ENV, DEFAULT_CONFIG_PATH))


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


def _describe(error: ValidationError, path: Path) -> str:
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or "<root>"
    problem = "unknown key" if first["type"] == "extra_forbidden" else first["msg"]
    more = len(error.errors()) - 1
    suffix = f" (and {more} more)" if more else ""
    return f"file={path} key={key} problem={problem}{suffix}"


def load_settings(
    config_path: str | Path | None = None, raw_dir: str | Path | None = None
) -> Settings:
    """Read the YAML file, apply environment overrides, validate, and return the settings.

    `raw_dir` (the CLI's `--raw-dir`) wins over everything else for `paths.raw_dir`.
    """
    path = resolve_config_path(config_path)
    data = _read_yaml(path)
    try:
        settings = Settings(**data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path)) from exc
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
