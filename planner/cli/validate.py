"""``planner validate SCENARIO``: schema and catalog checks only, with clear messages.

On success a short summary is printed and the exit code is 0; on any
:class:`~planner.errors.PlannerError` (scenario or catalog) the message goes to stderr as
``error: <message>`` and the exit code is the error's (2 for input errors).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from planner.cli.console import say_error
from planner.cli.study_options import ScenarioArg
from planner.errors import PlannerError
from planner.paths import DEFAULT_SCENARIO

if TYPE_CHECKING:  # pragma: no cover
    from planner.catalogs.load import Catalogs
    from planner.scenario.schema import Scenario


def register(app: typer.Typer) -> None:
    """Add the ``validate`` command to ``app``."""

    @app.command("validate")
    def validate(
        scenario: ScenarioArg = None,
        set_: Annotated[
            Optional[list[str]],
            typer.Option("--set", help="Override a field, e.g. --set prices.gas_price_scale=2 (repeatable)."),
        ] = None,
        objective: Annotated[
            Optional[str], typer.Option("--objective", help="Override the objective: cost or carbon.")
        ] = None,
    ) -> None:
        """Check a scenario against the schema and the catalogs, without solving."""
        code = run_validate(scenario or DEFAULT_SCENARIO, set_ or [], objective)
        raise typer.Exit(code)


def run_validate(
    scenario_path: Path | str, sets: list[str] | None = None, objective: str | None = None
) -> int:
    """Load and check ``scenario_path``; print a summary or ``error: ...``; return the exit code."""
    from planner.scenario.load import load_scenario, parse_overrides, selected_sites

    try:
        from planner.catalogs.load import load_catalogs

        overrides = parse_overrides(sets or [])
        if objective is not None:
            overrides["objective"] = objective
        catalogs = load_catalogs()
        scenario = load_scenario(scenario_path, catalogs, overrides=overrides)
        sites = selected_sites(scenario, catalogs)
    except PlannerError as exc:
        say_error("error:", str(exc))
        return exc.exit_code
    print_summary(scenario, catalogs, sites, str(scenario_path))
    return 0


def print_summary(scenario: Scenario, catalogs: Catalogs, sites: list[str], source: str) -> None:
    """Short rich summary of a valid scenario."""
    console = Console(markup=False, emoji=False, highlight=False)  # names and paths printed literally
    d = scenario.demand
    total = sum(s.tokens_per_s for s in d.served) * d.scale
    tech = scenario.technologies

    def menu(items: list[str] | None, catalog_size: int) -> str:
        return f"all {catalog_size}" if items is None else f"{len(items)}: {', '.join(items)}"

    table = Table(title=f"{source}: valid", show_header=False, title_justify="left")
    table.add_column("field", style="bold")
    table.add_column("value")
    table.add_row("name", scenario.name)
    table.add_row(
        "objective",
        scenario.objective
        + (
            f" (carbon price {scenario.carbon_price_usd_per_t:g} USD/t)"
            if scenario.carbon_price_usd_per_t
            else ""
        ),
    )
    regions = sorted({s.region for s in d.served})
    models = sorted({s.model for s in d.served})
    table.add_row(
        "demand",
        (
            f"{len(d.served)} streams, {total / 1e6:,.2f} M tokens/s"
            f"{f' (x{d.scale:g} scale)' if d.scale != 1 else ''}; peak/avg {d.peak_to_average:g}"
        ),
    )
    table.add_row("regions", ", ".join(regions))
    table.add_row("models", ", ".join(models))
    shown = ", ".join(sites[:6]) + (", ..." if len(sites) > 6 else "")
    candidates = len(catalogs.sites) + len(scenario.sites.add)
    table.add_row("sites", f"{len(sites)} of {candidates} selected: {shown}")
    table.add_row("energy", menu(tech.energy, len(catalogs.energy)))
    table.add_row("GPUs", menu(tech.gpus, len(catalogs.gpus)))
    table.add_row("cooling", menu(tech.cooling, len(catalogs.cooling)))
    p = scenario.policy
    policy = [f"min_sites {p.min_sites}", f"max_share_per_site {p.max_share_per_site:g}"]
    if p.max_share_basis != "tokens":
        policy[-1] += f" of {p.max_share_basis}"
    if p.site_loss_coverage is not None:
        policy.append(
            f"site_loss_coverage {p.site_loss_coverage:g} (latency x {p.site_loss_latency_factor:g})"
        )
    if p.max_sites is not None:
        policy.append(f"max_sites {p.max_sites}")
    if p.clean_energy_share is not None:
        policy.append(f"clean_energy_share {p.clean_energy_share:g}")
    if p.hourly_cfe_share is not None:
        policy.append(f"hourly_cfe_share {p.hourly_cfe_share:g} (24/7, hour by hour)")
    if p.carbon_cap_t_per_yr is not None:
        policy.append(f"carbon cap {p.carbon_cap_t_per_yr:,.0f} t/yr")
    table.add_row("policy", ", ".join(policy))
    t = scenario.time
    table.add_row(
        "time", t.mode + (f" ({t.days} representative days)" if t.mode == "representative_days" else "")
    )
    table.add_row(
        "solver", f"time limit {scenario.solver.time_limit_s:g} s, MIP gap {scenario.solver.mip_gap:g}"
    )
    console.print(table)
