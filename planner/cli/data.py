"""``planner data list KIND``: browse the catalogs in data/ and models/."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from planner.cli.console import console, fail
from planner.errors import InputError, PlannerError

CATALOG_VIEWS = {
    "sites": [
        "name",
        "country",
        "grid_region",
        "climate_class",
        "electricity_price_usd_per_mwh",
        "grid_co2_g_per_kwh",
        "gas_price_usd_per_mmbtu",
        "pv_cf",
        "wind_cf",
        "water_stress",
        "campus_mw_max",
        "grid_mw_available",
    ],
    "gpus": [
        "vendor",
        "dense_bf16_tflops",
        "dense_fp8_tflops",
        "dense_fp4_tflops",
        "hbm_gb",
        "hbm_tb_per_s",
        "tdp_w",
        "node_w_per_gpu",
        "network_w_per_gpu",
        "block_gpus",
        "rack_kw",
        "price_usd_per_gpu",
        "liquid_required",
        "cooling_supported",
    ],
    "cooling": ["liquid", "max_rack_kw", "capex_usd_per_kw_it", "fom_usd_per_kw_it_yr", "life_years"],
    "energy": [
        "kind",
        "capex_usd_per_kw",
        "capex_atb_usd_per_kw",
        "capex_usd_per_kwh",
        "fom_usd_per_kw_yr",
        "vom_usd_per_mwh",
        "heat_rate_mmbtu_per_mwh",
        "life_years",
        "co2_direct_kg_per_mwh",
        "module_mw",
    ],
    "models": [
        "architecture",
        "total_params_b",
        "active_params_b",
        "layers",
        "hidden_size",
        "attention_heads",
        "kv_heads",
        "head_dim",
        "default_precision",
        "typical_input_tokens",
        "typical_output_tokens",
    ],
    "regions": ["name", "lat", "lon", "timezone"],
}


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    return str(value)


def register(app: typer.Typer) -> None:
    """Add the ``data`` command group (``data list``) to the planner CLI."""
    data_app = typer.Typer(help="Browse the catalogs in data/ and models/.", no_args_is_help=True)
    app.add_typer(data_app, name="data")
    data_app.command("list")(data_list)


def data_list(
    kind: Annotated[str, typer.Argument(help="gpus | sites | cooling | energy | models | regions")],
) -> None:
    """Print a catalog as a table (ids, key figures; see data/README.md for every column)."""
    from planner.catalogs.load import load_catalogs

    try:
        if kind not in CATALOG_VIEWS:
            raise InputError(f"data list: unknown catalog '{kind}'; allowed: {', '.join(CATALOG_VIEWS)}")
        cat = load_catalogs()
        frame = getattr(cat, kind)
    except PlannerError as exc:
        raise fail(exc) from None
    cols = [c for c in CATALOG_VIEWS[kind] if c in frame.columns]
    if kind == "cooling":  # GPUs each cooling can host (vendor-supported, liquid if required, rack kW fits)
        from planner.catalogs.load import cooling_can_host

        frame = frame.assign(
            hosts_gpus=[
                ", ".join(g for g in cat.gpus.index if cooling_can_host(cat, g, c)) for c in frame.index
            ]
        )
        cols.append("hosts_gpus")
    table = Table(title=f"{kind} ({len(frame)} rows)", show_lines=False)
    table.add_column(frame.index.name or "id", style="bold")
    for c in cols:
        table.add_column(c, overflow="fold")
    for idx, row in frame.iterrows():
        table.add_row(str(idx), *(_fmt(row[c]) for c in cols))
    console.print(table)
