"""Fault: a source file replaced while it is read.

Inside the worker, a loop replaces the companies file over and over with version A or
B of it, alternately by rename (a new file moved onto the name) and in place (the same
file rewritten), for the whole run. The run reads one version: the checksum recorded
in `etl_run` is A's or B's, and the published tables are exactly that version's.
"""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.engine import Engine

from tests.integration.faults.helpers import (
    CONTAINER_RAW_ROOT,
    Inputs,
    Services,
    etl_run_of,
    flow_run_logs,
    record_fault,
    restore_sample,
    sample_files,
    sha256,
    wait_until,
    warehouse_is,
)
from tests.integration.helpers import (
    assert_completed,
    published_checksums,
    trigger_run,
    wait_for_terminal_state,
)
from tests.support.sample_files import COMPANIES

pytestmark = pytest.mark.integration

FOLDER = f"{CONTAINER_RAW_ROOT}/replaced"
STOP = f"{FOLDER}/.stop"
COUNT = f"{FOLDER}/.count"

# Runs in the worker container as its user: A and B are read once, then written in
# turn until the stop file appears (or 600 s pass), 5 ms apart.
REPLACER = f"""
import os, time
folder, stop, count = {FOLDER!r}, {STOP!r}, {COUNT!r}
target = os.path.join(folder, {COMPANIES!r})
versions = [open(os.path.join(folder, name), "rb").read() for name in ("a.bytes", "b.bytes")]
n, deadline = 0, time.monotonic() + 600
while not os.path.exists(stop) and time.monotonic() < deadline:
    data = versions[n % 2]
    if n % 4 < 2:
        with open(target + ".tmp", "wb") as out:
            out.write(data)
        os.replace(target + ".tmp", target)
    else:
        with open(target, "r+b") as out:
            out.write(data)
            out.truncate()
    n += 1
    time.sleep(0.005)
with open(count, "w") as out:
    out.write(str(n))
"""


def test_a_source_file_replaced_during_the_run(
    api: httpx.Client, etl_engine: Engine, services: Services, inputs: Inputs
) -> None:
    files = {**sample_files(), "a.bytes": inputs.a_companies, "b.bytes": inputs.b_companies}
    services.put_files("worker", FOLDER, files)
    services.exec("worker", "rm", "-f", STOP, COUNT)
    services.exec("worker", "python", "-c", REPLACER, detach=True)
    try:
        flow_run_id = trigger_run(api, FOLDER)
        run = wait_for_terminal_state(api, flow_run_id)
    finally:
        services.exec("worker", "touch", STOP)
    replaced = wait_until(
        lambda: services.exec("worker", "sh", "-c", f"cat {COUNT} 2>/dev/null || true"),
        "the replacer's count",
        timeout_s=30,
    )
    assert int(replaced) > 100, f"the file was replaced only {replaced} times"

    assert_completed(run)
    recorded = etl_run_of(etl_engine, flow_run_id)["input_checksums"]["biotech_companies"]
    versions = {sha256(inputs.a_companies): "A", sha256(inputs.b_companies): "B"}
    assert recorded in versions, f"recorded sha256 {recorded} is of neither version"
    expected = inputs.a_checksums if versions[recorded] == "A" else inputs.b_checksums
    assert published_checksums(etl_engine) == expected, (
        f"the tables are not those of version {versions[recorded]}, whose checksum the run recorded"
    )
    copies = [m for m in flow_run_logs(api, flow_run_id) if "changed while it was copied" in m]
    record_fault(
        "source_file_replaced",
        state=run["state"]["name"],
        recorded_version=versions[recorded],
        warehouse_after=warehouse_is(etl_engine, inputs),
        replaced_times=replaced,
        copies_retried=len(copies),
    )
    services.exec("worker", "rm", "-rf", FOLDER)
    if versions[recorded] == "B":
        restore_sample(api, etl_engine, inputs)
