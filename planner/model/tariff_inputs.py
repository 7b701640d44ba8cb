"""Grid tariffs as billed (``prices.grid_tariff: as_billed``, ``data/tariffs.csv``): the charges of
each site's grid connection, each on what it depends on (:mod:`planner.model.tariff`).

Per site s (its own ``tariffs.csv`` row, else its ``grid_region``'s)::

    energy      = energy_usd_per_mwh                  mean of the hourly energy price [USD/MWh]
                  (replaces the retail average ``electricity_price_usd_per_mwh``, kept as
                  ``retail_average_usd_per_mwh`` for the cross-check; a site override of the
                  electricity price wins)
    capacity    = capacity_usd_per_mw_yr / 1e6        on the coincident-peak import [MUSD/MW-yr]
    transmission= transmission_usd_per_mw_yr / 1e6    on the coincident-peak import [MUSD/MW-yr]
    demand      = demand_usd_per_kw_month x 12 x 1e3 / 1e6   on the billing demand [MUSD/MW-yr]
    standby     = standby_usd_per_kw_month x 12 x 1e3 / 1e6  on the tie above it [MUSD/MW-yr]
    ratchet     = min_demand_share                    billing demand >= ratchet x tie [-]

The coincident-peak slice of a site is the slice of its highest grid energy price (the price
profile follows the system load, :func:`planner.profiles.synthetic.grid_price`); in annual mode
there is one slice and the charges fall on the tie (:mod:`planner.model.tariff`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.catalogs.load import Catalogs
from planner.scenario.schema import Scenario

ELECTRICITY = "electricity_price_usd_per_mwh"
RETAIL = "retail_average_usd_per_mwh"
KW_MONTH = 12 * 1e3 / 1e6
"""USD/kW-month -> MUSD/MW-yr."""


@dataclass(frozen=True)
class TariffInputs:
    """Tariff charges per site (units in the module docstring)."""

    capacity_musd_per_mw_yr: dict[str, float]
    transmission_musd_per_mw_yr: dict[str, float]
    demand_musd_per_mw_yr: dict[str, float]
    standby_musd_per_mw_yr: dict[str, float]
    min_demand_share: dict[str, float]
    peak_slice: dict[str, int]  # coincident-peak slice (highest energy price)

    def any_charge(self) -> bool:
        """Whether any site pays a capacity, transmission, demand or standby charge."""
        values = (
            *self.capacity_musd_per_mw_yr.values(),
            *self.transmission_musd_per_mw_yr.values(),
            *self.demand_musd_per_mw_yr.values(),
            *self.standby_musd_per_mw_yr.values(),
        )
        return any(v > 0 for v in values)


def as_billed(scenario: Scenario, catalogs: Catalogs) -> bool:
    """Whether the scenario bills the grid by tariff (and the data tree has ``tariffs.csv``)."""
    return scenario.prices.grid_tariff == "as_billed" and not catalogs.tariffs.empty


def apply_energy_component(scenario: Scenario, catalogs: Catalogs, sites: pd.DataFrame) -> pd.DataFrame:
    """``sites`` with the tariff energy component (x ``prices.electricity_price_scale``) as the mean
    hourly price and the retail average kept as ``retail_average_usd_per_mwh``; unchanged under
    ``retail_average``. A site override of ``electricity_price_usd_per_mwh`` is kept."""
    out = sites.copy()
    out[RETAIL] = out[ELECTRICITY]
    if not as_billed(scenario, catalogs):
        return out
    overridden = {s for s, fields in scenario.sites.overrides.items() if ELECTRICITY in fields}
    scale = scenario.prices.electricity_price_scale
    for s in out.index:
        if s not in overridden:
            out.at[s, ELECTRICITY] = float(catalogs.tariffs.at[s, "energy_usd_per_mwh"]) * scale
    return out


def tariff_inputs(
    scenario: Scenario, catalogs: Catalogs, site_ids: list[str], price: np.ndarray
) -> TariffInputs | None:
    """:class:`TariffInputs` of the selected sites (``price``: energy price per site and slice,
    (S, T)); None under ``retail_average`` or without ``tariffs.csv``."""
    if not as_billed(scenario, catalogs):
        return None
    t = catalogs.tariffs.loc[site_ids]
    return TariffInputs(
        capacity_musd_per_mw_yr={s: float(t.at[s, "capacity_usd_per_mw_yr"]) / 1e6 for s in site_ids},
        transmission_musd_per_mw_yr={s: float(t.at[s, "transmission_usd_per_mw_yr"]) / 1e6 for s in site_ids},
        demand_musd_per_mw_yr={s: float(t.at[s, "demand_usd_per_kw_month"]) * KW_MONTH for s in site_ids},
        standby_musd_per_mw_yr={s: float(t.at[s, "standby_usd_per_kw_month"]) * KW_MONTH for s in site_ids},
        min_demand_share={s: float(t.at[s, "min_demand_share"]) for s in site_ids},
        peak_slice={s: int(np.argmax(price[i])) for i, s in enumerate(site_ids)},
    )
