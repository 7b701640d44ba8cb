"""Python functions of the CLI commands that are not a study or a solve: ``validate``, ``pipeline``,
``map``, ``export``, ``data_list`` and ``data_init`` (exposed as ``planner.<name>``).

Each takes the CLI command's options as keyword arguments, returns data instead of printing
it, and raises :class:`planner.errors.InputError` for bad input (the CLI's exit code 2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from planner.catalogs.load import Catalogs
    from planner.chain.pipeline import PipelineReport
    from planner.chain.tokens.roofline import Target
    from planner.scenario.schema import Scenario

CATALOG_KINDS = ("sites", "gpus", "cooling", "energy", "models", "regions")
"""The catalogs ``planner data list`` shows (``Catalogs`` attributes)."""


def validate(
    scenario: str | Path | Scenario | Mapping[str, Any] | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    objective: str | None = None,
) -> Scenario:
    """Check a scenario against the schema and the catalogs without solving (``planner validate``).

    ``scenario``: a path, a shipped scenario's name (``"small_5_sites"``), a dict or a Scenario
    (None: the default scenario); ``overrides``: dotted paths (``{"demand.scale": 2}``).
    Returns the resolved :class:`~planner.scenario.schema.Scenario`; raises InputError listing
    every problem (file, line, field, what is allowed).
    """
    from planner.api import resolve_scenario
    from planner.catalogs.load import load_catalogs
    from planner.scenario.load import selected_sites

    extra = dict(overrides or {})
    if objective is not None:
        extra["objective"] = objective
    catalogs = load_catalogs()
    scn = resolve_scenario(scenario, catalogs, extra)
    selected_sites(scn, catalogs)  # a filter that leaves no site is an error here too
    return scn


def latency_target(
    catalogs: Catalogs, model: str, mlperf: str | None, ttft_ms: float | None, tpot_ms: float | None
) -> Target | None:
    """The latency target of ``ttft_ms`` / ``tpot_ms`` [ms] (the model card's value for the one not
    given), or None when neither is given; positive, and not together with an MLPerf scenario."""
    from planner.chain.tokens.roofline import Target
    from planner.chain.tokens.throughput import card_target, check_id

    if ttft_ms is None and tpot_ms is None:
        return None
    if mlperf is not None:
        raise InputError(
            "mlperf_scenario (--mlperf-scenario) sets its own latency limits; give either it or a target "
            "(ttft_ms/tpot_ms, --ttft-ms/--tpot-ms)"
        )
    for name, v in (("--ttft-ms", ttft_ms), ("--tpot-ms", tpot_ms)):
        if v is not None and not 0 < v < 1e7:
            raise InputError(f"{name} {v:g}: allowed a latency in ms above 0")
    check_id("model", model, list(catalogs.models.index))
    card = card_target(catalogs.models.loc[model])
    return Target(
        card.ttft_s if ttft_ms is None else ttft_ms / 1e3, card.tpot_s if tpot_ms is None else tpot_ms / 1e3
    )


def pipeline(
    gpu: str,
    model: str,
    *,
    cooling: str | None = None,
    site: str | None = None,
    estimate: bool = False,
    precision: str | None = None,
    mlperf_scenario: str | None = None,
    ttft_ms: float | None = None,
    tpot_ms: float | None = None,
    isl: float | None = None,
    osl: float | None = None,
    prefix_hit: float | None = None,
    topologies: str | Sequence[str] | None = None,
) -> PipelineReport:
    """The physics chain of one GPU x model x cooling x site (``planner pipeline``): photons/CH4 ->
    W facility -> W IT -> FLOP/s -> tokens/s, each stage with its unit (``report.to_dict()``).

    ``mlperf_scenario``: offline, server or interactive (that MLPerf scenario's latency limits), or
    a latency target ``ttft_ms`` / ``tpot_ms``; ``isl`` / ``osl`` [tokens] and ``prefix_hit`` [-]
    override the card's request shape; ``topologies``: a menu of single_node, ep_domain,
    ep_multinode, disaggregated, mtp (a list or comma-separated text).
    """
    from planner.catalogs.load import load_catalogs
    from planner.chain.pipeline import pipeline_report
    from planner.chain.tokens.shape import ShapeOverride, check_shape
    from planner.chain.tokens.topology import check_menu
    from planner.scenario.schema import Fleet

    catalogs = load_catalogs()
    target = latency_target(catalogs, model, mlperf_scenario, ttft_ms, tpot_ms)
    check_shape(isl, osl, prefix_hit)
    menu = None
    if topologies is not None:
        names = topologies.split(",") if isinstance(topologies, str) else list(topologies)
        menu = check_menu([t.strip() for t in names if t.strip()], "--topologies")
    return pipeline_report(
        gpu,
        model,
        catalogs,
        cooling_id=cooling,
        site_id=site,
        estimate_only=estimate,
        precision=precision,
        scenario=mlperf_scenario,
        target=target,
        spare_share=Fleet().spare_share,
        shape=ShapeOverride(isl, osl, prefix_hit),
        topologies=menu,
    )


def map(run_dir: str | Path, formats: str | Sequence[str] | None = None) -> list[Path]:
    """Siting maps of a run directory (``planner map``): ``map.<format>`` for each of geojson, gpkg,
    png, svg, html (a list or comma-separated text; None or ``"all"``: every format). Returns the
    files written; nothing is left half-written on an error."""
    from planner.maps.write import ALL_FORMATS, write_maps

    if formats is None or (isinstance(formats, str) and formats.strip().lower() == "all"):
        chosen: tuple[str, ...] = ALL_FORMATS
    else:
        items = formats.split(",") if isinstance(formats, str) else list(formats)
        chosen = tuple(dict.fromkeys(str(f).strip().lower().lstrip(".") for f in items if str(f).strip()))
    bad = [f for f in chosen if f not in ALL_FORMATS]
    if bad or not chosen:
        raise InputError(
            f"--format {formats!r}: unknown format(s) {', '.join(bad) or '(none)'}; "
            f"allowed: {', '.join(ALL_FORMATS)} (comma-separated) or all"
        )
    return write_maps(Path(run_dir), chosen)


def export(
    run_dir: str | Path,
    capex: str = "xlsx",
    *,
    out: str | Path | None = None,
    horizon_years: int = 15,
    base_year: int | None = None,
    overwrite: bool = False,
) -> list[Path]:
    """The capex workbook (xlsx) or its tables (csv, json, parquet) of a run directory
    (``planner export --capex``): line items, spend schedule, opex, assumptions and summary.
    Default ``out``: ``RUN_DIR/capex.<format>``; an explicit ``out`` is refused when it exists
    unless ``overwrite``. Returns the files written."""
    from planner.results.export import FORMATS, export_capex

    if capex.lower() not in FORMATS:
        raise InputError(f"--capex '{capex}': allowed values are {', '.join(FORMATS)}")
    return export_capex(
        run_dir, capex.lower(), out, horizon_years=horizon_years, base_year=base_year, overwrite=overwrite
    )


def data_list(kind: str) -> pd.DataFrame:
    """A catalog of the data tree (``planner data list KIND``) with every column, indexed by id:
    sites, gpus, cooling, energy, models or regions (see data/README.md for the columns)."""
    from planner.catalogs.load import load_catalogs

    if kind not in CATALOG_KINDS:
        raise InputError(f"data list: unknown catalog '{kind}'; allowed: {', '.join(CATALOG_KINDS)}")
    return getattr(load_catalogs(), kind).copy()


def data_init(directory: str | Path) -> Path:
    """Copy the shipped data tree (``data/``, ``models/``, ``scenarios/``) into ``directory``
    (``planner data init DIR``), to edit and use with ``PLANNER_HOME=DIR``. Returns the absolute
    folder. The folder must not exist or be empty; the copy is written whole or not at all."""
    from planner.catalogs.home import copy_shipped_tree

    return copy_shipped_tree(Path(directory))
