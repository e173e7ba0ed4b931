"""`abi-etl` commands that do not validate never import Great Expectations."""

from tests.support.imports import modules_loaded_by


def test_importing_the_cli_does_not_import_great_expectations() -> None:
    loaded = modules_loaded_by("etl.cli.main", ("great_expectations", "typer"))

    assert loaded == {"great_expectations": False, "typer": True}
