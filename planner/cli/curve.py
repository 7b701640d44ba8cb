"""``planner curve --model M``: the throughput-interactivity frontier of a served model.

Prints, in the units of ``--y`` (tokens/s per GPU, per MW of facility power, or the owner's USD per
million output tokens, :mod:`planner.results.curve_y`), one row per GPU at a few tokens/s per user
(the calibrated roofline swept over the TPOT target, :mod:`planner.chain.tokens.frontier`), under a
header stating the request shape, the TTFT and the expected error; then the model's MLPerf results
against the estimate at their own conditions; ``--out FILE.png`` plots the whole sweep with the
MLPerf points. Errors (unknown model, GPU, precision or ``--y``; a bad ``--scenario``; an ``--out``
that is not a writable new ``.png``) are one ``error:`` line with exit code 2.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from planner.cli.console import Col, console, err_console, fail, fitted_table
from planner.cli.progress import fit_notice
from planner.cli.shape_options import Isl, Osl, PrefixHit
from planner.cli.study_options import DEFAULT_SCENARIO_NAME
from planner.errors import InputError, PlannerError


def check_out(out: Path, overwrite: bool) -> None:
    """Raise InputError unless ``out`` is a ``.png`` path in a writable folder, and new (or
    ``overwrite``)."""
    if out.suffix.lower() != ".png":
        raise InputError(f"--out {out}: allowed a file name ending in .png")
    if out.is_dir():
        raise InputError(f"--out {out}: is a folder; give a .png file name")
    if (out.exists() or out.is_symlink()) and not overwrite:
        raise InputError(f"--out {out}: already exists; choose another name or add --overwrite")
    folder = out.parent
    if not folder.is_dir():
        raise InputError(f"--out {out}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        from planner.results.rundir import unwritable

        raise InputError(f"--out {out}: folder {folder} is {unwritable(folder)}")


def _num(v: Any) -> str:
    """A number to three significant figures or whole (thousands separated), or '-' where the GPU
    cannot serve that fast."""
    if v is None or v != v:
        return "-"
    return format(v, ",.0f" if abs(v) >= 100 else ".1f" if abs(v) >= 10 else ".2f" if abs(v) >= 1 else ".3f")


def _ordered(measured: Any, gpus: list[str]) -> Any:
    """The measured-vs-estimate rows in the GPU table's order, scenarios offline, server, interactive."""
    gpu_rank = {g: i for i, g in enumerate(gpus)}
    scen_rank = {"offline": 0, "server": 1, "interactive": 2}
    m = measured.assign(
        _g=measured["gpu_id"].map(gpu_rank).fillna(99), _s=measured["scenario"].map(scen_rank)
    )
    return m.sort_values(["_g", "_s"], kind="stable")


def print_curve(view: Any) -> None:
    """The frontier table in ``view``'s units (one row per GPU; the header states the request
    shape, TTFT and expected error), the economics behind the MW and cost units, and the MLPerf
    results against the estimate at their own conditions."""
    table, scale = view.table, view.axis.table_scale
    rates = [c for c in table.columns if isinstance(c, float)]
    cols = [Col("GPU", "id", 0), Col("prec", "id", 3)]
    cols += [Col(f"{u:g}/s {1e3 / u:g}ms", "num", 1 + i % 2) for i, u in enumerate(rates)]
    cols.append(Col("max /s", "num", 2))
    rows = [
        [
            str(g),
            str(r["precision"]),
            *(_num(r[u] / scale) for u in rates),
            _num(r["max_tokens_per_s_per_user"]),
        ]
        for g, r in table.iterrows()
    ]
    title = (
        f"{view.title()}\n{view.axis.table_unit or view.axis.unit} at tokens/s per user (TPOT ms); "
        "roofline estimate at the best topology, "
        f"{view.band.text()}"
    )
    console.print(fitted_table(title, cols, rows, hint=", or fewer --gpus"))
    if view.economics is not None:
        _print_economics(view.economics, view.axis.key)
    _print_measured(view)


def _print_economics(econ: Any, key: str) -> None:
    """Per GPU: cooling, PUE and facility power per serving GPU, with ``--y usd-per-mtok`` its
    owner's cost; and the basis."""
    cost = key == "usd-per-mtok"
    cols = [
        Col("GPU", "id", 0),
        Col("cooling", "id", 2),
        Col("PUE", "num", 2),
        Col("facility W/GPU", "num", 0),
    ]
    if cost:
        cols += [Col("GPU USD/yr", "num", 1), Col("power USD/yr", "num", 1), Col("USD/yr", "num", 0)]
    rows = [
        [str(g), str(r.cooling), f"{r.pue:.2f}", f"{r.facility_w:,.0f}"]
        + ([f"{r.gpu_usd_per_yr:,.0f}", f"{r.power_usd_per_yr:,.0f}", f"{r.usd_per_yr:,.0f}"] if cost else [])
        for g, r in econ.per_gpu.iterrows()
    ]
    console.print(fitted_table("Per serving GPU", cols, rows))
    console.print(econ.basis(key), soft_wrap=False)


def _print_measured(view: Any) -> None:
    """The MLPerf results (tokens/s per GPU) against the estimate at the same conditions."""
    from planner.results.curve_view import shape_text

    curve = view.curve
    if curve.measured.empty:
        console.print(f"no MLPerf results for {curve.model_id} at these GPUs and precisions")
        return
    cols = [Col("GPU", "id", 0), Col("scenario", "id", 0), Col("prec", "id", 3), Col("per user", "num", 2)]
    cols += [Col("measured", "num", 0), Col("estimate", "num", 0), Col("error", "num", 1), Col("n", "num", 4)]
    rows = [
        [
            str(r.gpu_id),
            str(r.scenario),
            str(r.precision),
            _num(r.tokens_per_s_per_user),
            _num(r.measured),
            _num(r.estimate),
            f"{r.error:+.0%}",
            str(r.results),
        ]  # fmt: skip
        for r in _ordered(curve.measured, list(curve.table.index)).itertuples()
    ]
    limits = "; ".join(
        f"{r.scenario} TTFT {r.ttft_ms:,.0f} ms, TPOT {r.tpot_ms:g} ms"
        for r in curve.measured.drop_duplicates("scenario").itertuples()
        if r.tpot_ms == r.tpot_ms and r.tpot_ms != float("inf")
    )
    title = (
        "MLPerf (latest version, median tokens/s per GPU) vs estimate at the same conditions: "
        f"{shape_text(curve.mlperf_shape) or 'the benchmark request'}" + (f"; {limits}" if limits else "")
    )
    console.print(fitted_table(title, cols, rows))


def register(app: typer.Typer) -> None:
    """Add the ``curve`` command to the planner CLI."""

    @app.command("curve")
    def curve(
        model: Annotated[str, typer.Option("--model", help="Served model id, e.g. llama-2-70b.")],
        gpus: Annotated[
            Optional[str],
            typer.Option(
                "--gpus", help="Comma-separated GPU ids (default: every GPU that can serve the model)."
            ),
        ] = None,
        precision: Annotated[
            Optional[str],
            typer.Option("--precision", help="fp4, fp8 or bf16 (default: each GPU's lowest native one)."),
        ] = None,
        out: Annotated[
            Optional[Path], typer.Option("--out", help="Write the chart to this new .png file.")
        ] = None,
        overwrite: Annotated[
            bool, typer.Option("--overwrite", help="Replace an existing --out file.")
        ] = False,
        y: Annotated[
            str,
            typer.Option(
                "--y",
                help="tokens-per-gpu, tokens-per-mw (per MW of facility power) or usd-per-mtok "
                "(owner's cost: GPU capital + power).",
            ),
        ] = "tokens-per-gpu",
        scenario: Annotated[
            Optional[Path],
            typer.Option(
                "--scenario",
                help="Planning scenario whose finance and prices apply to --y tokens-per-mw and "
                f"usd-per-mtok (default: {DEFAULT_SCENARIO_NAME}).",
            ),
        ] = None,
        isl: Isl = None,
        osl: Osl = None,
        prefix_hit: PrefixHit = None,
    ) -> None:
        """Tokens/s per GPU (or per MW, or owner's USD per million tokens) against tokens/s per user,
        with the error band and the MLPerf results overlaid."""
        try:
            from planner.catalogs.load import load_catalogs
            from planner.chain.tokens.frontier import throughput_curve
            from planner.results.curve_view import curve_view
            from planner.results.curve_y import y_axis

            gpu_ids = [g.strip() for g in gpus.split(",") if g.strip()] if gpus is not None else None
            if gpus is not None and not gpu_ids:
                raise InputError("--gpus: allowed a comma-separated list of GPU ids, e.g. H100,B200")
            y_axis(y)
            if out is not None:
                check_out(out, overwrite)
            from planner.chain.tokens.shape import ShapeOverride, check_shape

            check_shape(isl, osl, prefix_hit)
            catalogs = load_catalogs()
            plan = _scenario(scenario, catalogs, y)
            shape = ShapeOverride(isl, osl, prefix_hit)
            with fit_notice(err_console):
                result = curve_view(
                    throughput_curve(catalogs, model, gpu_ids, precision, shape), catalogs, y, plan
                )
            print_curve(result)
            missing = [g for g in gpu_ids or [] if g not in set(result.table.index)]
            if missing:
                console.print(f"cannot serve {model} at any swept target: {', '.join(missing)}")
            if out is not None:
                from planner.results.curve_plot import write_curve_png

                write_curve_png(result, out, overwrite)
                console.print(f"wrote {out}")
        except PlannerError as exc:
            raise fail(exc) from None


def _scenario(path: Path | None, catalogs: Any, y: str) -> Any:
    """The validated planning scenario at ``path`` (default: the default scenario's, loaded only
    where ``--y`` needs finance and prices)."""
    if path is None and y == "tokens-per-gpu":
        return None
    from planner.paths import DEFAULT_SCENARIO
    from planner.scenario.load import load_scenario

    return load_scenario(path or DEFAULT_SCENARIO, catalogs)
