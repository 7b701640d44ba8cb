"""Supply contracts open to a plan (``data/contracts.csv``, scenario ``sites.contracts`` and
``sites.owner``) and their coefficients for :mod:`planner.model.contracts`.

Whose contract: a row ``available_to: anyone`` is open to every plan; a row of an owner (``amazon``)
only under ``sites.contracts: all``, and then, when ``sites.owner`` is set, only to that owner.
A contract must be in force in the plan's first operating year (the latest ``demand`` online year,
else the construction start year): ``start_year <= year < start_year + years``.

A contract may bring the site a grid delivery of its own (``grid_mw``, ``grid_lead_time_years``:
Amazon's 840 MW over PPL's reconfigured lines at Susquehanna); while the contract is open to the
plan the site's ``grid_mw_available`` is at least that and its ``grid_lead_time_years`` at most
that (:func:`apply_contract_delivery`); otherwise the site row's own values (what a new customer
faces) stand.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from planner.catalogs.load import Catalogs
from planner.model.lifecycle_inputs import tech_upstream_t_per_mwh
from planner.model.timing_inputs import start_year, stream_online_years
from planner.scenario.schema import Scenario

ANYONE = "anyone"


@dataclass(frozen=True)
class ContractInputs:
    """Open contracts and their coefficients (model units)."""

    ids: list[str]
    site: dict[str, str]
    mw: dict[str, float]  # most the plan may take [MW]
    availability: dict[str, float]  # output per MW taken [-] (technology's max_availability)
    price_musd_per_mwh: dict[str, float]
    attribute: dict[str, str]  # hourly | annual
    upstream_t_per_mwh: dict[str, float]  # fuel chain of the contracted technology [tCO2e/MWh]


def operating_year(scenario: Scenario) -> int:
    """The plan's first operating year: the latest stream online year, else the start year."""
    years = stream_online_years(scenario).values()
    return max(years) if years else start_year(scenario)


def open_contracts(scenario: Scenario, catalogs: Catalogs, site_ids: list[str] | None = None) -> pd.DataFrame:
    """Rows of ``contracts.csv`` open to the scenario (module docstring), at ``site_ids`` if given."""
    table = catalogs.contracts
    if table.empty:
        return table
    sel = scenario.sites
    owner_ok = table["available_to"] == ANYONE
    if sel.contracts == "all":
        owner_ok = owner_ok | (table["available_to"] == sel.owner if sel.owner else True)
    year = operating_year(scenario)
    in_force = (table["start_year"] <= year) & (year < table["start_year"] + table["years"])
    keep = owner_ok & in_force
    if site_ids is not None:
        keep = keep & table["site_id"].isin(site_ids)
    return table[keep]


def apply_contract_delivery(scenario: Scenario, catalogs: Catalogs, sites: pd.DataFrame) -> pd.DataFrame:
    """``sites`` with each open contract's grid delivery (module docstring); a copy."""
    out = sites.copy()
    for _, row in open_contracts(scenario, catalogs, list(sites.index)).iterrows():
        s = row["site_id"]
        if row["grid_mw"] > 0:
            out.at[s, "grid_mw_available"] = max(float(out.at[s, "grid_mw_available"]), float(row["grid_mw"]))
            lead = float(out.at[s, "grid_lead_time_years"])
            out.at[s, "grid_lead_time_years"] = min(lead, float(row["grid_lead_time_years"]))
    return out


def contract_inputs(scenario: Scenario, catalogs: Catalogs, site_ids: list[str]) -> ContractInputs | None:
    """:class:`ContractInputs` of the contracts open at the selected sites; None when there are none."""
    rows = open_contracts(scenario, catalogs, site_ids)
    if rows.empty:
        return None
    ids = [str(k) for k in rows.index]
    tech = {k: str(rows.at[k, "technology"]) for k in ids}
    upstream = tech_upstream_t_per_mwh(scenario, catalogs, sorted(set(tech.values())))
    return ContractInputs(
        ids=ids,
        site={k: str(rows.at[k, "site_id"]) for k in ids},
        mw={k: float(rows.at[k, "mw"]) for k in ids},
        availability={k: float(catalogs.energy.at[tech[k], "max_availability"]) for k in ids},
        price_musd_per_mwh={k: float(rows.at[k, "price_usd_per_mwh"]) / 1e6 for k in ids},
        attribute={k: str(rows.at[k, "carbon_attribute"]) for k in ids},
        upstream_t_per_mwh={k: upstream[tech[k]] for k in ids},
    )
