"""Hostile profile files (NSRDB, PVGIS, renewables.ninja): header numbers that are NaN, infinite,
1e300 or unphysical (a latitude of 999, a time zone of UTC+15) and hostile body values are refused
by :func:`planner.profiles.readers.read_profile` with one InputError naming the file and the header
field, never quoting the file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from planner.errors import InputError
from planner.profiles.readers import read_profile
from tests.helpers import ROOT
from tests.hostile.read_helpers import SECRET, plant

DATA = ROOT / "tests" / "data" / "profiles"


def _refused(path: Path, column: str, *fragments: str) -> None:
    with pytest.raises(InputError) as err:
        read_profile(path, column)
    message = str(err.value)
    assert path.name in message and SECRET not in message and "\n" not in message, message
    for fragment in fragments:
        assert fragment in message, message


def _nsrdb(tmp_path: Path, field: str, value: str) -> Path:
    """The NSRDB fixture with one header value replaced."""
    lines = (DATA / "nsrdb_abilene_tx.csv").read_text().splitlines()
    names, values = lines[0].split(","), lines[1].split(",")
    values[names.index(field)] = value
    path = tmp_path / "nsrdb_bad.csv"
    path.write_text("\n".join([lines[0], ",".join(values), *lines[2:]]) + "\n")
    return path


@pytest.mark.parametrize(
    ("field", "value", "key"),
    [
        ("Time Zone", "NaN", "utc_offset_h"),
        ("Time Zone", "nan", "utc_offset_h"),
        ("Time Zone", "inf", "utc_offset_h"),
        ("Time Zone", "-inf", "utc_offset_h"),
        ("Time Zone", "1e300", "utc_offset_h"),
        ("Time Zone", "15", "utc_offset_h"),
        ("Time Zone", "-13", "utc_offset_h"),
        ("Latitude", "999", "latitude"),
        ("Latitude", "-90.5", "latitude"),
        ("Latitude", "nan", "latitude"),
        ("Longitude", "181", "longitude"),
        ("Longitude", "inf", "longitude"),
        ("Elevation", "1e300", "altitude"),
    ],
)
@pytest.mark.parametrize("column", ["pv_cf", "dry_bulb_c"])
def test_nsrdb_header_out_of_range(tmp_path: Path, field: str, value: str, key: str, column: str) -> None:
    _refused(_nsrdb(tmp_path, field, value), column, key, "finite number from")


@pytest.mark.parametrize("field", ["Time Zone", "Latitude", "Longitude"])
def test_nsrdb_header_text_not_echoed(tmp_path: Path, field: str) -> None:
    _refused(_nsrdb(tmp_path, field, SECRET), "dry_bulb_c", field, "not a number")


@pytest.mark.parametrize("value", ["-6", "-5.5", "14", "-12"])
def test_nsrdb_header_edges_accepted(tmp_path: Path, value: str) -> None:
    assert len(read_profile(_nsrdb(tmp_path, "Time Zone", value), "dry_bulb_c")) == 8760


@pytest.mark.parametrize(
    ("label", "value", "key"),
    [("Latitude", "999", "latitude"), ("Latitude", "nan", "latitude"), ("Longitude", "inf", "longitude")],
)
def test_pvgis_header_out_of_range(tmp_path: Path, label: str, value: str, key: str) -> None:
    lines = (DATA / "pvgis_tmy_dublin_ie.csv").read_text().splitlines()
    lines = [f"{label} (decimal degrees): {value}" if ln.startswith(label) else ln for ln in lines]
    path = tmp_path / "pvgis_bad.csv"
    path.write_text("\n".join(lines) + "\n")
    _refused(path, "pv_cf", key)


def test_ninja_zero_capacity_refused(tmp_path: Path) -> None:
    text = (DATA / "ninja_pv_hamina_fi.csv").read_text().replace("capacity 1 kW", "capacity 0 kW")
    path = tmp_path / "ninja_bad.csv"
    path.write_text(text)
    _refused(path, "pv_cf", "capacity_kw")


@pytest.mark.parametrize(("column", "value"), [("GHI", "inf"), ("GHI", "1e300"), ("Temperature", "1e300")])
def test_nsrdb_body_values_refused(tmp_path: Path, column: str, value: str) -> None:
    lines = (DATA / "nsrdb_abilene_tx.csv").read_text().splitlines()
    header = lines[2].split(",")
    row = lines[3 + 4000].split(",")
    row[header.index(column)] = value
    lines[3 + 4000] = ",".join(row)
    path = tmp_path / "nsrdb_body.csv"
    path.write_text("\n".join(lines) + "\n")
    _refused(path, "pv_cf")


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "oversized"])
def test_profile_special_files_refused_unread(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "p.csv"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    else:
        with open(path, "wb") as f:
            f.truncate(100_000_000)
    _refused(path, "pv_cf", "profile file")


@pytest.mark.parametrize("kind", ["empty", "binary", "directory", "missing"])
def test_profile_replaced_refused(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "p.csv"
    path.write_text("x\n")
    plant(path, kind, 0)
    _refused(path, "pv_cf")
