"""Failures that are not independent, per open site of a solved plan: the common-mode loss of
gas supply and N-1-1 (``tables/resilience.csv``, ``summary.json`` ``power_resilience``).

Loads [MW] (hottest-hour PUE of the chosen cooling, :mod:`planner.model.sites`)::

    nameplate[s] = facility_peak[s] = sum_c PUE_peak[s,c] it_cap[s,c]          all GPUs at nameplate
    metered[s]   = sum_c PUE_peak[s,c] (idle[s,c] + sum_m busy[s,m,c] max_t activity[s,m,t])
                   the fleet's metered power at its busiest hour (what the meter would read)

Firm supply at the site's design air (:mod:`planner.model.derate`)::

    firm[s]    = grid_cap[s] + sum_{e dispatchable} firm_avail[s,e] cap[s,e] + backup[s] + kept[s]
    gas[s]     = sum_{e gas} firm_avail[s,e] cap[s,e] + kept[s]     every gas unit on one lateral
    no_gas[s]  = firm[s] - gas[s]                 grid tie + non-gas plant + diesel gensets
    margin_X   = no_gas[s] - X[s]                 X = metered or nameplate

Ride-through after the loss of gas, with deficit D = X - (grid_cap + non-gas plant) drawn from
the diesel gensets (B MW, fuel for H h at full output, ``facility.csv``
``backup_fuel_autonomy_h``; fuel burn taken proportional to output) and the battery (P MW,
E MWh), both full when gas is lost::

    D <= 0: unlimited (empty)      D > B + P: 0 h
    else hours = min((B H + E) / D,  E / (D - B) if D > B,  B H / (D - P) if D > P)

(the diesel and battery energy shared as the deficit needs, each within its power).

N-1-1 (the largest trip during the largest planned outage): the supply elements of the site,
each at its firm output (the grid tie whole; every plant as its units of U = ``unit_trip_mw``
(else ``module_mw``, else the plant whole); gensets of ``backup_genset_unit_mw``; kept bridge
engines of the engine's unit), sorted by size; the largest is out for maintenance and the next
largest trips::

    n11_loss[s] = u_(1) + u_(2);   n11_margin_X = firm[s] - n11_loss[s] - X[s]
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pyomo.environ as pyo

from planner.model.inputs import ModelInputs
from planner.model.slice_inputs import DISPATCHABLE_KINDS
from planner.model.timing_inputs import OWNED_BRIDGE

TINY_MW = 1e-3
"""Capacities below this [MW] are solver noise."""

RESILIENCE_COLUMNS = (
    "metered_peak_mw",
    "nameplate_peak_mw",
    "firm_mw",
    "gas_mw",
    "gas_site_rating",
    "no_gas_mw",
    "battery_mw",
    "battery_mwh",
    "backup_mw",
    "backup_fuel_h",
    "gas_loss_margin_metered_mw",
    "gas_loss_margin_nameplate_mw",
    "gas_loss_hours_metered",
    "gas_loss_hours_nameplate",
    "n11_outage",
    "n11_trip",
    "n11_loss_mw",
    "n11_margin_metered_mw",
    "n11_margin_nameplate_mw",
)
"""Columns of ``tables/resilience.csv`` after ``site_id`` (one row per open site)."""


def _v(x: Any) -> float:
    out = pyo.value(x, exception=False)
    return 0.0 if out is None else float(out)


def ride_through_hours(
    deficit_mw: float, diesel_mw: float, fuel_h: float, battery_mw: float, battery_mwh: float
) -> float | None:
    """Hours the diesel gensets and the battery carry a deficit [h] (module docstring); None
    when there is no deficit (unlimited), 0 when their power cannot carry it.

    >>> ride_through_hours(50.0, 40.0, 48.0, 20.0, 80.0)  # battery: 80 MWh / (50 - 40) MW
    8.0
    >>> ride_through_hours(30.0, 40.0, 48.0, 20.0, 80.0)  # fuel: (40 x 48 + 80) MWh / 30 MW
    66.66666666666667
    """
    if deficit_mw <= TINY_MW:
        return None
    if deficit_mw > diesel_mw + battery_mw + TINY_MW:
        return 0.0
    fuel_mwh = diesel_mw * fuel_h
    bounds = [(fuel_mwh + battery_mwh) / deficit_mw]
    if deficit_mw > diesel_mw:
        bounds.append(battery_mwh / (deficit_mw - diesel_mw))
    if deficit_mw > battery_mw:
        bounds.append(fuel_mwh / (deficit_mw - battery_mw))
    return min(bounds)


def metered_peak_mw(m: pyo.ConcreteModel, inp: ModelInputs, s: str) -> float:
    """The fleet's metered facility load at its busiest hour and the hottest-hour PUE [MW]."""
    fleet, total = m.fleet, 0.0
    models = [mod for (s2, mod) in fleet.SM if s2 == s]
    for c in inp.coolings:
        it = _v(fleet.idle_power[s, c])
        for mod in models:
            peak = max(inp.activity_shape[s, mod, t] for t in range(inp.slices.n))
            it += _v(fleet.busy_power[s, mod, c]) * peak
        total += inp.pue_peak[s, c] * it
    return total


def supply_elements(m: pyo.ConcreteModel, inp: ModelInputs, s: str) -> list[tuple[float, str]]:
    """The site's firm supply as elements that fail one at a time, (MW, name), largest first."""
    out: list[tuple[float, str]] = []
    if "grid" in inp.techs and _v(m.energy.grid_cap[s]) > TINY_MW:
        out.append((_v(m.energy.grid_cap[s]), "grid"))
    for e in inp.generators:
        cap = _v(m.energy.cap[s, e])
        if inp.tech_kind[e] not in DISPATCHABLE_KINDS or cap <= TINY_MW:
            continue
        unit = inp.unit_trip_mw[e] if inp.unit_trip_mw[e] > 0 else inp.module_mw[e]
        out += [(inp.firm_avail(s, e) * mw, e) for mw in _units(cap, unit)]
    if inp.redundancy is not None:
        out += [(mw, "backup") for mw in _units(_v(m.redundancy.backup[s]), inp.redundancy.genset_unit_mw)]
    kept = _v(m.timing.kept[s])
    if kept > TINY_MW:
        out += [(mw, "bridge kept") for mw in _units(kept, inp.module_mw.get(OWNED_BRIDGE, 0.0))]
    return sorted(out, key=lambda x: -x[0])


def _units(cap: float, unit: float) -> list[float]:
    """``cap`` MW as whole units of ``unit`` MW and the remainder (one element when unit is 0)."""
    if cap <= TINY_MW:
        return []
    if unit <= 0:
        return [cap]
    whole = math.floor(cap / unit + 1e-9)
    rest = cap - whole * unit
    return [unit] * whole + ([rest] if rest > TINY_MW else [])


def site_resilience(m: pyo.ConcreteModel, inp: ModelInputs, s: str) -> dict[str, Any]:
    """One row of :func:`resilience_table` (equations in the module docstring)."""
    energy, red = m.energy, inp.redundancy
    disp = [e for e in inp.generators if inp.tech_kind[e] in DISPATCHABLE_KINDS]
    gas = [e for e in disp if inp.tech_kind[e] == "gas"]
    plant = {e: inp.firm_avail(s, e) * _v(energy.cap[s, e]) for e in disp}
    grid = _v(energy.grid_cap[s]) if "grid" in inp.techs else 0.0
    backup, kept = _v(m.redundancy.backup[s]), _v(m.timing.kept[s])
    gas_mw = sum(plant[e] for e in gas) + kept
    steady = grid + sum(mw for e, mw in plant.items() if e not in gas)  # no store to run down
    battery_mw = _v(energy.st_power[s]) if inp.storage else 0.0
    battery_mwh = _v(energy.st_energy[s]) if inp.storage else 0.0
    fuel_h = red.fuel_autonomy_h if red is not None else 0.0
    loads = {"metered": metered_peak_mw(m, inp, s), "nameplate": _v(m.site.facility_peak[s])}
    firm = steady + gas_mw + backup
    elements = supply_elements(m, inp, s)
    first, second = (elements + [(0.0, ""), (0.0, "")])[:2]
    row: dict[str, Any] = {
        "metered_peak_mw": loads["metered"],
        "nameplate_peak_mw": loads["nameplate"],
        "firm_mw": firm,
        "gas_mw": gas_mw,
        "gas_site_rating": ";".join(
            f"{e} {inp.site_rating[s, e]:.3f}"
            for e in gas
            if plant[e] > TINY_MW and (s, e) in inp.site_rating
        )
        or None,
        "no_gas_mw": steady + backup,
        "battery_mw": battery_mw,
        "battery_mwh": battery_mwh,
        "backup_mw": backup,
        "backup_fuel_h": fuel_h,
        "n11_outage": first[1] or None,
        "n11_trip": second[1] or None,
        "n11_loss_mw": first[0] + second[0],
    }
    for basis, load in loads.items():
        row[f"gas_loss_margin_{basis}_mw"] = steady + backup - load
        row[f"gas_loss_hours_{basis}"] = ride_through_hours(
            load - steady, backup, fuel_h, battery_mw, battery_mwh
        )
        row[f"n11_margin_{basis}_mw"] = firm - first[0] - second[0] - load
    return row


def resilience_table(m: pyo.ConcreteModel, inp: ModelInputs) -> pd.DataFrame:
    """``tables/resilience.csv``: one row per open site with :data:`RESILIENCE_COLUMNS`."""
    rows = [{"site_id": s, **site_resilience(m, inp, s)} for s in inp.sites if _v(m.site.open[s]) > 0.5]
    return pd.DataFrame(rows, columns=["site_id", *RESILIENCE_COLUMNS])


def resilience_summary(table: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """``summary.json`` ``power_resilience``: each open site's row (empty hours: unlimited)."""
    out: dict[str, dict[str, Any]] = {}
    for _, r in table.iterrows():
        out[str(r["site_id"])] = {
            c: (None if pd.isna(r[c]) else (r[c] if isinstance(r[c], str) else float(r[c])))
            for c in RESILIENCE_COLUMNS
        }
    return out
