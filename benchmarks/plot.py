"""The report's plot: seconds against articles, log-log, one line per stage of the first
run and per scenario, with the raw COPY floor and the first run's target above it.

On log-log axes a line of slope 1 is a cost that grows in proportion to the input;
the gap between two lines is their ratio, so the first run's distance to the floor reads
the same at every size.
"""

from __future__ import annotations

from pathlib import Path

# The object-oriented API draws without pyplot's global state or a display backend.
from matplotlib import colormaps
from matplotlib.figure import Figure

from benchmarks.report import (
    BASELINE_LABELS,
    FIRST_RUN,
    FIRST_RUN_MAX_RATIO,
    FLOOR,
    KEYED_FLOOR,
    RUN_LABELS,
    STAGE_LABELS,
    TO_SQL,
    BenchReport,
)


def _series(report: BenchReport) -> dict[str, list[tuple[int, float]]]:
    """Label -> (articles, seconds) points, in the order the legend lists them."""
    series: dict[str, list[tuple[int, float]]] = {}

    def add(label: str, publications: int, seconds: float) -> None:
        if seconds > 0:  # a log axis has no zero
            series.setdefault(label, []).append((publications, seconds))

    for size in report.sizes:
        for name, run in size.runs.items():
            add(RUN_LABELS[name].split(":")[0], size.publications, run.seconds)
        if FIRST_RUN in size.runs:
            for stage, seconds in size.runs[FIRST_RUN].breakdown().items():
                add(STAGE_LABELS.get(stage, stage), size.publications, seconds)
    return series


def write_plot(report: BenchReport, path: Path) -> Path:
    figure = Figure(figsize=(10, 6.5), layout="constrained")
    axes = figure.add_subplot()
    # The scenarios in four strong colours, the breakdown's parts in the other twelve.
    palette = colormaps["tab20"].colors
    scenario_colours, stage_colours = iter(palette[0:8:2]), iter(palette[8:])
    runs = {RUN_LABELS[name].split(":")[0] for name in RUN_LABELS}
    for label, points in _series(report).items():
        xs, ys = zip(*points, strict=True)
        if label in runs:
            axes.plot(xs, ys, marker="o", linewidth=2.4, color=next(scenario_colours), label=label)
        else:
            axes.plot(xs, ys, marker=".", linewidth=1.2, color=next(stage_colours), label=label)
    for name, style in ((FLOOR, "k--"), (KEYED_FLOOR, "k-."), (TO_SQL, "k:")):
        points = _baseline(report, name)
        if points:
            xs, ys = zip(*points, strict=True)
            label = BASELINE_LABELS[name].split(" (")[0]
            axes.plot(xs, ys, style, marker="s", linewidth=1.6, label=label)
    floors = _baseline(report, FLOOR)
    if floors:
        xs, ys = zip(*floors, strict=True)
        axes.plot(
            xs,
            [y * FIRST_RUN_MAX_RATIO for y in ys],
            color="grey",
            linestyle=(0, (1, 3)),
            label=f"first run's target: {FIRST_RUN_MAX_RATIO}x the floor",
        )
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("PubMed articles generated")
    axes.set_ylabel("seconds (wall)")
    axes.set_title("abi-etl bench: seconds per stage and scenario against size")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    return path


def _baseline(report: BenchReport, name: str) -> list[tuple[int, float]]:
    return [
        (size.publications, size.baselines[name].seconds)
        for size in report.sizes
        if name in size.baselines and size.baselines[name].seconds > 0
    ]
