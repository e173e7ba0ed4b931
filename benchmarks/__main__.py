"""`python -m benchmarks` (what `make bench` runs): the whole-pipeline benchmark.

Needs ABI_WAREHOUSE_URL (or the config file's warehouse URL) naming a server where the
role may create databases; every measurement runs in a throwaway database there.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from benchmarks.pipeline import run_bench
from benchmarks.report import log_report, write_report
from etl.cli.errors import EXIT_CONFIG_OR_DATA
from etl.cli.progress import StageProgress
from etl.config.settings import load_settings
from etl.errors import EtlError
from etl.logs import configure_logging


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmark extract, transform and load against raw COPY and to_sql.",
    )
    parser.add_argument("--publications", type=int, default=100_000, help="PubMed rows")
    parser.add_argument("--companies", type=int, default=700, help="distinct companies")
    parser.add_argument(
        "--format", dest="source_format", choices=("csv", "parquet", "xlsx"), default="csv"
    )
    parser.add_argument("--out", type=Path, default=Path("bench-results"), help="JSON folder")
    parser.add_argument(
        "--to-sql",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also time the pandas to_sql baseline",
    )
    parser.add_argument("--config", type=Path, default=None, help="YAML settings file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    try:
        settings = load_settings(args.config)
        server_url = settings.require_warehouse_url()
    except EtlError as exc:
        # A missing URL or a bad config file is the user's to fix: one line, as the CLI does.
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_CONFIG_OR_DATA) from None
    configure_logging(settings.log_level)
    with StageProgress() as display:
        report = run_bench(
            settings,
            server_url,
            publications=args.publications,
            companies=args.companies,
            source_format=args.source_format,
            with_to_sql=args.to_sql,
            display=display,
        )
    path = write_report(report, args.out)
    figures = report.as_dict()
    log_report(figures, path)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
