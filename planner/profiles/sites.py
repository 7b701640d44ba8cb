"""Synthetic 8760-hour profiles of a catalog site (weather, PV, wind, grid) and of a demand region.

* :func:`site_profiles`: PV (pvlib chain, :mod:`.solar`), wind, dry/wet bulb, grid carbon
  and price (:mod:`.synthetic`), matched to the site's catalog means and deterministic
  (seeded by ``zlib.crc32`` of the site id and of its 4 x 4 deg weather cell, so nearby
  sites share most of their weather);
* :func:`region_demand_shape`: diurnal inference demand in the region's local time.

Columns and units: :data:`planner.profiles.columns.SITE_COLUMNS`
(photons/s = ``pv_photons_per_s(pv_poa_w_m2, P_ac)``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.errors import InputError
from planner.profiles import synthetic as syn
from planner.profiles.columns import SITE_COLUMNS

HOURS = syn.HOURS


_REQUIRED = (
    "lat",
    "lon",
    "timezone",
    "annual_mean_temp_c",
    "design_dry_bulb_c",
    "design_wet_bulb_c",
    "electricity_price_usd_per_mwh",
    "grid_co2_g_per_kwh",
    "grid_clean_share",
    "pv_cf",
    "wind_cf",
)


def _id(row: pd.Series, kind: str) -> str:
    """``site_id`` / ``region_id`` of a catalog row: the field, else the row label (catalog index)."""
    key = f"{kind}_id"
    value = row[key] if key in row.index else row.name
    if value is None or (isinstance(value, float) and pd.isna(value)):
        raise InputError(f"{kind} row without '{key}' (neither a field nor the row label)")
    return str(value)


def _field(row: pd.Series, name: str, kind: str) -> object:
    if name not in row.index or pd.isna(row[name]):
        raise InputError(f"{kind} {_id(row, kind)}: missing field '{name}'")
    return row[name]


_TEMPERATURES: dict[tuple[object, ...], pd.DataFrame] = {}
"""In-process memo of :func:`site_temperatures` by everything it reads (an hourly scenario and its
annual screening need the same 8760-hour temperatures of every site)."""
_TEMPERATURE_FIELDS = ("lat", "lon", "annual_mean_temp_c", "design_dry_bulb_c", "design_wet_bulb_c")


def site_temperatures(site: pd.Series, year: int = 2023) -> pd.DataFrame:
    """:func:`_site_temperatures`, memoised in-process (a copy is returned)."""
    for name in _REQUIRED:
        _field(site, name, "site")
    key = (_id(site, "site"), year, str(site.get("climate_class", "temperate")))
    key += tuple(float(site[f]) for f in _TEMPERATURE_FIELDS)
    if key not in _TEMPERATURES:
        if len(_TEMPERATURES) >= 256:
            _TEMPERATURES.clear()
        _TEMPERATURES[key] = _site_temperatures(site, year)
    return _TEMPERATURES[key].copy()


def _site_temperatures(site: pd.Series, year: int = 2023) -> pd.DataFrame:
    """Synthetic hourly ``dry_bulb_c`` and ``wet_bulb_c`` [degC] of a catalog site (no irradiance).

    Dry bulb with mean ``annual_mean_temp_c`` and 99.6th percentile ``design_dry_bulb_c``
    (:func:`.synthetic.dry_bulb`); wet bulb from a dew-point model through the design point
    (:func:`.synthetic.wet_bulb`). UTC hour starts of ``year``; deterministic.
    """
    sid, lat, lon = _id(site, "site"), float(site["lat"]), float(site["lon"])
    idx = syn.hourly_index(year)
    dry = syn.dry_bulb(
        idx,
        lat,
        lon,
        float(site["annual_mean_temp_c"]),
        float(site["design_dry_bulb_c"]),
        str(site.get("climate_class", "temperate")),
        syn.weather_noise(sid, lat, lon, year, "dry_bulb", HOURS, 0.98),
    )
    wet = syn.wet_bulb(dry, float(site["design_dry_bulb_c"]), float(site["design_wet_bulb_c"]))
    return pd.DataFrame({"dry_bulb_c": dry, "wet_bulb_c": wet}, index=idx)


def site_weather(site: pd.Series, year: int = 2023, sp: pd.DataFrame | None = None) -> pd.DataFrame:
    """Synthetic hourly weather of a catalog site: ``ghi``, ``dni``, ``dhi`` [W/m^2], ``dry_bulb_c``,
    ``wet_bulb_c`` [degC].

    Temperatures from :func:`site_temperatures`; cloudy-sky irradiance whose PV chain CF is near
    ``pv_cf`` (:func:`.solar.synthetic_irradiance`). UTC hour starts of ``year``; deterministic.
    ``sp``: the site's :func:`.solar.solar_position` over those hours, when the caller has it.
    """
    from planner.profiles import solar  # pvlib: imported only when profiles are built

    temps = site_temperatures(site, year)
    sid, lat, lon = _id(site, "site"), float(site["lat"]), float(site["lon"])
    dry = temps["dry_bulb_c"].to_numpy()

    def noise(stream: str, n: int, phi: float) -> np.ndarray:
        return syn.weather_noise(sid, lat, lon, year, stream, n, phi)

    irr = solar.synthetic_irradiance(
        temps.index,
        lat,
        lon,
        float(site["pv_cf"]),
        dry,
        noise("cloud_day", HOURS // 24, 0.5),
        noise("cloud_hour", HOURS, 0.7),
        _altitude(site),
        sp,
    )
    return irr.assign(dry_bulb_c=dry, wet_bulb_c=temps["wet_bulb_c"].to_numpy())


def _altitude(site: pd.Series) -> float:
    return (
        float(site["elevation_m"]) if "elevation_m" in site.index and pd.notna(site["elevation_m"]) else 0.0
    )


def site_profiles(site: pd.Series, year: int = 2023) -> pd.DataFrame:
    """8760 hourly profiles of one catalog site (a row of ``data/sites.csv`` or ``catalogs.sites``).

    The seed is ``site_id`` (the field, else the row label as in ``load_catalogs().sites``).

    Models (equations in :mod:`.synthetic` and :mod:`.solar`): weather from
    :func:`site_weather`; PV from the pvlib chain with the POA scaled so the mean CF is
    exactly ``pv_cf`` (:func:`.solar.calibrated_pv`); wind from a persistent Weibull speed
    through a power curve matched to ``wind_cf``; grid carbon and price shapes with exactly
    the catalog means.

    Returns
    -------
    DataFrame indexed by the UTC hour starts of ``year`` (Feb 29 dropped), columns
    :data:`SITE_COLUMNS`. Deterministic for a given ``site_id`` and ``year``.
    """
    from planner.profiles import solar  # pvlib: imported only when profiles are built

    sid, lat, lon, tz = _id(site, "site"), float(site["lat"]), float(site["lon"]), str(site["timezone"])
    sp = solar.solar_position(syn.hourly_index(year), lat, lon, _altitude(site))
    w = site_weather(site, year, sp)
    idx, dry = w.index, w["dry_bulb_c"].to_numpy()
    pv, poa = solar.calibrated_pv(sp, w, dry, float(site["pv_cf"]))
    wind = syn.wind_cf(
        idx, lat, lon, float(site["wind_cf"]), syn.weather_noise(sid, lat, lon, year, "wind", HOURS, 0.96)
    )
    load = syn.grid_load(idx, tz, dry)
    co2 = syn.grid_co2(
        float(site["grid_co2_g_per_kwh"]),
        float(site["grid_clean_share"]),
        load,
        pv,
        wind,
        syn.weather_noise(sid, lat, lon, year, "co2", HOURS, 0.9),
    )
    price = syn.grid_price(
        float(site["electricity_price_usd_per_mwh"]),
        load,
        pv,
        syn.weather_noise(sid, lat, lon, year, "price", HOURS, 0.8),
    )
    cols = (pv, wind, dry, w["wet_bulb_c"].to_numpy(), co2, price, poa)
    return pd.DataFrame(dict(zip(SITE_COLUMNS, cols)), index=idx)


def region_demand_shape(region: pd.Series, peak_to_average: float, year: int = 2023) -> pd.Series:
    """Hourly demand multiplier of a region (a row of ``data/regions.csv``) [-].

    Diurnal and weekly in the region's local clock time (``timezone``), mean exactly 1 and
    maximum ``peak_to_average``; see :func:`planner.profiles.synthetic.demand_shape`.
    """
    tz = str(_field(region, "timezone", "region"))
    idx = syn.hourly_index(year)
    return pd.Series(syn.demand_shape(idx, tz, float(peak_to_average)), index=idx, name=_id(region, "region"))
