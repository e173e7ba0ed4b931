"""The report's table, three ways: aligned plain text (printed), markdown (docs/bench/),
and one key=value log line per row."""

from __future__ import annotations

import logging

from benchmarks.report import BenchReport, TableRow

logger = logging.getLogger(__name__)

HEADERS = (
    "articles",
    "measurement",
    "seconds",
    "rows",
    "rows/s",
    "x floor",
    "peak RSS MB",
    "target",
    "met",
)
NUMERIC = {"articles", "seconds", "rows", "rows/s", "x floor", "peak RSS MB"}
LEGEND = (
    "seconds: wall time. A run's seconds run from its process's start to its exit "
    "(the stages below it add up to them).",
    "rows: rows published (the final tables' counts); for a stage, the rows it "
    "reported (sources' clean rows, tables written or published).",
    "x floor: seconds over the raw COPY floor's at the same size, in the same bench run.",
    "peak RSS MB: the run process's peak resident memory (ru_maxrss).",
)


def cells(row: TableRow) -> list[str]:
    return [
        f"{row.publications:,}",
        row.label,
        f"{row.seconds:.2f}",
        f"{row.rows:,}" if row.rows else "",
        f"{row.rows_per_second:,.0f}" if row.rows_per_second else "",
        f"{row.x_floor:.2f}" if row.x_floor is not None else "",
        f"{row.peak_rss_mb:,.0f}" if row.peak_rss_mb is not None else "",
        row.target,
        row.met,
    ]


def render_text(report: BenchReport) -> str:
    """Aligned columns, numbers to the right, a blank line between sizes, the legend."""
    table = [list(HEADERS)] + [cells(row) for row in report.rows()]
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADERS))]

    def line(values: list[str]) -> str:
        return "  ".join(
            value.rjust(width) if header in NUMERIC else value.ljust(width)
            for header, value, width in zip(HEADERS, values, widths, strict=True)
        ).rstrip()

    lines = [line(table[0]), "  ".join("-" * width for width in widths)]
    previous = None
    for row, values in zip(report.rows(), table[1:], strict=True):
        if previous is not None and row.publications != previous:
            lines.append("")
        previous = row.publications
        lines.append(line(values))
    return "\n".join([*lines, "", *LEGEND, machine_line(report)]) + "\n"


def render_markdown(report: BenchReport) -> str:
    def line(values: list[str]) -> str:
        return "| " + " | ".join(v.replace("|", "\\|") for v in values) + " |"

    align = ["---:" if header in NUMERIC else "---" for header in HEADERS]
    title = [
        "# `make bench`: the production run's scenarios against the raw COPY floor",
        "",
        "Written by `python -m benchmarks` (docs/warehouse.md, Performance, says what each"
        " line measures); the plot: [bench.png](bench.png).",
        "",
    ]
    lines = [line(list(HEADERS)), line(align)]
    lines += [line(cells(row)) for row in report.rows()]
    notes = [f"- {text}" for text in (*LEGEND, machine_line(report))]
    return "\n".join([*title, *lines, "", *notes]) + "\n"


def machine_line(report: BenchReport) -> str:
    machine = report.machine
    return "machine: " + ", ".join(f"{key} {value}" for key, value in machine.items())


def log_rows(report: BenchReport) -> None:
    for row in report.rows():
        logger.info(
            "bench=%s publications=%d seconds=%.2f rows=%s rows_per_second=%s x_floor=%s "
            "peak_rss_mb=%s met=%s",
            row.key,
            row.publications,
            row.seconds,
            row.rows if row.rows else "",
            f"{row.rows_per_second:.0f}" if row.rows_per_second else "",
            f"{row.x_floor:.3f}" if row.x_floor is not None else "",
            f"{row.peak_rss_mb:.0f}" if row.peak_rss_mb is not None else "",
            row.met.split(" ")[0],
        )
