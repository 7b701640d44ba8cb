"""Checks of the supply-contract and lifecycle catalogs (``contracts.csv``, ``grid_mix.csv``,
``lifecycle.csv``) against the sites and energy technologies; :mod:`planner.catalogs.load` reads them.

Each file is optional in a data tree of one's own: without ``contracts.csv`` no site has a contract;
without ``lifecycle.csv`` gas plants keep ``energy.csv``'s ``co2_upstream_kg_per_mwh`` and grid
imports carry no upstream emissions (the planner before issue 23 item 5).
"""

from __future__ import annotations

import pandas as pd

from planner.catalogs.schemas import LIFECYCLE_ITEMS
from planner.errors import CatalogError

CONTRACTS_FILE = "contracts.csv"
GRID_MIX_FILE = "grid_mix.csv"
LIFECYCLE_FILE = "lifecycle.csv"
CONTRACT_KINDS = ("nuclear", "geothermal", "gas")
"""Energy kinds a contract may carry: output at a constant availability (``max_availability``);
PV and wind contracts would need the plant's own hourly profile."""


def check_contracts(
    file: str, table: pd.DataFrame, sites: pd.DataFrame, energy: pd.DataFrame
) -> pd.DataFrame:
    """``contracts.csv`` (indexed by ``contract_id``) after checking that each names a site of
    ``sites.csv`` and a technology of ``energy.csv`` of a kind in :data:`CONTRACT_KINDS`."""
    for i, (cid, row) in enumerate(table.iterrows(), start=1):
        if row["site_id"] not in sites.index:
            raise CatalogError(file, i, "site_id", f"line {i + 1}: contract {cid}: unknown site_id")
        tech = row["technology"]
        if tech not in energy.index or energy.at[tech, "kind"] not in CONTRACT_KINDS:
            allowed = ", ".join(e for e in energy.index if energy.at[e, "kind"] in CONTRACT_KINDS)
            raise CatalogError(
                file, i, "technology", f"line {i + 1}: contract {cid}: technology must be one of {allowed}"
            )
    return table


def check_grid_mix(file: str, table: pd.DataFrame, sites: pd.DataFrame) -> pd.DataFrame:
    """``grid_mix.csv`` (indexed by ``egrid_subregion``) after checking that every site with an
    ``egrid_subregion`` has its row and that no row's shares add up to more than 1."""
    for i, (sub, row) in enumerate(table.iterrows(), start=1):
        if row["coal_share"] + row["gas_share"] + row["oil_other_share"] > 1.0 + 1e-9:
            raise CatalogError(
                file, i, "gas_share", f"line {i + 1}: {sub}: fossil shares add up to more than 1"
            )
    subs = {str(v) for v in sites["egrid_subregion"].dropna() if str(v)}
    missing = sorted(subs - set(table.index))
    if missing:
        raise CatalogError(file, None, "egrid_subregion", f"no row for egrid_subregion {', '.join(missing)}")
    return table


def check_lifecycle(file: str, values: dict[str, float]) -> dict[str, float]:
    """``lifecycle.csv`` items after checking that every item of :data:`LIFECYCLE_ITEMS` is there."""
    missing = [k for k in LIFECYCLE_ITEMS if k not in values]
    if missing:
        raise CatalogError(file, None, "item", f"missing required item(s): {', '.join(missing)}")
    return values
