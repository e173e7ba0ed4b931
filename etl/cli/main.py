"""The `abi-etl` command line. Each sub-command lives in its own module."""

from __future__ import annotations

import typer

from etl.cli.backfill_cmd import backfill
from etl.cli.config_cmd import config_app
from etl.cli.db_cmd import db_app
from etl.cli.register_cmd import register
from etl.cli.run_cmd import run
from etl.cli.sample_cmd import sample
from etl.cli.status_cmd import status
from etl.cli.validate_cmd import validate

app = typer.Typer(
    name="abi-etl",
    help="Load the ABI source files into the PostgreSQL star-schema warehouse.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("run", help="Run the pipeline: extract, transform, load, validate, publish.")(run)
app.command(
    "backfill", help="Load several snapshots of the raw files in order, spread over the workers."
)(backfill)
app.command("sample", help="Write realistic, messy sample source files.")(sample)
app.command("register", help="Register the work pool, deployments, notifications and automations.")(
    register
)
app.command("status", help="Show the work pool, workers, deployment and last runs.")(status)
app.command("validate", help="Run the data-quality suites on the raw files and the staged tables.")(
    validate
)
app.add_typer(config_app, name="config", help="Inspect the configuration.")
app.add_typer(db_app, name="db", help="Manage the warehouse schema.")
