"""Sites block: which candidate sites open, one cooling technology per open site, and the
IT load each site hosts split by cooling (the split carries PUE and WUE per cooling).

Equations (s site, c cooling, t slice with weight w_t)::

    sum_c y[s,c] = open[s]                                   one cooling per open site
    it_cap[s,c] <= campus_mw[s] * y[s,c]                     IT capacity only under the chosen cooling
    it_load[s,c,t] (from the fleet's idle and busy power under cooling c)
    facility[s,t] = sum_c PUE[s,c,t] * it_load[s,c,t]        [MW]; PUE follows the hour's weather
    facility_peak[s] = sum_c PUE_peak[s,c] * it_cap[s,c]       the hottest hour at full load (annual mode:
                                                             hottest hour of the 8760-hour profile)
    it_avg, facility_avg = hour-weighted means (expressions)
"""

from __future__ import annotations

import pyomo.environ as pyo

from planner.model.inputs import ModelInputs
from planner.model.units import MW, dimensionless

ELASTIC_ROOM = 20.0
"""In the elastic (explanation) model, IT capacity may reach this multiple of the campus limit."""


def add_sites(m: pyo.ConcreteModel, inp: ModelInputs, elastic: bool = False) -> pyo.Block:
    """Add the sites block ``m.site``; with ``elastic`` the campus limit may be exceeded at a price."""
    b = pyo.Block()
    m.site = b
    b.S = pyo.Set(initialize=inp.sites, ordered=True)
    b.C = pyo.Set(initialize=inp.coolings, ordered=True)
    b.campus_mw = pyo.Param(b.S, initialize=inp.campus_mw, units=MW)
    T = list(range(inp.slices.n))
    share = {t: float(w) / float(inp.slices.weight_h.sum()) for t, w in enumerate(inp.slices.weight_h)}
    b.pue = pyo.Param(b.S, b.C, T, initialize=inp.pue_t, units=dimensionless)
    b.pue_peak = pyo.Param(
        b.S,
        b.C,
        initialize=inp.pue_peak,
        units=dimensionless,
    )
    b.share = pyo.Param(T, initialize=share, units=dimensionless)
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
    """IT load per site, cooling and slice, and facility load, as expressions of the fleet's
    idle and busy power split by cooling (call after :func:`planner.model.fleet.add_fleet`)::

        it_load[s,c,t] = idle[s,c] + sum_m busy[s,m,c] * activity[s,m,t]
        facility[s,t]  = sum_c PUE[s,c,t] * it_load[s,c,t]
    """
    b, fleet = m.site, m.fleet
    T = list(range(inp.slices.n))
    models_at = {s: [mod for (s2, mod) in fleet.SM if s2 == s] for s in inp.sites}
    b.it_load = pyo.Expression(
        b.S,
        b.C,
        T,
        rule=lambda b, s, c, t: (
            fleet.idle_power[s, c]
            + sum(fleet.busy_power[s, mod, c] * fleet.activity[s, mod, t] for mod in models_at[s])
        ),
    )
    b.facility = pyo.Expression(
        b.S, T, rule=lambda b, s, t: sum(b.pue[s, c, t] * b.it_load[s, c, t] for c in b.C)
    )
    b.it_avg = pyo.Expression(
        b.S,
        b.C,
        rule=lambda b, s, c: (
            fleet.idle_power[s, c] + sum(fleet.busy_power[s, mod, c] for mod in models_at[s])
        ),
    )
    b.facility_avg = pyo.Expression(b.S, rule=lambda b, s: sum(b.share[t] * b.facility[s, t] for t in T))
