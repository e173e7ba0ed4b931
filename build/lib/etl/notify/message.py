"""What a notification says, independent of how it travels."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class RunNotice:
    event: str  # failure | success | retry
    flow_name: str
    flow_run_id: str | None
    state: str
    duration_seconds: float | None
    ui_url: str | None
    counts: dict[str, Any] = field(default_factory=dict)
    message: str | None = None

    @property
    def subject(self) -> str:
        return f"[abi-etl] {self.flow_name}: {self.state}"

    @property
    def text(self) -> str:
        """One readable paragraph: Slack-compatible receivers show the `text` field."""
        parts = [f"{self.flow_name} run {self.flow_run_id or '-'} is {self.state}"]
        if self.duration_seconds is not None:
            parts.append(f"after {self.duration_seconds:.1f} s")
        text = " ".join(parts) + "."
        if self.message:
            text += f" {self.message}"
        if self.counts:
            text += " " + " ".join(f"{k}={v}" for k, v in sorted(self.counts.items()))
        if self.ui_url:
            text += f" {self.ui_url}"
        return text

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "subject": self.subject, "text": self.text}
