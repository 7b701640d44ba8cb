"""Site rating of gas turbines and engines: the ISO rating (15 degC, sea level, ``energy.csv``
``module_mw`` and capacity) derated by the site's elevation and air temperature.

Derate of technology e at elevation z [m] and air temperature T [degC] (``data/derate.csv``,
``data/site_elevation.csv``)::

    rating(z, T) = max(0, 1 - a_e max(0, z - z0_e) / 1000) * max(0, 1 - b_e max(0, T - T0_e))   [-]

a_e [-/1000 m] and b_e [-/degC] are the losses above the rated elevation z0_e [m] and
temperature T0_e [degC]. Turbines follow the air's mass flow: ~0.11 per 1000 m (the ambient
pressure ratio, 0.80 at 1,850 m) and 0.4-0.7%/degC above 15 degC; turbocharged engines keep full
output to ~500 m and ~30 degC and lose less above. Below T0 the rating stays 1 (the generator and
the air permit hold the plant at its rating). Other technologies keep their catalog rating.

Use in the model (:mod:`planner.model.inputs`)::

    avail[s,e,t]   = max_availability[e] * rating(z_s, T_s,t)          T_s,t the slice's dry bulb
    firm_avail[s,e] = max_availability[e] * rating(z_s, T_design,s)    ASHRAE 0.4% design dry bulb

so energy in each slice follows the slice's temperature (the annual mean in annual mode) and the
firm capacity, the n+1 contingencies and the unit trips (:mod:`planner.model.redundancy`) use the
rating at the design temperature, the condition of the site's peak load.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from planner.catalogs.load import Catalogs
from planner.model.timeslices import TimeSlices


def site_rating(
    elevation_m: float,
    temp_c: float,
    rated_elevation_m: float,
    loss_per_1000m: float,
    rated_temp_c: float,
    loss_per_c: float,
) -> float:
    """Site rating as a share of the ISO rating [-] (equation in the module docstring).

    >>> round(site_rating(1850, 15, 0, 0.111, 15, 0.007), 4)  # a turbine at Cheyenne, ISO air
    0.7946
    >>> site_rating(300, 10, 500, 0.04, 30, 0.005)  # an engine below its rated limits
    1.0
    """
    altitude = max(0.0, 1.0 - loss_per_1000m * max(0.0, elevation_m - rated_elevation_m) / 1000.0)
    heat = max(0.0, 1.0 - loss_per_c * max(0.0, temp_c - rated_temp_c))
    return altitude * heat


def _rating(row: pd.Series, elevation_m: float, temp_c: float) -> float:
    return site_rating(
        elevation_m,
        temp_c,
        float(row["rated_elevation_m"]),
        float(row["loss_per_1000m"]),
        float(row["rated_temp_c"]),
        float(row["loss_per_c"]),
    )


def elevation_m(catalogs: Catalogs, site_id: str) -> float:
    """Elevation of a site [m] (``site_elevation.csv``); 0 (sea level) without a row."""
    table = catalogs.site_elevation
    return float(table.at[site_id, "elevation_m"]) if site_id in table.index else 0.0


def derate_inputs(
    catalogs: Catalogs, sites: pd.DataFrame, techs: list[str], slices: TimeSlices, base: dict[str, Any]
) -> dict[str, Any]:
    """Availability derated by site (slice temperature) and the firm availability at the design
    dry bulb, per site and derated technology (module docstring), from the catalog's
    ``availability_inputs`` (``base``): ``availability`` (all keys,
    the derated ones multiplied), ``firm_availability`` {(site, tech): [-]} for every
    dispatchable key of slice 0, and ``site_rating`` {(site, tech): rating at design} [-]."""
    derate, availability = catalogs.derate, base["availability"]
    out = dict(availability)
    firm: dict[tuple[str, str], float] = {}
    design: dict[tuple[str, str], float] = {}
    for i, sid in enumerate(sites.index):
        z = elevation_m(catalogs, sid)
        t_design = float(sites.at[sid, "design_dry_bulb_c"])
        for e in techs:
            base = availability.get((sid, e, 0))
            if base is None:
                continue
            if e not in derate.index:
                firm[sid, e] = base
                continue
            row = derate.loc[e]
            design[sid, e] = _rating(row, z, t_design)
            firm[sid, e] = base * design[sid, e]
            for t in range(slices.n):
                out[sid, e, t] = availability[sid, e, t] * _rating(row, z, float(slices.dry_bulb_c[i, t]))
    return {"availability": out, "firm_availability": firm, "site_rating": design}
