"""Sites block: which candidate sites open, one cooling technology per open site, and the
IT load each site hosts split by cooling (the split carries PUE and WUE per cooling).

Equations (s site, c cooling)::

    sum_c y[s,c] = open[s]                                   one cooling per open site
    it_cap[s,c] <= campus_mw[s] * y[s,c]                     IT capacity only under the chosen cooling
    it_avg[s,c] <= it_cap[s,c]                               average IT load within capacity
    facility_avg[s] = sum_c PUE[s,c] * it_avg[s,c]           [MW]
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
    b.pue = pyo.Param(b.S, b.C, initialize=inp.pue, units=dimensionless)
    b.open = pyo.Var(b.S, domain=pyo.Binary)
    b.y = pyo.Var(b.S, b.C, domain=pyo.Binary)
    room = ELASTIC_ROOM if elastic else 1.0
    b.it_cap = pyo.Var(b.S, b.C, domain=pyo.NonNegativeReals, units=MW, bounds=lambda _, s, c: (0, room * inp.campus_mw[s]))
    b.it_avg = pyo.Var(b.S, b.C, domain=pyo.NonNegativeReals, units=MW, bounds=lambda _, s, c: (0, room * inp.campus_mw[s]))
    if elastic:
        b.campus_overrun = pyo.Var(b.S, b.C, domain=pyo.NonNegativeReals, units=MW, bounds=lambda _, s, c: (0, (room - 1) * inp.campus_mw[s]))

    b.one_cooling = pyo.Constraint(b.S, rule=lambda b, s: sum(b.y[s, c] for c in b.C) == b.open[s])
    b.cap_under_cooling = pyo.Constraint(b.S, b.C, rule=lambda b, s, c: b.it_cap[s, c] <= b.campus_mw[s] * b.y[s, c] + (b.campus_overrun[s, c] if elastic else 0))
    if elastic:
        b.overrun_needs_cooling = pyo.Constraint(b.S, b.C, rule=lambda b, s, c: b.campus_overrun[s, c] <= (room - 1) * b.campus_mw[s] * b.y[s, c])
    b.avg_within_cap = pyo.Constraint(b.S, b.C, rule=lambda b, s, c: b.it_avg[s, c] <= b.it_cap[s, c])
    b.facility_avg = pyo.Expression(b.S, rule=lambda b, s: sum(b.pue[s, c] * b.it_avg[s, c] for c in b.C))
    b.facility_peak = pyo.Expression(b.S, rule=lambda b, s: sum(b.pue[s, c] * b.it_cap[s, c] for c in b.C))
    return b
