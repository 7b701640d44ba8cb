"""``planner curve --model M``: the throughput-interactivity frontier of a served model.

Prints tokens/s per GPU at a few tokens/s per user for each GPU (the calibrated roofline swept over
the TPOT target, :mod:`planner.chain.tokens.frontier`), then the model's MLPerf results against the
estimate at the same limits; ``--out FILE.png`` plots the whole sweep with the MLPerf points.
Errors (unknown model, GPU or precision; an ``--out`` that is not a writable new ``.png``) are one
``error:`` line with exit code 2.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from planner.cli.console import Col, console, fail, fitted_table
from planner.cli.shape_options import Isl, Osl, PrefixHit
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
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"--out {out}: folder {folder} does not exist or is not writable")


def _num(v: Any, fmt: str = ",.0f") -> str:
    """A number, or '-' where the GPU cannot serve that fast."""
    return "-" if v is None or v != v else format(v, fmt)


def _ordered(curve: Any) -> Any:
    """The measured-vs-estimate rows in the GPU table's order, scenarios offline, server, interactive."""
    gpu_rank = {g: i for i, g in enumerate(curve.table.index)}
    scen_rank = {"offline": 0, "server": 1, "interactive": 2}
    m = curve.measured.assign(
        _g=curve.measured["gpu_id"].map(gpu_rank).fillna(99), _s=curve.measured["scenario"].map(scen_rank)
    )
    return m.sort_values(["_g", "_s"], kind="stable")


def print_curve(curve: Any) -> None:
    """The frontier table (one row per GPU) and the MLPerf results against the estimate."""
    rates = [c for c in curve.table.columns if isinstance(c, float)]
    cols = [Col("GPU", "id", 0), Col("prec", "id", 3)]
    cols += [Col(f"{u:g}/s {1e3 / u:g}ms", "num", 1 + i % 2) for i, u in enumerate(rates)]
    cols.append(Col("max /s", "num", 2))
    rows = [
        [
            str(g),
            str(r["precision"]),
            *(_num(r[u]) for u in rates),
            _num(r["max_tokens_per_s_per_user"], ",.0f"),
        ]
        for g, r in curve.table.iterrows()
    ]
    title = (
        f"{curve.model_id}: tokens/s per GPU at tokens/s per user (TPOT ms); roofline estimate at "
        f"{curve.conditions()}, best topology"
    )
    console.print(fitted_table(title, cols, rows, hint=", or fewer --gpus"))
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
            _num(r.tokens_per_s_per_user, ",.1f"),
            _num(r.measured),
            _num(r.estimate),
            f"{r.error:+.0%}",
            str(r.results),
        ]  # fmt: skip
        for r in _ordered(curve).itertuples()
    ]
    console.print(fitted_table("MLPerf (latest version, median tokens/s per GPU) vs estimate", cols, rows))


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
        isl: Isl = None,
        osl: Osl = None,
        prefix_hit: PrefixHit = None,
    ) -> None:
        """Tokens/s per GPU against tokens/s per user, with the MLPerf results overlaid."""
        try:
            from planner.catalogs.load import load_catalogs
            from planner.chain.tokens.frontier import throughput_curve

            gpu_ids = [g.strip() for g in gpus.split(",") if g.strip()] if gpus is not None else None
            if gpus is not None and not gpu_ids:
                raise InputError("--gpus: allowed a comma-separated list of GPU ids, e.g. H100,B200")
            if out is not None:
                check_out(out, overwrite)
            from planner.chain.tokens.shape import ShapeOverride, check_shape

            check_shape(isl, osl, prefix_hit)
            result = throughput_curve(
                load_catalogs(), model, gpu_ids, precision, ShapeOverride(isl, osl, prefix_hit)
            )
            print_curve(result)
            missing = [g for g in gpu_ids or [] if g not in set(result.table.index)]
            if missing:
                console.print(f"cannot serve {model} at any swept target: {', '.join(missing)}")
            if out is not None:
                from planner.results.curve_plot import write_curve_png

                try:
                    write_curve_png(result, out)
                except OSError as exc:
                    raise InputError(f"--out {out}: cannot write ({exc.strerror or exc})") from None
                console.print(f"wrote {out}")
        except PlannerError as exc:
            raise fail(exc) from None
