"""Real files gone wrong, through the pipeline: conflicting repeats, a cut copy, NUL bytes."""

from pathlib import Path

import pandas as pd
import pytest

from etl.config.settings import load_settings
from etl.extract.biotech_companies import read_biotech_companies
from etl.extract.columns import DROPPED_HEADERS, RULES
from etl.extract.raw_files import read_text_frame
from etl.stages.extract import ConflictingDuplicatesError
from etl.stages.standard import run_standard
from tests.support.clock import run_year_ranges
from tests.support.sample_files import COMPANIES, FILES, SAMPLE_DIR, cut_file, sample_copy


def test_conflicting_duplicates_over_the_limit_stop_the_run_before_publish(
    warehouse, tmp_path: Path
) -> None:
    run_standard(load_settings())
    before = warehouse.checksums()
    raw = sample_copy(tmp_path)
    path = raw / COMPANIES
    # Read and written back byte for byte (the file mixes UTF-8 and cp1252).
    text = {"encoding": "utf-8", "dtype": str, "keep_default_na": False}
    frame = pd.read_csv(path, encoding_errors="surrogateescape", **text)
    loaded = read_biotech_companies(path, run_year_ranges()).data["row_number"].to_numpy()
    # 10% of the company-years again, restated with another revenue.
    again = frame.iloc[loaded[::10] - 2].copy()
    again["Revenues"] = "987654321"
    pd.concat([frame, again]).to_csv(path, index=False, errors="surrogateescape")
    counted = len(frame) + len(again) - 2  # the sample's two blank rows
    message = (
        rf"file={path} source=biotech_companies problem=conflicting duplicates "
        rf"\(same cik,fiscal_year, different values\) conflicting_repeats={len(again)} "
        rf"rows={counted} ratio={len(again) / counted:.4f} max=0.0100"
    )
    with pytest.raises(ConflictingDuplicatesError, match=message):
        run_standard(load_settings(raw_dir=raw))
    assert warehouse.checksums() == before
    failed = warehouse.scalar("SELECT error FROM warehouse.etl_run WHERE status = 'failed'")
    assert f"conflicting_repeats={len(again)}" in failed
    # Both rows of every conflicting key are rejected and recorded for the analyst.
    recorded = warehouse.scalar(
        "SELECT count(*) FROM warehouse.etl_rejected_row WHERE reason = 'conflicting_duplicate'"
    )
    assert recorded == 2 * len(again)


def test_a_copy_cut_mid_record_rejects_its_last_row_only(tmp_path: Path) -> None:
    whole = read_biotech_companies(SAMPLE_DIR / COMPANIES, run_year_ranges())
    cut = tmp_path / COMPANIES
    cut_file(SAMPLE_DIR / COMPANIES, cut, 0.4)
    assert not cut.read_bytes().endswith((b"\n", b"\r"))
    result = read_biotech_companies(cut, run_year_ranges())
    last = result.rows_in_file + 1  # the header is row 1
    rejected = result.rejected.set_index("row_number")
    assert rejected.loc[last, "reason"] == "truncated_row"
    assert result.reconciles
    # Every row before the cut loads or is rejected exactly as in the whole file.
    before = whole.data[whole.data["row_number"] < last].reset_index(drop=True)
    pd.testing.assert_frame_equal(result.data, before)
    kept = whole.rejected[whole.rejected["row_number"] < last]
    assert rejected.drop(index=last)["reason"].to_dict() == dict(
        zip(kept["row_number"], kept["reason"], strict=True)
    )


def _with_nul(raw: Path, extension: str) -> dict[str, dict[str, int]]:
    """Every text cell of every source gets a NUL; the files are rewritten as `extension`.

    xlsx holds NUL only as Excel's `_x0000_` escape (openpyxl refuses a raw one).
    Returns the cleaned counts expected per source and column: every row of the file.
    """
    nul = "_x0000_" if extension == "xlsx" else "\x00"
    expected = {}
    for source, name in FILES.items():
        path = raw / name
        frame = read_text_frame(path)
        rules = RULES[source]
        text = [r.header for r in rules if r.kind == "text"] + list(DROPPED_HEADERS.get(source, ()))
        # A loop over the text columns; each column is rewritten whole.
        # (Arrow strings: numpy's str arrays would drop a NUL at the end of a value.)
        for header in text:
            values = frame[header]
            frame[header] = values.str.slice(0, 1) + nul + values.str.slice(1)
        path.unlink()
        target = path.with_suffix(f".{extension}")
        if extension == "csv":
            frame.to_csv(target, index=False)
        else:
            frame.to_excel(target, index=False, engine="openpyxl")
        column_of = {r.header: r.column for r in rules}
        expected[source] = {column_of.get(h, h): len(frame) for h in text}
    return expected


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_nul_in_every_text_cell_is_removed_and_counted_and_nothing_is_lost(
    warehouse, sample_counts, tmp_path: Path, extension: str
) -> None:
    run_standard(load_settings())
    clean = warehouse.checksums()
    raw = sample_copy(tmp_path)
    expected = _with_nul(raw, extension)
    summary = run_standard(load_settings(raw_dir=raw))
    assert summary.status == "completed"
    for source, loaded in sample_counts["loaded"].items():
        counts = summary.sources[source]
        assert (counts["loaded"], counts["rejected"]) == (
            loaded,
            sample_counts["rejected"][source],
        )
        assert counts["cleaned"] == expected[source]
    # With the NULs removed the text is the sample's own: the warehouse does not change.
    assert warehouse.checksums() == clean
    rejected = "SELECT count(*) FROM warehouse.etl_rejected_row GROUP BY run_id"
    assert warehouse.scalar(rejected) == sum(sample_counts["rejected"].values())
    # The run's record says what was cleaned, per source and column.
    recorded = warehouse.scalar(
        f"SELECT source_counts FROM warehouse.etl_run WHERE run_id = '{summary.run_id}'"
    )
    assert {source: counts["cleaned"] for source, counts in recorded.items()} == expected
