"""``benchmarks/scale.py``'s grown catalog: N sites whose copies carry their audit rows."""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import pytest

from planner.catalogs.load import load_catalogs
from planner.paths import SHIPPED_HOME

SCALE = Path(__file__).resolve().parents[2] / "benchmarks" / "scale.py"


def _scale_module():
    spec = importlib.util.spec_from_file_location("scale_benchmark", SCALE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_grown_tree_passes_the_audit_with_moved_and_repriced_copies(tmp_path):
    scale = _scale_module()
    shipped = load_catalogs(SHIPPED_HOME / "data", SHIPPED_HOME / "models").sites
    n = 2 * len(shipped) + 5
    copies = scale.grow_tree(tmp_path, n, seed=7)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a copy without its audit rows would only warn
        sites = load_catalogs(tmp_path / "data", tmp_path / "models").sites
    assert len(sites) == n and copies == n - len(shipped)
    for copy_id in [i for i in sites.index if i not in shipped.index]:
        orig = copy_id.rsplit("_c", 1)[0]
        for column in scale.REPRICED:
            ratio = sites.at[copy_id, column] / shipped.at[orig, column]
            assert 0.85 <= ratio <= 1.15
        assert abs(sites.at[copy_id, "lat"] - shipped.at[orig, "lat"]) <= scale.MAX_MOVE_DEG + 1e-4


def test_grown_tree_can_shrink_the_catalog(tmp_path):
    scale = _scale_module()
    assert scale.grow_tree(tmp_path, 5, seed=1) == 0
    assert len(load_catalogs(tmp_path / "data", tmp_path / "models").sites) == 5


@pytest.mark.parametrize("seed", [3])
def test_same_seed_same_tree(tmp_path, seed):
    scale = _scale_module()
    scale.grow_tree(tmp_path / "a", 50, seed)
    scale.grow_tree(tmp_path / "b", 50, seed)
    assert (tmp_path / "a/data/sites.csv").read_bytes() == (tmp_path / "b/data/sites.csv").read_bytes()
