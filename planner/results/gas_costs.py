"""Capex lines and opex rows of the gas infrastructure (:mod:`planner.model.gas`): the site's lateral
and meter station, NOx controls per gas plant and NOx offsets (capex, ``capex_items``), firm gas
transport and control reagent (``opex``), and each gas plant's critical path (equipment, air
permit, lateral) as its lead time.

The capex lines are returned as keyword arguments of :func:`planner.results.capex._line` (less
``refs``, ``s`` and ``wacc``) so that the capex table scales and lays them out like every other line."""

from __future__ import annotations

from typing import Any

import pyomo.environ as pyo

from planner.catalogs.load import Catalogs, crf
from planner.model.inputs import ModelInputs
from planner.model.linear import evaluate

GAS_CAPEX_CATEGORIES = ("gas_lateral", "emissions_controls", "nox_offsets")
"""Capex categories of the gas infrastructure (after ``gas_plant``'s)."""
GAS_OPEX_CATEGORIES = ("gas_transport", "controls_reagent")
"""Opex categories of the gas infrastructure (after ``fuel``)."""
SOURCES = "data/gas_infrastructure.csv"


def _v(x: Any) -> float:
    out = evaluate(x)
    return 0.0 if out is None else float(out)


def _active(m: pyo.ConcreteModel, inp: ModelInputs) -> bool:
    return inp.gas is not None and hasattr(m, "gas") and hasattr(m.gas, "gas_on")


def permit_class(m: pyo.ConcreteModel, inp: ModelInputs, s: str) -> str:
    """``major`` or ``minor``: the air permit of site ``s``'s gas plants in the solved plan."""
    if not _active(m, inp):
        return "minor"
    return "major" if _v(m.gas.major[s]) > 0.5 else "minor"


def gas_capex_musd(m: pyo.ConcreteModel, inp: ModelInputs) -> dict[str, float]:
    """Overnight capex of the gas infrastructure by cost group [MUSD]: laterals (the meter station
    included), NOx controls and NOx offsets bought (zeros without gas infrastructure)."""
    gi = inp.gas
    if not _active(m, inp) or gi is None:
        return dict.fromkeys(GAS_CAPEX_CATEGORIES, 0.0)
    tons = getattr(m.gas, "offset_tpy", {})
    return {
        "gas_lateral": sum(_v(m.gas.gas_on[s]) * gi.lateral_capex_musd[s] for s in inp.sites),
        "emissions_controls": sum(
            _v(m.energy.cap[s, e]) * gi.control_capex_musd_per_mw[e] for s in inp.sites for e in gi.techs
        ),
        "nox_offsets": sum(_v(tons[s]) * gi.offset_capex_musd_per_tpy[s] for s in inp.sites if s in tons),
    }


def gas_lead(m: pyo.ConcreteModel, inp: ModelInputs, s: str, e: str) -> tuple[float, str] | None:
    """Lead time [years] of gas plant ``e`` at site ``s`` on its critical path, and its source;
    None without gas infrastructure (the plant's ``energy.csv`` lead time then applies)."""
    gi = inp.gas
    if not _active(m, inp) or gi is None or e not in gi.techs:
        return None
    permit = permit_class(m, inp, s)
    legs = gi.path_months[s, e, permit]
    text = ", ".join(f"{k} {v:g}" for k, v in legs.items())
    return gi.months(s, e, permit) / 12, (
        f"critical path in months from the start ({permit} air permit): {text} = max; "
        "energy.csv lead_time_years, data/air_permits.csv, data/emissions_controls.csv "
        "build_after_permit_months, data/gas_infrastructure.csv lateral_months"
    )


def _kw(
    category: str,
    item_id: str,
    item: str,
    amount: tuple[float, str],
    capex: float,
    annual: tuple[float, float],
    life: tuple[float, str],
    lead: tuple[float, str],
    sources: tuple[str, str],
) -> dict[str, Any]:
    """Keyword arguments of ``_line``: ``amount`` (quantity, unit), ``annual`` (annualised capex,
    fixed O&M) [USD/yr], ``sources`` (unit cost, fixed O&M)."""
    return {
        "category": category,
        "group": category,
        "item_id": item_id,
        "item": item,
        "quantity": amount[0],
        "unit": amount[1],
        "capex": capex,
        "annualized": annual[0],
        "fixed_om": annual[1],
        "life": life,
        "lead": lead,
        "unit_cost_source": sources[0],
        "fixed_om_source": sources[1],
    }


def gas_capex_kwargs(
    m: pyo.ConcreteModel, inp: ModelInputs, catalogs: Catalogs, s: str, wacc: float
) -> list[dict[str, Any]]:
    """Keyword arguments of one capex line each: the lateral, NOx controls per gas plant built, and
    the NOx offsets bought (empty without gas infrastructure or gas plant at ``s``)."""
    gi = inp.gas
    if not _active(m, inp) or gi is None:
        return []
    g, ctl, en = catalogs.gas_sites, catalogs.gas_controls, catalogs.energy
    on = _v(m.gas.gas_on[s])
    life = (
        max(float(en.at[e, "life_years"]) for e in gi.techs),
        "energy.csv life_years of the gas plants (longest)",
    )
    miles = float(g.at[s, "pipeline_distance_miles"])
    out = [
        _kw(
            "gas_lateral", "gas_lateral",
            f"gas lateral ({miles:g} miles, {g.at[s, 'distance_status']}) and meter/tap station",
            (miles * on, "mile"), gi.lateral_capex_musd[s] * on * 1e6,
            (gi.lateral_annual_musd[s] * on * 1e6, 0.0),
            life, (float(g.at[s, "lateral_months"]) / 12, f"{SOURCES} {s} lateral_months"),
            (f"{SOURCES} {s} lateral_usd_per_mile x pipeline_distance_miles + meter_station_usd", ""),
        )
    ]  # fmt: skip
    for e in gi.techs:
        mw = _v(m.energy.cap[s, e])
        capex, ctl_life = mw * gi.control_capex_musd_per_mw[e] * 1e6, float(ctl.at[e, "life_years"])
        fom = float(ctl.at[e, "fom_usd_per_kw_yr"]) * mw * 1e3
        src = f"data/emissions_controls.csv {e}"
        out.append(
            _kw(
                "emissions_controls", f"{e}_nox_controls", f"{ctl.at[e, 'controls']} on {e}",
                (mw * 1e3, "kW"),
                capex, (capex * crf(wacc, ctl_life), fom), (ctl_life, f"{src} life_years"),
                gas_lead(m, inp, s, e) or (0.0, ""),
                (f"{src} capex_usd_per_kw: {ctl.at[e, 'source']}", f"{src} fom_usd_per_kw_yr"),
            )
        )  # fmt: skip
    if hasattr(m.gas, "offset_tpy") and s in m.gas.offset_tpy:
        tons, area = _v(m.gas.offset_tpy[s]), g.at[s, "ozone_area"]
        out.append(
            _kw(
                "nox_offsets", "nox_offsets",
                f"NOx emission reduction credits ({area}, x{gi.offset_ratio[s]:g})",
                (tons, "ton/yr"), tons * gi.offset_capex_musd_per_tpy[s] * 1e6,
                (tons * gi.offset_annual_musd_per_tpy[s] * 1e6, 0.0), life,
                (0.0, "bought before the permit is issued"),
                (f"data/air_permits.csv {g.at[s, 'jurisdiction']} nox_offset_usd_per_ton; "
                 f"data/ozone_classes.csv {area} offset_ratio", ""),
            )
        )  # fmt: skip
    return out


def gas_opex_args(m: pyo.ConcreteModel, inp: ModelInputs, s: str, year: int) -> list[tuple[Any, ...]]:
    """Arguments of ``_opex_row`` (:mod:`planner.results.capex`) for site ``s``'s firm gas
    transport (a reservation on the plants' full-load daily fuel) and control reagent."""
    gi = inp.gas
    if not _active(m, inp) or gi is None:
        return []
    w, T = inp.slices.weight_h, range(inp.slices.n)
    mdq = sum(_v(m.energy.cap[s, e]) * inp.heat_rate_mmbtu_per_mwh[e] * 24 for e in gi.techs)
    mwh = sum(_v(m.energy.gen[s, e, t]) * w[t] for e in gi.techs for t in T)
    return [
        (s, "gas_transport", "variable", "gas_transport", "gas_transport",
         "firm gas transport: reservation on the gas plants' full-load daily fuel", mdq, "MMBtu/d",
         _v(m.gas.transport[s]) * 1e6, "USD/(MMBtu/d)-yr",
         f"{SOURCES} {s} firm_transport_usd_per_mmbtu x 365", year),
        (s, "controls_reagent", "variable", "controls_reagent", "controls_reagent",
         "NOx control reagent and catalyst wear on the gas plants' output", mwh, "MWh/yr",
         _v(m.gas.reagent[s]) * 1e6, "USD/MWh", "data/emissions_controls.csv vom_usd_per_mwh", year),
    ]  # fmt: skip
