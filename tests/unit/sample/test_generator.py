"""The sample generator: determinism, sizes, every kind of mess, and an exact manifest.

These tests read the generated files with the standard library, csv, calamine and
pyarrow only: the project's readers are tested against the manifest elsewhere.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import typer
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from etl.cli.sample_cmd import sample
from etl.extract.columns import PLACEHOLDERS
from etl.sample import vocab
from etl.sample.generator import generate_sample, source_files
from etl.sample.manifest import MANIFEST_NAME, SampleManifest
from etl.sample.mess import mess_unit
from etl.sample.pools import normalise_technology, spellings

PUBLICATIONS = 600
COMPANIES = 120
PMID = re.compile(r"pubmed\.ncbi\.nlm\.nih\.gov/(\d+)")
TRL_TOKENS = {tech.token for tech in vocab.TECHNOLOGIES}


# ---- helpers --------------------------------------------------------------------------


def _decode_mixed(raw: bytes) -> str:
    """UTF-8 line by line, cp1252 for the lines that are not UTF-8."""
    lines = []
    for line in raw.split(b"\n"):
        try:
            lines.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            lines.append(line.decode("cp1252"))
    return "\n".join(lines)


def _csv_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(_decode_mixed(path.read_bytes()), newline="")))
    return rows[0], rows[1:]


def _column(path: Path, header: str) -> list[str]:
    headers, rows = _csv_rows(path)
    index = headers.index(header)
    return [row[index] for row in rows]


def _at(rows: list[list[str]], row_numbers: list[int]) -> list[list[str]]:
    """Rows by spreadsheet row number (the header is row 1)."""
    return [rows[number - 2] for number in row_numbers]


def _is_blank(row: list) -> bool:
    return all(value is None or str(value).strip() == "" for value in row)


def _file(directory: Path, manifest: SampleManifest, source: str) -> Path:
    return directory / manifest.sources[source].file


# ---- fixtures -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def csv_sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SampleManifest]:
    out = tmp_path_factory.mktemp("csv")
    return out, generate_sample(out, PUBLICATIONS, COMPANIES, seed=3, fmt="csv")


@pytest.fixture(scope="module")
def default_sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SampleManifest]:
    out = tmp_path_factory.mktemp("default")
    return out, generate_sample(out, PUBLICATIONS, COMPANIES, seed=3)


# ---- determinism and file names ----------------------------------------------------


@pytest.mark.parametrize("fmt", [None, "csv", "xlsx", "parquet"])
def test_same_seed_gives_same_bytes(tmp_path: Path, fmt: str | None) -> None:
    first = generate_sample(tmp_path / "a", 300, 15, seed=9, fmt=fmt)
    second = generate_sample(tmp_path / "b", 300, 15, seed=9, fmt=fmt)
    assert first == second
    names = sorted(path.name for path in (tmp_path / "a").iterdir())
    assert len(names) == 4
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_another_seed_gives_other_content(tmp_path: Path) -> None:
    one = generate_sample(tmp_path / "a", 300, 15, seed=1, fmt="csv")
    two = generate_sample(tmp_path / "b", 300, 15, seed=2, fmt="csv")
    name = one.sources["pubmed_articles"].file
    assert (tmp_path / "a" / name).read_bytes() != (tmp_path / "b" / name).read_bytes()
    assert two.sources["pubmed_articles"].rows_in_file == 300


def test_xlsx_carries_no_save_time(tmp_path: Path) -> None:
    manifest = generate_sample(tmp_path, 300, 15, fmt="xlsx")
    with zipfile.ZipFile(_file(tmp_path, manifest, "trl_predictions")) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2025, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert core.count("2025-01-01T00:00:00Z") == 2


@pytest.mark.parametrize(
    ("fmt", "extensions"),
    [
        (None, (".xlsx", ".xlsx", ".csv")),
        ("csv", (".csv", ".csv", ".csv")),
        ("xlsx", (".xlsx", ".xlsx", ".xlsx")),
        ("parquet", (".parquet", ".parquet", ".parquet")),
    ],
)
def test_file_names_keep_the_contract_stems(fmt: str | None, extensions: tuple) -> None:
    files = source_files(fmt)
    stems = [Path(name).stem for name in files.values()]
    assert stems == [
        "realistic_trl_predictions",
        "pubmed_articles_2015_2025_mergeds",
        "abi_targeted_biotech_dataset_2019_2025",
    ]
    assert tuple(Path(name).suffix for name in files.values()) == extensions


@pytest.mark.parametrize(
    "arguments",
    [{"fmt": "docx"}, {"publications": 199}, {"companies": 14}],
)
def test_bad_arguments_raise_and_write_nothing(tmp_path: Path, arguments: dict) -> None:
    with pytest.raises(ValueError):
        generate_sample(tmp_path / "out", **arguments)
    assert not (tmp_path / "out").exists()


# ---- sizes and manifest ---------------------------------------------------------------


def test_row_counts_match_the_arguments(csv_sample: tuple[Path, SampleManifest]) -> None:
    directory, manifest = csv_sample
    _, articles = _csv_rows(_file(directory, manifest, "pubmed_articles"))
    assert len(articles) == PUBLICATIONS == manifest.sources["pubmed_articles"].rows_in_file

    _, forecasts = _csv_rows(_file(directory, manifest, "trl_predictions"))
    assert len(forecasts) == 100
    keys = {(normalise_technology(row[0]), float(row[1].strip())) for row in forecasts}
    assert len(keys) == 100
    assert {technology for technology, _ in keys} == TRL_TOKENS

    path = _file(directory, manifest, "biotech_companies")
    _, firms = _csv_rows(path)
    assert len(firms) == manifest.sources["biotech_companies"].rows_in_file
    ciks = {int(row[0]) for row in firms if row[0].strip().lower() not in PLACEHOLDERS}
    assert len(ciks) == COMPANIES
    assert 3.5 * COMPANIES < len(firms) < 6.5 * COMPANIES  # several fiscal years each


@pytest.mark.parametrize("fixture", ["csv_sample", "default_sample"])
def test_manifest_reconciles_and_is_on_disk(fixture: str, request: pytest.FixtureRequest) -> None:
    directory, manifest = request.getfixturevalue(fixture)
    for entry in manifest.sources.values():
        rejected = sum(entry.rejected.values())
        assert entry.loaded + rejected + entry.blank_rows == entry.rows_in_file
        assert entry.reconciles
        for reason, count in entry.rejected.items():
            assert len(entry.mess_rows[reason]) == count
        assert len(entry.mess_rows.get("blank_row", [])) == entry.blank_rows
        assert set(entry.nulled) <= set(entry.null_counts)
    assert SampleManifest.read(directory / MANIFEST_NAME) == manifest
    assert json.loads((directory / MANIFEST_NAME).read_text())["seed"] == 3


def test_each_messy_row_has_exactly_one_problem(csv_sample: tuple[Path, SampleManifest]) -> None:
    _, manifest = csv_sample
    for entry in manifest.sources.values():
        seen: Counter[int] = Counter()
        for rows in entry.mess_rows.values():
            seen.update(rows)
        assert all(count == 1 for count in seen.values()), entry.source
        assert all(2 <= row <= entry.rows_in_file + 1 for row in seen)
        # Nothing messy at the edges, where spreadsheet readers trim blank rows.
        assert {2, entry.rows_in_file + 1}.isdisjoint(seen)


def test_trl_file_is_the_teams_clean_100_rows(csv_sample: tuple[Path, SampleManifest]) -> None:
    _, manifest = csv_sample
    trl = manifest.sources["trl_predictions"]
    assert (trl.rows_in_file, trl.loaded, trl.rejected, trl.blank_rows) == (100, 100, {}, 0)
    assert set(trl.mess) == {"number_as_text", "technology_spelling"}


def test_trl_mess_can_be_injected(tmp_path: Path) -> None:
    manifest = generate_sample(tmp_path, 300, 15, fmt="csv", trl_mess=True)
    trl = manifest.sources["trl_predictions"]
    assert trl.loaded == 100
    assert trl.rejected == {
        "duplicate_row": 2,
        "invalid_current_trl": 1,
        "invalid_forecast_year": 1,
        "missing_predicted_trl": 1,
        "missing_technology": 1,
    }
    assert trl.blank_rows == 2
    assert trl.nulled == {"confidence_pct": 1}
    assert len(trl.mess_rows["cp1252_row"]) == 1


# ---- the mess, in the files -------------------------------------------------------------


def test_csv_mixes_utf8_emoji_and_cp1252(csv_sample: tuple[Path, SampleManifest]) -> None:
    directory, manifest = csv_sample
    for source in ("pubmed_articles", "biotech_companies"):
        raw = _file(directory, manifest, source).read_bytes()
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        assert "É".encode("cp1252") + b"tats-Unis" in raw
        assert "États-Unis".encode() in raw  # the same value in UTF-8 elsewhere
        assert any(emoji.encode() in raw for emoji in vocab.EMOJI)
    # Company records hold a newline only in quoted_newline rows, so lines are records.
    raw = _file(directory, manifest, "biotech_companies").read_bytes()
    not_utf8 = 0
    for line in raw.split(b"\n"):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            not_utf8 += 1
    assert not_utf8 == len(manifest.sources["biotech_companies"].mess_rows["cp1252_row"])


def test_pubmed_csv_shows_every_kind_of_mess(csv_sample: tuple[Path, SampleManifest]) -> None:
    directory, manifest = csv_sample
    path = _file(directory, manifest, "pubmed_articles")
    headers, rows = _csv_rows(path)
    column = {header: [row[i] for row in rows] for i, header in enumerate(headers)}
    fields = [value for row in rows for value in row]

    assert any("\n" in value and "," in value for value in column["Résumé"])  # quoted
    assert any('"' in value for value in column["Résumé"])
    assert {"N/A", "n.d."} <= set(fields)
    assert "" in column["Month"] and "" in column["TRL"]
    assert any(re.fullmatch(r"\d{4}\.0", value) for value in column["Year"])
    assert any(re.fullmatch(r" \d{4} ", value) for value in column["Year"])
    assert any(re.fullmatch(r"TRL \d", value) for value in column["TRL"])
    assert {"13", "0"} <= set(column["Month"])
    assert {"0", "10"} <= set(column["TRL"])
    assert "150.0" in column["Maturité"]
    assert {"1899", "2031"} <= set(column["Year"])
    assert sum(_is_blank(row) for row in rows) == manifest.sources["pubmed_articles"].blank_rows

    links = column["Lien"]
    assert any(link.startswith("http://") for link in links)
    assert any(link.endswith("   ") for link in links)
    assert any("?" in link for link in links)
    assert any(re.fullmatch(r"https://pubmed\.ncbi\.nlm\.nih\.gov/\d+", link) for link in links)

    named = {
        normalise_technology(name)
        for value in column["Technologies"]
        for name in re.split(r"[,;]", value)
        if name.strip()
    }
    assert {"quantumbiology", "xenobots", "optogenetics"} <= named - TRL_TOKENS
    spelled = Counter(
        normalise_technology(name)
        for name in {n.strip() for value in column["Technologies"] for n in re.split("[,;]", value)}
        if name
    )
    assert max(spelled.values()) >= 3  # one technology, three spellings at least


def test_pubmed_rejects_are_where_the_manifest_says(
    csv_sample: tuple[Path, SampleManifest],
) -> None:
    directory, manifest = csv_sample
    entry = manifest.sources["pubmed_articles"]
    headers, rows = _csv_rows(_file(directory, manifest, "pubmed_articles"))
    link, year = headers.index("Lien"), headers.index("Year")

    for row in _at(rows, entry.mess_rows["missing_pmid"]):
        assert not _is_blank(row) and not PMID.search(row[link])
    for row in _at(rows, entry.mess_rows["missing_pub_year"]):
        assert row[year].strip().lower() in PLACEHOLDERS
    for row in _at(rows, entry.mess_rows["invalid_pub_year"]):
        assert row[year] in {"1899", "2031", "deux mille dix-neuf"}
    for row in _at(rows, entry.mess_rows["blank_row"]):
        assert _is_blank(row)

    # A duplicate repeats the PMID of an earlier row under another spelling of its link.
    first_seen: dict[str, int] = {}
    repeats = []
    for number, row in enumerate(rows, start=2):
        match = PMID.search(row[link])
        if match and match.group(1) in first_seen:
            repeats.append(number)
            assert row[link] != rows[first_seen[match.group(1)] - 2][link]
        elif match:
            first_seen[match.group(1)] = number
    assert repeats == entry.mess_rows["duplicate_row"]


def test_companies_csv_shows_every_kind_of_mess(csv_sample: tuple[Path, SampleManifest]) -> None:
    directory, manifest = csv_sample
    entry = manifest.sources["biotech_companies"]
    headers, rows = _csv_rows(_file(directory, manifest, "biotech_companies"))
    assert headers[-1] == "file_path"
    column = {header: [row[i] for row in rows] for i, header in enumerate(headers)}
    filled = [row for row in rows if not _is_blank(row)]

    assert {"", "N/A"} <= set(column["cik"])
    assert "1899" in column["fiscalYear"]
    assert any(re.fullmatch(r"0{3,}\d+", value) for value in column["cik"])
    keys = Counter((row[0].strip(), row[7].strip()) for row in filled if row[0].strip())
    assert max(keys.values()) == 2  # a (cik, fiscalYear) exported twice

    states = set(column["stateOfIncorporation"])
    assert {"Delaware", "DE", "Delaware, États-Unis"} <= states
    assert len(states) > 8
    assert any(value.endswith(vocab.SIC_ANNOTATIONS) for value in column["sicDescription"])
    assert any("\n" in value and "," in value for value in column["sicDescription"])
    controlled = {category for _, _, category, _ in vocab.SIC_CODES}
    assert set(column["industryCategory"]) - controlled - {""}

    names_by_cik: dict[str, set[str]] = {}
    for row in filled:
        names_by_cik.setdefault(row[0].strip().lstrip("0"), set()).add(row[1])
    assert any(len(names) > 1 for names in names_by_cik.values())

    loaded = [row for row in filled if row[0].strip() not in ("", "N/A")]
    revenues = headers.index("Revenues")
    assert 0.25 < sum(row[revenues] == "" for row in loaded) / len(loaded) < 0.55
    assert sum(row[headers.index("ticker")] == "" for row in loaded) / len(loaded) > 0.4
    assert sum(row[headers.index("PatentsIssued")] == "" for row in loaded) / len(loaded) > 0.7
    balanced = 0
    for row in loaded:
        try:
            assets, liabilities, equity = (float(row[headers.index(h)]) for h in _BALANCE)
        except ValueError:
            continue
        balanced += abs(assets - liabilities - equity) <= 0.02 * abs(assets)
    assert balanced / len(loaded) > 0.9
    assert len(entry.mess_rows["balance_sheet_mismatch"]) >= 2


_BALANCE = ("Assets", "Liabilities", "StockholdersEquity")


def test_xlsx_keeps_the_mess_but_one_encoding(
    default_sample: tuple[Path, SampleManifest],
) -> None:
    directory, manifest = default_sample
    entry = manifest.sources["pubmed_articles"]
    assert entry.format == "xlsx" and "cp1252_row" not in entry.mess
    assert "cp1252_row" in manifest.sources["biotech_companies"].mess  # still a CSV

    sheet = CalamineWorkbook.from_path(str(directory / entry.file)).get_sheet_by_index(0)
    rows = sheet.to_python()
    headers, data = [str(h) for h in rows[0]], rows[1:]
    assert len(data) == entry.rows_in_file
    year = headers.index("Year")
    years = [row[year] for row in data]
    assert any(isinstance(value, float) for value in years)  # numbers stay numbers
    assert any(isinstance(value, str) and value.endswith(".0") for value in years)
    for row in _at(data, entry.mess_rows["blank_row"]):
        assert _is_blank(row)
    text = [value for row in data for value in row if isinstance(value, str)]
    assert "N/A" in text and "États-Unis" in text
    assert any(any(emoji in value for emoji in vocab.EMOJI) for value in text)


def test_parquet_stores_text_where_a_column_holds_text(tmp_path: Path) -> None:
    manifest = generate_sample(tmp_path, 300, 15, fmt="parquet")
    articles = pq.read_table(_file(tmp_path, manifest, "pubmed_articles"))
    assert articles.num_rows == 300
    assert str(articles.schema.field("Year").type) == "string"  # holds "2019.0", "N/A"
    assert str(articles.schema.field("Résumé").type) == "string"
    forecasts = pq.read_table(_file(tmp_path, manifest, "trl_predictions"))
    assert str(forecasts.schema.field("Current_Year").type) == "int64"
    assert str(forecasts.schema.field("Predicted_TRL").type) == "double"


# ---- vocabulary, sizes, command line ----------------------------------------------------


def test_every_spelling_normalises_to_its_token() -> None:
    for tech in vocab.TECHNOLOGIES:
        names = spellings(tech)
        assert names[0] == tech.token and len(names) >= 3
        assert {normalise_technology(name) for name in names} == {tech.token}
    assert len(TRL_TOKENS) == 25
    unknown = {
        normalise_technology(text.split(";")[0].split(",")[0])
        for _, text in (vocab.UNKNOWN_TECHNOLOGY_FIELDS)
    }
    assert unknown.isdisjoint(TRL_TOKENS)


def test_vocabulary_never_spells_a_placeholder_and_fits_cp1252() -> None:
    words = [
        value
        for name in dir(vocab)
        if name.isupper() and name != "EMOJI"
        for value in _strings(getattr(vocab, name))
    ]
    assert len(words) > 200
    for word in words:
        assert word.strip().lower() not in PLACEHOLDERS, word
        word.encode("cp1252")  # a row written as cp1252 must be encodable


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return _strings(list(value.values()))
    if isinstance(value, tuple | list):
        return [text for item in value for text in _strings(item)]
    if hasattr(value, "__dataclass_fields__"):
        return _strings([getattr(value, field) for field in value.__dataclass_fields__])
    return []


def test_mess_grows_with_the_file_but_stays_capped() -> None:
    assert mess_unit(300, per=500, cap=40) == 1
    assert mess_unit(3000, per=500, cap=40) == 6
    assert mess_unit(1_000_000, per=500, cap=40) == 40


def test_cli_writes_the_files_and_logs_a_summary(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(sample)
    arguments = ["--out", str(tmp_path), "--publications", "300", "--companies", "15"]
    result = CliRunner().invoke(app, [*arguments, "--format", "parquet"])
    assert result.exit_code == 0, result.output
    assert len(list(tmp_path.glob("*.parquet"))) == 3
    assert "event=sample_written" in result.output
    assert "publications=300 companies=15" in result.output

    refused = CliRunner().invoke(app, ["--out", str(tmp_path / "x"), "--format", "docx"])
    assert refused.exit_code == 2
    assert not (tmp_path / "x").exists()
