"""The TRL reader on a crafted xlsx: four horizons per technology, spellings unified."""

from __future__ import annotations

import pandas as pd
import pytest

from etl.errors import SourceFileError
from etl.extract.columns import REJECTED_COLUMNS, TRL_PREDICTIONS
from etl.extract.result import ExtractResult
from etl.extract.trl_predictions import read_trl_predictions
from tests.support.clock import run_year_ranges

from .conftest import MakeFile
from .rows import TRL_HEADERS, Row, trl_row


def _messy_rows() -> list[Row]:
    return [
        trl_row(Technology="CRISPR", Year=2026, Current_TRL="TRL 4", Predicted_TRL=3.7),  # 2
        trl_row(Technology="Crispr ", Year="2027"),  # 3
        trl_row(Technology=" crispr", Year="2028.0"),  # 4
        trl_row(Technology="crispr", Year=2030),  # 5
        None,  # 6: blank sheet row
        # 7: row 2 again, spelled otherwise: the same values once clean (an exact repeat)
        trl_row(Technology="crispr", Year="2026.0", Current_TRL="4", Predicted_TRL="3.70"),
        trl_row(Technology="Gene Therapy", Current_Year="1899"),  # 8: current year nulled
        trl_row(Technology="gene_therapy", Year="2027", Current_TRL="0"),  # 9: impossible TRL
        trl_row(Technology=""),  # 10: no technology
        trl_row({"Confidence_%": "150"}, Technology="cart-t", Predicted_TRL="N/A"),  # 11
        trl_row(Technology="CART-T", Years_Gap="2.5"),  # 12: first accepted cart-t 2026
        trl_row(
            Technology="stem cell",
            Annual_Change_Rate="-0.35",
            Current_Category="Développement précoce",
        ),  # 13
    ]


@pytest.fixture
def messy(make_file: MakeFile) -> ExtractResult:
    return read_trl_predictions(
        make_file("trl.xlsx", TRL_HEADERS, _messy_rows()), run_year_ranges()
    )


def test_counts_reconcile(messy: ExtractResult) -> None:
    assert (messy.rows_in_file, len(messy.data), len(messy.rejected), messy.blank_rows) == (
        12,
        7,
        4,
        1,
    )
    assert messy.reconciles
    assert messy.rejected_by_reason() == {
        "duplicate_row": 1,
        "invalid_current_trl": 1,
        "missing_technology": 1,
        "missing_predicted_trl": 1,
    }
    # Row 11's confidence of 150 is not counted: that row is rejected, nothing was nulled.
    assert messy.nulled == {"current_year": 1, "years_gap": 1}


def test_all_horizons_kept_and_technologies_normalised(messy: ExtractResult) -> None:
    data = messy.data
    assert list(data.columns) == [*(rule.column for rule in TRL_PREDICTIONS), "row_number"]
    assert data["row_number"].tolist() == [2, 3, 4, 5, 8, 12, 13]
    assert data["technology"].tolist() == [
        "crispr",
        "crispr",
        "crispr",
        "crispr",
        "genetherapy",
        "cart-t",
        "stemcell",
    ]
    assert data["forecast_year"].tolist() == [2026, 2027, 2028, 2030, 2026, 2026, 2026]
    assert data["forecast_year"].dtype == "Int64"


def test_cleaned_values(messy: ExtractResult) -> None:
    first = messy.data.iloc[0]
    assert (first["current_trl"], first["predicted_trl"]) == (4, 3.7)
    assert messy.data["current_year"].tolist()[4] is pd.NA
    assert messy.data["years_gap"].tolist()[5] is pd.NA
    assert messy.data.iloc[6]["annual_change_rate"] == -0.35
    assert messy.data.iloc[6]["current_category"] == "Développement précoce"


def test_rejected_rows(messy: ExtractResult) -> None:
    rejected = messy.rejected
    assert tuple(rejected.columns) == REJECTED_COLUMNS
    assert rejected["row_number"].tolist() == [7, 9, 10, 11]
    assert rejected["message"].tolist() == [
        "column=technology,forecast_year value='crispr,2026' problem=same values as row 2",
        "column=Current_TRL value='0' problem=out of range 1..9",
        "column=Technology value='' problem=missing required value",
        "column=Predicted_TRL value='N/A' problem=missing required value",
    ]


def test_missing_column_is_a_file_error(make_file: MakeFile) -> None:
    headers = [h for h in TRL_HEADERS if h not in ("Year", "Model_Used")]
    path = make_file("trl.xlsx", headers, [trl_row()])
    with pytest.raises(SourceFileError) as error:
        read_trl_predictions(path, run_year_ranges())
    assert str(error.value) == f"file={path} problem=missing required column(s): Year, Model_Used"
