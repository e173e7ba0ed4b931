"""What a correct reader must report for each generated file.

The counts use the readers' vocabulary (`ExtractResult`): rows_in_file counts data rows
(header excluded, blank rows included) and rows_in_file = loaded + rejected + blank_rows.
- `rejected`: reason code -> rows (`missing_pmid`, `invalid_pub_year`, `duplicate_row`...);
- `nulled`: output column -> fields holding a present but impossible value (month 13,
  TRL 10, ...) that the column rule turns into a null in a loaded row; placeholders and
  empty cells are not counted here, they are nulls from the start;
- `null_counts`: output column -> nulls in the loaded data, all causes together;
- `mess`: kind -> rows showing it; `mess_rows`: kind -> spreadsheet row numbers (header
  is row 1) for the kinds placed in chosen rows (kinds spread by construction, such as
  technology spellings, have a count only);
- `facts`: figures about the content (distinct keys, unknown technologies, ...).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

MANIFEST_NAME = "sample_manifest.json"


@dataclass
class SourceManifest:
    source: str
    file: str
    format: str
    rows_in_file: int
    loaded: int
    blank_rows: int
    rejected: dict[str, int]
    nulled: dict[str, int]
    null_counts: dict[str, int]
    mess: dict[str, int]
    mess_rows: dict[str, list[int]]
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def reconciles(self) -> bool:
        return self.rows_in_file == self.loaded + sum(self.rejected.values()) + self.blank_rows


@dataclass
class SampleManifest:
    seed: int
    publications: int
    companies: int
    format: str | None  # None: each source in the format the team uses
    trl_mess: bool
    sources: dict[str, SourceManifest]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n"

    def write(self, directory: Path) -> Path:
        path = directory / MANIFEST_NAME
        path.write_text(self.to_json(), encoding="utf-8")
        return path

    @classmethod
    def read(cls, path: Path) -> SampleManifest:
        raw = json.loads(path.read_text(encoding="utf-8"))
        sources = {name: SourceManifest(**entry) for name, entry in raw.pop("sources").items()}
        return cls(**raw, sources=sources)
