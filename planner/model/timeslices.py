"""Time slices of the model: one annual slice, or N representative 24-hour days.

Each slice ``t`` has a weight ``w_t`` [h/yr]: the hours of the year it stands for, so
``sum_t w_t = 8760``. Slice hours are UTC hours; every per-site and per-region series is
built in local time and placed on that UTC clock.

Series per site (S, T): PV and wind capacity factor [-], dry- and wet-bulb temperature
[degC], grid carbon intensity [gCO2/kWh] and price [USD/MWh]; per demand region (T,): the
demand shape (mean 1, peak = ``peak_to_average``). ``assignments`` maps each of the 365
calendar days to its representative day, for storage linked across the year.

The built-in series are simple documented shapes (the ``planner.profiles`` package, when
present, provides pvlib- and tsam-based ones):

* days are spread evenly over the year: day ``i`` of ``N`` is day-of-year
  ``doy_i = 365 (i + 0.5) / N``; calendar day ``j`` is assigned to typical day
  ``floor(j N / 365)``, and each slice's weight is the number of calendar days assigned to
  its typical day;
* PV: ``max(0, cos(zenith))**0.7`` at local solar time ``h + lon/15`` (the exponent < 1
  widens the curve as single-axis tracking does), declination ``23.44 deg sin(2 pi (284 +
  doy) / 365)`` (Cooper 1969); scaled so the weighted annual mean is the catalog CF;
* wind: ``(1 + 0.15 cos(2 pi (doy - 15) / 365)) (1 + 0.10 cos(2 pi (h_local - 3) / 24))``
  (winter- and night-peaking; seasons shifted in the southern hemisphere), scaled likewise;
* dry bulb: ``mean + (design - mean) (0.65 cos(2 pi (doy - 200) / 365) + 0.35 cos(2 pi
  (h_local - 15) / 24))``, so the hottest hour reaches the ASHRAE 0.4% design value; wet bulb
  = dry bulb - depression, the depression scaling from 30% to 100% of the design depression
  as the dry bulb rises from the annual mean to the design value;
* demand: ``1 + (peak_to_average - 1) cos(2 pi (h_local - 14) / 24)`` (afternoon peak);
* grid carbon and price: flat at the catalog means.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

HOURS_PER_YEAR = 8760.0
DAYS_PER_YEAR = 365


@dataclass(frozen=True)
class TimeSlices:
    """Slices with weights and per-site / per-region series (arrays (S, T) and (T,))."""

    weight_h: np.ndarray
    day: np.ndarray
    hour: np.ndarray
    pv_cf: np.ndarray
    wind_cf: np.ndarray
    dry_bulb_c: np.ndarray
    wet_bulb_c: np.ndarray
    grid_co2_g_per_kwh: np.ndarray
    grid_price_usd_per_mwh: np.ndarray
    demand_shape: dict[str, np.ndarray]
    assignments: np.ndarray
    hourly: bool
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Number of slices."""
        return int(self.weight_h.size)

    @property
    def n_days(self) -> int:
        """Number of representative days (1 in annual mode)."""
        return int(self.day.max()) + 1


def utc_offset_h(timezone: str) -> float:
    """Standard-time UTC offset of an IANA zone [h] (January, so no daylight saving)."""
    return ZoneInfo(timezone).utcoffset(datetime(2023, 1, 15)).total_seconds() / 3600.0


def scale_to_mean(raw: np.ndarray, target: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Scale each row of ``raw`` (S, T) so its weighted mean equals ``target`` (S,), capped at 1.

    The cap is applied iteratively (clipped energy is spread over the other slices).
    """
    out = raw.copy()
    for _ in range(50):
        mean = (out * weights).sum(axis=1) / weights.sum()
        factor = np.divide(target, mean, out=np.zeros_like(target), where=mean > 0)
        out = np.minimum(out * factor[:, None], 1.0)
        if np.allclose((out * weights).sum(axis=1) / weights.sum(), target, rtol=1e-9):
            break
    return out


def pv_shape(lat_deg: np.ndarray, lon_deg: np.ndarray, doy: np.ndarray, hour_utc: np.ndarray) -> np.ndarray:
    """Unscaled PV output shape (S, T) from solar geometry at local solar time.

    ``cos(zenith) = sin(phi) sin(delta) + cos(phi) cos(delta) cos(omega)`` with hour angle
    ``omega = 15 deg (h_solar + 0.5 - 12)``, ``h_solar = h_utc + lon / 15``; output
    ``max(0, cos zenith)**0.7``.
    """
    phi = np.radians(lat_deg)[:, None]
    delta = np.radians(23.44) * np.sin(2 * np.pi * (284 + doy) / 365.0)[None, :]
    solar_hour = (hour_utc[None, :] + np.asarray(lon_deg)[:, None] / 15.0) % 24
    omega = np.radians(15.0 * (solar_hour + 0.5 - 12.0))
    cosz = np.sin(phi) * np.sin(delta) + np.cos(phi) * np.cos(delta) * np.cos(omega)
    return np.clip(cosz, 0.0, None) ** 0.7


def _season(lat_deg: np.ndarray, doy: np.ndarray, peak_doy: float) -> np.ndarray:
    shift = np.where(np.asarray(lat_deg) >= 0, 0.0, 182.5)[:, None]
    return np.cos(2 * np.pi * (doy[None, :] - peak_doy - shift) / 365.0)


def _local_hour(offset_h: np.ndarray, hour_utc: np.ndarray) -> np.ndarray:
    return (hour_utc[None, :] + np.asarray(offset_h)[:, None]) % 24


def wind_shape(lat_deg: np.ndarray, offset_h: np.ndarray, doy: np.ndarray, hour_utc: np.ndarray) -> np.ndarray:
    """Unscaled wind capacity-factor shape (S, T): winter- and night-peaking."""
    return (1 + 0.15 * _season(lat_deg, doy, 15)) * (1 + 0.10 * np.cos(2 * np.pi * (_local_hour(offset_h, hour_utc) - 3) / 24.0))


def temperatures(sites: pd.DataFrame, offset_h: np.ndarray, doy: np.ndarray, hour_utc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dry- and wet-bulb temperature (S, T) [degC] from the annual mean and ASHRAE design values."""
    mean = sites["annual_mean_temp_c"].to_numpy(float)[:, None]
    design_db = sites["design_dry_bulb_c"].to_numpy(float)[:, None]
    design_dep = (sites["design_dry_bulb_c"] - sites["design_wet_bulb_c"]).to_numpy(float)[:, None]
    swing = np.maximum(design_db - mean, 0.0)
    diurnal = np.cos(2 * np.pi * (_local_hour(offset_h, hour_utc) - 15) / 24.0)
    dry = mean + swing * (0.65 * _season(sites["lat"].to_numpy(float), doy, 200) + 0.35 * diurnal)
    frac = np.clip(0.3 + 0.7 * np.divide(dry - mean, swing, out=np.zeros_like(dry), where=swing > 0), 0.1, 1.0)
    return dry, dry - design_dep * frac


def demand_shape(offset_h: float, peak_to_average: float, hour_utc: np.ndarray) -> np.ndarray:
    """Diurnal demand shape (T,) in local time: mean 1 over a day, peak ``peak_to_average`` at 14:00."""
    local = (hour_utc + offset_h) % 24
    return 1.0 + (peak_to_average - 1.0) * np.cos(2 * np.pi * (local - 14.0) / 24.0)


def build_time_slices(mode: str, days: int, sites: pd.DataFrame, regions: pd.DataFrame, peak_to_average: float) -> TimeSlices:
    """Build the slices for ``mode`` (``annual`` or ``representative_days``).

    Parameters
    ----------
    mode : ``annual`` or ``representative_days``
    days : number of representative days N (ignored in annual mode)
    sites : site rows (catalog columns lat, lon, timezone, pv_cf, wind_cf, temperatures, grid)
    regions : demand-region rows (lat, lon, timezone) of the regions with demand
    peak_to_average : demand peak / average [-]
    """
    lat, lon = sites["lat"].to_numpy(float), sites["lon"].to_numpy(float)
    pv_mean, wind_mean = sites["pv_cf"].to_numpy(float), sites["wind_cf"].to_numpy(float)
    co2 = sites["grid_co2_g_per_kwh"].to_numpy(float)
    price = sites["electricity_price_usd_per_mwh"].to_numpy(float)
    if mode == "annual":
        zeros = np.zeros(1, dtype=int)
        mean_t = sites["annual_mean_temp_c"].to_numpy(float)[:, None]
        _, wet = temperatures(sites, np.zeros(len(sites)), np.array([200.0]), np.array([12.0]))
        return TimeSlices(
            np.array([HOURS_PER_YEAR]), zeros, zeros, pv_mean[:, None], wind_mean[:, None], mean_t, np.minimum(wet, mean_t),
            co2[:, None], price[:, None], {r: np.ones(1) for r in regions.index}, np.zeros(DAYS_PER_YEAR, dtype=int), False,
        )
    return representative_slices(days, sites, regions, peak_to_average, ("demand:max",) if days > 1 else ())


def representative_slices(days: int, sites: pd.DataFrame, regions: pd.DataFrame, peak_to_average: float, extremes: tuple[str, ...] = ()) -> TimeSlices:
    """N typical days chosen by tsam from 8760-hour profiles of every site and demand region.

    Site profiles (pvlib PV, synthetic wind, temperatures, grid carbon and price) and region
    demand shapes come from :mod:`planner.profiles`; all are clustered together so every
    series shares the same typical days. Weights are the calendar days each typical day
    stands for; ``assignments`` the chronological day sequence (for linked storage).
    """
    from planner import profiles

    series = {f"site.{sid}": profiles.site_profiles(sites.loc[sid]) for sid in sites.index}
    series |= {f"region.{r}": profiles.region_demand_shape(regions.loc[r], peak_to_average).to_frame("demand") for r in regions.index}
    rep = profiles.representative_days(series, days, extremes)
    n = rep.weights_h.size

    def stack(column: str) -> np.ndarray:
        return np.vstack([rep.values[f"site.{sid}"][column].to_numpy(float) for sid in sites.index])

    demand = {}
    for r in regions.index:
        shape = rep.values[f"region.{r}"]["demand"].to_numpy(float)
        demand[r] = shape / (shape * rep.weights_h).sum() * rep.weights_h.sum()  # mean exactly 1
    return TimeSlices(
        weight_h=np.asarray(rep.weights_h, float),
        day=np.repeat(np.arange(n // 24), 24),
        hour=np.tile(np.arange(24), n // 24),
        pv_cf=np.clip(stack("pv_cf"), 0.0, 1.0),
        wind_cf=np.clip(stack("wind_cf"), 0.0, 1.0),
        dry_bulb_c=stack("dry_bulb_c"),
        wet_bulb_c=stack("wet_bulb_c"),
        grid_co2_g_per_kwh=stack("grid_co2_g_per_kwh"),
        grid_price_usd_per_mwh=stack("grid_price_usd_per_mwh"),
        demand_shape=demand,
        assignments=np.asarray(rep.assignments, int),
        hourly=True,
        notes={"aggregation_error": rep.error.to_json()},
    )
