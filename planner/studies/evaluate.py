"""Plans tested against futures: ``planner.evaluate`` and the output of ``planner evaluate``.

Each plan (a run directory: its sites, cooling, plant, grid connection and GPU fleet) is fixed
and its operation re-solved in each future (:mod:`planner.studies.evaluate_plan`); demand it
cannot serve is priced, never an infeasibility. A future is the base scenario (``scenario``,
else the scenario the plans were solved for) with ``overrides`` and the future's own overrides.

Output directory (``out``, never overwritten, written whole or not at all)::

    one plan, one future:  OUT/ is the evaluated plan's run directory (as ``planner solve`` writes,
                           with ``summary.json`` ``evaluation`` and ``tables/unserved.csv``)
    otherwise:             OUT/evaluations.csv   one row per plan and future (cost, unserved, total)
                           OUT/regret.csv        one row per plan: regret per future, max regret,
                                                 the min-max-regret plan
                           OUT/runs/<k>-<plan>--<future>/   one run directory per evaluation
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from planner.catalogs.load import Catalogs, load_catalogs
from planner.errors import InputError
from planner.results.cells import inert_frame
from planner.scenario.load import parse_overrides
from planner.scenario.schema import Scenario
from planner.studies.evaluate_plan import (
    UNSERVED_USD_PER_MTOK,
    Price,
    model_prices,
)
from planner.studies.evaluate_read import Plan, find_plans, read_plan
from planner.studies.evaluate_task import clear_cache, evaluation_task, point_row
from planner.studies.regret import regret
from planner.studies.sweep import PointResult, check_cluster, dask_client, raise_for, run_tasks, split_values

OnEvaluation = Callable[[dict[str, Any], int, int], None]
"""Called with (row, evaluations done, evaluations in total) as each evaluation finishes."""
FUTURE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


def default_future_name(overrides: Mapping[str, Any] | None) -> str:
    """Name of the one future when none is named: its overrides (``demand.scale=1.2``), or ``base``."""
    return ",".join(f"{k}={v}" for k, v in (overrides or {}).items() if not k.startswith("solver.")) or "base"


def parse_future(text: str) -> tuple[str, dict[str, Any]]:
    """``"hot:prices.gas_price_scale=1.4,demand.scale=1.2"`` -> ``("hot", {...})``.

    NAME (letters, digits, ``._-``, at most 40) before the first colon; after it, comma-separated
    ``path=value`` overrides read as ``--set`` reads one (commas inside brackets stay); none = the
    base scenario itself.
    """
    name, sep, rest = text.partition(":")
    name = name.strip()
    if not sep or not FUTURE_NAME.match(name):
        raise InputError(
            f"--future '{text}': expected NAME:path=value,path=value "
            "(NAME of letters, digits, '.', '_', '-'), "
            "e.g. hot_gas:prices.gas_price_scale=1.4,demand.scale=1.2"
        )
    items = [part.strip() for part in split_values(rest) if part.strip()]
    overrides = parse_overrides(items)
    return name, overrides


def parse_futures(items: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Several ``--future`` values by name; InputError on a name given twice."""
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        name, overrides = parse_future(item)
        if name in out:
            raise InputError(f"--future {name}: given twice; give each future one name")
        out[name] = overrides
    return out


def parse_unserved(items: Sequence[str]) -> Price:
    """``--unserved-cost`` values: ``"10"`` (every model) and ``"llama-3.1-405b=40"`` (one model)
    -> ``{"*": 10.0, "llama-3.1-405b": 40.0}`` [USD/Mtok]; none -> :data:`UNSERVED_USD_PER_MTOK`."""
    out: dict[str, float] = {}
    for item in items:
        key, sep, raw = item.rpartition("=")
        key = key.strip() if sep else "*"
        try:
            value = float(raw)
        except ValueError:
            value = float("nan")
        if not 0 <= value < float("inf") or (sep and not key):
            raise InputError(
                f"--unserved-cost '{item}': expected USD_PER_MTOK (every model) or MODEL=USD_PER_MTOK, "
                "a finite number >= 0, e.g. 10 or llama-3.1-405b=40"
            )
        if key in out:
            raise InputError(f"--unserved-cost {key}: given twice")
        out[key] = value
    return out or UNSERVED_USD_PER_MTOK


def load_plans(paths: Sequence[Path | str] | Path | str) -> list[Plan]:
    """Every plan under ``paths`` (run directories, or folders of them), read and checked first."""
    roots = [paths] if isinstance(paths, (str, Path)) else list(paths)
    found: dict[str, Path] = {}
    for root in roots:
        for name, path in find_plans(root).items():
            found[name if name not in found else f"{Path(root).name}/{name}"] = path
    return [read_plan(path, name) for name, path in found.items()]


def future_scenarios(
    plans: Sequence[Plan],
    scenario: str | Path | Scenario | Mapping[str, Any] | None,
    overrides: Mapping[str, Any] | None,
    futures: Mapping[str, Mapping[str, Any]] | None,
    catalogs: Catalogs,
) -> dict[str, Scenario]:
    """Each future's resolved scenario; without ``scenario`` the plans' own (which must agree)."""
    from planner.api import resolve_scenario

    base = scenario
    if base is None:
        own = {repr(sorted(p.scenario.items(), key=lambda kv: kv[0])): p for p in plans}
        if len(own) > 1:
            names = ", ".join(p.name for p in list(own.values())[:4])
            raise InputError(
                f"the plans were solved for different scenarios ({names}, ...); give the SCENARIO the "
                "futures are built on (e.g. the sweep's scenario)"
            )
        base = {k: v for k, v in plans[0].scenario.items() if k != "extends"}
    out = {}
    for name, own_overrides in (futures or {default_future_name(overrides): {}}).items():
        try:
            out[name] = resolve_scenario(base, catalogs, {**(overrides or {}), **own_overrides})
        except InputError as exc:
            raise InputError(f"future '{name}': {exc}") from None
        if out[name].demand.growth:
            raise InputError(
                f"future '{name}': demand.growth (a phased plan) cannot be evaluated; set demand.growth={{}}"
            )
    return out


def evaluate(
    plans: Sequence[Path | str] | Path | str,
    scenario: str | Path | Scenario | Mapping[str, Any] | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    futures: Mapping[str, Mapping[str, Any]] | None = None,
    unserved_usd_per_mtok: Price = UNSERVED_USD_PER_MTOK,
    out: Path | None = None,
    catalogs: Catalogs | None = None,
    on_evaluation: OnEvaluation | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
) -> pd.DataFrame:
    """Each plan's cost in each future (module docstring); one row per plan and future.

    ``plans``: a run directory, a folder of run directories (``summary.json`` one or two levels
    down), or a list of either. ``unserved_usd_per_mtok``: one price [USD/Mtok] for every model, or
    per model id (``{"*": 10, "llama-3.1-405b": 40}``). ``futures``: name -> overrides (default:
    one future, the base scenario with ``overrides``). Columns: plan, future, status, message, sites,
    annualized_cost_usd, unserved_tokens_per_s, unserved_cost_usd, total_cost_usd [USD/yr],
    demand and served tokens/s, $/Mtok and gCO2e/Mtok of the served demand, gap, run_dir.
    Pass the table to :func:`planner.regret` for the regret table.

    ``workers`` (a local Dask cluster of that many processes) or ``scheduler`` (``tcp://host:port``)
    run the evaluations in parallel on the sweep engine; each process keeps the model of the last
    future it built for the next plan of that future. Without either they run here, in order.
    ``catalogs`` check the futures; each evaluation loads the data tree's own (as sweep points do).

    Every plan and future is read and validated before the first solve (InputError, exit 2).
    One plan in one future raises its InfeasibleError / NoSolutionError; with several, a failed
    evaluation is a row with its status and message.
    """
    from planner.results.rundir import check_new

    check_cluster(scheduler, workers)
    catalogs = catalogs or load_catalogs()
    plan_list = load_plans(plans)
    scenarios = future_scenarios(plan_list, scenario, overrides, futures, catalogs)
    for scn in scenarios.values():
        model_prices(unserved_usd_per_mtok, sorted({d.model for d in scn.demand.served}))
    if out is not None:
        check_new(out)
    data = {name: scn.model_dump(mode="json", exclude={"extends"}) for name, scn in scenarios.items()}
    pairs = [(p, f) for f in scenarios for p in plan_list]  # every plan in every future, future by future
    results: dict[int, PointResult] = {}
    rows: dict[int, dict[str, Any]] = {}

    def finished(point: PointResult) -> None:
        results[point.index] = point
        rows[point.index] = point_row(point, *pairs[point.index])
        if on_evaluation is not None:
            on_evaluation(rows[point.index], len(rows), len(pairs))

    calls = [(k, plan, future, data[future], unserved_usd_per_mtok) for k, (plan, future) in enumerate(pairs)]
    use_dask = scheduler is not None or workers is not None
    try:
        with dask_client(scheduler, workers or 2) if use_dask else contextlib.nullcontext() as client:
            run_tasks(client, evaluation_task, calls, finished)
    finally:
        clear_cache()
    if len(pairs) == 1:
        raise_for(results[0])
    return _write(out, pairs, results, [rows[k] for k in range(len(pairs))])


def _write(
    out: Path | None, pairs: list[tuple[Plan, str]], results: Mapping[int, PointResult], rows: list[dict]
) -> pd.DataFrame:
    """The table, and with ``out`` the output directory (module docstring), written whole."""
    from planner.results.rundir import staging

    if out is None:
        return _table(rows)
    with staging(out) as tmp:
        if len(pairs) == 1:
            write_result(results[0], tmp)
            return _table(rows, [str(out)])
        dirs: list[str | None] = []
        for k, (plan, future) in enumerate(pairs):
            rel = f"runs/{k:02d}-{_slug(plan.name)}--{_slug(future)}"
            if results[k].summary is not None:
                (tmp / rel).mkdir(parents=True)  # inside the staged OUT: it appears whole or not at all
                write_result(results[k], tmp / rel)
            dirs.append(str(out / rel) if results[k].summary is not None else None)
        table = _table(rows, dirs)
        write_study(table, tmp)
    return table


ROW_COLUMNS = (
    "plan",
    "future",
    "status",
    "message",
    "sites",
    "planned_cost_usd",
    "annualized_cost_usd",
    "unserved_tokens_per_s",
    "unserved_cost_usd",
    "total_cost_usd",
    "demand_tokens_per_s",
    "served_tokens_per_s",
    "cost_usd_per_mtok",
    "gco2e_per_mtok",
    "emissions_t_per_yr",
    "gap",
)


def _table(rows: list[dict[str, Any]], run_dirs: list[str | None] | None = None) -> pd.DataFrame:
    """The evaluation rows as a table with :data:`ROW_COLUMNS` (and ``run_dir`` when written)."""
    table = pd.DataFrame(rows, columns=list(ROW_COLUMNS))
    if run_dirs is not None:
        table["run_dir"] = run_dirs
    return table


def _slug(text: str, limit: int = 40) -> str:
    """A file-name-safe label of a plan or future name: ``points/00-min_cost`` -> ``points_00-min_cost``."""
    return re.sub(r"[^A-Za-z0-9.\-_]+", "_", text).strip("_")[:limit] or "plan"


def write_result(point: PointResult, folder: Path) -> None:
    """An evaluated plan's run directory in ``folder`` (exists): ``solver.log``, the run-directory
    contents (:func:`planner.results.rundir.write_contents`) and ``tables/unserved.csv``."""
    from planner.results.rundir import clean_numbers, write_contents

    (folder / "solver.log").write_text(point.log or "(no solver log was captured)\n", encoding="utf-8")
    write_contents(point.scenario, point.summary, point.tables, folder)
    unserved = clean_numbers(point.tables["unserved"], True)
    inert_frame(unserved).to_csv(folder / "tables" / "unserved.csv", index=False)


def write_study(table: pd.DataFrame, folder: Path) -> None:
    """``evaluations.csv`` (one row per plan and future) and ``regret.csv`` (one row per plan, when
    every future has at least one plan with a cost)."""
    inert_frame(table).to_csv(folder / "evaluations.csv", index=False)
    solved = table[table["total_cost_usd"].notna()]
    if solved.empty or set(solved["future"]) != set(table["future"]):
        return
    inert_frame(regret(table).reset_index()).to_csv(folder / "regret.csv", index=False)
