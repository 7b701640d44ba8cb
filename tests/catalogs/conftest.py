"""Fixtures of the catalog tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from planner.paths import DATA_DIR, MODELS_DIR


@pytest.fixture()
def data_copy(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the shipped ``data/`` to break, and the shipped ``models/``."""
    shutil.copytree(DATA_DIR, tmp_path / "data")
    return tmp_path / "data", MODELS_DIR
