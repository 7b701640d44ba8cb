"""Readers for user-supplied 8760-hour profile files (one per source, as ``pvlib.iotools``).

Layouts (see ``shared/reference/profile_formats.csv``):

* ``nsrdb``: NREL NSRDB PSM3/PSM4 SAM CSV: metadata names, metadata values (``Latitude``,
  ``Longitude``, ``Elevation``, ``Time Zone`` = UTC offset of the timestamps [h]), column
  names, then ``Year,Month,Day,Hour,Minute,GHI,DHI,DNI,Temperature,...`` (W/m^2, degC, %),
  as ``pvlib.iotools.read_nsrdb_psm4``;
* ``ninja``: renewables.ninja: ``#`` comment lines, then ``time`` (UTC), optional
  ``local_time``, ``electricity`` [kW for the stated capacity, default 1 kW], optional
  ``temperature`` [degC];
* ``pvgis``: PVGIS TMY CSV: ``Latitude (decimal degrees): x``, longitude, elevation,
  optional irradiance time offset, ``month,year`` + 12 rows, then
  ``time(UTC),T2m,RH,G(h),Gb(n),Gd(h),IR(h),WS10m,WD10m,SP`` rows (``%Y%m%d:%H%M``), then a
  footer, as ``pvlib.iotools.read_pvgis_tmy``;
* ``plain``: ``timestamp,value`` (ISO timestamps, UTC unless they carry an offset), value in
  the unit of the requested column.

Parsing is our own (same column maps as pvlib's ``map_variables``) so every problem is an
InputError naming the file, what was found and what was expected. Timestamps are hour
starts (a minute offset such as NSRDB's ``:30`` stays within its hour); typical years (months
from different years) are put on one year; Feb 29 is dropped; the result is rolled onto
the UTC hours of that year (wrapping around the year end) as :func:`hourly_index`.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from planner.errors import InputError
from planner.paths import input_file_problem
from planner.profiles import synthetic as syn
from planner.profiles.solar import pv_from_weather

LAYOUTS = ("nsrdb", "ninja", "pvgis", "plain")
NSRDB_MAP = {
    "GHI": "ghi",
    "DHI": "dhi",
    "DNI": "dni",
    "Temperature": "temp_air",
    "Dew Point": "temp_dew",
    "Relative Humidity": "relative_humidity",
    "Wind Speed": "wind_speed",
    "Pressure": "pressure",
}
PVGIS_MAP = {
    "G(h)": "ghi",
    "Gb(n)": "dni",
    "Gd(h)": "dhi",
    "T2m": "temp_air",
    "RH": "relative_humidity",
    "WS10m": "wind_speed",
    "SP": "pressure",
}
#: Allowed range of each column [its unit], with the unit's name for messages.
UNITS: dict[str, tuple[float, float, str]] = {
    "pv_cf": (0.0, 1.0, "capacity factor 0..1"),
    "wind_cf": (0.0, 1.0, "capacity factor 0..1"),
    "dry_bulb_c": (-90.0, 60.0, "degC"),
    "wet_bulb_c": (-90.0, 45.0, "degC"),
    "grid_co2_g_per_kwh": (0.0, 3000.0, "gCO2/kWh"),
    "grid_price_usd_per_mwh": (-1000.0, 20000.0, "USD/MWh"),
    "pv_poa_w_m2": (0.0, 1800.0, "W/m2"),
    "demand": (0.0, 1e12, "demand units >= 0"),
}
_TMY_YEAR = 2023
MAX_PROFILE_BYTES = 64_000_000
"""Largest profile file read [bytes]: an 8760-hour NSRDB file with all columns is ~2 MB."""
PROFILE_SUFFIXES = (".csv", ".txt")


def _no_content(exc: Exception) -> str:
    """A parser's message with quoted file content replaced by '...' (errors never echo the file)."""
    return re.sub(r"'[^']*'|\"[^\"]*\"", "'...'", str(exc))[:200]


def detect_layout(path: str | Path) -> str:
    """Layout of a profile file from its first line (see module doc); InputError if unknown."""
    with open(path, encoding="utf-8-sig", errors="replace") as f:
        first = f.readline().strip()
    low = first.lower().replace(" ", "")
    if low.startswith("source,") and "timezone" in low:
        return "nsrdb"
    if first.startswith("#"):
        return "ninja"
    if low.startswith("latitude(decimaldegrees):"):
        return "pvgis"
    if low.split(",")[0] in ("timestamp", "time", "datetime") and len(low.split(",")) == 2:
        return "plain"
    raise InputError(
        f"{path}: unknown profile layout (first line not recognised); expected NSRDB "
        "('Source,Location ID,...,Time Zone,...'), renewables.ninja ('#' comment lines then "
        "'time,...,electricity'), PVGIS TMY ('Latitude (decimal degrees): ...') or plain 'timestamp,value'"
    )


def read_nsrdb(path: str | Path) -> tuple[pd.DataFrame, dict]:
    """NSRDB SAM CSV -> (data with pvlib names on local-standard wall time, metadata)."""
    with open(path, encoding="utf-8-sig") as f:
        names, values = f.readline().strip().split(","), f.readline().strip().split(",")
        meta = dict(zip(names, values))
        data = pd.read_csv(f)
    fields = {
        "latitude": "Latitude",
        "longitude": "Longitude",
        "altitude": "Elevation",
        "utc_offset_h": "Time Zone",
    }
    out = {}
    for key, name in fields.items():
        try:
            out[key] = float(meta.get(name) or ("0" if key == "altitude" else ""))
        except ValueError:
            raise InputError(
                f"{path}: NSRDB metadata line 2: '{name}' is missing or not a number; "
                "expected Latitude, Longitude, Time Zone (and Elevation) as numbers"
            ) from None
    meta = out
    _need(path, data, ["Year", "Month", "Day", "Hour"], "NSRDB")
    data.index = pd.to_datetime(
        {"year": data["Year"], "month": data["Month"], "day": data["Day"], "hour": data["Hour"]},
        errors="coerce",
    )
    return data.rename(columns=NSRDB_MAP), meta


def read_ninja(path: str | Path) -> tuple[pd.DataFrame, dict]:
    """renewables.ninja CSV -> (data on UTC wall time, metadata with ``capacity_kw``)."""
    with open(path, encoding="utf-8-sig") as f:
        comments = [line for line in f.read().splitlines() if line.startswith("#")]
    data = pd.read_csv(path, comment="#")
    _need(path, data, ["time"], "renewables.ninja")
    text = " ".join(comments)
    cap = re.search(r"capacity\D{0,5}([0-9.]+)\s*(kW|MW|W)\b", text, re.I)
    capacity_kw = (
        float(cap.group(1)) * {"w": 1e-3, "kw": 1.0, "mw": 1e3}[cap.group(2).lower()] if cap else 1.0
    )
    unit = re.search(r"electricity in (kW|MW|W)\b", text, re.I)
    to_kw = {"w": 1e-3, "kw": 1.0, "mw": 1e3}[unit.group(1).lower()] if unit else 1.0
    data.index = pd.to_datetime(data["time"], errors="coerce", utc=True).dt.tz_localize(None)
    if "electricity" in data:
        data["electricity"] = pd.to_numeric(data["electricity"], errors="coerce") * to_kw
    return data, {"capacity_kw": capacity_kw, "utc_offset_h": 0.0}


def read_pvgis_tmy(path: str | Path) -> tuple[pd.DataFrame, dict]:
    """PVGIS TMY CSV -> (data with pvlib names on UTC wall time, metadata)."""
    with open(path, encoding="utf-8-sig") as f:
        lines = f.read().splitlines()
    meta: dict = {"utc_offset_h": 0.0}
    for key, label in (("latitude", "latitude"), ("longitude", "longitude"), ("altitude", "elevation")):
        hit = [ln for ln in lines[:5] if ln.lower().startswith(label)]
        if not hit:
            raise InputError(
                f"{path}: PVGIS header lacks '{label.capitalize()} ...: value' in its first lines"
            )
        meta[key] = float(hit[0].split(":")[1])
    head = next((i for i, ln in enumerate(lines) if ln.startswith("time(UTC)")), None)
    if head is None:
        raise InputError(f"{path}: PVGIS file has no 'time(UTC),T2m,...' header row")
    body = [ln for ln in lines[head + 1 :] if ln[:1].isdigit() and ":" in ln.split(",")[0]]
    data = pd.read_csv(io.StringIO("\n".join([lines[head], *body])))
    data.index = pd.to_datetime(data["time(UTC)"], format="%Y%m%d:%H%M", errors="coerce")
    return data.rename(columns=PVGIS_MAP), meta


def read_plain(path: str | Path) -> tuple[pd.DataFrame, dict]:
    """``timestamp,value`` CSV -> (data on UTC wall time, metadata)."""
    data = pd.read_csv(path)
    data.columns = ["timestamp", "value"] if data.shape[1] == 2 else data.columns
    _need(path, data, ["timestamp", "value"], "plain")
    ts = pd.to_datetime(data["timestamp"], errors="coerce", utc=True)
    data.index = ts.dt.tz_localize(None)
    return data, {"utc_offset_h": 0.0}


META_RANGES: dict[str, tuple[float, float, str]] = {
    "latitude": (-90.0, 90.0, "degrees"),
    "longitude": (-180.0, 180.0, "degrees"),
    "altitude": (-500.0, 9_000.0, "m"),
    "utc_offset_h": (-12.0, 14.0, "hours from UTC"),
    "capacity_kw": (1e-6, 1e9, "kW"),
}
"""Physical range of each header value of a profile file (time zones: UTC-12 to UTC+14)."""


def _check_meta(path: str | Path, layout: str, meta: dict) -> None:
    """Every header number finite and physical (a NaN, inf or 1e300 time zone, a latitude of 999)."""
    for key, (lo, hi, unit) in META_RANGES.items():
        if key in meta and not (np.isfinite(meta[key]) and lo <= meta[key] <= hi):
            raise InputError(
                f"{path}: {layout} header '{key}' must be a finite number from {lo:g} to {hi:g} {unit}"
            )


def _need(path: str | Path, data: pd.DataFrame, cols: list[str], layout: str) -> None:
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise InputError(f"{path}: {layout} file lacks column(s) {', '.join(missing)}")


def _on_year(path: str | Path, data: pd.DataFrame, offset_h: float) -> tuple[pd.DataFrame, int]:
    """Check hourly continuity and length; return rows ordered on the UTC hours of one year."""
    idx = data.index
    if idx.isna().any():
        row = int(np.flatnonzero(idx.isna())[0])
        raise InputError(f"{path}: unreadable timestamp at data row {row + 1}; expected hourly date-times")
    keep = ~((idx.month == 2) & (idx.day == 29))
    data, idx = data[keep], idx[keep]
    years = np.unique(idx.year)
    year = int(years[0]) if len(years) == 1 else _TMY_YEAR
    leap = idx.is_leap_year & (idx.month > 2)
    pos = (idx.dayofyear - 1 - leap.astype(int)) * 24 + idx.hour
    step = np.diff(np.asarray(pos))
    if (step != 1).any():
        i = int(np.flatnonzero(step != 1)[0])
        kind = "gap in timestamps" if step[i] > 1 else "timestamps out of order or duplicated"
        raise InputError(
            f"{path}: {kind} at data row {i + 2}: {idx[i]} is followed by {idx[i + 1]}; "
            "expected consecutive hourly steps"
        )
    if len(data) != 8760:
        raise InputError(
            f"{path}: {len(data)} hourly rows ({idx[0]} to {idx[-1]}); expected 8760 "
            "(one year; Feb 29 is dropped if present)"
        )
    order = np.argsort(np.mod(np.asarray(pos) - int(round(offset_h)), 8760))
    return data.iloc[order], year


def _check_units(path: str | Path, column: str, values: np.ndarray, what: str) -> np.ndarray:
    if np.isnan(values).any():
        raise InputError(
            f"{path}: {what} has {int(np.isnan(values).sum())} missing or non-numeric values "
            f"(first at data row {int(np.flatnonzero(np.isnan(values))[0]) + 1}); expected numbers"
        )
    lo, hi, unit = UNITS.get(column, (-np.inf, np.inf, ""))
    if column in ("dry_bulb_c", "wet_bulb_c") and values.mean() > 150:
        raise InputError(f"{path}: {what} looks like kelvin (mean {values.mean():.1f}); expected degC")
    if values.min() < lo - 1e-6 or values.max() > hi + 1e-6:
        hint = " (percent? expected a fraction)" if column.endswith("_cf") and values.max() <= 100 else ""
        raise InputError(
            f"{path}: {what} ranges {values.min():.4g}..{values.max():.4g}; expected {unit} "
            f"in [{lo:g}, {hi:g}]{hint}"
        )
    return values


def _irradiance(path: str | Path, data: pd.DataFrame) -> None:
    for c in ("ghi", "dni", "dhi"):
        v = pd.to_numeric(data[c], errors="coerce").to_numpy(float)
        if np.nanmax(v) > 1500 or np.nanmin(v) < -5:
            raise InputError(
                f"{path}: irradiance '{c}' ranges {np.nanmin(v):.4g}..{np.nanmax(v):.4g}; "
                "expected W/m2 in [0, 1500]"
            )
        if 0 < np.nanmax(v) <= 1.5:
            raise InputError(
                f"{path}: irradiance '{c}' peaks at {np.nanmax(v):.4g}; expected W/m2 (kW/m2 given?)"
            )


def read_profile(path: str | Path, column: str, layout: str | None = None) -> pd.Series:
    """One 8760-hour profile for ``column`` (a :data:`SITE_COLUMNS` name or ``demand``) from a file.

    Sources per layout: ``pv_cf`` from ninja ``electricity / capacity``, or from NSRDB/PVGIS
    irradiance and temperature through the reference pvlib chain
    (:func:`planner.profiles.solar.pv_from_weather`, no calibration); ``pv_poa_w_m2`` from
    the same chain; ``wind_cf`` from ninja; ``dry_bulb_c`` from the temperature column;
    ``wet_bulb_c`` from temperature and relative humidity (or dew point; Stull 2011); any
    column from plain.

    Returns
    -------
    Series on the UTC hours of the file's year (``_TMY_YEAR`` = 2023 for typical years),
    named ``column``, in the column's unit. Raises InputError for an unknown layout, missing
    columns, wrong length, gaps, or values out of the unit's range.
    """
    path = Path(path)
    problem = input_file_problem(path, MAX_PROFILE_BYTES)
    if problem == "no such file":
        raise InputError(f"{path}: profile file not found")
    if problem is not None:
        raise InputError(f"{path}: profile file: {problem}")
    if path.suffix.lower() not in PROFILE_SUFFIXES:
        raise InputError(
            f"{path}: a profile file is a CSV text file ({', '.join(PROFILE_SUFFIXES)}), "
            f"not '{path.suffix or 'no extension'}'"
        )
    if column not in UNITS:
        raise InputError(f"{path}: unknown profile column '{column}'; allowed {sorted(UNITS)}")
    layout = layout or detect_layout(path)
    if layout not in LAYOUTS:
        raise InputError(f"{path}: unknown layout '{layout}'; allowed {', '.join(LAYOUTS)}")
    try:
        data, meta = {"nsrdb": read_nsrdb, "ninja": read_ninja, "pvgis": read_pvgis_tmy, "plain": read_plain}[
            layout
        ](path)
    except (ValueError, IndexError, KeyError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot parse as {layout} layout: {_no_content(exc)}") from None
    _check_meta(path, layout, meta)
    data, year = _on_year(path, data, meta["utc_offset_h"])
    idx = syn.hourly_index(year)

    def col(name: str, label: str) -> np.ndarray:
        if name not in data.columns:
            raise InputError(f"{path}: {layout} file has no '{label}' column needed for '{column}'")
        return pd.to_numeric(data[name], errors="coerce").to_numpy(float)

    if layout == "plain":
        values = col("value", "value")
    elif layout == "ninja" and column in ("pv_cf", "wind_cf"):
        values = col("electricity", "electricity") / meta["capacity_kw"]
        if np.nanmax(values) > 1 + 1e-6:
            raise InputError(
                f"{path}: electricity up to {np.nanmax(values) * meta['capacity_kw']:.4g} kW exceeds the "
                f"{meta['capacity_kw']:g} kW capacity; expected output of that capacity in kW"
            )
    elif column == "dry_bulb_c" and layout in ("nsrdb", "pvgis", "ninja"):
        values = col("temp_air" if layout != "ninja" else "temperature", "temperature")
    elif column == "wet_bulb_c" and layout in ("nsrdb", "pvgis"):
        t = _check_units(path, "dry_bulb_c", col("temp_air", "temperature"), "temperature")
        rh = (
            col("relative_humidity", "relative humidity")
            if "relative_humidity" in data.columns or "temp_dew" not in data.columns
            else syn.relative_humidity(t, col("temp_dew", "dew point"))
        )
        values = syn.wet_bulb_stull(t, rh)
    elif column in ("pv_cf", "pv_poa_w_m2") and layout in ("nsrdb", "pvgis"):
        for c in ("ghi", "dni", "dhi", "temp_air"):
            col(c, c)
        _irradiance(path, data)
        t = _check_units(path, "dry_bulb_c", col("temp_air", "temperature"), "temperature")
        cf, poa = pv_from_weather(
            idx,
            meta["latitude"],
            meta["longitude"],
            col("ghi", "GHI"),
            col("dni", "DNI"),
            col("dhi", "DHI"),
            t,
            meta["altitude"],
        )
        values = cf if column == "pv_cf" else poa
    else:
        raise InputError(
            f"{path}: a {layout} file has no data for '{column}'; use a plain 'timestamp,value' CSV"
            + (" or a renewables.ninja wind file" if column == "wind_cf" else "")
        )
    values = _check_units(path, column, np.asarray(values, float), f"'{column}'")
    return pd.Series(values, index=idx, name=column)
