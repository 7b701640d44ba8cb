"""Time slices of the model: one annual slice, or N representative 24-hour days.

Each slice ``t`` has a weight ``w_t`` [h/yr]: the hours of the year it stands for, so
``sum_t w_t = 8760``. Slice hours are UTC hours.

Series per site (S, T): PV and wind capacity factor [-], dry- and wet-bulb temperature
[degC], grid carbon intensity [gCO2/kWh] and price [USD/MWh]; per demand region (T,): the
demand shape (mean 1). ``assignments`` maps each of the 365 calendar days to its
representative day, for storage linked across the year.

* annual mode: one slice at the catalog means (wet bulb = mean - 0.3 x the design
  depression); the fleet still covers the diurnal demand peak (see ``capacity_shape`` in
  :mod:`planner.model.inputs`);
* representative days: 8760-hour profiles from :mod:`planner.profiles` (pvlib PV,
  synthetic wind, temperatures, grid shapes, demand shapes; user files where the scenario
  gives them), clustered into N typical days by tsam (:func:`representative_slices`);
  cached on disk by content (:mod:`planner.model.slice_cache`), so a second run reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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


EXTREMES = {"peak_demand": "demand:max", "lowest_pv": "pv_cf:min", "lowest_wind": "wind_cf:min"}
"""Scenario ``time.extremes`` names -> extremes of
:func:`planner.profiles.representative.representative_days`."""


def build_time_slices(
    mode: str,
    days: int,
    sites: pd.DataFrame,
    regions: pd.DataFrame,
    peak_to_average: float,
    user: dict[str, dict[str, pd.Series]] | None = None,
    extremes: tuple[str, ...] = ("peak_demand",),
) -> TimeSlices:
    """Build the slices for ``mode`` (``annual`` or ``representative_days``).

    Parameters
    ----------
    mode : ``annual`` or ``representative_days``
    days : number of representative days N (ignored in annual mode)
    sites : site rows (catalog columns lat, lon, timezone, pv_cf, wind_cf, temperatures, grid)
    regions : demand-region rows (lat, lon, timezone) of the regions with demand
    peak_to_average : demand peak / average [-]
    user : user 8760-hour profiles per site and column, replacing the synthetic ones
    extremes : days kept as their own typical days (names of :data:`EXTREMES`; at most days - 1)
    """
    pv_mean, wind_mean = sites["pv_cf"].to_numpy(float), sites["wind_cf"].to_numpy(float)
    co2 = sites["grid_co2_g_per_kwh"].to_numpy(float)
    price = sites["electricity_price_usd_per_mwh"].to_numpy(float)
    if mode == "annual":
        zeros = np.zeros(1, dtype=int)
        mean_t = sites["annual_mean_temp_c"].to_numpy(float)[:, None]
        wet = (
            mean_t - 0.3 * (sites["design_dry_bulb_c"] - sites["design_wet_bulb_c"]).to_numpy(float)[:, None]
        )
        return TimeSlices(
            np.array([HOURS_PER_YEAR]),
            zeros,
            zeros,
            pv_mean[:, None],
            wind_mean[:, None],
            mean_t,
            np.minimum(wet, mean_t),
            co2[:, None],
            price[:, None],
            {r: np.ones(1) for r in regions.index},
            np.zeros(DAYS_PER_YEAR, dtype=int),
            False,
        )
    from planner.model.slice_cache import cached_slices, slices_key

    kept = tuple(EXTREMES[e] for e in extremes)[: max(days - 1, 0)]
    key = slices_key(days, sites, regions, peak_to_average, kept, user or {})
    return cached_slices(
        key, lambda: representative_slices(days, sites, regions, peak_to_average, kept, user)
    )


def representative_slices(
    days: int,
    sites: pd.DataFrame,
    regions: pd.DataFrame,
    peak_to_average: float,
    extremes: tuple[str, ...] = (),
    user: dict[str, dict[str, pd.Series]] | None = None,
) -> TimeSlices:
    """N typical days chosen by tsam from 8760-hour profiles of every site and demand region.

    Site profiles (pvlib PV, synthetic wind, temperatures, grid carbon and price) and region
    demand shapes come from :mod:`planner.profiles`; all are clustered together so every
    series shares the same typical days. Weights are the calendar days each typical day
    stands for; ``assignments`` the chronological day sequence (for linked storage).
    """
    from planner.profiles.representative import representative_days
    from planner.profiles.sites import region_demand_shape, site_profiles

    series = {f"site.{sid}": site_profiles(sites.loc[sid]) for sid in sites.index}
    for sid, columns in (user or {}).items():
        for column, values in columns.items():
            series[f"site.{sid}"][column] = np.asarray(values, dtype=float)
    series |= {
        f"region.{r}": region_demand_shape(regions.loc[r], peak_to_average).to_frame("demand")
        for r in regions.index
    }
    rep = representative_days(series, days, extremes)
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
