"""Capex line items of the whole capex (issue 23 item 4), built from a site's other lines:
soft costs and owner contingency on the facility hard cost, interest during construction on every
line built over a lead time, sales tax on the GPUs and servers, and the interconnection curve
(coefficients and sources: :mod:`planner.model.capex_inputs`; the model's block:
:mod:`planner.model.capex_adders`).

Each adder line's ``quantity`` is its basis in USD (the capex of the line it is levied on, unit
``USD <category>``) and its ``unit_cost_usd`` the rate [USD per USD]: soft share, contingency share,
IDC factor f(wacc, lead) or tax rate, so that capex = quantity x unit cost, as every line. It is
annualised like the line it belongs to (CRF of that line's WACC and life) and spent over the same
construction window.
"""

from __future__ import annotations

from typing import Any

import pyomo.environ as pyo

from planner.catalogs.capex_tables import site_row
from planner.catalogs.load import crf
from planner.model.capex_inputs import idc_factor
from planner.results.capex import TECH_CATEGORY, _line, _Refs

FACILITY_HARD = ("building_shell", "electrical", "cooling")
"""Categories of the facility hard cost that carry soft costs and owner contingency."""
IDC_BASIS = (
    *FACILITY_HARD,
    "site_development",
    "soft_costs",
    "owner_contingency",
    *(c for c in TECH_CATEGORY.values() if c != "grid_interconnection"),
    "backup_generation",
    "interconnection",
)
"""Categories whose lines accrue interest during construction: not land (carried at WACC x value), GPUs
(bought when the site is ready), bridge rent, sales tax, nor the flat grid capex of a data tree without
the interconnection curve (the model leaves that as it was)."""


def _adder(
    refs: _Refs, base: dict[str, Any], category: str, what: str, rate: float, source: str
) -> dict[str, Any]:
    """A line of ``category`` levied at ``rate`` on the capex of line ``base``, annualised and spent
    like it."""
    life, wacc = base["life_years"], base["wacc"]
    capex = rate * base["capex_usd"]
    item_id = f"{base['category']}.{base['item_id']}"
    line = _line(
        refs, base["site_id"], category, category, item_id, f"{what} on {base['item']}",
        base["capex_usd"], f"USD {base['category']}", capex, capex * crf(wacc, life), 0.0,
        life=(life, base["life_source"]), wacc=(wacc, base["wacc_source"]),
        lead=(base["lead_time_years"], base["lead_time_source"]), unit_cost_source=source,
        dollar_year=base["dollar_year"],
    )  # fmt: skip
    line["start_offset_years"] = base["start_offset_years"]
    return line


def adder_lines(refs: _Refs, s: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Soft costs, contingency, IDC and sales tax lines of site ``s`` from its other ``rows``
    (module docstring; the interconnection line is among ``rows``)."""
    cx = refs.inp.capex
    if cx is None:
        return []
    hard = [r for r in rows if r["category"] in FACILITY_HARD]
    out = [
        _adder(refs, r, "soft_costs", "design, engineering, permits and commissioning", cx.soft_share,
               refs.facility("soft_costs_share"))
        for r in hard
    ] + [
        _adder(refs, r, "owner_contingency", "owner-held contingency", cx.contingency_share,
               refs.facility("owner_contingency_share"))
        for r in hard
    ]  # fmt: skip
    basis = [
        r for r in rows + out if r["category"] in IDC_BASIS and r["lead_time_years"] > 0 and r["capex_usd"]
    ]
    out += [
        _adder(
            refs, r, "interest_during_construction", "interest during construction",
            idc_factor(r["wacc"], _spend_years(refs, r)),
            f"even spend over the {_spend_years(refs, r):g}-year lead time, mid-period convention, "
            f"compounded at WACC {r['wacc']:g} to the in-service date (planner/model/capex_inputs.py)",
        )
        for r in basis
    ]  # fmt: skip
    out += _sales_tax_lines(refs, s, rows)
    return out


def _spend_years(refs: _Refs, row: dict[str, Any]) -> float:
    """Years over which a line's capital is spent [y]: its lead time, except that a gas plant whose
    critical path is set by its air permit or lateral (``planner.results.gas_costs.gas_lead``)
    spends over its equipment lead time (``energy.csv``) only, as the model's IDC does: nothing is
    bought while the permit is pending."""
    en = refs.energy
    if row["category"] in TECH_CATEGORY.values() and row["item_id"] in en.index:
        return min(float(row["lead_time_years"]), float(en.at[row["item_id"], "lead_time_years"]))
    return float(row["lead_time_years"])


def _sales_tax_lines(refs: _Refs, s: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sales/use tax on each GPU type's accelerators and servers (one line per type)."""
    cx, table = refs.inp.capex, refs.cat.sales_tax
    assert cx is not None
    rate = cx.sales_tax_rate[s]
    row = site_row(table, refs.sites, s) if len(table) else None
    if not rate or row is None:
        return []
    source = (
        f"data/sales_tax.csv {row['applies_row']}: rate {row['rate']:g} x (1 - exempt share "
        f"{row['exempt_share']:g}); {row['conditions']}; {row['source']}"
    )
    out = []
    for g in dict.fromkeys(r["item_id"] for r in rows if r["category"] == "gpus"):
        parts = [r for r in rows if r["item_id"] == g and r["category"] in ("gpus", "servers_network")]
        base = dict(parts[0]) | {
            "capex_usd": sum(r["capex_usd"] for r in parts),
            "item": f"{g} accelerators, servers and network",
        }
        out.append(_adder(refs, base, "sales_tax", "sales/use tax", rate, source))
    return out


def interconnection_lines(refs: _Refs, s: str, m: pyo.ConcreteModel) -> list[dict[str, Any]]:
    """The grid tie's customer-funded substation and network upgrades on the site's curve, with the
    tie's fixed O&M (item ``grid``, as the flat grid line it replaces: the GPUs wait for it unless
    bridge power covers it)."""
    cx = refs.inp.capex
    assert cx is not None
    if not cx.segments:
        return []
    mw, capex = float(pyo.value(m.energy.grid_cap[s])), float(pyo.value(m.capex.ic[s])) * 1e6
    w, en = refs.wacc("grid"), refs.energy
    fom = float(en.at["grid", "fom_usd_per_kw_yr"])
    life = (float(en.at["grid", "life_years"]), refs.row("energy.csv", en, "grid", "life_years"))
    lead = (float(refs.sites.at[s, "grid_lead_time_years"]), refs.site(s, "grid_lead_time_years"))
    points = refs.cat.interconnection
    curve = points[points["applies_to"] == cx.curve[s]]
    shown = ", ".join(f"{p.mw:g} MW {p.usd_per_kw:g} USD/kW ({p.status})" for p in curve.itertuples())
    source = (
        f"data/interconnection_cost.csv curve {cx.curve[s]} ({shown}), piecewise linear in MW: "
        + "; ".join(dict.fromkeys(str(x) for x in curve["source"]))
    )
    line = _line(
        refs, s, "interconnection", "interconnection", "grid",
        f"large-load interconnection (substation and network upgrades, {cx.curve[s]} curve)",
        mw * 1e3, "kW", capex, capex * crf(w[0], life[0]), fom * mw * 1e3,
        life=life, wacc=w, lead=lead, unit_cost_source=source,
        fixed_om_source=refs.row("energy.csv", en, "grid", "fom_usd_per_kw_yr"),
    )  # fmt: skip
    return [line]
