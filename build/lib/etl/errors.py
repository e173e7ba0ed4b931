"""Exception types shared across stages.

Orchestration retries only `TransientError`s; a `DataError` stops the run at once
because retrying the same bad input gives the same result.
"""


class EtlError(Exception):
    """Base of every error abi-etl raises on purpose."""


class ConfigError(EtlError):
    """The configuration is invalid: the message names the key."""


class DataError(EtlError):
    """The input data is unusable: the message names the file, row, column and problem."""


class SourceFileError(DataError):
    """A whole source file is unusable (missing, unreadable, empty, wrong shape)."""

    def __init__(self, path: object, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"file={self.path} problem={problem}")


class RejectedRatioError(DataError):
    """A source rejected more rows than the configured maximum ratio."""


class DataQualityError(DataError):
    """An error-level data-quality expectation failed; publishing is blocked."""


class TransientError(EtlError):
    """A failure worth retrying (lost connection, I/O timeout)."""
