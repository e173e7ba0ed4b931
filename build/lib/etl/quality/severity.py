"""Two severities, mapped onto Great Expectations' own `severity` field.

`error` fails the run and blocks publish; `warning` is reported and does not block.
GX 1.x carries a severity on every expectation (critical, warning, info), which its Data
Docs show; storing ours there keeps one source of truth instead of a side table.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"

    @property
    def gx(self) -> str:
        """The value GX's `FailureSeverity` takes for this severity."""
        return "critical" if self is Severity.ERROR else "warning"

    @classmethod
    def from_gx(cls, value: Any) -> Severity:
        # GX's `info` does not block either, so it reads as a warning here.
        text = str(getattr(value, "value", value)).lower()
        return cls.ERROR if text == "critical" else cls.WARNING


ERROR = Severity.ERROR
WARNING = Severity.WARNING
