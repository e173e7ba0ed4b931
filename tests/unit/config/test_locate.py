"""Which settings file a command reads, and where the file's relative paths start."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from etl.config.locate import find_project, locate_config
from etl.config.settings import Settings, load_settings

REPO = Path(__file__).resolve().parents[3]
REPO_CONFIG = REPO / "config" / "pipeline.yaml"
PYPROJECT = '[project]\nname = "{name}"\nversion = "0"\n'


@pytest.fixture(autouse=True)
def no_abi_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("ABI_"):
            monkeypatch.delenv(name)


def make_project(root: Path, yaml_text: str = "{}\n", name: str = "abi-etl") -> Path:
    (root / "config").mkdir(parents=True)
    (root / "config" / "pipeline.yaml").write_text(yaml_text, encoding="utf-8")
    (root / "pyproject.toml").write_text(PYPROJECT.format(name=name), encoding="utf-8")
    return root


def test_option_then_environment_then_project_then_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(tmp_path / "proj")
    nested = project / "data" / "raw"
    nested.mkdir(parents=True)
    nowhere = tmp_path / "nowhere"
    nowhere.mkdir()
    other = tmp_path / "other.yaml"

    found = locate_config(start=nested, package_parent=nowhere)
    assert (found.path, found.origin) == (project / "config" / "pipeline.yaml", "project")
    assert locate_config(start=nowhere, package_parent=nowhere).path is None
    # An editable install falls back on the checkout it runs from.
    assert locate_config(start=nowhere, package_parent=project).origin == "project"

    monkeypatch.setenv("ABI_CONFIG", str(other))
    assert locate_config(start=nested, package_parent=nowhere).path == other
    assert locate_config(project / "x.yaml", start=nested).path == project / "x.yaml"


def test_a_pyproject_of_another_project_is_not_ours(tmp_path: Path) -> None:
    make_project(tmp_path / "theirs", name="something-else")
    assert find_project(tmp_path / "theirs", package_parent=tmp_path) is None


def test_relative_paths_start_at_the_project_not_the_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(tmp_path / "proj", "paths:\n  raw_dir: in\n  archive_dir: /abs\n")
    monkeypatch.chdir(tmp_path)
    paths = load_settings(project / "config" / "pipeline.yaml").paths
    assert paths.raw_dir == project / "in"
    assert paths.staging_dir == project / "var" / "staging"  # a default the file omits
    assert paths.archive_dir == Path("/abs")

    loose = tmp_path / "etc" / "abi.yaml"
    loose.parent.mkdir()
    loose.write_text("paths:\n  raw_dir: in\n", encoding="utf-8")
    assert load_settings(loose).paths.raw_dir == loose.parent / "in"

    # Typed in a shell: relative to where the command runs, as any shell path.
    monkeypatch.setenv("ABI_PATHS__STAGING_DIR", "scratch")
    assert load_settings(loose).paths.staging_dir == Path("scratch")


def test_built_in_defaults_equal_the_project_file() -> None:
    """The package needs no YAML of its own: its defaults are config/pipeline.yaml's."""
    from_file = Settings(**yaml.safe_load(REPO_CONFIG.read_text(encoding="utf-8")))
    assert Settings() == from_file
