"""Tariff block: the grid connection's charges as billed (``prices.grid_tariff: as_billed``),
each on what it depends on (coefficients in :mod:`planner.model.tariff_inputs`).

Equations (s site, t slice, t*(s) the coincident-peak slice: the site's highest energy price)::

    billing[s] >= grid[s,t]                      for every slice t     billing demand [MW]
    billing[s] <= grid_cap[s]                                          (the tie bounds it)
    billing[s] >= ratchet[s] grid_cap[s]                               minimum demand (where published)
    capacity_charge[s]     = capacity[s] grid[s,t*(s)]                 [MUSD/yr]
    transmission_charge[s] = transmission[s] grid[s,t*(s)]             [MUSD/yr]
    demand_charge[s]       = demand[s] billing[s] + standby[s] (grid_cap[s] - billing[s])   [MUSD/yr]

Coincident-peak rule: the ISO's capacity obligation (PJM's peak-load contribution, MISO's
coincident peak, ERCOT's 4CP for transmission) is the site's import in the system's peak hour;
the model takes the slice in which the site's energy price (which follows system load) is
highest. Demand is billed on the year's highest import (a 100% ratchet); the rest of the tie,
held as backup for on-site plant, pays the standby rate. Annual mode (one slice at the means)
cannot see a peak hour: every charge falls on the contracted tie (billing = grid_cap, the
coincident-peak import = grid_cap), a conservative screening figure.
"""

from __future__ import annotations

import pyomo.environ as pyo

from planner.model.inputs import ModelInputs
from planner.model.units import MUSD, MW, yr

TARIFF_CATEGORIES = ("capacity_charge", "demand_charge", "transmission_charge")
"""Cost categories of the tariff block (``tables/costs.csv``, ``tables/opex.csv``)."""


def add_tariff(m: pyo.ConcreteModel, inp: ModelInputs) -> pyo.Block:
    """Add ``m.tariff`` (needs ``m.energy``) with ``capacity``, ``transmission`` and ``demand``
    per site [MUSD/yr]; zero expressions (no rows) without tariff charges."""
    b = pyo.Block()
    m.tariff = b
    S, tf, energy = m.site.S, inp.tariff, m.energy
    zero = 0.0 * MUSD / yr
    if tf is None or "grid" not in inp.techs or not tf.any_charge():
        for name in ("capacity", "transmission", "demand"):
            b.add_component(name, pyo.Expression(S, rule=lambda b, s: zero))
        return b
    per = MUSD / yr / MW
    if inp.slices.hourly:
        b.billing = pyo.Var(
            S, domain=pyo.NonNegativeReals, units=MW, bounds=lambda _, s: (0, energy.grid_cap[s].ub)
        )
        b.above_imports = pyo.Constraint(S, energy.T, rule=lambda b, s, t: b.billing[s] >= energy.grid[s, t])
        b.within_tie = pyo.Constraint(S, rule=lambda b, s: b.billing[s] <= energy.grid_cap[s])
        ratchet = [s for s in inp.sites if tf.min_demand_share[s] > 0]
        b.ratchet = pyo.Constraint(
            ratchet, rule=lambda b, s: b.billing[s] >= tf.min_demand_share[s] * energy.grid_cap[s]
        )
        peak = {s: energy.grid[s, tf.peak_slice[s]] for s in inp.sites}
        billing = {s: b.billing[s] for s in inp.sites}
    else:
        peak = billing = {s: energy.grid_cap[s] for s in inp.sites}
    b.capacity = pyo.Expression(S, rule=lambda b, s: tf.capacity_musd_per_mw_yr[s] * per * peak[s])
    b.transmission = pyo.Expression(S, rule=lambda b, s: tf.transmission_musd_per_mw_yr[s] * per * peak[s])
    b.demand = pyo.Expression(
        S,
        rule=lambda b, s: (
            tf.demand_musd_per_mw_yr[s] * per * billing[s]
            + tf.standby_musd_per_mw_yr[s] * per * (energy.grid_cap[s] - billing[s])
        ),
    )
    return b
