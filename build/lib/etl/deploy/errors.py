"""Errors of the registration job."""

from __future__ import annotations

from etl.errors import ConfigError, EtlError


class RegistrationError(EtlError):
    """Registration could not finish: API unreachable, refused credentials, deploy failed."""


class DeploySpecError(ConfigError):
    """deploy/prefect.yaml disagrees with the settings, or is malformed."""
