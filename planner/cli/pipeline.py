"""``planner pipeline``: the physics chain of one GPU x model x cooling x site, every stage with its unit."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer
from rich.table import Table

from planner.cli.console import console, err_console, fail
from planner.cli.progress import fit_notice
from planner.cli.shape_options import Isl, Osl, PrefixHit
from planner.errors import InputError, PlannerError


def _fmt(value: float | None) -> str:
    if value is None:
        return "n/a"
    if value == 0 or 1e-3 <= abs(value) < 1e6:
        return f"{value:,.4g}"
    return f"{value:.4e}"


DEPRECATED_SCENARIO = (
    "note: pipeline --scenario is deprecated and will be removed: use --mlperf-scenario "
    "(elsewhere SCENARIO means a planning scenario file)"
)


def _mlperf_scenario(new: str | None, old: str | None) -> str | None:
    """``--mlperf-scenario``, or the deprecated ``--scenario`` spelling (a note on stderr); both
    given with different values is an error."""
    if old is None:
        return new
    typer.echo(DEPRECATED_SCENARIO, err=True)
    if new is not None and new != old:
        raise InputError(f"--scenario {old} and --mlperf-scenario {new}: give one (--mlperf-scenario)")
    return old


def register(app: typer.Typer) -> None:
    """Add the ``pipeline`` command to the planner CLI."""

    @app.command("pipeline")
    def pipeline(
        gpu: Annotated[str, typer.Option("--gpu", help="GPU id, e.g. B200 (planner data list gpus).")],
        model: Annotated[str, typer.Option("--model", help="Served model id, e.g. llama-3.1-70b.")],
        cooling: Annotated[
            Optional[str],
            typer.Option(
                "--cooling",
                help="Cooling id (air, rdhx, dlc, immersion_1ph, ...); default: the first in "
                "data/cooling.csv that can host the GPU (liquid where required, rack kW within "
                "its limit), e.g. air for H100, rdhx for B200, dlc for GB200.",
            ),
        ] = None,
        site: Annotated[
            Optional[str],
            typer.Option("--site", help="Site id for climate, grid carbon and temperature (default: none)."),
        ] = None,
        estimate: Annotated[
            bool, typer.Option("--estimate", help="Use the calibrated roofline estimate, not MLPerf results.")
        ] = False,
        precision: Annotated[
            Optional[str],
            typer.Option(
                "--precision",
                help="fp4, fp8 or bf16; default the lowest the GPU runs natively that the model card allows.",
            ),
        ] = None,
        scenario: Annotated[
            Optional[str],
            typer.Option(
                "--mlperf-scenario",
                help="offline, server or interactive: that MLPerf scenario's latency limits.",
            ),
        ] = None,
        old_scenario: Annotated[
            Optional[str], typer.Option("--scenario", hidden=True, help="Deprecated: --mlperf-scenario.")
        ] = None,
        tpot_ms: Annotated[
            Optional[float], typer.Option("--tpot-ms", help="p99 time per output token target [ms].")
        ] = None,
        ttft_ms: Annotated[
            Optional[float], typer.Option("--ttft-ms", help="p99 time to first token target [ms].")
        ] = None,
        isl: Isl = None,
        osl: Osl = None,
        prefix_hit: PrefixHit = None,
        topologies: Annotated[
            Optional[str],
            typer.Option(
                "--topologies",
                help="Comma-separated menu of single_node, ep_domain, ep_multinode, disaggregated, mtp "
                "(default: all for a target, single_node with --mlperf-scenario).",
            ),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    ) -> None:
        """Photons/CH4 -> W facility -> W IT -> FLOP/s -> tokens/s for one configuration."""
        try:
            from planner.commands import pipeline as run_pipeline

            scenario = _mlperf_scenario(scenario, old_scenario)
            with fit_notice(err_console):
                report = run_pipeline(
                    gpu,
                    model,
                    cooling=cooling,
                    site=site,
                    estimate=estimate,
                    precision=precision,
                    mlperf_scenario=scenario,
                    ttft_ms=ttft_ms,
                    tpot_ms=tpot_ms,
                    isl=isl,
                    osl=osl,
                    prefix_hit=prefix_hit,
                    topologies=topologies,
                )
        except PlannerError as exc:
            raise fail(exc) from None
        if as_json:
            typer.echo(json.dumps(report.to_dict()))
            return
        d = report.to_dict()
        table = Table(
            title=f"{d['gpu']} x {d['model']}, cooling {d['cooling']}, "
            f"site {d['site'] or '(none: ' + d['climate'] + ')'}"
        )
        table.add_column("stage")
        table.add_column("value", justify="right")
        table.add_column("unit")
        for row in d["stages"]:
            table.add_row(row["stage"], _fmt(row["value"]), row["unit"])
        out = console
        out.print(table)
        out.print(f"tokens/s source: {d['source']} ({d['note']})", highlight=False, markup=False)
        out.print(
            f"precision {d['precision']}; latency {d['latency_target']} ({d['scenario']}); "
            f"replica {d['replica_gpus']} GPUs, batch {_fmt(d['batch'])}; "
            f"{_fmt(d['tokens_per_s_per_user'])} tokens/s per user; TTFT {_fmt(d['prefill_ms'])} ms "
            "without queueing",
            highlight=False,
            markup=False,
        )
        prefill = (
            f"; prefill pool {d['prefill_topology']} x{d['prefill_replica_gpus']}, "
            f"{d['prefill_gpu_share']:.0%} of the GPUs"
            if d["prefill_topology"]
            else ""
        )
        out.print(
            f"request: ISL {_fmt(d['isl'])} / OSL {_fmt(d['osl'])} tokens, prefix hit "
            f"{_fmt(d['prefix_hit'])}; topology {d['topology']}{prefill}",
            highlight=False,
            markup=False,
        )
        out.print(
            f"carbon: {d['grid_carbon_basis']}, {d['grid_g_co2_per_kwh']:g} gCO2/kWh; "
            f"CH4: {d['ch4_basis']}; PV: {d['pv_basis']}; Landauer: "
            f"{d['bits_erased_per_flop']:g} bit erased per FLOP; spares: {d['spare_share']:.0%} of serving "
            "GPUs idle (fleet.spare_share default)",
            highlight=False,
            markup=False,
        )
