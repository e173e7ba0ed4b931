from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from etl.cli.main import app
from etl.config.settings import load_settings
from etl.stages.standard import run_standard


def test_validate_without_staged_tables_says_so(warehouse) -> None:
    result = CliRunner().invoke(app, ["validate"])
    assert result.exit_code == 2
    assert "no staged tables" in result.output


def test_validate_passes_on_the_sample_then_fails_on_broken_staging(warehouse) -> None:
    run_standard(load_settings())
    ok = CliRunner().invoke(app, ["validate"])
    assert ok.exit_code == 0, ok.output
    assert '"failed_errors": 0' in ok.output

    engine = create_engine(warehouse.url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE staging.fact_trl_prediction SET current_trl = 10"))
    engine.dispose()
    bad = CliRunner().invoke(app, ["validate"])
    assert bad.exit_code == 2
    # A CHECK of the schema: the built-in audit's, which the suites do not repeat.
    assert "failed_expectations=0 failed_checks=1 check=staged_constraints.fact_trl_prediction" in (
        bad.output
    )
    assert "check.ck_fact_trl_prediction_current_trl_1_9=" in bad.output
    assert "(current_trl BETWEEN 1 AND 9)" in bad.output
