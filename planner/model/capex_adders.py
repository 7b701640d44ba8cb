"""The whole-capex block (issue 23 item 4): soft costs, owner contingency, interest during
construction, sales tax on IT equipment and interconnection, each an annualised cost per site
[MUSD/yr] and its own category of the objective (coefficients and their sources in
:mod:`planner.model.capex_inputs`).

Equations (s site, c cooling, e plant, g GPU; annualised coefficients in MUSD/yr per unit)::

    H[s]            = index[s] (hard_it[s]/index[s] it_cap[s] + sum_c hard_cool[c] it_cap[s,c])
                      facility hard cost, annualised (shell + electrical + cooling at the index)
    soft_costs[s]   = soft H[s]
    contingency[s]  = contingency H[s]
    ic[s]          >= a_k + b_k grid_cap[s]      every segment k of the site's curve  [MUSD]
    ic[s]          <= curve(upper bound of grid_cap[s])   (a bound for the present-value objective)
    interconnection[s] = CRF(grid wacc, grid life) ic[s] + grid FOM grid_cap[s]
    idc[s]          = idc_it[s] it_cap[s] + index[s] sum_c idc_cool[c] it_cap[s,c]
                      + idc_fixed open[s] + sum_e idc_tech[e] cap[s,e] + idc_backup backup[s]
                      + idc_battery st_power[s] + idc_storage st_energy[s]
                      + f(grid wacc, grid lead[s]) CRF ic[s]
    sales_tax[s]    = tax[s] sum_g gpu_annual[g] n_gpu[s,g]

``ic`` is the convex curve's value at the minimum (the objective pushes it down to the largest
segment). Without ``interconnection_cost.csv`` the block adds no curve and the grid tie keeps the
flat ``energy.csv`` capex in ``grid_connection``.
"""

from __future__ import annotations

import pyomo.environ as pyo

from planner.model.capex_inputs import curve_cost_musd
from planner.model.inputs import ModelInputs
from planner.model.units import GPU, MUSD, MW, MWh, yr

CAPEX_ADDER_CATEGORIES = (
    "soft_costs",
    "owner_contingency",
    "interest_during_construction",
    "sales_tax",
    "interconnection",
)
"""Cost categories of this block (objective, ``tables/costs.csv``, capex line items)."""


def add_capex_adders(m: pyo.ConcreteModel, inp: ModelInputs) -> pyo.Block:
    """Add ``m.capex`` (needs ``m.site``, ``m.fleet``, ``m.energy`` and ``m.redundancy``) with one
    expression per category of :data:`CAPEX_ADDER_CATEGORIES`, indexed by site [MUSD/yr]."""
    b = pyo.Block()
    m.capex = b
    site, fleet, energy, cx = m.site, m.fleet, m.energy, inp.capex
    zero = 0.0 * MUSD / yr
    if cx is None:
        for k in CAPEX_ADDER_CATEGORIES:
            setattr(b, k, pyo.Expression(site.S, rule=lambda b, s: zero))
        return b
    P = pyo.Param
    b.hard_it = P(site.S, initialize=cx.hard_it_annual, units=MUSD / yr / MW)
    b.hard_cool = P(site.C, initialize=cx.hard_cooling_annual, units=MUSD / yr / MW)
    b.site_index = P(site.S, initialize=cx.index)
    b.hard = pyo.Expression(
        site.S,
        rule=lambda b, s: (
            sum(b.hard_it[s] * site.it_cap[s, c] for c in site.C)
            + b.site_index[s] * sum(b.hard_cool[c] * site.it_cap[s, c] for c in site.C)
        ),
    )
    b.soft_costs = pyo.Expression(site.S, rule=lambda b, s: cx.soft_share * b.hard[s])
    b.owner_contingency = pyo.Expression(site.S, rule=lambda b, s: cx.contingency_share * b.hard[s])
    _add_interconnection(b, m, inp)
    b.gpu_tax = P(
        site.S, fleet.G, initialize={(s, g): cx.sales_tax_rate[s] * inp.gpu_annual_musd[g] for s in inp.sites
                                     for g in inp.gpus}, units=MUSD / yr / GPU,
    )  # fmt: skip
    b.sales_tax = pyo.Expression(
        site.S, rule=lambda b, s: sum(b.gpu_tax[s, g] * fleet.n_gpu[s, g] for g in fleet.G)
    )
    b.idc_it = P(site.S, initialize=cx.idc_it_annual, units=MUSD / yr / MW)
    b.idc_cool = P(site.C, initialize=cx.idc_cooling_annual, units=MUSD / yr / MW)
    b.idc_fixed = P(initialize=cx.idc_site_fixed_annual, units=MUSD / yr)
    b.idc_tech = P(energy.E, initialize={e: cx.idc_tech_annual.get(e, 0.0) for e in inp.generators},
                   units=MUSD / yr / MW)  # fmt: skip
    b.idc_backup = P(initialize=cx.idc_backup_annual, units=MUSD / yr / MW)
    b.interest_during_construction = pyo.Expression(site.S, rule=lambda b, s: _idc(b, m, inp, s))
    return b


def _idc(b: pyo.Block, m: pyo.ConcreteModel, inp: ModelInputs, s: str) -> object:
    """Interest during construction of site ``s`` [MUSD/yr] (module docstring)."""
    site, energy, cx = m.site, m.energy, inp.capex
    assert cx is not None
    total = (
        sum(b.idc_it[s] * site.it_cap[s, c] for c in site.C)
        + b.site_index[s] * sum(b.idc_cool[c] * site.it_cap[s, c] for c in site.C)
        + b.idc_fixed * site.open[s]
        + sum(b.idc_tech[e] * energy.cap[s, e] for e in energy.E)
        + b.idc_backup * m.redundancy.backup[s]
    )
    if inp.storage:
        total = (
            total
            + (cx.idc_tech_annual.get("battery", 0.0) * MUSD / yr / MW) * energy.st_power[s]
            + (cx.idc_storage_annual * MUSD / yr / MWh) * energy.st_energy[s]
        )
    if cx.segments:
        total = total + b.ic_idc[s] * b.ic[s]
    return total


def _add_interconnection(b: pyo.Block, m: pyo.ConcreteModel, inp: ModelInputs) -> None:
    """``ic[s]`` [MUSD] above every segment of the site's curve, and its annualised cost."""
    cx, site = inp.capex, m.site
    assert cx is not None
    if not cx.segments:
        b.interconnection = pyo.Expression(site.S, rule=lambda b, s: 0.0 * MUSD / yr)
        return
    b.ic = pyo.Var(
        site.S,
        domain=pyo.NonNegativeReals,
        units=MUSD,
        bounds=lambda _, s: (0, curve_cost_musd(cx.segments[s], float(m.energy.grid_cap[s].ub or 0.0))),
    )
    b.SEG = pyo.Set(initialize=[(s, k) for s in inp.sites for k in range(len(cx.segments[s]))], dimen=2)
    b.on_curve = pyo.Constraint(
        b.SEG,
        rule=lambda b, s, k: (
            b.ic[s]
            >= cx.segments[s][k].intercept_musd * MUSD
            + cx.segments[s][k].slope_musd_per_mw * MUSD / MW * m.energy.grid_cap[s]
        ),
    )
    b.ic_crf = P = pyo.Param(initialize=cx.interconnection_crf, units=1 / yr)
    idc = {s: cx.idc_interconnection[s] * cx.interconnection_crf for s in inp.sites}
    b.ic_idc = pyo.Param(site.S, initialize=idc, units=1 / yr)
    b.ic_fom = pyo.Param(initialize=cx.interconnection_fom, units=MUSD / yr / MW)
    b.interconnection = pyo.Expression(
        site.S, rule=lambda b, s: P * b.ic[s] + b.ic_fom * m.energy.grid_cap[s]
    )


def adder_capex_musd(m: pyo.ConcreteModel, inp: ModelInputs, s: str) -> dict[str, float]:
    """Overnight capex of each category of :data:`CAPEX_ADDER_CATEGORIES` at site ``s`` of a solved
    model [MUSD] (``summary.json`` ``capex_usd``; the line items add up to it)::

        hard        = index[s] ((shell + electrical) it_cap[s] + sum_c cooling_capex[c] it_cap[s,c])
        soft        = soft hard,   contingency = contingency hard
        idc         = f_b (1 + soft + contingency) hard + f_b site_fixed open[s]
                      + sum_e f_e capex_e cap[s,e] + f_battery (battery capex)
                      + f_1 backup capex + f_grid ic[s]
        sales_tax   = tax[s] sum_g gpu_capex[g] n_gpu[s,g]
        interconnection = ic[s]
    """
    cx = inp.capex
    if cx is None:
        return dict.fromkeys(CAPEX_ADDER_CATEGORIES, 0.0)
    v = pyo.value
    site, energy = m.site, m.energy
    hard = cx.hard_it_capex[s] * sum(v(site.it_cap[s, c]) for c in inp.coolings) + cx.index[s] * sum(
        inp.cooling_capex_musd_per_mw[c] * v(site.it_cap[s, c]) for c in inp.coolings
    )
    ic = float(v(m.capex.ic[s])) if cx.segments else 0.0
    idc = cx.idc_building * (cx.adders * hard + inp.site_fixed_capex_musd * v(site.open[s]))
    idc += sum(cx.idc_tech[e] * inp.tech_capex_musd_per_mw[e] * v(energy.cap[s, e]) for e in inp.generators)
    if inp.storage:
        idc += cx.idc_tech.get("battery", 0.0) * (
            inp.tech_capex_musd_per_mw["battery"] * v(energy.st_power[s])
            + inp.storage_capex_musd_per_mwh * v(energy.st_energy[s])
        )
    if inp.redundancy is not None:
        idc += cx.idc_backup * inp.redundancy.backup_capex_musd_per_mw * v(m.redundancy.backup[s])
    if cx.segments:
        idc += cx.idc_interconnection[s] * ic
    return {
        "soft_costs": cx.soft_share * hard,
        "owner_contingency": cx.contingency_share * hard,
        "interest_during_construction": idc,
        "sales_tax": cx.sales_tax_rate[s]
        * sum(inp.gpu_capex_musd[g] * v(m.fleet.n_gpu[s, g]) for g in inp.gpus),
        "interconnection": ic,
    }
