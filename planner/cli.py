"""The ``planner`` command line (typer + rich).

Every error the planner knows about is printed as one ``error: ...`` message with its exit
code (2 invalid input, 3 infeasible, 4 no solution in the time limit); an unexpected
internal error is reported in one line too (set ``PLANNER_DEBUG=1`` for the traceback).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from planner.errors import InputError, PlannerError

app = typer.Typer(
    name="planner",
    help="AI factory siting planner: where to build, how to power and cool, which GPUs, to serve tokens/s at least cost or carbon.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(help="Browse the catalogs in data/ and models/.", no_args_is_help=True)
app.add_typer(data_app, name="data")
console = Console()
err_console = Console(stderr=True)

CATALOG_VIEWS = {
    "sites": ["name", "country", "grid_region", "climate_class", "electricity_price_usd_per_mwh", "grid_co2_g_per_kwh", "gas_price_usd_per_mmbtu", "pv_cf", "wind_cf", "water_stress", "campus_mw_max", "grid_mw_available"],
    "gpus": ["vendor", "dense_bf16_tflops", "dense_fp8_tflops", "dense_fp4_tflops", "hbm_gb", "hbm_tb_per_s", "tdp_w", "node_w_per_gpu", "block_gpus", "rack_kw", "price_usd_per_gpu", "liquid_required"],
    "cooling": ["liquid", "max_rack_kw", "capex_usd_per_kw_it", "fom_usd_per_kw_it_yr", "life_years"],
    "energy": ["kind", "capex_usd_per_kw", "capex_usd_per_kwh", "fom_usd_per_kw_yr", "vom_usd_per_mwh", "heat_rate_mmbtu_per_mwh", "life_years", "co2_direct_kg_per_mwh", "module_mw"],
    "models": ["architecture", "total_params_b", "active_params_b", "layers", "hidden_size", "attention_heads", "kv_heads", "head_dim", "default_precision", "typical_input_tokens", "typical_output_tokens"],
    "regions": ["name", "lat", "lon", "timezone"],
}


def fail(exc: PlannerError) -> typer.Exit:
    """Print a planner error as one message and return the Exit carrying its code."""
    err_console.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True, soft_wrap=True)
    return typer.Exit(exc.exit_code)


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    return str(value)


@data_app.command("list")
def data_list(kind: Annotated[str, typer.Argument(help="gpus | sites | cooling | energy | models | regions")]) -> None:
    """Print a catalog as a table (ids, key figures; see data/README.md for every column)."""
    from planner.catalogs import load_catalogs

    try:
        if kind not in CATALOG_VIEWS:
            raise InputError(f"data list: unknown catalog '{kind}'; allowed: {', '.join(CATALOG_VIEWS)}")
        cat = load_catalogs()
        frame = getattr(cat, kind)
    except PlannerError as exc:
        raise fail(exc) from None
    cols = [c for c in CATALOG_VIEWS[kind] if c in frame.columns]
    if kind == "cooling":  # which GPUs each cooling can host (liquid where required, rack kW within limit)
        from planner.catalogs import cooling_can_host

        frame = frame.assign(hosts_gpus=[", ".join(g for g in cat.gpus.index if cooling_can_host(cat, g, c)) for c in frame.index])
        cols.append("hosts_gpus")
    table = Table(title=f"{kind} ({len(frame)} rows)", show_lines=False)
    table.add_column(frame.index.name or "id", style="bold")
    for c in cols:
        table.add_column(c, overflow="fold")
    for idx, row in frame.iterrows():
        table.add_row(str(idx), *(_fmt(row[c]) for c in cols))
    console.print(table)


@app.command()
def solve(
    scenario: Annotated[Optional[Path], typer.Argument(help="Scenario YAML (default: scenarios/us_inference_2027.yaml)")] = None,
    objective: Annotated[Optional[str], typer.Option(help="cost | carbon (overrides the scenario)")] = None,
    out: Annotated[Optional[Path], typer.Option(help="Run directory to create (must not exist); default runs/<scenario>-<timestamp>")] = None,
    time_limit: Annotated[Optional[float], typer.Option("--time-limit", help="Solver time limit [s]")] = None,
    mip_gap: Annotated[Optional[float], typer.Option("--mip-gap", help="Relative MIP gap, e.g. 0.01")] = None,
    threads: Annotated[Optional[int], typer.Option("--threads", help="HiGHS threads")] = None,
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="Override a scenario field: path.to.field=value (repeatable)")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", help="Echo the HiGHS log")] = False,
    no_map: Annotated[bool, typer.Option("--no-map", help="Do not write map.geojson/gpkg/png/html")] = False,
) -> None:
    """Build and solve a scenario, print the plan, and write a run directory (with maps and capex.xlsx)."""
    from planner.api import solve as api_solve
    from planner.paths import DEFAULT_SCENARIO
    from planner.rundir import check_new, default_run_dir, staging, write_contents
    from planner.scenario_io import parse_overrides

    started = time.perf_counter()
    try:
        overrides = parse_overrides(set_ or [])
        if verbose:
            overrides["solver.verbose"] = True
        if threads is not None:
            overrides["solver.threads"] = threads
        if objective is not None and objective not in ("cost", "carbon"):
            raise InputError(f"--objective '{objective}': allowed values are cost, carbon")
        if out is not None:
            check_new(out)
        path = scenario or DEFAULT_SCENARIO
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err_console, transient=True, disable=verbose) as progress:
            task = progress.add_task(f"loading {path}", total=None)

            def on_incumbent(obj: float, bound: float, gap: float) -> None:
                progress.update(task, description=f"solving: incumbent {obj:,.4g}, bound {bound:,.4g}, gap {gap:.2%}")

            def on_stage(text: str) -> None:
                progress.update(task, description=text)

            from planner.catalogs import load_catalogs

            catalogs = load_catalogs()
            run_dir = out
            if run_dir is None:
                from planner.scenario_io import load_scenario

                run_dir = default_run_dir(load_scenario(path, catalogs, overrides=overrides).name)
            with staging(run_dir) as tmp:
                result = api_solve(
                    path, objective=objective, time_limit_s=time_limit, mip_gap=mip_gap, overrides=overrides,
                    log_path=tmp / "solver.log", progress=on_incumbent, stage=on_stage, catalogs=catalogs,
                )
                progress.update(task, description="writing run directory")
                write_contents(result, tmp)
                from planner.export import export_capex

                progress.update(task, description="writing capex.xlsx")
                export_capex(tmp, "xlsx")
                if not no_map:
                    from planner.maps import SOLVE_FORMATS, write_maps

                    progress.update(task, description="writing maps")
                    write_maps(tmp, SOLVE_FORMATS)
    except PlannerError as exc:
        raise fail(exc) from None
    print_summary(result.summary, result.tables)
    console.print(f"run directory: [bold]{run_dir}[/]  ({time.perf_counter() - started:.1f} s)")


def print_summary(summary: dict, tables: dict) -> None:
    """Rich tables: chosen sites, GPUs, energy mix and the tokenomics."""
    sites = tables["sites"]
    chosen = sites[sites["open"]]
    t = Table(title="Sites chosen")
    for col in ("site", "cooling", "IT MW", "facility MW", "GPUs", "Mtok/s", "$/Mtok", "J/token"):
        t.add_column(col, justify="left" if col in ("site", "cooling") else "right", no_wrap=col in ("site", "cooling"))
    for r in chosen.itertuples():
        t.add_row(r.site_id, r.cooling_id, f"{r.it_mw:,.1f}", f"{r.facility_peak_mw:,.1f}", f"{r.gpus:,.0f}", f"{r.tokens_per_s / 1e6:,.2f}", f"{r.cost_usd_per_mtok:,.3f}", f"{r.facility_joules_per_token:,.3f}")
    console.print(t)
    g = Table(title="GPUs")
    g.add_column("GPU")
    g.add_column("count", justify="right")
    for gpu, n in summary["gpus"].items():
        g.add_row(gpu, f"{n:,}")
    e = Table(title="Energy mix (share of supply)")
    e.add_column("technology")
    e.add_column("share", justify="right")
    for tech, share in sorted(summary["energy_mix_share"].items(), key=lambda kv: -kv[1]):
        e.add_row(tech, f"{share:.1%}")
    console.print(g, e)
    gap = "n/a" if summary["mip_gap"] is None else f"{summary['mip_gap']:.2%}"
    h = Table(title=f"Plan ({summary['status']}, objective {summary['objective']}, gap {gap})")
    h.add_column("metric")
    h.add_column("value", justify="right")
    rows = [
        ("demand served", f"{summary['served_tokens_per_s'] / 1e6:,.2f} M tokens/s"),
        ("cost", f"{summary['cost_usd_per_mtok']:,.3f} $/Mtok"),
        ("annualised cost", f"{summary['annualized_cost_usd'] / 1e6:,.1f} M$/yr"),
        ("capex", f"{summary['capex_usd'] / 1e9:,.2f} B$"),
        ("energy", f"{summary['facility_joules_per_token']:,.3f} J/token (facility)"),
        ("carbon", f"{summary['gco2e_per_mtok']:,.1f} gCO2e/Mtok"),
        ("water", f"{summary['water_l_per_mtok']:,.3f} L/Mtok"),
        ("IT / facility", f"{summary['it_mw']:,.1f} / {summary['facility_mw']:,.1f} MW"),
    ]
    for k, v in rows:
        h.add_row(k, v)
    console.print(h)


PLUGINS = ("cli_validate", "cli_pipeline", "cli_map", "cli_export", "cli_pareto", "cli_sweep")
"""Modules that each add commands through ``register(app)``."""


def _register_plugins() -> None:
    """Commands that live in their own modules (a module not yet written is skipped)."""
    import importlib
    import importlib.util

    for name in PLUGINS:
        if importlib.util.find_spec(f"planner.{name}") is not None:
            importlib.import_module(f"planner.{name}").register(app)


_register_plugins()


def main() -> None:
    """Console-script entry point: no traceback ever reaches the user unless PLANNER_DEBUG is set."""
    try:
        app()
    except PlannerError as exc:  # raised outside a command's own handler
        err_console.print(f"error: {exc}", highlight=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - last line of defence: one line, not a traceback
        if os.environ.get("PLANNER_DEBUG"):
            raise
        err_console.print(f"internal error: {type(exc).__name__}: {exc} (set PLANNER_DEBUG=1 for the traceback)", highlight=False)
        sys.exit(1)
