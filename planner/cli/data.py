"""``planner data list KIND``: browse the catalogs in data/ and models/."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from planner.cli.console import Col, console, fail, fitted_table
from planner.errors import InputError, PlannerError
from planner.results.cells import inert_frame

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
        "status",
        "first_delivery_year",
        "end_of_sale_year",
        "vendor",
        "price_usd_per_gpu",
        "liquid_required",
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


KEY_COLUMNS = {
    "sites": [
        "electricity_price_usd_per_mwh",
        "grid_co2_g_per_kwh",
        "grid_mw_available",
        "campus_mw_max",
        "pv_cf",
        "wind_cf",
        "gas_price_usd_per_mmbtu",
        "water_stress",
        "grid_region",
    ],
    "gpus": [
        "status",
        "first_delivery_year",
        "end_of_sale_year",
        "price_usd_per_gpu",
        "dense_fp8_tflops",
        "dense_fp4_tflops",
        "hbm_gb",
        "hbm_tb_per_s",
        "tdp_w",
    ],
    "cooling": ["max_rack_kw", "capex_usd_per_kw_it", "liquid"],
    "energy": ["capex_usd_per_kw", "capex_usd_per_kwh", "fom_usd_per_kw_yr", "vom_usd_per_mwh", "kind"],
    "models": ["total_params_b", "active_params_b", "layers", "default_precision"],
    "regions": ["lat", "lon", "name"],
}
"""Per catalog, the columns a narrow table keeps first (most important first); the others of
:data:`CATALOG_VIEWS` follow in their order, and the widest tables leave out the rest (named)."""


def _rank(kind: str, column: str) -> int:
    """Importance of ``column`` in ``kind``'s table: 1 for the first key column, larger is left out
    sooner (0 is the id, always shown)."""
    key, view = KEY_COLUMNS.get(kind, []), CATALOG_VIEWS[kind]
    if column in key:
        return 1 + key.index(column)
    return 1 + len(key) + (view.index(column) if column in view else len(view))


TEXT_COLUMNS = {"name", "hosts_gpus", "architecture", "vendor", "grid_region", "timezone"}
"""Columns shown as wrapping text; every other column is an id or a number and is never cut."""
FORMATS = ("table", "csv", "json")


def _fmt(value: object) -> str:
    """A catalog value as table text: numbers with thousands separators, missing as ''."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    return str(value)


def _numeric(column: pd.Series) -> bool:
    """True for a column of numbers (right-aligned); booleans and labels are left-aligned."""
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def register(app: typer.Typer) -> None:
    """Add the ``data`` command group (``data list``, ``data init``) to the planner CLI."""
    data_app = typer.Typer(
        help="Browse the catalogs in data/ and models/, or copy them to edit.", no_args_is_help=True
    )
    app.add_typer(data_app, name="data")
    data_app.command("list")(data_list)
    data_app.command("init")(data_init)


def data_init(
    directory: Annotated[Path, typer.Argument(help="New (or empty) folder for your own copy.")],
) -> None:
    """Copy the shipped data/, models/ and scenarios/ into DIRECTORY, to edit and use with PLANNER_HOME."""
    from planner.catalogs.home import home_hint
    from planner.commands import data_init as copy_tree

    try:
        target = copy_tree(directory)
    except PlannerError as exc:
        raise fail(exc) from None
    # plain text, never wrapped: the export line is copied into a shell
    typer.echo(f"copied data/, models/ and scenarios/ into {target}\n{home_hint(target)}")


def data_list(
    kind: Annotated[str, typer.Argument(help="gpus | sites | cooling | energy | models | regions")],
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="table (key columns; ids and numbers never cut, less important columns left out "
            "when the terminal is narrow) | csv | json (every column)",
        ),
    ] = "table",
) -> None:
    """Print a catalog as a table, CSV or JSON (see data/README.md for every column)."""
    from planner.catalogs.load import load_catalogs

    try:
        if kind not in CATALOG_VIEWS:
            raise InputError(f"data list: unknown catalog '{kind}'; allowed: {', '.join(CATALOG_VIEWS)}")
        if fmt not in FORMATS:
            raise InputError(f"data list --format '{fmt}': allowed values are {', '.join(FORMATS)}")
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
    id_name = frame.index.name or "id"
    if fmt != "table":
        full = frame.reset_index().rename(columns={"index": id_name})
        if fmt == "csv":
            sys.stdout.write(inert_frame(full).to_csv(index=False))
        else:
            sys.stdout.write(json.dumps(json.loads(full.to_json(orient="records")), indent=1) + "\n")
        return
    spec = [Col(id_name, "id", 0)] + [
        Col(c, "text" if c in TEXT_COLUMNS else "num" if _numeric(frame[c]) else "id", _rank(kind, c))
        for c in cols
    ]
    rows = [[str(idx), *(_fmt(row[c]) for c in cols)] for idx, row in frame.iterrows()]
    console.print(fitted_table(f"{kind} ({len(frame)} rows)", spec, rows, hint=" or --format csv"))
