"""Which configuration file a command reads, and where its relative paths start.

Order, first found wins:
1. `--config FILE` (a relative FILE is taken from the current directory);
2. `ABI_CONFIG`;
3. the project's `config/pipeline.yaml`: the nearest folder at or above the current
   directory that holds `config/pipeline.yaml` and the `pyproject.toml` of abi-etl, else
   the source checkout an editable install (`make dev`) runs from;
4. no file: the defaults built into `Settings` (an installed wheel, outside any checkout).
   tests/unit/config proves they equal config/pipeline.yaml, so there is no second YAML.

Relative paths inside a file (paths.raw_dir ...) start from the file's project folder:
the folder above `config/` for a file in a folder named `config` (the repository, and
/opt/abi-etl in the image), else the file's own folder. They never depend on where the
command was started. Without a file, they start from the current directory.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

PROJECT_NAME = "abi-etl"
PROJECT_CONFIG = Path("config") / "pipeline.yaml"
CONFIG_PATH_ENV = "ABI_CONFIG"
SAMPLE_DIR = Path("data") / "sample"
# etl/config/locate.py -> the folder holding the `etl` package: the checkout of an
# editable install, site-packages for a wheel (which holds no pyproject.toml).
_PACKAGE_PARENT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class ConfigSource:
    path: Path | None  # None: the built-in defaults
    origin: str  # "--config", "ABI_CONFIG", "project" or "defaults"
    base_dir: Path  # where the file's relative paths start


def is_project(folder: Path) -> bool:
    """True for a checkout of abi-etl: config/pipeline.yaml next to its pyproject.toml."""
    pyproject = folder / "pyproject.toml"
    if not (folder / PROJECT_CONFIG).is_file() or not pyproject.is_file():
        return False
    try:
        name = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["name"]
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError):
        return False
    return name == PROJECT_NAME


def find_project(start: Path | None = None, package_parent: Path = _PACKAGE_PARENT) -> Path | None:
    """The project folder at or above `start` (default: cwd), else the editable checkout."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents, package_parent):
        if is_project(folder):
            return folder
    return None


def base_dir_of(config_file: Path) -> Path:
    folder = config_file.parent
    return folder.parent if folder.name == "config" else folder


def locate_config(
    config_path: str | Path | None = None,
    start: Path | None = None,
    package_parent: Path = _PACKAGE_PARENT,
) -> ConfigSource:
    if config_path is not None:
        origin, path = "--config", Path(config_path)
    elif os.environ.get(CONFIG_PATH_ENV):
        origin, path = CONFIG_PATH_ENV, Path(os.environ[CONFIG_PATH_ENV])
    else:
        project = find_project(start, package_parent)
        if project is None:
            return ConfigSource(None, "defaults", (start or Path.cwd()).resolve())
        origin, path = "project", project / PROJECT_CONFIG
    # abspath: folds "..", but keeps links (the image links etl/ into site-packages).
    path = Path(os.path.abspath(path.expanduser()))
    return ConfigSource(path, origin, base_dir_of(path))
