"""The plan as ``planner solve`` prints it (sites, GPUs, per-model accounts, energy mix, headline
numbers, time to power, site loss), from ``summary.json`` and the result tables; shared by
``planner solve`` and ``planner show`` (which feeds it from a run directory)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from planner.cli.console import Col, console, fitted_table, metric_table
from planner.cli.plan_accounts import loss_table, model_table
from planner.cli.plan_resilience import print_resilience


def print_summary(summary: dict, tables: dict) -> None:
    """Tables of the chosen sites, GPUs, energy mix and the tokenomics; ids and numbers never cut
    (at a narrow width the least important site columns are left out and named)."""
    chosen = tables["sites"][tables["sites"]["open"]]
    cols = [
        Col("site", "id", 0),
        Col("cooling", "id", 5),
        Col("IT MW", "num", 2),
        Col("facility MW", "num", 6),
        Col("GPUs", "num", 1),
        Col("Mtok/s", "num", 1),
        Col("$/Mtok", "num", 3),
        Col("J/token", "num", 4),
    ]
    rows = [
        [
            str(r.site_id),
            str(r.cooling_id),
            f"{r.it_mw:,.1f}",
            f"{r.facility_peak_mw:,.1f}",
            f"{r.gpus:,.0f}",
            f"{r.tokens_per_s / 1e6:,.2f}",
            f"{r.cost_usd_per_mtok:,.3f}",
            f"{r.facility_joules_per_token:,.3f}",
        ]
        for r in chosen.itertuples()
    ]
    console.print(fitted_table("Sites chosen", cols, rows))
    console.print(gpu_table(summary))
    off = summary.get("gpus_off_sale") or {}
    if off:
        console.print(Text(f"not on sale when bought (gpus.csv end_of_sale_year): {'; '.join(off.values())}"))
    if "models" in tables:
        console.print(model_table(tables["models"]))
    mix = sorted(summary["energy_mix_share"].items(), key=lambda kv: -kv[1])
    console.print(
        fitted_table(
            "Energy mix (share of supply)",
            [Col("technology", "id", 0), Col("share", "num", 0)],
            [[str(tech), f"{share:.1%}"] for tech, share in mix],
        )
    )
    gap = "n/a" if summary["mip_gap"] is None else f"{summary['mip_gap']:.2%}"
    rows = [
        ("demand served", f"{summary['served_tokens_per_s'] / 1e6:,.2f}", "M tokens/s"),
        ("cost", f"{summary['cost_usd_per_mtok']:,.3f}", "$/Mtok"),
        ("annualised cost", f"{summary['annualized_cost_usd'] / 1e6:,.1f}", "M$/yr"),
        ("capex", f"{summary['capex_usd'] / 1e9:,.2f}", "B$"),
        ("energy", f"{summary['facility_joules_per_token']:,.3f}", "J/token (facility)"),
        ("carbon", f"{summary['gco2e_per_mtok']:,.1f}", "gCO2e/Mtok"),
        ("water", f"{summary['water_l_per_mtok']:,.3f}", "L/Mtok"),
        ("IT", f"{summary['it_mw']:,.1f}", "MW"),
        ("facility", f"{summary['facility_mw']:,.1f}", "MW"),
    ]
    title = f"Plan ({summary['status']}, objective {summary['objective']}, gap {gap})"
    console.print(metric_table(title, rows))
    if summary.get("energy_mix_basis", "").startswith("annual-average"):
        console.print(Text(f"energy mix: {summary['energy_mix_basis']}", style="yellow"))
    print_time_to_power(summary)
    print_resilience(summary)
    if len(tables.get("site_loss", ())):
        console.print(loss_table(tables["site_loss"]))


def gpu_table(summary: dict) -> Table:
    """GPUs installed by type, and the GPUs the plan needs at the median and at the conservative
    tokens/s per GPU (``summary.json`` ``gpus_by_basis``; the basis the fleet was sized on is marked *)."""
    by = summary.get("gpus_by_basis") or {}
    sized = summary.get("throughput_basis", "median")
    q = summary.get("conservative_quantile", 0.8)
    heads = {"median": "median", "conservative": f"p{q * 100:.0f}"}
    status = summary.get("gpu_status") or {}
    cols = [Col("GPU", "id", 0), Col("status", "id", 1), Col("installed", "num", 0)] + [
        Col(heads[b] + ("*" if b == sized else ""), "num", 1) for b in by
    ]
    rows = [
        [str(gpu), _status_cell(status.get(gpu, "")), f"{n:,}"] + [f"{by[b].get(gpu, 0):,}" for b in by]
        for gpu, n in summary["gpus"].items()
    ]
    if len(rows) > 1:
        total = [f"{sum(summary['gpus'].values()):,}"] + [f"{sum(by[b].values()):,}" for b in by]
        rows.append(["total", "", *total])
    title = f"GPUs: installed, and needed at median / p{q * 100:.0f} tokens/s (* = sized on)"
    if any(v == "announced" for v in status.values()):
        title += "; *announced: vendor-claimed specs, roofline estimate"
    return fitted_table(title, cols, rows)


def _status_cell(status: str) -> str:
    """``*announced`` for a GPU known only from its vendor's announcement, else the status."""
    return "*announced" if status == "announced" else status


def print_time_to_power(summary: dict) -> None:
    """Print :func:`time_to_power_table` (nothing without open sites)."""
    table = time_to_power_table(summary)
    if table is not None:
        console.print(table)


def time_to_power_table(summary: dict, width: int | None = None) -> Table | None:
    """Per open site: in-service year, online year, what bounds it, bridge MW and what it bridges,
    MW kept after, backup MW, redundancy and the largest contingency MW and what it is
    (``summary.json`` ``sites_in_service``); numbers and words in columns of their own."""
    rows = summary.get("sites_in_service") or {}
    if not rows:
        return None
    start, online = summary.get("start_year"), summary.get("online_year")
    title = f"Time to power (construction from {start}" + (f", online by {online})" if online else ")")
    cols = [
        Col("site", "id", 0),
        Col("in service", "num", 0),
        Col("online by", "num", 5),
        Col("bound by", "text", 1),
        Col("bridge MW", "num", 3),
        Col("bridge for", "id", 5),
        Col("kept MW", "num", 7),
        Col("backup MW", "num", 3),
        Col("redundancy", "id", 4),
        Col("largest loss MW", "num", 2),
        Col("largest loss", "id", 6),
    ]
    table = [
        [
            str(s),
            str(r["in_service_year"]),
            str(r.get("online_year") or ""),
            str(r["in_service_bound"]),
            f"{float(r.get('bridge_mw') or 0.0):,.0f}",
            str(r.get("bridge_for") or "") if float(r.get("bridge_mw") or 0.0) > 0 else "",
            _kept(r),
            f"{r['backup_mw']:,.0f}",
            str(r["power_redundancy"]),
            f"{r['largest_contingency_mw']:,.0f}",
            str(r["largest_contingency"]),
        ]
        for s, r in rows.items()
    ]
    return fitted_table(title, cols, table, width)


def _kept(row: dict) -> str:
    """Bridge MW kept after the late assets arrive ('' when none)."""
    kept = float(row.get("bridge_kept_mw") or 0.0)
    return f"{kept:,.0f}" if kept > 0 else ""
