"""Coefficients of the whole capex (issue 23 item 4): soft costs, owner contingency, interest during
construction, sales tax on IT equipment and interconnection by tie size, each its own cost category
(:mod:`planner.model.capex_adders`). Money in MUSD and MUSD/yr; each adder is annualised like the
asset it belongs to (capex x CRF(wacc, life) of that asset).

Soft costs and owner contingency [-] are shares of the facility hard cost: building shell,
electrical and cooling at the site's regional construction index (``facility.csv``
``soft_costs_share``, ``owner_contingency_share``; Cushman & Wakefield's 11.7 M$/MW excludes
both). Site development (it already holds permitting and studies), land, the energy plants (NREL
ATB and EIA overnight costs include owner's costs and contingency), interconnection (a utility
estimate) and the GPUs (owner-furnished equipment) carry none.

Interest during construction (IDC): the spend of a line is spread evenly over its lead time L from
the construction start (as the capex export's spend schedule), each year's spend at the middle of
that year's part of the window (mid-period convention), compounded at the line's WACC r to the
in-service time L::

    IDC = capex x f(r, L),  f(r, L) = sum_{k=0}^{ceil(L)-1} share_k ((1 + r)^(L - mid_k) - 1)
    share_k = (min(L, k+1) - k) / L,   mid_k = (k + min(L, k+1)) / 2

(two years, r = 7%: f = 0.5 (1.07^1.5 - 1) + 0.5 (1.07^0.5 - 1) = 0.07061). It applies to every
line with a lead time: building, electrical and cooling (with their soft costs and contingency),
site development, plants, battery, backup gensets and the interconnection (over the site's grid
lead time); not to land (bought at the start and carried at WACC x value), GPUs (bought when the
site is ready) or bridge power (rented).

Sales tax [-]: the combined state + local rate on GPUs and servers less the data-center exemption
(``sales_tax.csv`` ``rate x (1 - exempt_share)``), annualised over the GPU life like the GPUs.

Interconnection [MUSD]: the site's convex curve (``interconnection_cost.csv``; its own, its
``grid_region``'s or ``default``) as the maximum of its segments, cost = max_k (a_k + b_k x tie MW),
replacing the flat ``energy.csv`` grid capex; the grid row's fixed O&M moves with it, so the
``interconnection`` category holds the whole tie and ``grid_connection`` is empty.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from planner.catalogs.capex_tables import curve_key, segment_slopes, site_row
from planner.catalogs.load import Catalogs, crf
from planner.model.costs import _wacc, construction_index
from planner.scenario.schema import Scenario


def idc_factor(wacc: float, lead_years: float) -> float:
    """Interest during construction per USD of capex [-] (module docstring: even spend over the lead
    time, mid-period convention, compounded to the in-service time).

    >>> round(idc_factor(0.07, 2.0), 5)
    0.07061
    >>> idc_factor(0.07, 0.0)
    0.0
    """
    if lead_years <= 0:
        return 0.0
    total = 0.0
    for k in range(math.ceil(lead_years - 1e-9)):
        end = min(lead_years, k + 1.0)
        total += (end - k) / lead_years * ((1.0 + wacc) ** (lead_years - (k + end) / 2.0) - 1.0)
    return total


@dataclass(frozen=True)
class Segment:
    """One piece of an interconnection curve: cost >= intercept + slope x MW [MUSD, MUSD/MW]."""

    intercept_musd: float
    slope_musd_per_mw: float


@dataclass
class CapexInputs:
    """Coefficients of :mod:`planner.model.capex_adders` (module docstring); per MW IT unless named."""

    soft_share: float
    contingency_share: float
    index: dict[str, float]  # site -> regional construction index [-]
    hard_it_annual: dict[str, float]  # site -> annualised shell + electrical capex at the index [MUSD/yr/MW]
    hard_cooling_annual: dict[str, float]  # cooling -> annualised capex at index 1 [MUSD/yr/MW IT]
    idc_it_annual: dict[str, float]  # site -> IDC of shell + electrical + soft + contingency [MUSD/yr/MW]
    idc_cooling_annual: dict[str, float]  # cooling -> IDC of cooling + soft + contingency at index 1
    idc_site_fixed_annual: float  # IDC of site development [MUSD/yr per open site]
    idc_tech_annual: dict[str, float]  # tech -> IDC of a plant MW (battery: power) [MUSD/yr/MW]
    idc_storage_annual: float  # IDC of a battery MWh [MUSD/yr/MWh]
    idc_backup_annual: float  # IDC of a backup genset MW [MUSD/yr/MW]
    sales_tax_rate: dict[str, float]  # site -> effective rate on GPUs and servers [-]
    idc_building: float = 0.0  # f(wacc, building lead) [-]
    idc_tech: dict[str, float] = field(default_factory=dict)  # tech -> f(tech wacc, tech lead) [-]
    idc_backup: float = 0.0  # f(wacc, 1 year) [-]
    hard_it_capex: dict[str, float] = field(
        default_factory=dict
    )  # site -> index x (shell + electrical) [MUSD/MW]
    segments: dict[str, list[Segment]] = field(default_factory=dict)  # site -> curve (empty: flat grid capex)
    curve: dict[str, str] = field(default_factory=dict)  # site -> applies_to of its curve
    interconnection_crf: float = 0.0  # CRF(grid wacc, grid life) [1/yr]
    interconnection_fom: float = 0.0  # energy.csv grid fixed O&M [MUSD/yr per MW of tie]
    idc_interconnection: dict[str, float] = field(default_factory=dict)  # site -> f(grid wacc, grid lead)

    @property
    def adders(self) -> float:
        """1 + soft + contingency [-]: the facility hard cost with its soft side."""
        return 1.0 + self.soft_share + self.contingency_share


def curve_segments(points: pd.DataFrame) -> list[Segment]:
    """Segments of one convex curve (points ``mw``, ``usd_per_kw`` sorted by MW): from 0 MW through
    each point, the last extended beyond it [MUSD, MUSD/MW]."""
    mw = [float(x) for x in points["mw"]]
    usd = [float(x) for x in points["usd_per_kw"]]
    slopes = segment_slopes(mw, usd)
    xs, ys = [0.0, *mw], [0.0, *(m * u * 1e3 / 1e6 for m, u in zip(mw, usd))]
    return [Segment(ys[i] - slopes[i] * 1e3 / 1e6 * xs[i], slopes[i] * 1e3 / 1e6) for i in range(len(mw))]


def curve_cost_musd(segments: list[Segment], mw: float) -> float:
    """Interconnection cost of a ``mw`` tie on a curve [MUSD] (the largest segment)."""
    return max(0.0, *(g.intercept_musd + g.slope_musd_per_mw * mw for g in segments))


def capex_inputs(
    scenario: Scenario, catalogs: Catalogs, sites: pd.DataFrame, techs: list[str], coolings: list[str]
) -> CapexInputs:
    """:class:`CapexInputs` of the scenario's sites and menus (module docstring)."""
    fac, w = catalogs.facility, _wacc(scenario, catalogs)
    b_life = float(scenario.finance.building_life_years or fac["building_life_years"])
    b_lead, e_life = float(fac["building_lead_time_years"]), float(fac["electrical_life_years"])
    soft, cont = float(fac["soft_costs_share"]), float(fac["owner_contingency_share"])
    index = construction_index(catalogs, sites)
    f_b = idc_factor(w, b_lead)
    shell, elec = (
        fac["building_shell_usd_per_kw_it"] * 1e-3,
        fac["electrical_usd_per_kw_it"] * 1e-3,
    )  # MUSD/MW
    hard_it = {s: index[s] * (shell * crf(w, b_life) + elec * crf(w, e_life)) for s in sites.index}
    cool = catalogs.cooling
    hard_cool = {
        c: float(cool.at[c, "capex_usd_per_kw_it"]) * 1e-3 * crf(w, float(cool.at[c, "life_years"]))
        for c in coolings
    }
    en = catalogs.energy
    capex_col = "capex_atb_usd_per_kw" if scenario.prices.cost_case == "atb" else "capex_usd_per_kw"

    f_tech = {
        e: idc_factor(_wacc(scenario, catalogs, e), float(en.at[e, "lead_time_years"]))
        for e in techs
        if str(en.at[e, "kind"]) != "grid"
    }

    def tech_idc(e: str) -> float:
        we, life = _wacc(scenario, catalogs, e), float(en.at[e, "life_years"])
        return float(en.at[e, capex_col]) * 1e-3 * f_tech[e] * crf(we, life)

    battery_w = _wacc(scenario, catalogs, "battery")
    battery = en.loc["battery"] if "battery" in en.index else None
    storage_idc = (
        float(battery["capex_usd_per_kwh"]) * 1e-3 * idc_factor(battery_w, float(battery["lead_time_years"]))
        * crf(battery_w, float(battery["life_years"]))
        if battery is not None else 0.0
    )  # fmt: skip
    backup_life = float(fac["backup_genset_life_years"])
    out = CapexInputs(
        soft_share=soft,
        contingency_share=cont,
        index=index,
        hard_it_annual=hard_it,
        hard_cooling_annual=hard_cool,
        idc_it_annual={s: (1 + soft + cont) * f_b * hard_it[s] for s in sites.index},
        idc_cooling_annual={c: (1 + soft + cont) * f_b * hard_cool[c] for c in coolings},
        idc_site_fixed_annual=fac["site_development_usd"] / 1e6 * f_b * crf(w, b_life),
        idc_tech_annual={e: tech_idc(e) for e in techs if str(en.at[e, "kind"]) != "grid"},
        idc_storage_annual=storage_idc,
        idc_backup_annual=fac["backup_genset_capex_usd_per_kw"]
        * 1e-3
        * idc_factor(w, 1.0)
        * crf(w, backup_life),
        sales_tax_rate=_sales_tax(catalogs, sites),
        idc_building=f_b,
        idc_tech=f_tech,
        idc_backup=idc_factor(w, 1.0),
        hard_it_capex={s: index[s] * (shell + elec) for s in sites.index},
    )
    if "grid" in techs and len(catalogs.interconnection):
        _add_interconnection(out, scenario, catalogs, sites)
    return out


def _sales_tax(catalogs: Catalogs, sites: pd.DataFrame) -> dict[str, float]:
    """Effective sales tax on IT equipment per site: rate x (1 - exempt share) [-] (0 without the
    file; a site added by a scenario takes its state's or country's row, 0 if no row names either)."""
    t = catalogs.sales_tax
    if not len(t):
        return dict.fromkeys(sites.index, 0.0)
    rows = {s: site_row(t, sites, s) for s in sites.index}
    return {
        s: 0.0 if row is None else float(row["rate"]) * (1.0 - float(row["exempt_share"]))
        for s, row in rows.items()
    }


def _add_interconnection(
    out: CapexInputs, scenario: Scenario, catalogs: Catalogs, sites: pd.DataFrame
) -> None:
    """Each site's interconnection curve, its CRF and its IDC factor."""
    table = catalogs.interconnection
    known = set(table["applies_to"])
    wg = _wacc(scenario, catalogs, "grid")
    out.interconnection_crf = crf(wg, float(catalogs.energy.at["grid", "life_years"]))
    out.interconnection_fom = float(catalogs.energy.at["grid", "fom_usd_per_kw_yr"]) * 1e3 / 1e6
    for s in sites.index:
        key = curve_key(sites, s, known)
        assert key is not None  # checked when the catalog was loaded
        segs = curve_segments(table[table["applies_to"] == key])
        out.curve[s], out.segments[s] = key, segs
        out.idc_interconnection[s] = idc_factor(wg, float(sites.at[s, "grid_lead_time_years"]))
