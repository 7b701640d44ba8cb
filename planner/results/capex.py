"""Capex line items and opex of a solved plan: the ``capex_items`` and ``opex`` tables of a run directory.

Both tables are computed at solve time from the solved Pyomo model and the same
:class:`~planner.model.inputs.ModelInputs` coefficients as the objective, so they reconcile
with ``summary.json`` by construction (the exporter, :mod:`planner.results.export`, only formats and
schedules them)::

    sum(capex_items.capex_usd)                                  = summary capex_usd
    sum(capex_items.annualized_cost_usd_per_yr) + sum(opex.opex_usd_per_yr)
        (annualised capex + fixed O&M in the line items, variable opex in opex: each dollar once)
        = summary annualized_cost_usd   (= objective_value x 1e6 when the objective is cost)

Capex uses the model's coefficients (as :func:`planner.results.tables.capex_usd`); the one coefficient
for building shell + electrical + land per MW IT is split in the catalog's proportions. Annualised
capex (capex x CRF of the line's WACC and life; land: WACC x value, as in the objective) and fixed
O&M use the catalog values, and each site's cost group is then scaled to the model's own
``m.cost.site_category`` (a no-op up to rounding with the catalogs the model was built from, which
the tests check), so the sums hold even for catalogs a caller modified. Variable opex is read from
the model's accounting expressions (fuel and VOM of a plant split in catalog proportions).

Money is in constant USD of the catalogs' dollar year (``data/finance.csv`` ``dollar_year``).
Years: ``base_year`` is the year construction starts (notice to proceed): ``demand.start_year``,
else the year in the scenario name (``us_inference_2027`` -> 2027), else the current year.
Every build item starts on 1 January of the base year and is in service ``lead_time_years``
later (building, electrical, cooling and site development: ``facility.csv``
``building_lead_time_years``; generation and battery: ``energy.csv`` ``lead_time_years``; grid
connection: the site's ``grid_lead_time_years``; land: bought in the base year; backup gensets
1 year; bridge power ``bridge_lead_time_years``). GPUs and their servers are bought when the
site can run them, at the latest in-service date of the site's other items (``start_offset_years``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pandas as pd
import pyomo.environ as pyo

from planner.catalogs.capex_tables import site_row
from planner.catalogs.load import Catalogs, crf, load_catalogs
from planner.model.bridge import bridge_fuel_mwh, bridge_kw_yr, bridge_parts_musd, bridged
from planner.model.inputs import ModelInputs
from planner.model.linear import evaluate
from planner.model.timing_inputs import start_year
from planner.results.capex_columns import LINE_COLUMNS, OPEX_COLUMNS
from planner.results.contract_opex import CONTRACT_OPEX_CATEGORIES, contract_opex_args
from planner.results.gas_costs import (
    GAS_CAPEX_CATEGORIES,
    GAS_OPEX_CATEGORIES,
    gas_capex_kwargs,
    gas_lead,
    gas_opex_args,
)
from planner.results.tariff_opex import TARIFF_OPEX_CATEGORIES, tariff_opex_args

ACCELERATOR_SHARE = 0.70
"""Share of ``gpus.csv`` ``price_usd_per_gpu`` (all-in system cost per GPU) booked as ``gpus``;
the rest is ``servers_network`` (host server, NVLink/scale-out network)."""
ACCELERATOR_SHARE_SOURCE = (
    "estimate: the accelerator is ~65-75% of the all-in system price per GPU in gpus.csv price sources "
    "(H100 GPU ~25-30k of 38k, H200 ~30-38k of 45k, B200 ~30-40k of 50k, GB200 NVL72 rack ~43k of 47k "
    "incl. CPUs and switch trays); 70% to gpus, 30% to servers_network; the two lines always add up "
    "to the catalog price"
)
TECH_CATEGORY = {
    "pv": "pv",
    "wind": "wind",
    "gas": "gas_plant",
    "nuclear": "nuclear",
    "geothermal": "geothermal",
    "battery": "battery",
    "grid": "grid_interconnection",
}
"""Capex category per ``energy.csv`` kind."""
CATEGORIES = (
    "site_development",
    "land",
    "building_shell",
    "electrical",
    "cooling",
    "gpus",
    "servers_network",
    "pv",
    "wind",
    "gas_plant",
    "nuclear",
    "geothermal",
    "battery",
    "grid_interconnection",
    "backup_generation",
    "bridge_power",
    *GAS_CAPEX_CATEGORIES,
    "soft_costs",
    "owner_contingency",
    "interest_during_construction",
    "sales_tax",
    "interconnection",
)
"""The capex categories: the ``category`` column of ``capex_items``, the keys of ``summary.json``
``capex_by_category_usd`` and the subtotals and phasing of ``capex.xlsx`` (one system), in display
order. Categories are data-driven: a line item with a category not listed here (``soft_costs``,
``owner_contingency``, ...) is summed, subtotalled and phased like the others, after these."""
OPEX_CATEGORIES = (
    "energy",
    *TARIFF_OPEX_CATEGORIES,
    "fuel",
    "variable_om",
    "water",
    "carbon_price",
    *GAS_OPEX_CATEGORIES,
    *CONTRACT_OPEX_CATEGORIES,
)
"""Opex categories (the ``category`` column of ``opex``), in display order (others follow)."""
COST_GROUP_OF = {
    "site_development": "site_development",
    "land": "building_electrical_land",
    "building_shell": "building_electrical_land",
    "electrical": "building_electrical_land",
    "cooling": "cooling",
    "gpus": "gpus",
    "servers_network": "gpus",
    "pv": "generation_capacity",
    "wind": "generation_capacity",
    "gas_plant": "generation_capacity",
    "nuclear": "generation_capacity",
    "geothermal": "generation_capacity",
    "battery": "battery",
    "grid_interconnection": "grid_connection",
    "backup_generation": "backup_power",
    "bridge_power": "bridge_power",
    **{c: c for c in GAS_CAPEX_CATEGORIES},
    "soft_costs": "soft_costs",
    "owner_contingency": "owner_contingency",
    "interest_during_construction": "interest_during_construction",
    "sales_tax": "sales_tax",
    "interconnection": "interconnection",
}
"""Each category's ``cost_group`` (the objective's accounting group, ``tables/costs.csv``); the line
items carry both columns."""


def category_order(categories: Iterable[str], known: Sequence[str] = CATEGORIES) -> list[str]:
    """The distinct ``categories``: the ``known`` ones in display order, then the others in order of
    first appearance (data-driven: a new category needs no code change to be shown)."""
    seen = list(dict.fromkeys(str(c) for c in categories))
    return [c for c in known if c in seen] + [c for c in seen if c not in known]


def capex_by_category(items: pd.DataFrame) -> dict[str, float]:
    """Capex per category [USD] of a line-item table (``summary.json`` ``capex_by_category_usd``):
    every :data:`CATEGORIES` key (0 when absent), then any other category of the items."""
    sums = items.groupby("category", sort=False)["capex_usd"].sum() if len(items) else pd.Series(dtype=float)
    return {c: float(sums.get(c, 0.0)) for c in category_order([*CATEGORIES, *sums.index])}


TINY_USD = 1e-6
"""Lines below this [USD and USD/yr] are solver noise on closed sites and are left out."""


def _v(x: Any) -> float:
    out = evaluate(x)
    return 0.0 if out is None else float(out)


def _apportion(total: float, parts: Sequence[float]) -> list[float]:
    """``parts`` scaled so that they add up to ``total`` exactly in proportion (catalog split of a
    model coefficient)."""
    s = float(sum(parts))
    if s == 0.0:
        return [total / len(parts)] * len(parts) if total else [0.0] * len(parts)
    return [total * p / s for p in parts]


class _Table:
    """Read-only ``frame.at[row, column]`` and ``frame.index`` from a dict of rows: a pandas ``.at``
    costs ~50 us, and the tables read catalog cells tens of thousands of times (every site x
    technology x column)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.index = frame.index
        self._rows = frame.to_dict("index")

    @property
    def at(self) -> _Table:
        return self

    def __getitem__(self, key: tuple[Any, str]) -> Any:
        return self._rows[key[0]][key[1]]


@dataclass(frozen=True)
class _Refs:
    """Catalog values and their sources as the model used them (scenario overrides applied)."""

    inp: ModelInputs
    cat: Catalogs

    @cached_property
    def energy(self) -> _Table:
        return _Table(self.cat.energy)

    @cached_property
    def cooling(self) -> _Table:
        return _Table(self.cat.cooling)

    @cached_property
    def gpus(self) -> _Table:
        return _Table(self.cat.gpus)

    @cached_property
    def sites(self) -> _Table:
        """The model's site rows (``inp.site_data``: scenario overrides applied)."""
        return _Table(self.inp.site_data)

    @property
    def fac(self) -> dict[str, float]:
        return self.cat.facility

    def facility(self, item: str) -> str:
        return f"facility.csv {item}: {self.cat.facility_sources[item]}"

    def finance(self, item: str) -> str:
        return f"finance.csv {item}: {self.cat.finance_sources[item]}"

    def row(self, file: str, frame: _Table, ident: str, column: str) -> str:
        return f"{file} {ident} {column}: {frame.at[ident, 'source']}"

    def site(self, s: str, column: str) -> str:
        """Citation of a site figure: its row of data/site_sources.csv (source, status, date) when
        the catalog has one, else the site row's ``source``."""
        cite = str(self.sites.at[s, "source"])
        audit = self.cat.site_sources
        if (s, column) in audit.index:
            row = audit.loc[(s, column)]
            date = f", {row['source_date']}" if isinstance(row["source_date"], str) else ""
            cite = f"{row['source']} ({row['status']}{date}; data/site_sources.csv)"
        text = f"sites.csv {s} {column}: {cite}"
        if column in self.inp.scenario.sites.overrides.get(s, {}):
            text = f"scenario sites.overrides.{s}.{column} (replaces the catalog value); " + text
        return text

    @property
    def dollar_year(self) -> int:
        return int(self.cat.finance["dollar_year"])

    def wacc(self, tech: str | None = None) -> tuple[float, str]:
        """WACC of an energy technology (``None``: every other asset), as in ``build_inputs``."""
        scn = self.inp.scenario.finance
        if scn.wacc is not None:
            return float(scn.wacc), "scenario finance.wacc (overrides every asset)"
        if tech is not None and tech in self.energy.index and pd.notna(self.energy.at[tech, "wacc"]):
            return float(self.energy.at[tech, "wacc"]), self.row("energy.csv", self.energy, tech, "wacc")
        return float(self.cat.finance["wacc_default"]), self.finance("wacc_default")

    def building_life(self) -> tuple[float, str]:
        scn = self.inp.scenario.finance.building_life_years
        if scn:
            return float(scn), "scenario finance.building_life_years"
        return float(self.fac["building_life_years"]), self.facility("building_life_years")

    def gpu_life(self, g: str) -> tuple[float, str]:
        scn = self.inp.scenario.finance.gpu_life_years
        if scn:
            return float(scn), "scenario finance.gpu_life_years"
        return float(self.gpus.at[g, "life_years"]), self.row("gpus.csv", self.gpus, g, "life_years")

    def building_lead(self) -> tuple[float, str]:
        return float(self.fac["building_lead_time_years"]), self.facility("building_lead_time_years")


def index_of(refs: _Refs, s: str) -> tuple[float, str]:
    """The site's regional construction index and its citation (appended to a unit-cost source)."""
    cx = refs.inp.capex
    if cx is None or not len(refs.cat.construction_index):
        return 1.0, ""
    row = site_row(refs.cat.construction_index, refs.sites, s)
    idx = cx.index[s]
    if row is None:
        return idx, "; regional construction index 1 (no row for the site's state or country)"
    return idx, (
        f"; x regional construction index {idx:g} (data/construction_index.csv {row['applies_row']}, "
        f"{row['market']}: {row['source']})"
    )


def _line(
    refs: _Refs,
    s: str,
    category: str,
    group: str,
    item_id: str,
    item: str,
    quantity: float,
    unit: str,
    capex: float,
    annualized: float,
    fixed_om: float,
    *,
    life: tuple[float, str],
    wacc: tuple[float, str],
    lead: tuple[float, str],
    unit_cost_source: str,
    fixed_om_source: str = "",
    dollar_year: int | None = None,
) -> dict[str, Any]:
    """One capex line; unit cost, CRF and fixed O&M per unit are derived so that the row is
    self-consistent."""
    return {
        "site_id": s,
        "category": category,
        "cost_group": group,
        "item_id": item_id,
        "item": item,
        "quantity": quantity,
        "unit": unit,
        "unit_cost_usd": capex / quantity if quantity else math.nan,
        "capex_usd": capex,
        "dollar_year": dollar_year or refs.dollar_year,
        "start_offset_years": 0.0,
        "lead_time_years": lead[0],
        "life_years": life[0],
        "wacc": wacc[0],
        "crf": annualized / capex if capex else math.nan,
        "annualized_capex_usd_per_yr": annualized,
        "fixed_om_usd_per_unit_yr": fixed_om / quantity if quantity else math.nan,
        "fixed_om_usd_per_yr": fixed_om,
        "annualized_cost_usd_per_yr": annualized + fixed_om,
        "unit_cost_source": unit_cost_source,
        "life_source": life[1],
        "wacc_source": wacc[1],
        "lead_time_source": lead[1],
        "fixed_om_source": fixed_om_source if fixed_om else "",
    }


def _facility_lines(m: pyo.ConcreteModel, refs: _Refs, s: str) -> list[dict[str, Any]]:
    """Site development, land, building shell, electrical and cooling of one site."""
    inp, fac = refs.inp, refs.fac
    b_life, b_lead = refs.building_life(), refs.building_lead()
    w = refs.wacc()
    opened = _v(m.site.open[s])
    lines = [
        _line(
            refs,
            s,
            "site_development",
            "site_development",
            "site_development_usd",
            "campus development (roads, fibre laterals, substation pad, permitting)",
            opened,
            "campus",
            opened * inp.site_fixed_capex_musd * 1e6,
            opened * inp.site_fixed_annual_musd * 1e6,
            0.0,
            life=b_life,
            wacc=w,
            lead=b_lead,
            unit_cost_source=refs.facility("site_development_usd"),
        )
    ]
    it_c = {c: _v(m.site.it_cap[s, c]) for c in inp.coolings}
    it = sum(it_c.values())
    kw = it * 1e3
    land_price = float(refs.sites.at[s, "land_cost_usd_per_acre"])
    acres = it * fac["land_acres_per_mw_it"]
    idx, idx_note = index_of(refs, s)
    e_life = (float(fac["electrical_life_years"]), refs.facility("electrical_life_years"))
    # capex per kW IT: shell, electrical, land (one model coefficient, split by the catalog)
    shell, elec, land = _apportion(
        it * inp.it_capex_musd_per_mw[s] * 1e6,
        [
            idx * fac["building_shell_usd_per_kw_it"] * kw,
            idx * fac["electrical_usd_per_kw_it"] * kw,
            acres * land_price,
        ],
    )
    a_shell, a_elec, a_land = shell * crf(w[0], b_life[0]), elec * crf(w[0], e_life[0]), land * w[0]
    fom = fac["building_fom_usd_per_kw_it_yr"] * kw
    land_line = _line(
        refs,
        s,
        "land",
        "building_electrical_land",
        "land",
        f"land ({fac['land_acres_per_mw_it']:g} acre/MW IT)",
        acres,
        "acre",
        land,
        a_land,
        0.0,
        life=(math.nan, "land is not depreciated: annualised at WACC x value"),
        wacc=w,
        lead=(0.0, "land is bought in the base year"),
        unit_cost_source=refs.site(s, "land_cost_usd_per_acre")
        + "; acres: "
        + refs.facility("land_acres_per_mw_it"),
    )
    lines += [
        land_line,
        _line(
            refs,
            s,
            "building_shell",
            "building_electrical_land",
            "building_shell_usd_per_kw_it",
            "building shell, site works, white space, back of house (+ facility O&M)",
            kw,
            "kW IT",
            shell,
            a_shell,
            fom,
            life=b_life,
            wacc=w,
            lead=b_lead,
            unit_cost_source=refs.facility("building_shell_usd_per_kw_it") + idx_note,
            fixed_om_source=refs.facility("building_fom_usd_per_kw_it_yr"),
        ),
        _line(
            refs,
            s,
            "electrical",
            "building_electrical_land",
            "electrical_usd_per_kw_it",
            "electrical (UPS, switchgear, generators, distribution)",
            kw,
            "kW IT",
            elec,
            a_elec,
            0.0,
            life=e_life,
            wacc=w,
            lead=b_lead,
            unit_cost_source=refs.facility("electrical_usd_per_kw_it") + idx_note,
        ),
    ]
    cool = refs.cooling
    for c, mw in it_c.items():
        life = (float(cool.at[c, "life_years"]), refs.row("cooling.csv", cool, c, "life_years"))
        capex = mw * inp.cooling_capex_musd_per_mw[c] * idx * 1e6
        lines.append(
            _line(
                refs,
                s,
                "cooling",
                "cooling",
                c,
                f"cooling: {cool.at[c, 'name']}",
                mw * 1e3,
                "kW IT",
                capex,
                capex * crf(w[0], life[0]),
                float(cool.at[c, "fom_usd_per_kw_it_yr"]) * mw * 1e3,
                life=life,
                wacc=w,
                lead=b_lead,
                unit_cost_source=refs.row("cooling.csv", cool, c, "capex_usd_per_kw_it") + idx_note,
                fixed_om_source=refs.row("cooling.csv", cool, c, "fom_usd_per_kw_it_yr"),
            )
        )
    return lines


def _energy_line(
    refs: _Refs,
    s: str,
    tech: str,
    group: str,
    item: str,
    quantity: float,
    unit: str,
    capex: float,
    rate: tuple[str, str],
    lead: tuple[float, str],
) -> dict[str, Any]:
    """One energy asset: capital recovery at the tech's WACC and life, plus fixed O&M (``rate``: capex
    and FOM columns of energy.csv)."""
    en = refs.energy
    w = refs.wacc(tech)
    life = (float(en.at[tech, "life_years"]), refs.row("energy.csv", en, tech, "life_years"))
    return _line(
        refs,
        s,
        TECH_CATEGORY[str(en.at[tech, "kind"])],
        group,
        tech,
        item,
        quantity,
        unit,
        capex,
        capex * crf(w[0], life[0]),
        float(en.at[tech, rate[1]]) * quantity,
        life=life,
        wacc=w,
        lead=lead,
        unit_cost_source=refs.row("energy.csv", en, tech, rate[0]),
        fixed_om_source=refs.row("energy.csv", en, tech, rate[1]),
        dollar_year=int(en.at[tech, "dollar_year"]),
    )


PER_KW, PER_KWH = ("capex_usd_per_kw", "fom_usd_per_kw_yr"), ("capex_usd_per_kwh", "fom_usd_per_kwh_yr")


def _energy_lines(m: pyo.ConcreteModel, refs: _Refs, s: str) -> list[dict[str, Any]]:
    """Generation plants, grid connection and battery of one site."""
    inp, en, e_blk = refs.inp, refs.energy, m.energy

    def lead(tech: str) -> tuple[float, str]:
        return float(en.at[tech, "lead_time_years"]), refs.row("energy.csv", en, tech, "lead_time_years")

    w = refs.wacc()
    lines = [_line(refs, s, wacc=w, **kw) for kw in gas_capex_kwargs(m, inp, refs.cat, s, w[0])]
    for e in inp.generators:
        mw = _v(e_blk.cap[s, e])
        lines.append(
            _energy_line(
                refs,
                s,
                e,
                "generation_capacity",
                str(en.at[e, "name"]),
                mw * 1e3,
                "kW",
                mw * inp.tech_capex_musd_per_mw[e] * 1e6,
                PER_KW,
                gas_lead(m, inp, s, e) or lead(e),
            )
        )
    if "grid" in inp.techs and not (inp.capex is not None and inp.capex.segments):  # else: interconnection
        mw = _v(e_blk.grid_cap[s])
        grid_lead = (float(refs.sites.at[s, "grid_lead_time_years"]), refs.site(s, "grid_lead_time_years"))
        lines.append(
            _energy_line(
                refs,
                s,
                "grid",
                "grid_connection",
                str(en.at["grid", "name"]),
                mw * 1e3,
                "kW",
                mw * inp.tech_capex_musd_per_mw["grid"] * 1e6,
                PER_KW,
                grid_lead,
            )
        )
    if inp.storage:
        mw, mwh = _v(e_blk.st_power[s]), _v(e_blk.st_energy[s])
        lines.append(
            _energy_line(
                refs,
                s,
                "battery",
                "battery",
                "battery power (inverters, balance of system)",
                mw * 1e3,
                "kW",
                mw * inp.tech_capex_musd_per_mw["battery"] * 1e6,
                PER_KW,
                lead("battery"),
            )
        )
        lines.append(
            _energy_line(
                refs,
                s,
                "battery",
                "battery",
                "battery energy (cells, racks)",
                mwh * 1e3,
                "kWh",
                mwh * inp.storage_capex_musd_per_mwh * 1e6,
                PER_KWH,
                lead("battery"),
            )
        )
    return lines


def _security_lines(m: pyo.ConcreteModel, refs: _Refs, s: str) -> list[dict[str, Any]]:
    """Backup gensets (policy.power_redundancy) and bridge power until a late grid tie arrives
    (demand.online_year): the bridge's rent and fuel premium over the gap years is one capex line,
    annualised over the building life as in :mod:`planner.model.timing`."""
    inp, fac, w = refs.inp, refs.fac, refs.wacc()
    mw = _v(m.redundancy.backup[s])
    life = (float(fac["backup_genset_life_years"]), refs.facility("backup_genset_life_years"))
    capex = mw * (inp.redundancy.backup_capex_musd_per_mw if inp.redundancy else 0.0) * 1e6
    lines = [
        _line(
            refs, s, "backup_generation", "backup_power", "backup_genset",
            "standby diesel gensets (firm supply with one unit out; test hours only)",
            mw * 1e3, "kW", capex, capex * crf(w[0], life[0]),
            fac["backup_genset_fom_usd_per_kw_yr"] * mw * 1e3,
            life=life, wacc=w, lead=(1.0, "estimate: standby gensets delivered and installed within a year"),
            unit_cost_source=refs.facility("backup_genset_capex_usd_per_kw"),
            fixed_om_source=refs.facility("backup_genset_fom_usd_per_kw_yr"),
        )
    ]  # fmt: skip
    return lines + _bridge_lines(m, refs, s)


def _bridge_lines(m: pyo.ConcreteModel, refs: _Refs, s: str) -> list[dict[str, Any]]:
    """Bridge power until a late grid tie or plant arrives (demand.online_year), as in
    :mod:`planner.model.bridge`: rented units (rent over the gap years), the fuel premium on the
    energy the site draws in the gap years (one line each, annualised over the building life), and
    units bought and kept as backup (their purchase, priced as ``gas_recip``)."""
    inp, fac, w, tm = refs.inp, refs.fac, refs.wacc(), refs.inp.timing
    if tm is None or not hasattr(m.timing, "SB"):
        return []
    assets = ", ".join(bridged(m, s)) or "late assets"
    parts = {k: v * 1e6 for k, v in bridge_parts_musd(m, inp, s).items()}  # USD
    kept_mw = sum(bridged(m, s, "keep").values())
    lead = (float(fac["bridge_lead_time_years"]), refs.facility("bridge_lead_time_years"))
    rent_source = refs.facility("bridge_usd_per_kw_yr")
    fuel_source = (
        "site gas price x " + refs.facility("bridge_heat_rate_mmbtu_per_mwh")
        + " + " + refs.facility("bridge_vom_usd_per_mwh") + ", less the asset's own energy cost"
    )  # fmt: skip
    lines = [
        _line(
            refs, s, "bridge_power", "bridge_power", "bridge",
            f"rented gas turbines/engines until {assets} arrive (rent over the gap years)",
            bridge_kw_yr(m, inp, s, "rent"), "kW-yr", parts["rent"], parts["rent"] * tm.bridge_crf, 0.0,
            life=refs.building_life(), wacc=w, lead=lead, unit_cost_source=rent_source,
        ),
        _line(
            refs, s, "bridge_power", "bridge_power", "bridge_fuel",
            f"fuel premium of the bridge units on the energy drawn until {assets} arrive",
            bridge_fuel_mwh(m, inp, s), "MWh", parts["fuel"], parts["fuel"] * tm.bridge_crf, 0.0,
            life=refs.building_life(), wacc=w, lead=lead, unit_cost_source=fuel_source,
        ),
    ]  # fmt: skip
    if kept_mw > 0:
        lines.append(
            _line(
                refs, s, "bridge_power", "bridge_power", "bridge_kept",
                f"gas engines bought to bridge until {assets} arrive, then backup (purchase)",
                kept_mw * 1e3, "kW", parts["kept"], tm.keep_annual_musd_per_mw * kept_mw * 1e6, 0.0,
                life=refs.building_life(), wacc=w, lead=lead,
                unit_cost_source="energy.csv gas_recip capex, FOM, life",
            )
        )  # fmt: skip
    return lines


def _delivery_years(inp: ModelInputs, catalogs: Catalogs, g: str) -> float:
    """Years from the start to GPU type ``g``'s delivery: the model's in-service year of it (the
    catalogs it was built from), else ``gpu_delivery.csv`` ``lead_time_years``."""
    tm = inp.timing
    if tm is not None and g in tm.gpu_year:
        return float(tm.gpu_year[g] - tm.start_year)
    return float(catalogs.gpu_delivery.at[g, "lead_time_years"])


def _gpu_lines(m: pyo.ConcreteModel, refs: _Refs, s: str, ready: float) -> list[dict[str, Any]]:
    """GPUs and their servers and network share, bought when the site is ready (``ready`` years after
    the base year) or when delivered (``gpu_delivery.csv`` ``lead_time_years`` after it), if later."""
    inp, gpus = refs.inp, refs.gpus
    w = refs.wacc()
    lines = []
    scale = inp.scenario.prices.gpu_price_scale
    for g in inp.gpus:
        n, delivery = _v(m.fleet.n_gpu[s, g]), _delivery_years(inp, refs.cat, g)
        total, annual = n * inp.gpu_capex_musd[g] * 1e6, n * inp.gpu_annual_musd[g] * 1e6
        price = refs.row("gpus.csv", gpus, g, "price_usd_per_gpu") + (
            f"; x scenario prices.gpu_price_scale {scale:g}" if scale != 1.0 else ""
        )
        for category, share, what in (
            ("gpus", ACCELERATOR_SHARE, "accelerators"),
            ("servers_network", 1.0 - ACCELERATOR_SHARE, "host servers and network share"),
        ):
            line = _line(
                refs,
                s,
                category,
                "gpus",
                g,
                f"{g} {what} ({share:.0%} of the all-in system price per GPU)",
                n,
                "GPU",
                total * share,
                annual * share,
                0.0,
                life=refs.gpu_life(g),
                wacc=w,
                lead=(0.0, "bought and installed when the site is ready or the GPUs are delivered, if later"),
                unit_cost_source=f"{price}; split: {ACCELERATOR_SHARE_SOURCE}",
            )
            line["start_offset_years"] = max(ready, delivery)
            lines.append(line)
    return lines


def _scale_to_model(m: pyo.ConcreteModel, s: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Scale each cost group's annualised capex and fixed O&M to the model's own ``m.cost.site_category``
    (a no-op up to rounding when the catalogs are the ones the model was built from)."""
    for group in dict.fromkeys(r["cost_group"] for r in rows):
        mine = [r for r in rows if r["cost_group"] == group]
        parts = _apportion(
            _v(m.cost.site_category[s, group]) * 1e6,
            [x for r in mine for x in (r["annualized_capex_usd_per_yr"], r["fixed_om_usd_per_yr"])],
        )
        for r, annual, fom in zip(mine, parts[0::2], parts[1::2]):
            r.update(
                annualized_capex_usd_per_yr=annual,
                fixed_om_usd_per_yr=fom,
                annualized_cost_usd_per_yr=annual + fom,
                crf=annual / r["capex_usd"] if r["capex_usd"] else math.nan,
                fixed_om_usd_per_unit_yr=fom / r["quantity"] if r["quantity"] else math.nan,
            )
    return rows


def _lines(
    m: pyo.ConcreteModel, inp: ModelInputs, catalogs: Catalogs | None, base_year: int | None
) -> pd.DataFrame:
    from planner.results.capex_whole import adder_lines, interconnection_lines  # they use this module's _line

    refs = _Refs(inp, catalogs or load_catalogs())
    base = base_year if base_year is not None else start_year(inp.scenario)
    rows: list[dict[str, Any]] = []
    for s in inp.sites:
        site_rows = [
            r
            for r in _facility_lines(m, refs, s)
            + _energy_lines(m, refs, s)
            + interconnection_lines(refs, s, m)
            + _security_lines(m, refs, s)
            if abs(r["capex_usd"]) > TINY_USD or abs(r["annualized_cost_usd_per_yr"]) > TINY_USD
        ]
        late = set(bridged(m, s))  # late grid tie or plant covered by bridge power: not awaited
        ready = max(
            (r["start_offset_years"] + r["lead_time_years"] for r in site_rows if r["item_id"] not in late),
            default=0.0,
        )
        gpu_rows = [r for r in _gpu_lines(m, refs, s, ready) if abs(r["capex_usd"]) > TINY_USD]
        extra = [
            r
            for r in adder_lines(refs, s, site_rows + gpu_rows)
            if abs(r["capex_usd"]) > TINY_USD or abs(r["annualized_cost_usd_per_yr"]) > TINY_USD
        ]
        rows += _scale_to_model(m, s, site_rows + gpu_rows + extra)
    df = pd.DataFrame(
        rows,
        columns=[
            c
            for c in LINE_COLUMNS
            if c not in ("scenario", "base_year", "construction_start_year", "in_service_year")
        ],
    )
    df.insert(0, "scenario", inp.scenario.name)
    df["base_year"] = base
    df["construction_start_year"] = base + (df["start_offset_years"] + 1e-9).apply(math.floor)
    df["in_service_year"] = base + (df["start_offset_years"] + df["lead_time_years"] + 1e-9).apply(math.floor)
    return _ordered(df, inp.sites, CATEGORIES)[list(LINE_COLUMNS)].astype(
        {"dollar_year": int, "base_year": int, "construction_start_year": int, "in_service_year": int}
    )


def capex_line_items(
    m: pyo.ConcreteModel, inp: ModelInputs, *, catalogs: Catalogs | None = None, base_year: int | None = None
) -> pd.DataFrame:
    """One row per capex line item of the solved plan (columns :data:`LINE_COLUMNS`, USD of the
    catalogs' dollar year).

    ``catalogs`` supplies the splits, lives, lead times and sources (default: the shipped
    catalogs); totals come from the model's own coefficients. ``base_year``: year construction
    starts (default :func:`default_base_year` of the scenario name).
    """
    return _lines(m, inp, catalogs, base_year)


def _opex_row(
    s: str,
    category: str,
    cost_type: str,
    group: str,
    item_id: str,
    item: str,
    quantity: float,
    unit: str,
    cost: float,
    unit_cost_unit: str,
    source: str,
    dollar_year: int,
) -> dict[str, Any]:
    return {
        "site_id": s,
        "category": category,
        "cost_type": cost_type,
        "cost_group": group,
        "item_id": item_id,
        "item": item,
        "quantity": quantity,
        "unit": unit,
        "unit_cost_usd": cost / quantity if quantity else math.nan,
        "unit_cost_unit": unit_cost_unit,
        "opex_usd_per_yr": cost,
        "dollar_year": dollar_year,
        "unit_cost_source": source,
    }


def opex_table(m: pyo.ConcreteModel, inp: ModelInputs, *, catalogs: Catalogs | None = None) -> pd.DataFrame:
    """Annual operating cost per site and category [USD/yr] (columns :data:`OPEX_COLUMNS`).

    Variable rows (``cost_type`` ``variable``): grid energy, fuel (heat rate x site gas price),
    variable O&M (``vom_usd_per_mwh``; nuclear fuel is inside VOM in ``energy.csv``), water and
    carbon price, each read from the model's accounting expressions. Fixed O&M is not repeated
    here: it is in the line items (``fixed_om_usd_per_yr``), so every dollar is in one sheet only.
    """
    refs = _Refs(inp, catalogs or load_catalogs())
    en, w, year = refs.energy, inp.slices.weight_h, refs.dollar_year
    T = range(inp.slices.n)
    rows: list[dict[str, Any]] = []
    for s in inp.sites:
        imports = float(sum(_v(m.energy.grid[s, t]) * w[t] for t in T))
        scale = inp.scenario.prices.electricity_price_scale
        src = _energy_source(refs, inp, s) + (
            f"; x scenario prices.electricity_price_scale {scale:g}" if scale != 1.0 else ""
        )
        rows.append(
            _opex_row(
                s,
                "energy",
                "variable",
                "grid_energy",
                "grid",
                "grid electricity (energy-weighted mean price)",
                imports,
                "MWh/yr",
                _v(m.cost.site_category[s, "grid_energy"]) * 1e6,
                "USD/MWh",
                src,
                year,
            )
        )
        rows += [_opex_row(*args) for args in tariff_opex_args(m, inp, s, year)]
        rows += [_opex_row(*args) for args in gas_opex_args(m, inp, s, year)]
        rows += [_opex_row(*args) for args in contract_opex_args(m, inp, s, year)]
        gas_src = refs.site(s, "gas_price_usd_per_mmbtu") + _gas_note(inp)
        gas = float(refs.sites.at[s, "gas_price_usd_per_mmbtu"])
        mwh = {e: float(sum(_v(m.energy.gen[s, e, t]) * w[t] for t in T)) for e in inp.generators}
        hr = {e: float(en.at[e, "heat_rate_mmbtu_per_mwh"]) for e in inp.generators}
        raw = [
            x
            for e in inp.generators
            for x in (mwh[e] * hr[e] * gas, mwh[e] * float(en.at[e, "vom_usd_per_mwh"]))
        ]
        parts = _apportion(_v(m.cost.site_category[s, "fuel_and_vom"]) * 1e6, raw) if raw else []
        for e, fuel_cost, vom_cost in zip(inp.generators, parts[0::2], parts[1::2]):
            rows.append(
                _opex_row(
                    s,
                    "fuel",
                    "variable",
                    "fuel_and_vom",
                    e,
                    f"natural gas for {en.at[e, 'name']}",
                    mwh[e] * hr[e],
                    "MMBtu/yr",
                    fuel_cost,
                    "USD/MMBtu",
                    gas_src,
                    year,
                )
            )
            rows.append(
                _opex_row(
                    s,
                    "variable_om",
                    "variable",
                    "fuel_and_vom",
                    e,
                    f"variable O&M: {en.at[e, 'name']}",
                    mwh[e],
                    "MWh/yr",
                    vom_cost,
                    "USD/MWh",
                    refs.row("energy.csv", en, e, "vom_usd_per_mwh"),
                    int(en.at[e, "dollar_year"]),
                )
            )
        rows.append(
            _opex_row(
                s,
                "water",
                "variable",
                "water",
                "water",
                "water (cooling + plant consumption)",
                _v(m.policy.water[s]),
                "ML/yr",
                _v(m.cost.water_cost_site[s]) * 1e6,
                "USD/ML",
                refs.facility("water_price_usd_per_m3") + " (x 1000 m3/ML)",
                year,
            )
        )
        rows.append(
            _opex_row(
                s,
                "carbon_price",
                "variable",
                "carbon_price",
                "carbon_price",
                "carbon price on operational emissions",
                _v(m.cost.emissions_operational_site[s]),
                "tCO2e/yr",
                _v(m.cost.carbon_cost_site[s]) * 1e6,
                "USD/tCO2e",
                "scenario carbon_price_usd_per_t",
                year,
            )
        )
    df = pd.DataFrame(rows, columns=[c for c in OPEX_COLUMNS if c != "scenario"])
    df = _ordered(df[df["opex_usd_per_yr"].abs() > TINY_USD], inp.sites, OPEX_CATEGORIES)
    df.insert(0, "scenario", inp.scenario.name)
    return df[list(OPEX_COLUMNS)]


def _energy_source(refs: _Refs, inp: ModelInputs, s: str) -> str:
    """Source of the grid energy price: the tariff's energy component (as billed), else the
    retail average of ``sites.csv``."""
    if inp.tariff is None:
        return refs.site(s, "electricity_price_usd_per_mwh")
    return f"data/tariffs.csv energy_usd_per_mwh ({inp.site_data.at[s, 'grid_region']} / {s})"


def _ordered(df: pd.DataFrame, sites: list[str], categories: Sequence[str]) -> pd.DataFrame:
    """Rows by site (model order), then category (display order), stable within."""
    keys = df.assign(
        _site=df["site_id"].map({s: i for i, s in enumerate(sites)}),
        _cat=df["category"].map({c: i for i, c in enumerate(categories)}),
    )
    return (
        keys.sort_values(["_site", "_cat"], kind="stable")
        .drop(columns=["_site", "_cat"])
        .reset_index(drop=True)
    )


def _gas_note(inp: ModelInputs) -> str:
    p = inp.scenario.prices
    note = ""
    if p.gas_price_usd_per_mmbtu is not None:
        note += f"; replaced by scenario prices.gas_price_usd_per_mmbtu {p.gas_price_usd_per_mmbtu:g}"
    if p.gas_price_scale != 1.0:
        note += f"; x scenario prices.gas_price_scale {p.gas_price_scale:g}"
    return note
