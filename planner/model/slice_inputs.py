"""Per-slice coefficients of the model: hourly PUE and WUE, demand shapes, availability, grid.

Each builder returns the :class:`~planner.model.inputs.ModelInputs` fields of one concern,
indexed by site and time slice (one annual slice, or the hours of the representative days).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from planner.catalogs.load import Catalogs, pue_floor
from planner.chain.cooling import hourly_pue, hourly_wue
from planner.model.timeslices import TimeSlices
from planner.scenario.schema import Scenario

DISPATCHABLE_KINDS = ("gas", "nuclear", "geothermal")
"""Energy kinds whose output is limited by availability only (not by a weather profile)."""

GEOTHERMAL_SITES = {"geothermal": ("hydrothermal",), "geothermal_egs": ("hydrothermal", "egs")}
"""Site ``geothermal_resource`` values on which each geothermal technology can be built."""


def _resource_ok(tech: str, kind: str, geothermal_resource: str) -> float:
    """1 if the site has the resource a technology needs, else 0 (geothermal only)."""
    if kind != "geothermal":
        return 1.0
    return 1.0 if geothermal_resource in GEOTHERMAL_SITES.get(tech, ("hydrothermal",)) else 0.0


def cooling_inputs(
    catalogs: Catalogs,
    sites: pd.DataFrame,
    coolings: list[str],
    slices: TimeSlices,
    user: dict[str, dict[str, pd.Series]] | None = None,
) -> dict[str, Any]:
    """PUE per site and cooling (annual mean and per slice, never below :func:`pue_floor`), WUE
    per slice [ML/MWh IT], and the PUE of the hottest hour of each site's year (``user``: the
    scenario's 8760-hour profiles per site and column)."""
    cc, cool = catalogs.cooling_climate, catalogs.cooling
    floor = pue_floor(catalogs.facility)
    pue = {
        (sid, c): float(cc.at[(c, sites.at[sid, "climate_class"]), "pue"])
        for sid in sites.index
        for c in coolings
    }
    pue_t: dict[tuple[str, str, int], float] = {}
    wue: dict[tuple[str, str, int], float] = {}
    for i, sid in enumerate(sites.index):
        for c in coolings:
            row = cc.loc[(c, sites.at[sid, "climate_class"])]
            p = hourly_pue(
                c,
                bool(cool.at[c, "liquid"]),
                float(row["pue"]),
                slices.dry_bulb_c[i],
                slices.wet_bulb_c[i],
                slices.weight_h,
                pue_floor=floor,
            )
            # L/kWh -> ML/MWh
            w = hourly_wue(float(row["wue_l_per_kwh"]), slices.wet_bulb_c[i], slices.weight_h) * 1e3 / 1e6
            for t in range(slices.n):
                pue_t[sid, c, t], wue[sid, c, t] = float(p[t]), float(w[t])
    return {
        "pue": pue,
        "pue_t": pue_t,
        "wue_ml_per_mwh": wue,
        "pue_peak": _peak_pue(catalogs, sites, coolings, slices, pue_t, user or {}),
    }


def _peak_pue(
    catalogs: Catalogs,
    sites: pd.DataFrame,
    coolings: list[str],
    slices: TimeSlices,
    pue_t: dict[tuple[str, str, int], float],
    user: dict[str, dict[str, pd.Series]],
) -> dict[tuple[str, str], float]:
    """PUE [-] of the hottest hour of the site's year per cooling, for sizing facility MW, firm
    capacity, the grid tie and backup, in both time modes.

    The site's 8760-hour temperatures (:func:`site_temperatures`, with the scenario's user
    ``dry_bulb_c`` / ``wet_bulb_c`` profiles in place of the synthetic ones, as the representative
    days use them) go through the same curve, ``PUE_max = max_h floor + (mean - floor) shape_h /
    mean_8760(shape)``; the highest slice PUE is kept if higher (representative days are averages
    of the year's days, so their hottest hour is at most the year's, up to the scaling).
    """
    from planner.profiles.sites import site_temperatures

    floor, cc, cool = pue_floor(catalogs.facility), catalogs.cooling_climate, catalogs.cooling
    peak: dict[tuple[str, str], float] = {}
    for sid in sites.index:
        temps = site_temperatures(sites.loc[sid].rename(sid))
        for column, values in user.get(sid, {}).items():
            if column in temps.columns:
                temps[column] = np.asarray(values, dtype=float)
        dry, wet = temps["dry_bulb_c"].to_numpy(), temps["wet_bulb_c"].to_numpy()
        for c in coolings:
            mean = float(cc.at[(c, sites.at[sid, "climate_class"]), "pue"])
            hourly = hourly_pue(c, bool(cool.at[c, "liquid"]), mean, dry, wet, np.ones(dry.size), floor)
            in_slices = max(pue_t[sid, c, t] for t in range(slices.n))
            peak[sid, c] = max(float(hourly.max()), in_slices)
    return peak


def shape_inputs(
    scenario: Scenario, catalogs: Catalogs, demand: dict[str, Any], slices: TimeSlices, site_ids: list[str]
) -> dict[str, Any]:
    """Demand shape per stream and slice, the hours the fleet must cover, and GPU activity.

    activity(site, model, t) = sum over reachable streams of demand x shape / their demand,
    capped at peak_to_average (the busy share of allocated GPUs is at most 1).
    """
    streams, flows, dem = demand["streams"], demand["flows"], demand["demand"]
    peak_to_average = scenario.demand.peak_to_average
    T = range(slices.n)
    shape = {(k, t): float(slices.demand_shape[k[0]][t]) for k in streams for t in T}
    activity: dict[tuple[str, str, int], float] = {}
    for sid in site_ids:
        for mod in demand["models"]:
            reach = [k for (s2, k) in flows if s2 == sid and k[1] == mod]
            total = sum(dem[k] for k in reach)
            for t in T:
                value = sum(dem[k] * shape[k, t] for k in reach) / total if total > 0 else 1.0
                activity[sid, mod, t] = min(value, peak_to_average)
    return {"demand_shape": shape, "activity_shape": activity,
            "capacity_shape": _capacity_shape(catalogs, streams, shape, slices, peak_to_average)}  # fmt: skip


def _capacity_shape(
    catalogs: Catalogs,
    streams: list[tuple[str, str]],
    shape: dict[tuple[tuple[str, str], int], float],
    slices: TimeSlices,
    peak_to_average: float,
) -> dict[tuple[tuple[str, str], int], float]:
    """Demand / average in each distinct hour the fleet must cover.

    Hourly slices: one row per distinct vector of stream shapes (e.g. 24 when days repeat).
    One annual slice: the fleet still covers each UTC hour's highest demand of the year.
    """
    if slices.hourly:
        distinct = list(dict.fromkeys(tuple(round(shape[k, t], 9) for k in streams) for t in range(slices.n)))
        return {(k, h): vec[j] for h, vec in enumerate(distinct) for j, k in enumerate(streams)}
    from planner.profiles.sites import region_demand_shape

    regions = catalogs.regions
    diurnal = {
        r: region_demand_shape(regions.loc[r], peak_to_average).to_numpy(float).reshape(-1, 24).max(axis=0)
        for r in dict.fromkeys(r for r, _ in streams)
    }
    return {(k, h): float(diurnal[k[0]][h]) for k in streams for h in np.arange(24)}


def availability_inputs(
    catalogs: Catalogs, sites: pd.DataFrame, techs: list[str], kind: dict[str, str], slices: TimeSlices
) -> dict[str, Any]:
    """Maximum output per MW of capacity [-] per site, technology and slice.

    PV and wind: the slice's capacity factor; dispatchable plant: its catalog availability,
    0 for geothermal where the site lacks the resource; grid and battery: no entry.
    """
    energy = catalogs.energy
    availability: dict[tuple[str, str, int], float] = {}
    for i, sid in enumerate(sites.index):
        resource = str(sites.at[sid, "geothermal_resource"])
        for e in techs:
            if kind[e] == "pv":
                values = slices.pv_cf[i].tolist()
            elif kind[e] == "wind":
                values = slices.wind_cf[i].tolist()
            elif kind[e] in DISPATCHABLE_KINDS:
                level = float(energy.at[e, "max_availability"]) * _resource_ok(e, kind[e], resource)
                values = [level] * slices.n
            else:
                continue
            availability.update(((sid, e, t), float(v)) for t, v in enumerate(values))
    return {"availability": availability}


def grid_inputs(sites: pd.DataFrame, slices: TimeSlices) -> dict[str, Any]:
    """Grid price [MUSD/MWh] and carbon [t/MWh] per site and slice, clean share, connection MW."""
    T = range(slices.n)
    return {
        "grid_price_musd_per_mwh": {
            (sid, t): float(slices.grid_price_usd_per_mwh[i, t]) / 1e6
            for i, sid in enumerate(sites.index)
            for t in T
        },
        "grid_co2_t_per_mwh": {
            (sid, t): float(slices.grid_co2_g_per_kwh[i, t]) / 1e3
            for i, sid in enumerate(sites.index)
            for t in T
        },
        "grid_clean_share": {sid: float(sites.at[sid, "grid_clean_share"]) for sid in sites.index},
        "grid_mw": {sid: float(sites.at[sid, "grid_mw_available"]) for sid in sites.index},
    }
