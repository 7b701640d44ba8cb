"""The y axis of ``planner curve``: tokens/s per GPU, per MW of facility power, or the owner's
cost per million output tokens.

For a GPU serving T generated tokens/s per GPU [tokens/s] (the frontier, at full load all year):

    tokens-per-gpu   y = T                                              [tokens/s per GPU]
    tokens-per-mw    y = T / P_fac x 1e6                                [tokens/s per MW]
    usd-per-mtok     y = C / (T x 3.1536e7 s/yr) x 1e6                  [USD per million tokens]

per serving GPU, with s the scenario's ``fleet.spare_share`` (spare GPUs per serving GPU):

    P_IT  = P_busy + s P_idle                                             [W]
            P_busy = s_m P_node + P_net (node power at full load as MLPerf's meter reads it,
            :mod:`planner.chain.tokens.power`), P_idle = idle node W + P_net
    P_fac = PUE x P_IT                                                    [W]
            PUE of the first cooling of the scenario's menu that can host the GPU (catalog
            order), in the ``temperate`` climate class (``planner pipeline`` without a site)
    C     = (1 + s) x price x gpu_price_scale x CRF(r, n) + P_fac / 1e6 x 8760 h x p_e   [USD/yr]
            CRF(r, n) = r (1 + r)^n / ((1 + r)^n - 1), r the scenario's ``finance.wacc`` (else
            ``data/finance.csv`` wacc_default), n its ``finance.gpu_life_years`` (else the GPU's
            ``life_years``), as the plan annualises GPUs (:func:`planner.model.costs.gpu_cost_inputs`)
            p_e = median ``electricity_price_usd_per_mwh`` of the scenario's candidate sites (its
            site overrides and ``prices.electricity_price_scale`` applied) [USD/MWh]

The owner's cost counts the GPU systems and their power only: not the building, cooling plant,
power plant or land (which ``planner solve`` adds), and no idle hours (a fleet sized for a daily
peak serves average / peak of this).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from planner.catalogs.load import cooling_can_host, crf
from planner.chain.pipeline import DEFAULT_CLIMATE
from planner.errors import InputError
from planner.model.costs import gpu_cost_inputs
from planner.scenario.load import apply_site_overrides

SECONDS_PER_YEAR = 8760 * 3600.0
"""Seconds in a 8760-hour year [s/yr]."""


@dataclass(frozen=True)
class YAxis:
    """One ``--y`` choice: axis label with unit, its unit, whether more is better, and the printed
    table's unit with its scale (table value = y / ``table_scale``)."""

    key: str
    label: str
    unit: str
    higher_is_better: bool
    table_unit: str = ""
    table_scale: float = 1.0


Y_AXES = {
    a.key: a
    for a in (
        YAxis("tokens-per-gpu", "throughput: output tokens/s per GPU", "tokens/s per GPU", True),
        YAxis(
            "tokens-per-mw",
            "output tokens/s per MW of facility power",
            "tokens/s per MW",
            True,
            "thousand tokens/s per MW",
            1e3,
        ),
        YAxis(
            "usd-per-mtok",
            "owner's cost: USD per million output tokens (GPU capital + power)",
            "USD per million output tokens",
            False,
        ),
    )
}
"""The ``--y`` choices by key."""


def y_axis(key: str) -> YAxis:
    """The :class:`YAxis` of ``key``; InputError naming the allowed values otherwise."""
    if key not in Y_AXES:
        raise InputError(f"--y '{key}': allowed values are {', '.join(Y_AXES)}")
    return Y_AXES[key]


@dataclass(frozen=True)
class Economics:
    """Per GPU (index ``gpu_id``): ``cooling``, ``pue`` [-], ``it_w`` and ``facility_w`` per serving
    GPU [W], ``gpu_usd_per_yr``, ``power_usd_per_yr`` and ``usd_per_yr`` [USD/yr per serving GPU];
    and the scenario's figures behind them (module docstring)."""

    per_gpu: pd.DataFrame
    scenario: str
    wacc: float
    spare_share: float
    power_usd_per_mwh: float
    sites: int
    life_years: tuple[float, ...] = ()

    def basis(self, key: str = "usd-per-mtok") -> str:
        """What the conversion to ``--y key`` assumed (:func:`basis_text`)."""
        return basis_text(self, self.life_years, cost=key == "usd-per-mtok")

    def convert(self, key: str, gpu_ids: Sequence[str], tokens_per_s: Any) -> np.ndarray:
        """``tokens_per_s`` [tokens/s per GPU] of GPUs ``gpu_ids`` in the units of ``--y key``."""
        t = np.asarray(tokens_per_s, dtype=float)
        if key == "tokens-per-gpu":
            return t
        if key == "tokens-per-mw":
            return t / self.per_gpu["facility_w"].reindex(list(gpu_ids)).to_numpy() * 1e6
        cost = self.per_gpu["usd_per_yr"].reindex(list(gpu_ids)).to_numpy()
        with np.errstate(divide="ignore"):
            return np.where(t > 0, cost / (t * SECONDS_PER_YEAR) * 1e6, np.nan)


def host_cooling(catalogs: Any, scenario: Any, gpu_id: str) -> str:
    """The first cooling of the scenario's menu (``technologies.cooling``, else the catalog, in
    catalog order) that can host ``gpu_id``; the catalog's first otherwise."""
    menu = scenario.technologies.cooling or list(catalogs.cooling.index)
    ordered = [c for c in catalogs.cooling.index if c in menu] + list(catalogs.cooling.index)
    for c in ordered:
        if cooling_can_host(catalogs, gpu_id, c):
            return str(c)
    raise InputError(f"GPU '{gpu_id}': no cooling in data/cooling.csv can host it")


def economics(catalogs: Any, scenario: Any, gpu_ids: Sequence[str]) -> Economics:
    """Facility power and owner's cost per serving GPU of ``gpu_ids`` under ``scenario`` (a
    :class:`planner.scenario.schema.Scenario`; equations in the module docstring)."""
    gpus = list(gpu_ids)
    inp = gpu_cost_inputs(scenario, catalogs, gpus)
    spare = float(inp["spare_share"])
    sites = apply_site_overrides(scenario, catalogs)
    price = float(sites["electricity_price_usd_per_mwh"].astype(float).median())
    rows = []
    for g in gpus:
        cooling = host_cooling(catalogs, scenario, g)
        pue = float(catalogs.cooling_climate.loc[(cooling, DEFAULT_CLIMATE), "pue"])
        it_w = (inp["gpu_busy_mw"][g] + spare * inp["gpu_idle_mw"][g]) * 1e6
        gpu_usd = (1.0 + spare) * inp["gpu_annual_musd"][g] * 1e6
        power_usd = pue * it_w / 1e6 * 8760.0 * price
        rows.append([g, cooling, pue, it_w, pue * it_w, gpu_usd, power_usd, gpu_usd + power_usd])
    cols = [
        "gpu_id",
        "cooling",
        "pue",
        "it_w",
        "facility_w",
        "gpu_usd_per_yr",
        "power_usd_per_yr",
        "usd_per_yr",
    ]
    wacc, life = scenario.finance.wacc, scenario.finance.gpu_life_years
    return Economics(
        pd.DataFrame(rows, columns=cols).set_index("gpu_id"),
        scenario.name,
        float(catalogs.finance["wacc_default"] if wacc is None else wacc),
        spare,
        price,
        len(sites),
        tuple(float(life or catalogs.gpus.at[g, "life_years"]) for g in gpus),
    )


def basis_text(econ: Economics, life_years: Sequence[float], cost: bool = True) -> str:
    """What the conversion assumed, in one paragraph (printed under the table, on the chart):
    facility power, and with ``cost`` the owner's cost."""
    power = (
        f"Scenario {econ.scenario}: facility power = PUE x (busy node + network + {econ.spare_share:.0%} "
        f"spares idle), PUE of the first cooling that hosts the GPU, {DEFAULT_CLIMATE} climate"
    )
    if not cost:
        return power + "."
    life = sorted(set(life_years))
    years = "/".join(f"{n:g}" for n in life)
    crfs = "/".join(f"{crf(econ.wacc, n):.3f}" for n in life)
    return (
        f"{power}; owner's cost = GPU price x (1 + {econ.spare_share:.0%} spares) x CRF({econ.wacc:.0%}, "
        f"{years} y) = {crfs}/yr + facility power at {econ.power_usd_per_mwh:,.1f} USD/MWh (median of the "
        f"scenario's {econ.sites} candidate sites), at full load all year; building, cooling plant, power "
        "plant and land not counted."
    )
