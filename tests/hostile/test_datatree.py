"""Hostile data trees (``PLANNER_HOME``): catalogs, model cards, the basemap and cache entries.

Each case damages a copy of the shipped ``data/`` and ``models/`` and loads it with
:func:`planner.catalogs.load.load_catalogs` (the path every command takes): one InputError
naming the file (and line/column or key) and what is allowed, never the planted secret; special
files (FIFO, ``/dev/zero``) refused without reading. One case per surface runs the real CLI with
``PLANNER_HOME`` for the exit code."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from planner.catalogs.load import load_catalogs
from planner.errors import InputError
from tests.helpers import ROOT
from tests.hostile.read_helpers import SECRET, SPECIAL_KINDS, copy_tree, plant

CARD = "llama-3.1-8b"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A copy of the shipped data tree (data/, models/, scenarios/) that a test may damage."""
    for name in ("data", "models", "scenarios"):
        copy_tree(ROOT / name, tmp_path / "home" / name)
    return tmp_path / "home"


def _load(home: Path) -> str:
    """The one-line message of loading the damaged tree (it must be refused)."""
    with pytest.raises(InputError) as err:
        load_catalogs(home / "data", home / "models")
    message = str(err.value)
    assert "\n" not in message and SECRET not in message and "\x1b" not in message, message
    return message


# ------------------------------------------------------------------------ model cards
def _card_text(home: Path) -> str:
    return (home / "models" / f"{CARD}.yaml").read_text()


def _set_card_key(key: str, value: str) -> Callable[[str], str]:
    def change(text: str) -> str:
        lines = [ln for ln in text.splitlines() if not ln.startswith(f"{key}:")]
        return "\n".join([*lines, f"{key}: {value}"]) + "\n"

    return change


CARD_CASES: dict[str, tuple[Callable[[str], str], str]] = {
    "params-inf": (_set_card_key("total_params_b", ".inf"), "total_params_b"),
    "params-nan": (_set_card_key("total_params_b", ".nan"), "total_params_b"),
    "params-zero": (_set_card_key("total_params_b", "0"), "total_params_b"),
    "params-1e300": (_set_card_key("total_params_b", "1e300"), "total_params_b"),
    "params-secret": (_set_card_key("total_params_b", SECRET), "total_params_b"),
    "layers-huge": (_set_card_key("layers", "10000000000000"), "layers"),
    "layers-zero": (_set_card_key("layers", "0"), "layers"),
    "tpot-inf": (_set_card_key("serving_tpot_ms", ".inf"), "serving_tpot_ms"),
    "context-negative": (_set_card_key("context_length", "-1"), "context_length"),
    "name-escape": (_set_card_key("name", '"x\\e[2J' + SECRET + '"'), "name"),
    "self-alias": (lambda t: t + "notes: &a [*a]\n", "refers to itself"),
    "python-tag": (lambda t: t + f"notes: !!python/object/apply:os.system ['{SECRET}']\n", "tag"),
    "deep": (lambda t: t + "notes: " + "[" * 3000 + "]" * 3000 + "\n", "nested"),
    "list": (lambda t: f"- {SECRET}\n", "mapping"),
    "syntax": (lambda t: t + f"notes: [{SECRET}\n", "syntax"),
    "unknown-key": (lambda t: t + f"{SECRET}: 1\n", "unknown key"),
}


@pytest.mark.parametrize("case", list(CARD_CASES), ids=list(CARD_CASES))
def test_model_card_refused(home: Path, case: str) -> None:
    change, fragment = CARD_CASES[case]
    (home / "models" / f"{CARD}.yaml").write_text(change(_card_text(home)))
    message = _load(home)
    assert f"{CARD}.yaml" in message and fragment in message, message


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "directory", "oversized", "not-utf8"])
def test_model_card_special_file_refused_unread(home: Path, kind: str) -> None:
    """A FIFO would block and /dev/zero never ends: both are refused by their type before reading."""
    path = home / "models" / f"{CARD}.yaml"
    path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "directory":
        path.mkdir()
    elif kind == "oversized":
        with open(path, "wb") as f:
            f.truncate(10_000_000)
    else:
        path.write_bytes(b"name: \xff\xfe" + SECRET.encode())
    message = _load(home)
    assert f"{CARD}.yaml" in message, message


# --------------------------------------------------------------------------- catalogs
def _edit_csv(home: Path, name: str, row: int, column: str, value: str) -> int:
    path = home / "data" / name
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[row, column] = value
    df.to_csv(path, index=False, quoting=csv.QUOTE_ALL)  # a CR inside a cell stays inside it
    return row + 2


CATALOG_CASES = [
    ("benchmarks.csv", "tokens_per_s", "inf"),
    ("benchmarks.csv", "tokens_per_s_per_gpu", "inf"),
    ("benchmarks.csv", "tokens_per_s", "1e300"),
    ("benchmarks.csv", "system_power_w", "inf"),
    ("benchmarks.csv", "n_gpu", "1e30"),
    ("cooling_climate.csv", "wue_l_per_kwh", "inf"),
    ("cooling_climate.csv", "wue_l_per_kwh", "1e9"),
    ("sites.csv", "name", "Dallas\r=cmd|' /C calc'!A0"),
    ("sites.csv", "name", "x\x1b]8;;http://e/\x1b\\" + SECRET),
    ("sites.csv", "lat", "999"),
    ("sites.csv", "lat", SECRET),
    ("gpus.csv", "price_usd_per_gpu", "nan"),
    ("energy.csv", "life_years", "0"),
]


@pytest.mark.parametrize(("name", "column", "value"), CATALOG_CASES)
def test_catalog_cell_refused(home: Path, name: str, column: str, value: str) -> None:
    line = _edit_csv(home, name, 0, column, value)
    message = _load(home)
    assert name in message and column in message and f"line {line}" in message, message


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "oversized", "rows"])
def test_catalog_file_bounded(home: Path, kind: str) -> None:
    path = home / "data" / "regions.csv"
    if kind == "rows":  # 200,001 data rows: over the row cap, under the byte cap
        head, first = path.read_text().splitlines()[:2]
        path.write_text(head + "\n" + (first + "\n") * 200_001)
        assert "200,000 rows" in _load(home)
        return
    path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    else:
        with open(path, "wb") as f:
            f.truncate(60_000_000)
    assert "regions.csv" in _load(home)


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PLANNER_HOME=str(home))
    code = "from planner.cli.app import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=home, timeout=300
    )


def test_cli_exit_2_for_fifo_card_and_inf_benchmark(home: Path) -> None:
    """End to end with ``PLANNER_HOME``: a FIFO model card, then an inf MLPerf row, each exit 2 in one
    line (no hang, no 0 tokens/s estimate)."""
    card = home / "models" / f"{CARD}.yaml"
    card.unlink()
    os.mkfifo(card)
    res = _cli(home, "validate", "small_5_sites")
    assert res.returncode == 2, res.stderr
    assert f"{CARD}.yaml" in res.stderr and "regular file" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr
    card.unlink()
    (card).write_text((ROOT / "models" / f"{CARD}.yaml").read_text())
    _edit_csv(home, "benchmarks.csv", 3, "tokens_per_s", "inf")
    res = _cli(home, "validate", "small_5_sites")
    assert res.returncode == 2 and "benchmarks.csv" in res.stderr and "tokens_per_s" in res.stderr


# ---------------------------------------------------------------------------- basemap
BASEMAP_CASES: dict[str, bytes | None] = {
    "garbage": b"\x00\x01 not json " + SECRET.encode(),
    "text": f"{SECRET} GDAL please".encode(),
    "deep": b'{"type": "FeatureCollection", "features": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
    "not-collection": json.dumps({"type": "Feature", "x": SECRET}).encode(),
    "bad-geometry": json.dumps(
        {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": SECRET}}]}
    ).encode(),
    "infinity": b'{"type": "FeatureCollection", "features": [], "bbox": [Infinity]}',
    "fifo": None,
}


@pytest.mark.parametrize("case", list(BASEMAP_CASES), ids=list(BASEMAP_CASES))
def test_basemap_refused(tmp_path: Path, monkeypatch, case: str) -> None:
    import planner.maps.data as map_data

    path = tmp_path / "countries.geojson"
    content = BASEMAP_CASES[case]
    if content is None:
        os.mkfifo(path)
    else:
        path.write_bytes(content)
    monkeypatch.setattr(map_data, "BASEMAP_DIR", tmp_path)
    with pytest.raises(InputError) as err:
        map_data._read_basemap("countries.geojson")
    message = str(err.value)
    assert "countries.geojson" in message and SECRET not in message and "\n" not in message


def test_shipped_basemap_reads(monkeypatch) -> None:
    import planner.maps.data as map_data

    assert len(map_data._read_basemap("countries.geojson")) > 100
    assert len(map_data._read_basemap("us_states.geojson")) >= 50


# ---------------------------------------------------------------------- cache entries
@pytest.mark.parametrize(
    "content",
    [None, b"[" * 100_000 + b"]" * 100_000, b"\xff\xfe garbage", b"[1, 2]", b'{"a": [1'],
    ids=["fifo", "deep", "binary", "not-object", "truncated"],
)
def test_fit_cache_entry_damaged_is_a_miss(tmp_path: Path, monkeypatch, content: bytes | None) -> None:
    """A damaged calibration cache entry is refitted (a miss), never a hang or a crash."""
    from planner.chain.tokens import fit_cache

    monkeypatch.setenv(fit_cache.CACHE_ENV, str(tmp_path))
    path = tmp_path / "kind-0123456789abcdef0123456789abcdef.json"
    if content is None:
        os.mkfifo(path)
    else:
        path.write_bytes(content)
    assert fit_cache._read(path) is None


@pytest.mark.parametrize(
    "content", [None, b"PK\x03\x04 truncated zip", b"\x93NUMPY garbage"], ids=["fifo", "zip", "npy"]
)
def test_slice_cache_entry_damaged_is_a_miss(tmp_path: Path, content: bytes | None) -> None:
    from planner.model import slice_cache

    path = tmp_path / "slices-0.npz"
    if content is None:
        os.mkfifo(path)
    else:
        path.write_bytes(content)
    assert slice_cache._read(path, "key") is None


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        (n, k)
        for n in ("sites.csv", "gpus.csv", "energy.csv", "benchmarks.csv", "finance.csv")
        for k in SPECIAL_KINDS
        if k != "oversized"
    ]
    + [("regions.csv", k) for k in ("empty", "binary", "directory", "missing")],
)
def test_catalog_file_replaced_refused(home: Path, name: str, kind: str) -> None:
    """Each catalog file replaced by an empty file, binary garbage, a directory, /dev/zero, a FIFO
    or nothing: one InputError naming the file (the size caps: test_catalog_file_bounded)."""
    plant(home / "data" / name, kind, 0)
    assert name in _load(home)


@pytest.mark.parametrize("kind", ["empty", "binary", "missing"])
def test_model_card_replaced_refused(home: Path, kind: str) -> None:
    plant(home / "models" / f"{CARD}.yaml", kind, 0)
    message = _load(home)
    if kind == "missing":  # its MLPerf rows now name an unknown model
        assert "benchmarks.csv" in message and "model_id" in message, message
        return
    assert f"{CARD}.yaml" in message
