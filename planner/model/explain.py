"""Explain an infeasible scenario in domain terms.

The model is re-solved in its *elastic* form: unmet demand and every limit (campus MW, grid
MW, firm capacity, water, carbon cap, clean-energy share, minimum sites) get non-negative
slack variables priced far above any real cost, unmet demand highest of all. The slacks that
end up positive say which demand could not be met and which limits bind; the message adds
the numbers a planner needs (what sites in reach could host).
"""

from __future__ import annotations

import pyomo.environ as pyo

from planner.model.build import build_model
from planner.model.highs import solve as highs_solve
from planner.model.inputs import ModelInputs, latency_reach
from planner.model.timing import deadline_note
from planner.scenario.schema import SolverOptions

TOL = 1e-6


def _fmt_tokens(mtok_s: float) -> str:
    """Tokens/s for a sentence: ``1.3M tokens/s``, ``1,300,000M tokens/s`` never in e-notation."""
    tokens = mtok_s * 1e6
    if tokens >= 1e6:
        return f"{_sig3(tokens / 1e6)}M tokens/s"
    if tokens >= 1e3:
        return f"{_sig3(tokens / 1e3)}k tokens/s"
    return f"{_sig3(tokens)} tokens/s"


def _sig3(x: float) -> str:
    """Three significant figures without exponent: 1.27, 928, 1,300,000."""
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def _fmt_mw(mw: float) -> str:
    return f"{mw:,.0f}" if mw >= 100 else f"{mw:.3g}"


def unreachable_streams(inp: ModelInputs) -> list[str]:
    """Streams with no candidate site inside their latency budget, each as a sentence."""
    out = []
    reach = latency_reach(inp)
    for (r, mod), sites in reach.items():
        if not sites:
            nearest = min(inp.sites, key=lambda s: inp.rtt_ms[s, r])
            out.append(
                f"region {r} needs {_fmt_tokens(inp.demand[r, mod])} of {mod} "
                f"within {inp.latency_budget_ms[r, mod]:g} ms; "
                f"no candidate site is that close (nearest: {nearest} "
                f"at {inp.rtt_ms[nearest, r]:.1f} ms round trip)"
            )
    return out


def explain_infeasibility(inp: ModelInputs, objective: str, options: SolverOptions) -> str:
    """Return a plain-language explanation of why ``inp`` has no feasible plan."""
    lines = unreachable_streams(inp)
    m = build_model(inp, objective="cost", elastic=True)
    outcome = highs_solve(m, options.model_copy(update={"mip_gap": max(options.mip_gap, 0.05)}))
    if not outcome.has_solution:
        lines.append(
            "the relaxed model with priced slack found no plan either; check the menu of GPUs and cooling"
        )
        return "\n".join(lines) or "no feasible plan exists"
    v = pyo.value
    overrun = {s for s in inp.sites if sum(v(m.site.campus_overrun[s, c]) for c in inp.coolings) > TOL}
    lines += _demand_lines(m, inp, overrun)
    for s in inp.sites:
        lines += _site_lines(m, inp, s, s in overrun)
    lines += _policy_lines(m, inp)
    if not lines:
        lines.append(
            "the constraints conflict only through integrality (module and GPU block sizes); "
            "try a larger time limit or looser limits"
        )
    return "\n".join(dict.fromkeys(lines))


def limit_lines(m: pyo.ConcreteModel, inp: ModelInputs) -> list[str]:
    """The limits a solved elastic model exceeds, one sentence each: per site (campus, grid, firm
    capacity, supply, water), then the policies (``planner evaluate`` explains a fixed plan with it)."""
    v = pyo.value
    lines = []
    for s in inp.sites:
        over = sum(v(m.site.campus_overrun[s, c]) for c in inp.coolings) > TOL
        lines += _site_lines(m, inp, s, over)
    return lines + _policy_lines(m, inp)


def _demand_lines(m: pyo.ConcreteModel, inp: ModelInputs, overrun: set[str]) -> list[str]:
    """Streams left (partly) unserved, or served only by overrunning a campus limit [MW IT]."""
    lines = []
    reach = latency_reach(inp)
    for (r, mod), d in inp.demand.items():
        unmet = pyo.value(m.demand.unmet[r, mod])
        in_reach = reach[r, mod]
        if in_reach and (unmet > TOL * max(1.0, d) or overrun & set(in_reach)):
            campus = sum(inp.campus_mw[s] for s in in_reach)
            names = ", ".join(in_reach[:6]) + (", ..." if len(in_reach) > 6 else "")
            reached = overrun & set(in_reach)
            need = sum(pyo.value(m.site.it_cap[s, c]) for s in reached for c in inp.coolings)
            if reached:  # the slack split between unmet tokens and campus overrun is arbitrary: give MW
                lost = f"; serving it needs {_fmt_mw(need)} MW IT at {', '.join(sorted(reached))}"
            else:
                lost = f"; {_fmt_tokens(unmet)} could not be served" if unmet > TOL * max(1.0, d) else ""
            lines.append(
                f"region {r} needs {_fmt_tokens(d)} of {mod} "
                f"within {inp.latency_budget_ms[r, mod]:g} ms{lost}: "
                f"the {len(in_reach)} sites within reach ({names}) can host at most {_fmt_mw(campus)} MW IT"
                + deadline_note(inp, (r, mod), in_reach)
            )
    return lines


def _site_lines(m: pyo.ConcreteModel, inp: ModelInputs, s: str, overrun: bool) -> list[str]:
    """The limits site ``s`` exceeds: campus and grid [MW], firm capacity [MW], supply in some
    hours [h, MW], and water [ML/yr]."""
    v = pyo.value
    lines = []
    if overrun:
        need = sum(v(m.site.it_cap[s, c]) for c in inp.coolings)
        lines.append(
            f"site {s} would need {_fmt_mw(need)} MW IT "
            f"but its campus limit is {_fmt_mw(inp.campus_mw[s])} MW"
        )
    if v(m.energy.grid_overrun[s]) > TOL:
        lines.append(
            f"site {s} would need {_fmt_mw(v(m.energy.grid_cap[s]))} MW of grid connection; "
            f"only {_fmt_mw(inp.grid_mw[s])} MW is available"
        )
    if v(m.energy.firm_shortfall[s]) > TOL:
        lines.append(
            f"site {s} lacks {_fmt_mw(v(m.energy.firm_shortfall[s]))} MW of firm capacity "
            "(grid connection + dispatchable plant) to cover its peak facility load"
        )
    short = [v(m.energy.unsupplied[s, t]) for t in range(inp.slices.n)]
    if max(short) > TOL:
        hours = sum(inp.slices.weight_h[t] for t, x in enumerate(short) if x > TOL)
        lines.append(
            f"site {s} cannot cover its load in {hours:,.0f} h of the year "
            f"(up to {_fmt_mw(max(short))} MW short) with the allowed supply "
            f"({', '.join(inp.techs)}): add storage, firm plant or a grid connection"
        )
    if hasattr(m.policy, "water_overrun") and v(m.policy.water_overrun[s]) > TOL:
        lines.append(
            f"site {s} would consume {v(m.policy.water[s]):,.0f} ML/yr of water; "
            f"its limit is {inp.water_limit_ml[s]:,.0f} ML/yr"
        )
    return lines


def _policy_lines(m: pyo.ConcreteModel, inp: ModelInputs) -> list[str]:
    """The policy limits that cannot be met: carbon cap [tCO2e/yr], annual clean-energy share,
    hourly carbon-free share per site [-], and the minimum number of sites."""
    v = pyo.value
    pol = inp.scenario.policy
    lines = []
    if hasattr(m.policy, "carbon_overrun") and v(m.policy.carbon_overrun) > TOL:
        lines.append(
            f"policy.carbon_cap_t_per_yr = {pol.carbon_cap_t_per_yr:,.0f} t/yr cannot be met: "
            f"the plan needs at least {v(m.cost.emissions_accounted):,.0f} tCO2e/yr "
            "(operational + upstream + embodied)"
        )
    if hasattr(m.policy, "clean_shortfall") and v(m.policy.clean_shortfall) > TOL:
        total = v(sum(m.energy.weight[t] * m.site.facility[s, t] for s in m.site.S for t in m.energy.T))
        got = v(m.policy.clean_energy) / total if total else 0.0
        lines.append(
            f"policy.clean_energy_share = {pol.clean_energy_share:.0%} cannot be met with the allowed "
            f"technologies and sites (best reachable about {got:.1%})"
        )
    if hasattr(m.policy, "cfe_shortfall"):
        lines += _cfe_lines(m, inp)
    lines += _site_loss_lines(m, inp)
    if v(m.policy.sites_shortfall) > TOL:
        lines.append(
            f"policy.min_sites = {pol.min_sites} but only {len(inp.sites)} candidate sites "
            "are selected or usable"
        )
    return lines


def _cfe_lines(m: pyo.ConcreteModel, inp: ModelInputs) -> list[str]:
    """Sites whose hour-by-hour carbon-free share falls short of ``policy.hourly_cfe_share``:
    share = target - cfe_shortfall[s] / sum_t w_t facility[s,t] [-]."""
    v = pyo.value
    target = inp.scenario.policy.hourly_cfe_share
    lines = []
    for s in inp.sites:
        short = v(m.policy.cfe_shortfall[s])
        load = v(sum(m.energy.weight[t] * m.site.facility[s, t] for t in m.energy.T))
        if short > TOL and load > TOL:
            lines.append(
                f"policy.hourly_cfe_share = {target:.0%} cannot be met at site {s} with the allowed supply "
                f"({', '.join(inp.techs)}): "
                f"at best {target - short / load:.1%} of its load is matched hour by hour "
                "by carbon-free supply"
            )
    return lines


def _site_loss_lines(m: pyo.ConcreteModel, inp: ModelInputs) -> list[str]:
    """Open sites whose loss leaves a stream below ``policy.site_loss_coverage`` of its peak
    (the elastic model's ``site_loss.shortfall`` [Mtoken/s])."""
    block = getattr(m, "site_loss", None)
    if block is None or not hasattr(block, "shortfall"):
        return []
    v, pol = pyo.value, inp.scenario.policy
    lines = []
    for lost, r, mod in block.shortfall:
        short = v(block.shortfall[lost, r, mod])
        if short > TOL:
            lines.append(
                f"policy.site_loss_coverage = {pol.site_loss_coverage:.0%} cannot be met: "
                f"losing site {lost}, "
                f"the other sites within {pol.site_loss_latency_factor:g} x the latency budget of region {r} "
                f"lack {_fmt_tokens(short)} of {mod} (raise policy.site_loss_latency_factor, "
                "allow more sites, or lower the coverage)"
            )
    return lines
