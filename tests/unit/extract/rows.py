"""Builders of small crafted source files: valid rows by default, one mess at a time.

A row is a mapping header -> value; `None` instead of a row writes a blank line (CSV) or
an empty sheet row (xlsx). CSV values may be `bytes`, written as they are, so a test can
put a cp1252 field in a UTF-8 file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq

from etl.extract.columns import BIOTECH_COMPANIES, PUBMED_ARTICLES, TRL_PREDICTIONS

Value = str | bytes | int | float | None
Row = Mapping[str, Value] | None

TRL_HEADERS = [rule.header for rule in TRL_PREDICTIONS]
PUBMED_HEADERS = [rule.header for rule in PUBMED_ARTICLES]
COMPANY_HEADERS = [*(rule.header for rule in BIOTECH_COMPANIES), "file_path"]


def trl_row(overrides: Mapping[str, Value] | None = None, **values: Value) -> dict[str, Value]:
    row: dict[str, Value] = {
        "Technology": "crispr",
        "Year": "2026",
        "Current_TRL": "4",
        "Current_Year": "2024",
        "Current_Category": "Preuve de concept",
        "Predicted_TRL": "4.5",
        "Predicted_Category": "Preuve de concept",
        "TRL_Change": "0.5",
        "Years_Gap": "2",
        "Annual_Change_Rate": "0.25",
        "Change_Category": "Stable",
        "Current_Stage": "RECHERCHE",
        "Predicted_Stage": "RECHERCHE",
        "Confidence_%": "80",
        "Historical_Data_Points": "12",
        "Model_Used": "Random Forest",
    }
    return {**row, **(overrides or {}), **values}


def pubmed_row(
    pmid: int | None = 10_000_001, overrides: Mapping[str, Value] | None = None, **values: Value
) -> dict[str, Value]:
    row: dict[str, Value] = {
        "Titre": f"Article {pmid}",
        "Résumé": "An abstract.",
        "Auteurs": "Smith J, Dupont A",
        "Lien": f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else "",
        "Mots-clés": "gene editing; therapy",
        "Year": "2020",
        "Month": "6",
        "Technologies": "crispr",
        "Technology Category": "Gene editing",
        "TRL": "4",
        "TRL_Category": "Preuve de concept",
        "TRL_Stage": "RECHERCHE",
        "Maturité": "40.5",
        "Article Type": "Journal Article",
        "Country": "France",
        "Research Domain": "Oncology",
    }
    return {**row, **(overrides or {}), **values}


def company_row(overrides: Mapping[str, Value] | None = None, **values: Value) -> dict[str, Value]:
    row: dict[str, Value] = {
        "cik": "320193",
        "entityName": "Acme Bio Inc",
        "ticker": "ACME",
        "stateOfIncorporation": "Delaware",
        "sic": "2834",
        "sicDescription": "Pharmaceutical Preparations",
        "industryCategory": "Pharmaceuticals",
        "fiscalYear": "2021",
        "period": "FY",
        "Revenues": "1000000",
        "NetIncomeLoss": "-250000.5",
        "OperatingIncomeLoss": "-200000",
        "Assets": "5000000",
        "Liabilities": "2000000",
        "StockholdersEquity": "3000000",
        "CashAndCashEquivalentsAtCarryingValue": "750000",
        "ResearchAndDevelopmentExpense": "400000",
        "OperatingCashFlow": "-100000",
        "Goodwill": "",
        "IntangibleAssetsNetExcludingGoodwill": "",
        "PatentsIssued": "",
        "dataCompleteness": "81.8",
        "dataFreshness": "Recent",
        "yearAvailability": "5",
        "file_path": "C:/Users/analyst/edgar/CIK0000320193.json",
    }
    return {**row, **(overrides or {}), **values}


# --- writers ---------------------------------------------------------------------------


def csv_field(value: Value) -> bytes:
    raw = value if isinstance(value, bytes) else ("" if value is None else str(value)).encode()
    if any(ch in raw for ch in (b",", b'"', b"\n", b"\r")):
        return b'"' + raw.replace(b'"', b'""') + b'"'
    return raw


def csv_bytes(headers: Sequence[str], rows: Sequence[Row], delimiter: bytes = b",") -> bytes:
    lines = [delimiter.join(csv_field(h) for h in headers)]
    for row in rows:
        lines.append(b"" if row is None else delimiter.join(csv_field(row.get(h)) for h in headers))
    return b"\n".join(lines) + b"\n"


def write_csv(path: Path, headers: Sequence[str], rows: Sequence[Row]) -> Path:
    path.write_bytes(csv_bytes(headers, rows))
    return path


def write_xlsx(path: Path, headers: Sequence[str], rows: Sequence[Row]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append([] if row is None else [_xlsx_value(row.get(h)) for h in headers])
    workbook.save(path)
    return path


def _xlsx_value(value: Value) -> str | int | float | None:
    return value.decode("utf-8") if isinstance(value, bytes) else value


def write_parquet(path: Path, headers: Sequence[str], rows: Sequence[Row]) -> Path:
    # Parquet has no blank line: a blank row is a row of nulls.
    columns = {
        h: pa.array([None if r is None else _parquet_value(r.get(h)) for r in rows], pa.string())
        for h in headers
    }
    pq.write_table(pa.table(columns), path)
    return path


def _parquet_value(value: Value) -> str | None:
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return None if value is None else str(value)


def write_table(path: Path, headers: Sequence[str], rows: Sequence[Row]) -> Path:
    writers = {".csv": write_csv, ".xlsx": write_xlsx, ".parquet": write_parquet}
    return writers[path.suffix](path, headers, rows)
