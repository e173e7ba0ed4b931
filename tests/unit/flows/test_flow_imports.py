"""The flow module loads Great Expectations only when a run reaches its audit, and pandas
only when it extracts.

A triggered run pays the flow module's imports before it is Running; Great Expectations
(with the scipy and altair it pulls in) was most of them (docs/stack.md, "Trigger
latency")."""

from tests.support.imports import modules_loaded_by

HEAVY = ("great_expectations", "scipy", "altair")


def test_importing_the_flow_module_does_not_import_great_expectations() -> None:
    loaded = modules_loaded_by("etl.flows.abi_etl_flow", (*HEAVY, "prefect", "pandas"))

    assert loaded == {
        "great_expectations": False,
        "scipy": False,
        "altair": False,
        # The flow needs Prefect at once: the check sees real imports.
        "prefect": True,
        # pandas waits for the extract tasks: an unchanged night never loads it.
        "pandas": False,
    }
