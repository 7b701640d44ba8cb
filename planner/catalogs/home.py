"""A user's own data tree: ``planner data init DIR`` copies the shipped ``data/``, ``models/`` and
``scenarios/`` into ``DIR``, to edit and use with ``PLANNER_HOME=DIR``.

In such a tree a site may be added to ``data/sites.csv`` without its ten audit rows in
``site_sources.csv``: its audited fields are taken as estimates, with one warning
(:mod:`planner.catalogs.site_sources`); the shipped tree stays strict.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from planner.errors import InputError
from planner.paths import HOME_ENV, SHIPPED_HOME

TREE = ("data", "models", "scenarios")
"""The folders of a data home."""


def copy_shipped_tree(directory: Path) -> Path:
    """Copy :data:`TREE` of the shipped data home into ``directory`` (absolute path returned).

    ``directory`` must not exist, or be an empty folder. The copy is made in a hidden sibling
    and renamed into place, so an error or Ctrl-C leaves nothing half-copied. Raises InputError
    naming the folder for an existing non-empty target or one that cannot be written.
    """
    target = Path(directory).expanduser().absolute()
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise InputError(f"data init {target}: exists and is not a folder; choose a new folder")
    if target.is_dir() and any(target.iterdir()):
        raise InputError(f"data init {target}: the folder is not empty; choose a new or empty folder")
    missing = [name for name in TREE if not (SHIPPED_HOME / name).is_dir()]
    if missing:
        raise InputError(f"data init: the shipped tree {SHIPPED_HOME} lacks {', '.join(missing)}/")
    tmp = target.parent / f".{target.name}.partial-{os.getpid()}"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)
        for name in TREE:
            skip = shutil.ignore_patterns("__pycache__", ".*")
            shutil.copytree(SHIPPED_HOME / name, tmp / name, ignore=skip)
        if target.is_dir():
            target.rmdir()
        tmp.rename(target)
    except OSError as exc:
        raise InputError(f"data init {target}: cannot write the copy: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def home_hint(directory: Path) -> str:
    """How to use a copied tree: ``export PLANNER_HOME=/abs/dir`` and what to edit (lines of at
    most 80 characters besides the export line, which is never wrapped: it is copied into a shell)."""
    return (
        f"to use it, set:\n  export {HOME_ENV}={directory}\n"
        "then edit data/sites.csv (candidate sites), the other data/*.csv catalogs,\n"
        "models/*.yaml (model cards) and scenarios/*.yaml there\n"
        "(see data/README.md for every column)"
    )
