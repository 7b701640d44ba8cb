"""Shared fixtures: catalogs, and small scenarios built as dicts (fast to solve)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from planner.catalogs.load import load_catalogs


@pytest.fixture(scope="session")
def catalogs():
    """The shipped catalogs (loaded once)."""
    return load_catalogs()


TINY: dict[str, Any] = {
    "name": "tiny",
    "description": "three sites, two streams, two GPUs, two coolings: small enough to enumerate",
    "demand": {
        "served": [
            {"region": "us-south", "model": "llama-3.1-70b", "tokens_per_s": 2.0e5},
            {"region": "us-east", "model": "llama-3.1-8b", "tokens_per_s": 3.0e5},
        ],
        "latency_ms": {"llama-3.1-70b": 60, "llama-3.1-8b": 60},
        "peak_to_average": 1.3,
    },
    "sites": {"include": ["abilene_tx", "loudoun_va", "new_albany_oh"]},
    "technologies": {"energy": ["grid", "pv", "ngcc"], "gpus": ["H100", "GB200"], "cooling": ["air", "dlc"]},
    "policy": {"min_sites": 1},
    "time": {"mode": "annual"},
    "solver": {"mip_gap": 0.0, "time_limit_s": 300, "threads": 1},
}


@pytest.fixture
def tiny() -> dict[str, Any]:
    """A fresh copy of the tiny scenario dict."""
    return copy.deepcopy(TINY)


def with_changes(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Deep copy of ``base`` with dotted-path ``changes`` applied."""
    out = copy.deepcopy(base)
    for path, value in changes.items():
        node = out
        keys = path.split(".")
        for k in keys[:-1]:
            node = node.setdefault(k, {})
        node[keys[-1]] = value
    return out
