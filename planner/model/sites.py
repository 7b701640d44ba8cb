"""Sites block: which candidate sites open, one cooling technology per open site, and the
IT load each site hosts split by cooling (the split carries PUE and WUE per cooling).

Equations (s site, c cooling, t slice with weight w_t)::

    sum_c y[s,c] = open[s]                                   one cooling per open site
    it_cap[s,c] <= campus_mw[s] * y[s,c]                     IT capacity only under the chosen cooling
    it_load[s,t] = sum_c (idle[s,c] + sum_m busy[s,m,c] activity[s,m,t])    [MW], the fleet's power
    facility[s,t] = sum_c PUE[s,c,t] * (idle[s,c] + ...)     [MW]; PUE follows the hour's weather
    facility_peak[s] = sum_c PUE_peak[s,c] * it_cap[s,c]       the hottest hour of the site's 8760-hour
                                                             year (user temperature files included) at
                                                             full load, in both time modes
    it_avg, facility_avg = hour-weighted means (expressions)
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from planner.model.inputs import ModelInputs
from planner.model.linear import linear
from planner.model.units import MW, dimensionless, hr, yr

ELASTIC_ROOM = 20.0
"""In the elastic (explanation) model, IT capacity may reach this multiple of the campus limit."""


def add_sites(m: pyo.ConcreteModel, inp: ModelInputs, elastic: bool = False) -> pyo.Block:
    """Add the sites block ``m.site``; with ``elastic`` the campus limit may be exceeded at a price."""
    b = pyo.Block()
    m.site = b
    b.S = pyo.Set(initialize=inp.sites, ordered=True)
    b.C = pyo.Set(initialize=inp.coolings, ordered=True)
    b.campus_mw = pyo.Param(b.S, initialize=inp.campus_mw, units=MW)
    b.pue_peak = pyo.Param(
        b.S,
        b.C,
        initialize=inp.pue_peak,
        units=dimensionless,
    )
    b.open = pyo.Var(b.S, domain=pyo.Binary)
    b.y = pyo.Var(b.S, b.C, domain=pyo.Binary)
    room = ELASTIC_ROOM if elastic else 1.0
    b.it_cap = pyo.Var(
        b.S, b.C, domain=pyo.NonNegativeReals, units=MW, bounds=lambda _, s, c: (0, room * inp.campus_mw[s])
    )
    if elastic:
        b.campus_overrun = pyo.Var(
            b.S,
            b.C,
            domain=pyo.NonNegativeReals,
            units=MW,
            bounds=lambda _, s, c: (0, (room - 1) * inp.campus_mw[s]),
        )

    b.one_cooling = pyo.Constraint(b.S, rule=lambda b, s: sum(b.y[s, c] for c in b.C) == b.open[s])
    b.cap_under_cooling = pyo.Constraint(
        b.S,
        b.C,
        rule=lambda b, s, c: (
            b.it_cap[s, c] <= b.campus_mw[s] * b.y[s, c] + (b.campus_overrun[s, c] if elastic else 0)
        ),
    )
    if elastic:
        b.overrun_needs_cooling = pyo.Constraint(
            b.S, b.C, rule=lambda b, s, c: b.campus_overrun[s, c] <= (room - 1) * b.campus_mw[s] * b.y[s, c]
        )
    b.facility_peak = pyo.Expression(
        b.S, rule=lambda b, s: sum(b.pue_peak[s, c] * b.it_cap[s, c] for c in b.C)
    )
    return b


def add_site_loads(m: pyo.ConcreteModel, inp: ModelInputs) -> None:
    """IT load and facility load per site and slice, as expressions of the fleet's idle and busy
    power split by cooling (call after :func:`planner.model.fleet.add_fleet`)::

        it_load[s,t]    = sum_c (idle[s,c] + sum_m busy[s,m,c] * activity[s,m,t])                [MW]
        facility[s,t]   = sum_c PUE[s,c,t] * (idle[s,c] + sum_m busy[s,m,c] * activity[s,m,t])    [MW]
        it_avg[s,c]     = idle[s,c] + sum_m busy[s,m,c]                   (activity has mean 1)  [MW]
        facility_avg[s] = sum_t share_t * facility[s,t],  share_t = w_t / sum_t w_t              [MW]
        facility_energy[s] = hours * facility_avg[s],     hours = sum_t w_t                     [MWh/yr]

    Each is one flat linear expression whose float coefficients (PUE x activity, summed over the
    slices for the mean) are computed first (:mod:`planner.model.linear`).
    """
    b = m.site
    n = inp.slices.n
    weight = np.asarray(inp.slices.weight_h, dtype=float)
    it_load, facility, facility_avg, it_avg = {}, {}, {}, {}
    for s in inp.sites:
        load = SiteLoad(m, inp, s)
        pue = load.pue
        ones = np.ones_like(pue)
        for t in range(n):
            it_load[s, t] = linear(load.terms(ones, t))
            facility[s, t] = linear(load.terms(pue, t))
        facility_avg[s] = linear(load.terms(pue * (weight / weight.sum())))
        for j, c in enumerate(inp.coolings):
            it_avg[s, c] = linear([(1.0, load.idle[j])] + [(1.0, row[j]) for row in load.busy])
    b.it_load = pyo.Expression(b.S, range(n), rule=lambda b, s, t: it_load[s, t])
    b.facility = pyo.Expression(b.S, range(n), rule=lambda b, s, t: facility[s, t])
    b.it_avg = pyo.Expression(b.S, b.C, rule=lambda b, s, c: it_avg[s, c])
    b.facility_avg = pyo.Expression(b.S, rule=lambda b, s: facility_avg[s])
    b.hours = pyo.Param(initialize=float(weight.sum()), units=hr / yr)
    b.facility_energy = pyo.Expression(b.S, rule=lambda b, s: b.hours * b.facility_avg[s])


class SiteLoad:
    """The IT load of one site as (coefficient, variable) terms: its fleet's idle power per cooling
    and busy power per served model and cooling, with the activity shape [-] of each model and
    the hourly PUE [-] per cooling (arrays over the slices)."""

    def __init__(self, m: pyo.ConcreteModel, inp: ModelInputs, s: str) -> None:
        fleet, n = m.fleet, inp.slices.n
        pairs = [(s2, mod) for (s2, mod) in fleet.SM if s2 == s]
        self.coolings = list(inp.coolings)
        self.pue = np.array([[inp.pue_t[s, c, t] for t in range(n)] for c in self.coolings]).reshape(-1, n)
        self.activity = np.array([[inp.activity_shape[s, mod, t] for t in range(n)] for _, mod in pairs])
        self.idle = [fleet.idle_power[s, c] for c in self.coolings]
        self.busy = [[fleet.busy_power[pair, c] for c in self.coolings] for pair in pairs]

    def terms(self, coef: np.ndarray, t: int | None = None) -> list[tuple[float, object]]:
        """Terms of the IT load weighted by cooling and slice, ``coef`` a (cooling x slice) array::

            t given:   sum_c coef[c,t] * (idle[s,c] + sum_m busy[s,m,c] * activity[s,m,t])
            t is None: sum_t sum_c coef[c,t] * (idle[s,c] + sum_m busy[s,m,c] * activity[s,m,t])

        e.g. PUE [-] for the facility load or w_t x WUE [h/yr x ML/MWh] for water; the result is
        in [MW] times the unit of ``coef``.
        """
        if t is None:
            idle_coef, busy_coef = coef.sum(axis=1), self.activity @ coef.T if self.busy else None
        else:
            idle_coef = coef[:, t]
            busy_coef = np.outer(self.activity[:, t], coef[:, t]) if self.busy else None
        out = list(zip(idle_coef.tolist(), self.idle))
        for k, row in enumerate(self.busy):
            out += zip(busy_coef[k].tolist(), row)
        return out
