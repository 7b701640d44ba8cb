"""Gas infrastructure and air permits of on-site gas plants (``prices.gas_infrastructure:
included``; ``data/gas_infrastructure.csv``, ``air_permits.csv``, ``ozone_classes.csv``,
``emissions_controls.csv``): coefficients of :mod:`planner.model.gas`.

Per site s and gas technology e (heat rate HR[e] MMBtu/MWh)::

    lateral_capex[s]  = (miles[s] x usd_per_mile[s] + meter_station[s]) / 1e6          [MUSD]
    lateral_annual[s] = lateral_capex[s] x CRF(wacc, gas plant life)                    [MUSD/yr]
    transport[s,e]    = firm_rate[s] x 365 x 24 x HR[e] / 1e6     reservation on the full-load
                        daily fuel of 1 MW [MUSD/MW-yr] (firm_rate: USD per MMBtu/d per day)
    control[e]        = (capex_ctrl[e] CRF(wacc, ctrl life) + fom_ctrl[e]) x 1e3 / 1e6  [MUSD/MW-yr]
    control_vom[e]    = vom_ctrl[e] / 1e6                                                [MUSD/MWh]
    pte[e]            = nox_controlled[e] x HR[e] x 8760 / 2000   potential to emit of 1 MW
                        at full load all year [short tons NOx/yr per MW]
    major_tpy[s], ratio[s]: the major-source threshold and offset ratio of the site's ozone class
    offset[s]         = nox_offset_usd_per_ton[s] / 1e6 x CRF(wacc, gas plant life)  [MUSD/yr per ton/yr]
                        (emission reduction credits are bought once, in tons/yr, and annualised)

Critical path of plant e at site s [months from the start, 1 January of the start year]::

    path[s,e,c] = max(equipment[e] = 12 x lead_time_years[e],
                      max(permit_c[s], siting[s]) + build_after_permit[e],
                      lateral[s])                     c = minor | major permit
    Y_c[s,e]    = start + floor(path[s,e,c] / 12)     (the in-service rule of
                                                       :func:`planner.model.timing_inputs.in_service_year`)
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import pandas as pd

from planner.catalogs.load import Catalogs, crf
from planner.errors import PlannerWarning
from planner.model.costs import _wacc
from planner.model.timing_inputs import in_service_year, start_year
from planner.scenario.schema import Scenario

PATH_PARTS = ("equipment", "air permit", "lateral")
"""Names of the critical-path legs (the state siting certificate runs beside the air permit)."""


@dataclass(frozen=True)
class GasInputs:
    """Gas infrastructure coefficients (units in the module docstring)."""

    techs: list[str]  # gas technologies on the menu
    lateral_capex_musd: dict[str, float]
    lateral_annual_musd: dict[str, float]
    transport_musd_per_mw_yr: dict[tuple[str, str], float]
    control_annual_musd_per_mw: dict[str, float]
    control_capex_musd_per_mw: dict[str, float]
    control_vom_musd_per_mwh: dict[str, float]
    pte_tpy_per_mw: dict[str, float]
    major_tpy: dict[str, float]
    offset_ratio: dict[str, float]
    offset_annual_musd_per_tpy: dict[str, float]
    offset_capex_musd_per_tpy: dict[str, float]
    path_months: dict[tuple[str, str, str], dict[str, float]]  # (s, e, minor|major) -> leg -> months
    year: dict[tuple[str, str, str], int]  # (s, e, minor|major) -> in-service year

    def months(self, s: str, e: str, permit: str) -> float:
        """Months from the start to plant e's service at site s under a ``permit`` class permit."""
        return max(self.path_months[s, e, permit].values())

    def bound(self, s: str, e: str, permit: str) -> str:
        """The leg that sets the critical path: ``gas_recip air permit`` (ties: the first of
        equipment, air permit, lateral)."""
        legs = self.path_months[s, e, permit]
        return f"{e} {max(PATH_PARTS, key=lambda k: (legs[k], -PATH_PARTS.index(k)))}"


def included(scenario: Scenario, catalogs: Catalogs) -> bool:
    """Whether the scenario prices gas infrastructure (and the data tree has its catalogs)."""
    return scenario.prices.gas_infrastructure == "included" and not catalogs.gas_sites.empty


def gas_site_rows(catalogs: Catalogs, site_ids: list[str]) -> pd.DataFrame:
    """The joined gas rows of ``site_ids`` (:attr:`Catalogs.gas_sites`); a site without one (added by
    a scenario's ``sites.add`` or a user's tree) gets the median of every numeric column over the
    catalog's attainment-area rows, as an attainment site (estimate), with one warning naming it."""
    g = catalogs.gas_sites
    missing = [s for s in site_ids if s not in g.index]
    if not missing:
        return g.loc[site_ids]
    typical = g[g["ozone_area"] == "attainment"].median(numeric_only=True)
    typical["offset_ratio"] = 0.0
    fill = pd.DataFrame([typical] * len(missing), index=pd.Index(missing, name=g.index.name))
    fill["ozone_area"], fill["jurisdiction"], fill["distance_status"] = "attainment", "typical", "estimate"
    warnings.warn(
        PlannerWarning(
            f"gas_infrastructure.csv: no row for site(s) {', '.join(missing)}; typical values used "
            "(median of the attainment-area sites: pipeline distance, lateral and transport costs, "
            "permit months; estimate): add a row to price its gas supply"
        ),
        stacklevel=2,
    )
    return pd.concat([g, fill]).loc[site_ids]


def gas_inputs(
    scenario: Scenario, catalogs: Catalogs, sites: pd.DataFrame, techs: list[str]
) -> GasInputs | None:
    """:class:`GasInputs` of the selected sites and the menu's gas technologies; None when not
    :func:`included` or no gas technology is on the menu."""
    gas_techs = [e for e in techs if catalogs.energy.at[e, "kind"] == "gas"]
    if not included(scenario, catalogs) or not gas_techs:
        return None
    g, ctl, en = gas_site_rows(catalogs, list(sites.index)), catalogs.gas_controls, catalogs.energy
    life = {e: float(en.at[e, "life_years"]) for e in gas_techs}
    plant_life = max(life.values())
    wacc = _wacc(scenario, catalogs)
    hr = {e: float(en.at[e, "heat_rate_mmbtu_per_mwh"]) for e in gas_techs}
    lateral = {
        s: (float(g.at[s, "pipeline_distance_miles"]) * float(g.at[s, "lateral_usd_per_mile"])
            + float(g.at[s, "meter_station_usd"])) / 1e6
        for s in sites.index
    }  # fmt: skip
    y0 = start_year(scenario)
    paths, years = {}, {}
    for s in sites.index:
        for e in gas_techs:
            for permit in ("minor", "major"):
                legs = {
                    "equipment": 12 * float(en.at[e, "lead_time_years"]),
                    "air permit": max(
                        float(g.at[s, f"{permit}_permit_months"]), float(g.at[s, "siting_months"])
                    )
                    + float(ctl.at[e, "build_after_permit_months"]),
                    "lateral": float(g.at[s, "lateral_months"]),
                }
                paths[s, e, permit] = legs
                years[s, e, permit] = in_service_year(y0, max(legs.values()) / 12)
    return GasInputs(
        techs=gas_techs,
        lateral_capex_musd=lateral,
        lateral_annual_musd={s: v * crf(wacc, plant_life) for s, v in lateral.items()},
        transport_musd_per_mw_yr={
            (s, e): float(g.at[s, "firm_transport_usd_per_mmbtu"]) * 8760 * hr[e] / 1e6
            for s in sites.index
            for e in gas_techs
        },
        control_annual_musd_per_mw={
            e: (
                float(ctl.at[e, "capex_usd_per_kw"]) * crf(wacc, float(ctl.at[e, "life_years"]))
                + float(ctl.at[e, "fom_usd_per_kw_yr"])
            )
            * 1e3
            / 1e6
            for e in gas_techs
        },  # fmt: skip
        control_capex_musd_per_mw={e: float(ctl.at[e, "capex_usd_per_kw"]) * 1e3 / 1e6 for e in gas_techs},
        control_vom_musd_per_mwh={e: float(ctl.at[e, "vom_usd_per_mwh"]) / 1e6 for e in gas_techs},
        pte_tpy_per_mw={
            e: float(ctl.at[e, "nox_controlled_lb_per_mmbtu"]) * hr[e] * 8760 / 2000 for e in gas_techs
        },
        major_tpy={s: float(g.at[s, "major_nox_tpy"]) for s in sites.index},
        offset_ratio={s: float(g.at[s, "offset_ratio"]) for s in sites.index},
        offset_annual_musd_per_tpy={
            s: float(g.at[s, "nox_offset_usd_per_ton"]) / 1e6 * crf(wacc, plant_life) for s in sites.index
        },
        offset_capex_musd_per_tpy={s: float(g.at[s, "nox_offset_usd_per_ton"]) / 1e6 for s in sites.index},
        path_months=paths,
        year=years,
    )
