"""The figures of one `python -m benchmarks` run: per size, the production runs of each
scenario and the baselines, their ratios to the raw COPY floor, and the issue's targets.

`BenchReport.rows()` is the one table every output shows (the printed table, the
markdown, the key=value log lines); the JSON holds the same figures and more.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.scenarios import EXIT, RUN_OTHER, STARTUP, RunFigure

FLOOR = "raw_copy_floor"
KEYED_FLOOR = "raw_copy_keyed"
TO_SQL = "pandas_to_sql"
FIRST_RUN = "first_run"
FLOW_MODE = "flow_mode"
UNCHANGED = "unchanged_night"
SMALL_CHANGE = "small_change"

# Issue 13's targets, each against the raw COPY floor of the same size in the same run.
FIRST_RUN_MAX_RATIO = 3.5
UNCHANGED_MAX_RATIO = 0.2
SMALL_CHANGE_MAX_RATIO = 1.0
FLOW_MAX_EXTRA_SECONDS = 3.0
PEAK_RSS_MAX_MB = 3 * 1024

RUN_LABELS = {
    FIRST_RUN: "first run: abi-etl run --no-prefect, empty warehouse, start to published",
    FLOW_MODE: "flow mode: the first run as a Prefect flow, against a running server",
    UNCHANGED: "unchanged night: the same files again",
    SMALL_CHANGE: "small change: {changed:,} articles edited, {added:,} added",
}
BASELINE_LABELS = {
    FLOOR: "baseline: raw COPY floor (published rows into bare tables)",
    KEYED_FLOOR: "baseline: keyed COPY floor (into the schema's tables, keys rebuilt)",
    TO_SQL: "baseline: pandas to_sql of the published rows",
}
STAGE_LABELS = {
    STARTUP: "process start-up (interpreter, imports)",
    "unchanged_check": "unchanged check (fingerprint, write counter, input sha256)",
    "extraction": "extraction (read, clean, Parquet)",
    "transformation": "transformation (star schema)",
    "load": "load (write staging)",
    "validation": "validation (SQL audit, suites)",
    "publish": "publish (+ table checksums)",
    RUN_OTHER: "the run's other work (run log, stage imports, snapshot, archive)",
    EXIT: "process exit (freeing memory, shutdown)",
}


@dataclass
class StageFigure:
    """A measured baseline: seconds, rows written and this process's peak memory."""

    seconds: float
    rows: int
    peak_rss_mb: float

    @property
    def rows_per_second(self) -> float:
        return round(self.rows / self.seconds, 1) if self.seconds else 0.0

    def as_dict(self) -> dict[str, float]:
        return {
            "seconds": round(self.seconds, 2),
            "rows": self.rows,
            "rows_per_second": self.rows_per_second,
            "peak_rss_mb": round(self.peak_rss_mb, 1),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StageFigure:
        return cls(data["seconds"], data["rows"], data["peak_rss_mb"])


@dataclass(frozen=True)
class TableRow:
    """One line of the report: what was measured and how it compares."""

    publications: int
    key: str  # machine-readable: first_run, first_run.publish, raw_copy_floor ...
    label: str  # what it is, in words
    seconds: float
    rows: int | None
    peak_rss_mb: float | None
    x_floor: float | None
    target: str = ""
    met: str = ""

    @property
    def rows_per_second(self) -> float | None:
        return self.rows / self.seconds if self.rows and self.seconds else None


@dataclass
class SizeReport:
    publications: int
    companies: int
    source_format: str
    runs: dict[str, RunFigure] = field(default_factory=dict)
    baselines: dict[str, StageFigure] = field(default_factory=dict)
    small_change: dict[str, int] = field(default_factory=dict)  # changed, added

    def over_floor(self, seconds: float) -> float | None:
        floor = self.baselines.get(FLOOR)
        return seconds / floor.seconds if floor and floor.seconds else None

    def ratios(self) -> dict[str, float | None]:
        """Each run and baseline over the floor; flow mode's extra seconds."""
        ratios: dict[str, float | None] = {
            f"{name}_over_floor": _round(self.over_floor(run.seconds))
            for name, run in self.runs.items()
        }
        for name in (KEYED_FLOOR, TO_SQL):
            if name in self.baselines:
                ratios[f"{name}_over_floor"] = _round(self.over_floor(self.baselines[name].seconds))
        if FLOW_MODE in self.runs and FIRST_RUN in self.runs:
            extra = self.runs[FLOW_MODE].seconds - self.runs[FIRST_RUN].seconds
            ratios["flow_mode_extra_seconds"] = round(extra, 2)
        return ratios

    def rows(self) -> list[TableRow]:
        rows: list[TableRow] = []
        for name in RUN_LABELS:
            if name not in self.runs:
                continue
            run = self.runs[name]
            rows.append(self._run_row(name, run))
            if name == FIRST_RUN:
                rows.extend(self._stage_rows(name, run))
        for name, figure in self.baselines.items():
            rows.append(
                TableRow(
                    self.publications,
                    name,
                    BASELINE_LABELS[name],
                    figure.seconds,
                    figure.rows,
                    None,
                    self.over_floor(figure.seconds),
                )
            )
        return rows

    def _run_row(self, name: str, run: RunFigure) -> TableRow:
        ratio = self.over_floor(run.seconds)
        target, met = self._target(name, run, ratio)
        return TableRow(
            self.publications,
            name,
            RUN_LABELS[name].format(**self.small_change) if self.small_change else RUN_LABELS[name],
            run.seconds,
            run.published_rows,
            run.peak_rss_mb,
            ratio,
            target,
            met,
        )

    def _stage_rows(self, name: str, run: RunFigure) -> list[TableRow]:
        return [
            TableRow(
                self.publications,
                f"{name}.{stage}",
                f"  of which {STAGE_LABELS.get(stage, stage)}",
                seconds,
                run.stage_rows.get(stage) or None,
                None,
                self.over_floor(seconds),
            )
            for stage, seconds in run.breakdown().items()
        ]

    def _target(self, name: str, run: RunFigure, ratio: float | None) -> tuple[str, str]:
        if name == FIRST_RUN:
            fast = ratio is not None and ratio <= FIRST_RUN_MAX_RATIO
            small = run.peak_rss_mb <= PEAK_RSS_MAX_MB
            target = f"<= {FIRST_RUN_MAX_RATIO}x, RSS <= {PEAK_RSS_MAX_MB / 1024:.0f} GB"
            return target, _yes_no(fast and small)
        if name == FLOW_MODE and FIRST_RUN in self.runs:
            extra = run.seconds - self.runs[FIRST_RUN].seconds
            return f"<= +{FLOW_MAX_EXTRA_SECONDS:.0f} s", (
                f"{_yes_no(extra <= FLOW_MAX_EXTRA_SECONDS)} ({extra:+.1f} s)"
            )
        limits = {UNCHANGED: UNCHANGED_MAX_RATIO, SMALL_CHANGE: SMALL_CHANGE_MAX_RATIO}
        if name in limits:
            return f"<= {limits[name]}x", _yes_no(ratio is not None and ratio <= limits[name])
        return "", ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "publications": self.publications,
            "companies": self.companies,
            "source_format": self.source_format,
            "small_change": dict(self.small_change),
            "runs": {name: run.as_dict() for name, run in self.runs.items()},
            "baselines": {name: f.as_dict() for name, f in self.baselines.items()},
            "ratios": self.ratios(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SizeReport:
        return cls(
            publications=data["publications"],
            companies=data["companies"],
            source_format=data["source_format"],
            runs={name: RunFigure.from_dict(run) for name, run in data["runs"].items()},
            baselines={n: StageFigure.from_dict(f) for n, f in data["baselines"].items()},
            small_change=dict(data["small_change"]),
        )


@dataclass
class BenchReport:
    machine: dict[str, Any]
    sizes: list[SizeReport] = field(default_factory=list)

    def rows(self) -> list[TableRow]:
        return [row for size in self.sizes for row in size.rows()]

    def as_dict(self) -> dict[str, Any]:
        return {"machine": self.machine, "sizes": [size.as_dict() for size in self.sizes]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BenchReport:
        return cls(data["machine"], [SizeReport.from_dict(size) for size in data["sizes"]])


def write_json(report: BenchReport, out_dir: Path) -> list[Path]:
    """bench.json with every size, and bench-N.json per size (with the machine)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "bench.json"]
    _dump(report.as_dict(), paths[0])
    for size in report.sizes:
        path = out_dir / f"bench-{size.publications}.json"
        _dump({"machine": report.machine, **size.as_dict()}, path)
        paths.append(path)
    return paths


def _dump(data: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _yes_no(ok: bool) -> str:
    return "yes" if ok else "no"
