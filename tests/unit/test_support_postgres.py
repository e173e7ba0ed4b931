"""Where the tests look for PostgreSQL's server binaries when no server URL is given."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import postgres


def _fake_pg_ctl(root: Path, version: str) -> Path:
    path = root / version / "bin" / "pg_ctl"
    path.parent.mkdir(parents=True)
    path.write_text("#!/bin/sh\n", encoding="utf-8")
    path.chmod(0o755)
    return path


def test_newest_debian_major_version_wins_when_pg_ctl_is_not_on_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(postgres, "DEBIAN_PG_BINARIES", tmp_path)
    _fake_pg_ctl(tmp_path, "9")
    newest = _fake_pg_ctl(tmp_path, "15")
    # Compared as numbers: "9" sorts after "15" as text.
    assert postgres.find_pg_ctl() == str(newest)


def test_without_binaries_the_reason_names_the_package_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(postgres, "DEBIAN_PG_BINARIES", tmp_path)
    assert postgres.find_pg_ctl() is None
    assert "postgresql-15" in (postgres.cannot_start_reason() or "")
