"""The decision space of near-optimal alternatives: plan vectors, distances and the MGA rows.

A plan is measured in four spaces, each by a quantity the demand fixes in total, so that an
alternative cannot look different by building capacity it does not use (a distance on capacity
is maximised by spending the slack on idle MW or an empty site):

* ``sites``: tokens/s served per site [Mtok/s] (where the demand is served; sums to the demand);
* ``energy``: energy supplied per technology [MWh/yr] (generators, grid imports as ``grid``,
  battery discharge as ``battery``; sums to the facility energy plus storage losses);
* ``gpus``: GPUs installed per type;
* ``cooling``: open site x cooling choices (binaries ``y[s,c]``).

Distance between plans ``x`` and ``a`` in one space, normalised by the optimum so that the
spaces can be averaged (1 = as different as two plans of the optimum's size with nothing in
common)::

    d_sites(x, a)   = sum_s |T_s(x) - T_s(a)|     / (2 T_total(opt))               [-]
    d_energy(x, a)  = sum_e |E_e(x) - E_e(a)|     / (2 E_total(opt))               [-]
    d_gpus(x, a)    = sum_g |N_g(x) - N_g(a)|     / (2 N_total(opt))               [-]
    d_cooling(x, a) = sum_sc |y_sc(x) - y_sc(a)|  / (2 n_open(opt))                [-]
    d_all           = mean of the four

For display (min/max table, chart) a plan also keeps IT MW per site, MW per technology and IT MW
per cooling.

MGA (modelling to generate alternatives, max-min form, as Calliope's SPORES and PyPSA's MGA
search a near-optimal space): with the plans ``a_0 .. a_{k-1}`` found so far,

    max z   s.t.   z <= d(x, a_j)  for every j,   objective(x) <= (1 + slack) * objective*

``|y_sc - a_sc|`` is linear for a binary (``y_sc`` or ``1 - y_sc``). For an aggregate ``X_i`` in
``[0, U_i]`` (``U_i`` from its variables' upper bounds) the distance to ``a_i`` is a variable
``d_ji`` with a binary ``b_ji`` (1: ``X_i`` above ``a_i``)::

    d_ji <= X_i - a_i + M_i (1 - b_ji),   d_ji <= a_i - X_i + M_i b_ji,   M_i = 2 max(U_i - a_i, a_i)

so that at the maximum ``d_ji = |X_i - a_i|``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyomo.environ as pyo

from planner.model.inputs import ModelInputs

SPACES = ("sites", "energy", "gpus", "cooling")
"""Decision spaces a distance can be measured in (``all`` = their mean)."""
UNITS = {"sites": "IT MW", "energy": "MW", "gpus": "GPUs", "cooling": "IT MW"}
"""Units of the display vectors (:func:`ranges`)."""
EPS = 1e-6
"""Quantities below this are treated as zero (MW, GPUs, Mtok/s, MWh/yr)."""


@dataclass(frozen=True)
class Plan:
    """A plan reduced to its decision vectors (see the module docstring): display vectors
    ``sites`` (IT MW per open site), ``energy`` (MW per technology), ``gpus``, ``cooling`` (IT MW
    per cooling); distance vectors ``served`` (Mtok/s per site) and ``supplied`` (MWh/yr per
    technology); each open site's cooling (what a verification solve fixes)."""

    sites: dict[str, float]
    energy: dict[str, float]
    gpus: dict[str, float]
    cooling: dict[str, float]
    served: dict[str, float] = field(default_factory=dict)
    supplied: dict[str, float] = field(default_factory=dict)
    site_cooling: dict[str, str] = field(default_factory=dict)

    def vector(self, space: str) -> dict[str, float]:
        """The distance vector of one space."""
        if space == "cooling":
            return {f"{s}/{c}": 1.0 for s, c in self.site_cooling.items()}
        return dict({"sites": self.served, "energy": self.supplied, "gpus": self.gpus}[space])

    def display(self, space: str) -> dict[str, float]:
        """The display vector of one space (units :data:`UNITS`)."""
        return dict(getattr(self, space))


def _positive(values: Mapping[str, float]) -> dict[str, float]:
    return {k: float(v) for k, v in values.items() if v > EPS}


def _by(frame: pd.DataFrame, key: str, value: str) -> dict[str, float]:
    return _positive(dict(frame.groupby(key)[value].sum())) if len(frame) else {}


def plan_from_tables(tables: Mapping[str, pd.DataFrame]) -> Plan:
    """A plan from a run's tables (``sites``, ``fleet``, ``energy_capacity``)."""
    sites = tables["sites"]
    open_ = sites[sites["open"].astype(bool)]
    fleet, energy = tables["fleet"], tables["energy_capacity"]
    return Plan(
        sites={r.site_id: float(r.it_mw) for r in open_.itertuples()},
        energy=_by(energy, "tech_id", "capacity_mw"),
        gpus=_by(fleet.fillna({"gpus_installed": 0.0}), "gpu_id", "gpus_installed"),
        cooling=_by(open_, "cooling_id", "it_mw"),
        served=_positive({r.site_id: float(r.tokens_per_s) / 1e6 for r in open_.itertuples()}),
        supplied=_by(energy, "tech_id", "generation_mwh_per_yr"),
        site_cooling={r.site_id: str(r.cooling_id) for r in open_.itertuples()},
    )


def aggregates(m: pyo.ConcreteModel, inp: ModelInputs, space: str) -> dict[str, tuple[Any, float]]:
    """Per component of the ``sites``, ``energy`` or ``gpus`` distance vector: (linear expression
    of the model, upper bound U_i)."""
    energy, fleet, w = m.energy, m.fleet, inp.slices.weight_h
    hours, out = float(w.sum()), {}

    def total(items: Sequence[tuple[float, Any]]) -> tuple[Any, float]:
        return sum(c * v for c, v in items), sum(c * (v.ub or 0.0) for c, v in items)

    if space == "sites":
        demand = float(sum(inp.demand.values()))
        out = {s: (m.demand.served_at[s], demand) for s in inp.sites}
    elif space == "energy":
        times = range(inp.slices.n)
        for e in inp.generators:
            expr = sum(w[t] * energy.gen[s, e, t] for s in inp.sites for t in times)
            out[e] = (expr, hours * sum(energy.cap[s, e].ub or 0.0 for s in inp.sites))
        if "grid" in inp.techs:
            expr = sum(w[t] * energy.grid[s, t] for s in inp.sites for t in times)
            out["grid"] = (expr, hours * sum(energy.grid_cap[s].ub or 0.0 for s in inp.sites))
        if inp.storage:
            expr = sum(w[t] * energy.discharge[s, t] for s in inp.sites for t in times)
            out["battery"] = (expr, hours * sum(energy.st_power[s].ub or 0.0 for s in inp.sites))
    elif space == "gpus":
        for g in inp.gpus:
            out[g] = total([(float(inp.gpu_block[g]), fleet.blocks[s, g]) for s in inp.sites])
    return {k: (expr, ub) for k, (expr, ub) in out.items() if ub > 0}


def plan_from_model(m: pyo.ConcreteModel, inp: ModelInputs) -> Plan:
    """The plan held in a solved model's variables."""
    opened = [s for s in inp.sites if pyo.value(m.site.open[s]) > 0.5]
    it = {s: float(sum(pyo.value(m.site.it_cap[s, c]) for c in inp.coolings)) for s in opened}
    # a site open without IT (the relaxed search may leave one) is not part of the plan
    cool = {s: c for s in opened for c in inp.coolings if pyo.value(m.site.y[s, c]) > 0.5 and it[s] > EPS}
    per_cooling = {c: float(sum(pyo.value(m.site.it_cap[s, c]) for s in opened)) for c in inp.coolings}
    mw = {e: float(sum(pyo.value(m.energy.cap[s, e]) for s in inp.sites)) for e in inp.generators}
    if "grid" in inp.techs:
        mw["grid"] = float(sum(pyo.value(m.energy.grid_cap[s]) for s in inp.sites))
    if inp.storage:
        mw["battery"] = float(sum(pyo.value(m.energy.st_power[s]) for s in inp.sites))
    value = {
        sp: {k: float(pyo.value(e)) for k, (e, _) in aggregates(m, inp, sp).items()} for sp in SPACES[:3]
    }
    return Plan(
        sites=_positive(it),
        energy=_positive(mw),
        gpus=_positive(value["gpus"]),
        cooling=_positive(per_cooling),
        served=_positive({s: v for s, v in value["sites"].items() if s in it}),
        supplied=_positive(value["energy"]),
        site_cooling=cool,
    )


def scales(ref: Plan) -> dict[str, float]:
    """The normalisers of each space (twice the optimum's total; at least 1e-9)."""
    return {sp: 2.0 * max(sum(ref.vector(sp).values()), 1e-9) for sp in SPACES}


def spaces_of(space: str) -> tuple[str, ...]:
    """``all`` -> every space; else the one named."""
    return SPACES if space == "all" else (space,)


def distance(x: Plan, a: Plan, space: str, norm: Mapping[str, float]) -> float:
    """Normalised L1 distance between two plans in ``space`` (``all``: the mean of the four)."""
    values = []
    for sp in spaces_of(space):
        vx, va = x.vector(sp), a.vector(sp)
        values.append(sum(abs(vx.get(k, 0.0) - va.get(k, 0.0)) for k in set(vx) | set(va)) / norm[sp])
    return sum(values) / len(values)


def ranges(plans: Sequence[Plan]) -> pd.DataFrame:
    """What the plans share and what is free: per site (IT MW), energy technology (MW), GPU type
    and cooling (IT MW), its min and max across ``plans``, in how many of them it appears
    (``plans`` of ``of``), and a verdict (``always``: in every plan; ``free``: in some; items in
    no plan are left out)."""
    rows = []
    for sp in SPACES:
        for k in sorted({k for p in plans for k in p.display(sp)}):
            values = [p.display(sp).get(k, 0.0) for p in plans]
            n = sum(v > EPS for v in values)
            verdict = "always" if n == len(plans) else "free"
            rows.append([sp, k, UNITS[sp], min(values), max(values), n, len(plans), verdict])
    return pd.DataFrame(rows, columns=["kind", "id", "unit", "min", "max", "plans", "of", "verdict"])


def add_mga(
    m: pyo.ConcreteModel,
    inp: ModelInputs,
    found: Sequence[Plan],
    space: str,
    norm: Mapping[str, float],
    budget: float,
) -> None:
    """Add block ``m.mga``: maximise the smallest distance to the ``found`` plans with the
    scenario's objective at most ``budget`` (see the module docstring); the scenario's objective
    is deactivated. :func:`remove_mga` undoes it."""
    b = pyo.Block()
    m.mga = b
    b.within_budget = pyo.Constraint(expr=m.objective.expr <= budget)
    b.z = pyo.Var(domain=pyo.NonNegativeReals)
    b.rows = pyo.ConstraintList()
    spaces = spaces_of(space)
    aggs = {sp: aggregates(m, inp, sp) for sp in spaces if sp != "cooling"}
    keys = [(sp, k) for sp in aggs for k in aggs[sp]]
    b.d = pyo.Var(range(len(found)), keys, domain=pyo.NonNegativeReals)
    b.above = pyo.Var(range(len(found)), keys, domain=pyo.Binary)
    for j, a in enumerate(found):
        terms = []
        for sp, comps in aggs.items():
            va = a.vector(sp)
            for k, (expr, ub) in comps.items():
                ak = va.get(k, 0.0)
                big = 2.0 * max(ub - ak, ak, 1.0)
                d, up = b.d[j, (sp, k)], b.above[j, (sp, k)]
                b.rows.add(d <= expr - ak + big * (1 - up))
                b.rows.add(d <= ak - expr + big * up)
            terms.append(sum(b.d[j, (sp, k)] for k in comps) / norm[sp])
        if "cooling" in spaces:
            ys = [(s, c) for s in inp.sites for c in inp.coolings]
            chosen = {(s, c) for s, c in a.site_cooling.items()}
            terms.append(sum(1 - m.site.y[i] if i in chosen else m.site.y[i] for i in ys) / norm["cooling"])
        b.rows.add(b.z <= sum(terms) / len(spaces))
    m.objective.deactivate()
    b.objective = pyo.Objective(expr=-b.z, sense=pyo.minimize)  # max z, as a minimisation


def start_mga(m: pyo.ConcreteModel, inp: ModelInputs, found: Sequence[Plan], space: str) -> None:
    """Values of the MGA variables consistent with the plan loaded in ``m`` (a feasible start:
    that plan is within the budget; its distances and ``z`` follow from it)."""
    b = m.mga
    aggs = {sp: aggregates(m, inp, sp) for sp in spaces_of(space) if sp != "cooling"}
    for j, a in enumerate(found):
        for sp, comps in aggs.items():
            va = a.vector(sp)
            for k, (expr, _) in comps.items():
                gap = float(pyo.value(expr)) - va.get(k, 0.0)
                b.above[j, (sp, k)].set_value(1.0 if gap >= 0 else 0.0)
                b.d[j, (sp, k)].set_value(abs(gap))
    b.z.set_value(0.0)


def remove_mga(m: pyo.ConcreteModel) -> None:
    """Remove the MGA block and reactivate the scenario's objective."""
    m.del_component(m.mga)
    m.objective.activate()
