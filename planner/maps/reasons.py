"""Why a candidate site was left closed: the sharpest reason a finished plan supports.

In order: ``latency`` (no demand stream has the site within its round-trip budget);
``water`` (its water limit, with the least water-using cooling allowed in its climate and the
plan's IT J/token, allows under a tenth of what the smallest chosen site serves); ``price``
or ``carbon`` (a chosen site in reach of the same demand is at least as good on every energy
count: prices, wind/PV capacity factors, best PUE; or grid carbon, clean share, CFs, PUE;
``price`` only under the cost objective, ``carbon`` under the carbon objective or where a
carbon price, cap or clean-energy share applies); otherwise the objective's name, ``cost``
or ``carbon``: "not selected: higher cost (carbon) than chosen sites within reach".

Price, carbon and cost reasons end with the estimated extra annualised cost of opening the site
(``tables/sites.csv`` ``cost_gap_usd_per_yr``, :mod:`planner.model.site_gap`) where the run has one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

    from planner.results.rundir_read import RunData

SECONDS_PER_YEAR = 8760 * 3600.0


def fmt_tokens(x: float) -> str:
    """Tokens/s, readable: '1.25 M tokens/s'."""
    return f"{x / 1e6:,.3g} M tokens/s" if x >= 1e5 else f"{x:,.0f} tokens/s"


PRICE_CRITERIA = {  # column: (+1 higher is better / -1 lower is better, label, format)
    "electricity_price_usd_per_mwh": (-1, "electricity", "{:.0f} $/MWh"),
    "gas_price_usd_per_mmbtu": (-1, "gas", "{:.2f} $/MMBtu"),
    "wind_cf": (1, "wind CF", "{:.2f}"),
    "pv_cf": (1, "PV CF", "{:.2f}"),
    "best_pue": (-1, "best PUE", "{:.2f}"),
}
CARBON_CRITERIA = {
    "grid_co2_g_per_kwh": (-1, "grid", "{:.0f} gCO2e/kWh"),
    "grid_clean_share": (1, "clean share", "{:.0%}"),
    "wind_cf": (1, "wind CF", "{:.2f}"),
    "pv_cf": (1, "PV CF", "{:.2f}"),
    "best_pue": (-1, "best PUE", "{:.2f}"),
}


def dominated(me: pd.Series, them: pd.Series, criteria: dict) -> str | None:
    """'a vs b, ...' if ``them`` is at least as good as ``me`` on every criterion and better on one,
    else None."""
    cols = [c for c in criteria if pd.notna(me[c]) and pd.notna(them[c])]
    diff = [criteria[c][0] * (them[c] - me[c]) for c in cols]
    if not cols or min(diff) < 0 or max(diff) <= 0:
        return None
    return ", ".join(
        f"{criteria[c][1]} {criteria[c][2].format(me[c])} vs {criteria[c][2].format(them[c])}" for c in cols
    )


def not_chosen_reason(
    sid: str,
    run: RunData,
    cat: pd.DataFrame,
    rtt: pd.DataFrame,
    streams: pd.DataFrame,
    chosen: gpd.GeoDataFrame,
) -> tuple[str, str]:
    """(reason_code, reason) for a closed candidate site; see the module docstring."""
    within = rtt.le(streams["budget_ms"].to_numpy(), axis=1)
    if not within.loc[sid].any():
        i = int((rtt.loc[sid] - streams["budget_ms"].to_numpy()).to_numpy().argmin())
        k = streams.iloc[i]
        return "latency", (
            f"latency: no demand stream within its budget (closest: {k.region_id} {k.model_id}, "
            f"{rtt.loc[sid].iloc[i]:.0f} ms round trip vs {k.budget_ms:g} ms budget)"
        )
    rivals = [c for c in chosen["site_id"] if (within.loc[c] & within.loc[sid]).any()]
    me, smallest, objective = cat.loc[sid], chosen["tokens_per_s"].min(), run.summary["objective"]
    pol = run.scenario.get("policy") or {}
    limit = me.get("water_limit_ml_per_yr")
    if pol.get("enforce_water_limits", True) and me["best_wue"] > 0 and pd.notna(limit):
        litres_per_token = me["best_wue"] * run.number("it_joules_per_token") / 3.6e6
        cap_tps = limit * 1e6 / litres_per_token / SECONDS_PER_YEAR
        if cap_tps < 0.1 * smallest:
            return "water", (
                f"water: its limit of {limit:,.0f} ML/yr allows about {fmt_tokens(cap_tps)} "
                f"even with the least water-using cooling ({me['best_wue']:g} L/kWh), "
                f"a fraction of the {fmt_tokens(smallest)} of the smallest chosen site"
            )
    carbon_matters = bool(run.scenario.get("carbon_price_usd_per_t")) or any(
        pol.get(k) is not None for k in ("carbon_cap_t_per_yr", "clean_energy_share")
    )
    checks = [("price", "energy dearer", PRICE_CRITERIA)] if objective != "carbon" else []
    if objective == "carbon" or carbon_matters:
        checks.append(("carbon", "supply dirtier", CARBON_CRITERIA))
    note = gap_note(cost_gap(run, sid))
    for code, what, criteria in checks:
        for r in rivals:
            vs = dominated(me, cat.loc[r], criteria)
            if vs:
                return code, f"{code}: {what} than chosen {r} within reach of the same demand ({vs}){note}"
    word = "carbon" if objective == "carbon" else "cost"
    return word, f"not selected: higher {word} than chosen sites within reach ({', '.join(rivals)}){note}"


def cost_gap(run: RunData, sid: str) -> float:
    """``cost_gap_usd_per_yr`` of site ``sid`` in the run's ``sites.csv`` [USD/yr]; NaN where the
    run has none (an older run directory, a carbon objective, the time budget ran out)."""
    sites = run.tables["sites"]
    if "cost_gap_usd_per_yr" not in sites.columns:
        return float("nan")
    return float(sites.loc[sites["site_id"] == sid, "cost_gap_usd_per_yr"].iloc[0])


def gap_note(gap: float) -> str:
    """'; opening it adds about 0.13 M$/yr (relaxation estimate)' ('' for NaN)."""
    if pd.isna(gap):
        return ""
    if gap <= 0:
        return "; opening it adds no cost in the relaxation (integer effects decide)"
    amount = f"{gap / 1e3:,.0f} k$/yr" if gap < 1e6 else f"{gap / 1e6:,.1f} M$/yr"
    return f"; opening it adds about {amount} (relaxation estimate)"


def best_cooling(run: RunData, climates: pd.Series, column: str) -> pd.Series:
    """Least ``column`` (pue, wue_l_per_kwh) of the scenario's coolings in each site's climate
    (NaN if unknown)."""
    from planner.catalogs.load import load_catalogs

    cc = load_catalogs().cooling_climate[column]
    allowed = (run.scenario.get("technologies") or {}).get("cooling") or list(
        cc.index.get_level_values(0).unique()
    )
    return climates.map(cc[cc.index.get_level_values(0).isin(allowed)].groupby(level=1).min())
