"""Printed per-model accounts and site-loss shares of a plan (``tables/models.csv``,
``tables/site_loss.csv``), for ``planner solve`` and any command that prints a plan."""

from __future__ import annotations

import pandas as pd
from rich.table import Table

from planner.cli.console import Col, fitted_table, fmt_num


def model_table(models: pd.DataFrame) -> Table:
    """One row per served model: tokens/s, GPUs, IT MW, annualised cost, $/Mtok, J/token,
    gCO2e/Mtok, and a total row (the plan's figures)."""
    cols = [
        Col("model", "id", 0),
        Col("Mtok/s", "num", 1),
        Col("GPUs", "num", 1),
        Col("IT MW", "num", 5),
        Col("M$/yr", "num", 2),
        Col("$/Mtok", "num", 0),
        Col("J/token", "num", 3),
        Col("gCO2e/Mtok", "num", 4),
    ]

    def cells(name: str, r: pd.Series) -> list[str]:
        return [
            name,
            f"{r['tokens_per_s'] / 1e6:,.2f}",
            f"{r['gpus']:,.0f}",
            f"{r['it_mw']:,.1f}",
            f"{r['annualized_cost_usd'] / 1e6:,.1f}",
            fmt_num(r["cost_usd_per_mtok"], ",.3f"),
            fmt_num(r["facility_joules_per_token"], ",.3f"),
            fmt_num(r["gco2e_per_mtok"], ",.1f"),
        ]

    rows = [cells(str(r["model_id"]), r) for _, r in models.iterrows()]
    if len(models) > 1:
        total = models[["tokens_per_s", "gpus", "it_mw", "annualized_cost_usd", "facility_avg_mw"]].sum()
        mtok = total["tokens_per_s"] * 8760 * 3600 / 1e6
        emissions = models["emissions_t_per_yr"].sum()
        total["cost_usd_per_mtok"] = total["annualized_cost_usd"] / mtok if mtok else None
        total["facility_joules_per_token"] = (
            total["facility_avg_mw"] * 1e6 / total["tokens_per_s"] if mtok else None
        )
        total["gco2e_per_mtok"] = emissions * 1e6 / mtok if mtok else None
        rows.append(cells("total", total))
    title = "Per model (cost: GPUs by allocation, energy by use, site by IT share)"
    return fitted_table(title, cols, rows)


def loss_table(loss: pd.DataFrame) -> Table:
    """Per open site lost and served model: the share of the model's peak tokens/s the other
    open sites carry with their installed GPUs, for the model alone and for every model at once."""
    cols = [
        Col("site lost", "id", 0),
        Col("model", "id", 0),
        Col("peak Mtok/s", "num", 2),
        Col("alone", "num", 0),
        Col("all models", "num", 0),
    ]
    rows = []
    for _, r in loss.iterrows():
        rows.append(
            [
                str(r["lost_site_id"]),
                str(r["model_id"]),
                f"{r['peak_tokens_per_s'] / 1e6:,.2f}",
                fmt_num(r["share_alone"], ".0%"),
                fmt_num(r["share_together"], ".0%"),
            ]
        )
    required = loss["coverage_required"].dropna()
    need = f" (required {required.iloc[0]:.0%})" if len(required) else ""
    title = f"Losing one campus: share of each model's peak the others carry{need}"
    return fitted_table(title, cols, rows)
