"""One production run per scenario, each in a process of its own (benchmarks/run_once.py).

The seconds of a scenario are the process's wall time, from its start to its exit: what
a user waits for `abi-etl run`, interpreter start, imports and exit included. The run's
own figures split them: the process's start-up (interpreter, imports), its stages
(summary.stages), the rest of the run (run log, snapshot, archive: `run_seconds` minus
the stages), and the process's exit (freeing the run's memory, interpreter shutdown).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

# The breakdown's parts that are not stages of summary.stages.
STARTUP = "startup"
RUN_OTHER = "run_other"
EXIT = "exit"


@dataclass
class RunFigure:
    """A measured production run: wall seconds, its stages, rows published, peak RSS."""

    seconds: float
    startup_seconds: float
    run_seconds: float
    stages: dict[str, float]
    stage_rows: dict[str, int]
    published_rows: int
    peak_rss_mb: float
    status: str
    mode: str

    def breakdown(self) -> dict[str, float]:
        """Every second of `seconds`: start-up, the stages, the run's other work, exit."""
        other = max(self.run_seconds - sum(self.stages.values()), 0.0)
        end = self.seconds - self.startup_seconds - self.run_seconds
        return {STARTUP: self.startup_seconds, **self.stages, RUN_OTHER: other, EXIT: end}

    def as_dict(self) -> dict[str, Any]:
        return {
            "seconds": round(self.seconds, 2),
            "startup_seconds": round(self.startup_seconds, 2),
            "run_seconds": round(self.run_seconds, 2),
            "stages": {name: round(s, 2) for name, s in self.stages.items()},
            "stage_rows": dict(self.stage_rows),
            "breakdown": {name: round(s, 2) for name, s in self.breakdown().items()},
            "published_rows": self.published_rows,
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "status": self.status,
            "mode": self.mode,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunFigure:
        return cls(
            seconds=data["seconds"],
            startup_seconds=data["startup_seconds"],
            run_seconds=data["run_seconds"],
            stages=dict(data["stages"]),
            stage_rows=dict(data["stage_rows"]),
            published_rows=data["published_rows"],
            peak_rss_mb=data["peak_rss_mb"],
            status=data["status"],
            mode=data["mode"],
        )


@dataclass
class RunEnvironment:
    """Where a scenario's runs read, write and log: one warehouse, one set of folders."""

    warehouse_url: str
    raw_dir: Path
    work_dir: Path
    log_dir: Path  # the runs' own log lines (quality=suite, stage=...): where the time went
    config: Path | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    def environ(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            ABI_WAREHOUSE_URL=self.warehouse_url,
            ABI_RAW_DIR=str(self.raw_dir),
            ABI_PATHS__STAGING_DIR=str(self.work_dir / "staging"),
            ABI_PATHS__ARCHIVE_DIR=str(self.work_dir / "archive"),
            ABI_PATHS__DATA_DOCS_DIR=str(self.work_dir / "data_docs"),
            **self.extra_env,
        )
        return env


def run_scenario(env: RunEnvironment, name: str, mode: str = "standard") -> RunFigure:
    """Run the pipeline once in a new process; raises with the log's tail if it fails."""
    env.work_dir.mkdir(parents=True, exist_ok=True)
    env.log_dir.mkdir(parents=True, exist_ok=True)
    out = env.work_dir / f"{name}.json"
    log = env.log_dir / f"{name}.log"
    command = [sys.executable, "-m", "benchmarks.run_once", "--out", str(out), "--mode", mode]
    if env.config is not None:
        command += ["--config", str(env.config)]
    started = time.perf_counter()
    with log.open("wb") as handle:
        finished = subprocess.run(
            command, env=env.environ(), stdout=handle, stderr=subprocess.STDOUT, check=False
        )
    seconds = time.perf_counter() - started
    if finished.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise RuntimeError(f"scenario {name} failed (exit {finished.returncode}): {tail}")
    figures = json.loads(out.read_text(encoding="utf-8"))
    summary = figures["summary"]
    figure = RunFigure(
        seconds=seconds,
        startup_seconds=figures["startup_seconds"],
        run_seconds=figures["run_seconds"],
        stages={stage: s["seconds"] for stage, s in summary["stages"].items()},
        stage_rows={stage: sum(s["rows"].values()) for stage, s in summary["stages"].items()},
        published_rows=sum(summary["table_counts"].values()),
        peak_rss_mb=summary["peak_rss_mb"],
        status=summary["status"],
        mode=mode,
    )
    logger.info(
        "bench_run=%s mode=%s seconds=%.2f run_seconds=%.2f published_rows=%d peak_rss_mb=%.0f",
        name,
        mode,
        figure.seconds,
        figure.run_seconds,
        figure.published_rows,
        figure.peak_rss_mb,
    )
    return figure
