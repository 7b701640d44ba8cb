"""Scenario sweeps: the full grid of ``--set path=v1,v2`` overrides, solved on Dask.

Every point's scenario is validated on the client before anything runs; a point whose
overrides are invalid becomes an ``invalid`` row. Valid points go to a Dask cluster (a
:class:`~distributed.LocalCluster` of processes with one thread each by default, or the
scheduler at ``tcp://host:port``) as plain data (the resolved scenario as a dict), never as
Pyomo objects; workers import ``planner`` from their own environment. A worker sends back a
:class:`PointResult` (plain data) and the client writes the run directory, so workers need
no shared file system. The Pareto frontier (:mod:`planner.studies.pareto`) runs on the same
engine. Infeasible, unsolved and crashed points become rows with their message; the sweep never
stops for one point.

Output directory::

    DIR/manifest.json           the sweep (scenario, grid) and each point's status and solve count
    DIR/points/<i>-<slug>/      one run directory per solved point (as ``planner solve`` writes)
    DIR/sweep.csv, sweep.parquet  one row per point: overrides, status, message, headline results

With ``resume`` a point is skipped when its run directory holds ``summary.json`` (or the
manifest already records it as infeasible).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from planner.catalogs.load import Catalogs, load_catalogs
from planner.errors import InfeasibleError, InputError, NoSolutionError
from planner.model.cluster import (  # re-exported: sweeps, Pareto and their CLI use them from here
    MAX_WORKERS,  # noqa: F401
    SCHEDULER_ADDRESS,  # noqa: F401
    check_cluster,
    dask_client,
)
from planner.results.atomic import new_files, write_failed
from planner.results.cells import inert_frame
from planner.results.rundir import staging, write_contents
from planner.results.rundir_read import read_summary, read_sweep_manifest
from planner.scenario.load import parse_overrides
from planner.scenario.schema import Scenario

if TYPE_CHECKING:  # pragma: no cover
    from planner.api import SolveResult

MAX_POINTS = 50
"""A sweep or Pareto frontier with more points than this needs ``yes=True`` (``--yes``)."""


def check_size(points: int, yes: bool, what: str = "sweep") -> None:
    """More than :data:`MAX_POINTS` points needs ``yes``."""
    if points > MAX_POINTS and not yes:
        raise InputError(
            f"the {what} has {points} points (more than {MAX_POINTS}); pass --yes to run it "
            "(yes=True in Python)"
        )


DONE_WITHOUT_DIR = ("infeasible",)
"""Statuses recorded in the manifest that ``resume`` does not solve again (no run directory)."""
OnPoint = Callable[[dict[str, Any], int, int], None]
"""Called with (row, points done, points in total) as each point finishes."""


def split_values(raw: str) -> list[str]:
    """``"0.5,1,[a, b]"`` -> ``["0.5", "1", "[a, b]"]``: commas inside brackets or braces stay."""
    parts, depth, cur = [], 0, ""
    for ch in raw:
        depth += ch in "[{"
        depth -= ch in "]}"
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return [*parts, cur]


def parse_sets(items: Sequence[str]) -> dict[str, list[Any]]:
    """``["prices.gas_price_scale=0.5,1,2"]`` -> ``{"prices.gas_price_scale": [0.5, 1, 2]}``.

    Each value is read as ``planner solve --set`` reads one (a YAML scalar or flow list).
    """
    out: dict[str, list[Any]] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InputError(f"--set '{item}': expected PATH=V1,V2,..., e.g. prices.gas_price_scale=0.5,1,2")
        if key in out:
            raise InputError(f"--set {key}: given twice; list all its values in one --set")
        out[key] = [parse_overrides([f"{key}={v.strip()}"])[key] for v in split_values(raw)]
    return out


def grid(sets: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the values, the last path varying fastest."""
    keys = list(sets)
    return [dict(zip(keys, combo)) for combo in itertools.product(*(list(sets[k]) for k in keys))]


def slug(overrides: Mapping[str, Any], limit: int = 48) -> str:
    """A short file-name-safe label: ``gas_price_scale0.5_carbon_price_usd_per_t0``."""
    text = "_".join(
        f"{str(k).rsplit('.', 1)[-1]}{v if isinstance(v, str) else json.dumps(v)}"
        for k, v in overrides.items()
    )
    return re.sub(r"[^A-Za-z0-9.\-_]+", "", text)[:limit] or "base"


@dataclass
class PointResult:
    """One solved (or failed) point as plain picklable data: what a worker sends back."""

    index: int
    status: str
    message: str = ""
    scenario: Scenario | None = None
    summary: dict[str, Any] | None = None
    tables: dict[str, pd.DataFrame] | None = None
    log: str = ""
    elapsed_s: float = 0.0


def attempt(index: int, run: Callable[[Path], SolveResult]) -> PointResult:
    """Call ``run(log_path)`` (one solve) and turn every failure into a status and message."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="planner-point-") as tmp:
        log = Path(tmp) / "solver.log"
        try:
            res = run(log)
        except (InfeasibleError, NoSolutionError, InputError) as exc:
            status = {InfeasibleError: "infeasible", NoSolutionError: "no_solution"}.get(type(exc), "invalid")
            return PointResult(index, status, str(exc), elapsed_s=time.perf_counter() - started)
        except Exception as exc:  # noqa: BLE001 - a point's crash is its row, never the sweep's end
            return PointResult(
                index, "error", f"{type(exc).__name__}: {exc}", elapsed_s=time.perf_counter() - started
            )
        text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    return PointResult(
        index, res.status, "", res.scenario, res.summary, res.tables, text, time.perf_counter() - started
    )


def raise_for(point: PointResult) -> None:
    """Re-raise a failed point as the planner error it was (a Pareto end, a lone evaluation)."""
    from planner.errors import PlannerError

    errors: dict[str, type[PlannerError]] = {
        "infeasible": InfeasibleError,
        "no_solution": NoSolutionError,
        "invalid": InputError,
    }
    if point.summary is None:
        raise errors.get(point.status, PlannerError)(point.message)


def solve_point(index: int, data: dict[str, Any]) -> PointResult:
    """Worker task of a sweep: solve one fully resolved scenario given as a dict."""
    from planner.api import solve

    return attempt(index, lambda log: solve(data, log_path=log, catalogs=load_catalogs()))


def write_point(point: PointResult, run_dir: Path) -> None:
    """Write a solved point's run directory (staged, never overwriting)."""
    with staging(run_dir) as tmp:
        (tmp / "solver.log").write_text(point.log or "(no solver log was captured)\n", encoding="utf-8")
        write_contents(point.scenario, point.summary, point.tables, tmp)


def headline_row(
    summary: Mapping[str, Any] | None, status: str | None = None, message: str = ""
) -> dict[str, Any]:
    """The headline results of a ``summary.json`` as flat columns (``gpus_<id>``, ``mix_<tech>``)."""
    if summary is None:
        return {"status": status or "error", "message": message}
    sites, gpus, mix = (
        summary.get("sites") or [],
        summary.get("gpus") or {},
        summary.get("energy_mix_share") or {},
    )
    keys = (
        "cost_usd_per_mtok",
        "annualized_cost_usd",
        "capex_usd",
        "gco2e_per_mtok",
        "emissions_t_per_yr",
        "it_mw",
    )
    return {
        "status": status or summary["status"],
        "message": message,
        **{k: summary.get(k) for k in keys},
        "n_sites": len(sites),
        "sites": ";".join(sites),
        "gpus": int(sum(gpus.values())),
        **{f"gpus_{g}": n for g, n in gpus.items()},
        **{f"mix_{t}": v for t, v in mix.items()},
        "gap": summary.get("mip_gap"),
        "solve_s": (summary.get("timings") or {}).get("solve_s"),
    }


def run_tasks(
    client: Any | None,
    fn: Callable[..., PointResult],
    calls: Sequence[tuple[Any, ...]],
    on_result: Callable[[PointResult], None],
) -> None:
    """Run ``fn(*call)`` for every call (first argument: the point index) and pass each
    :class:`PointResult` to ``on_result`` as it completes; ``client=None`` runs them here, in order.
    A task that dies with its worker becomes an ``error`` result."""
    if client is None:
        for call in calls:
            on_result(fn(*call))
        return
    from dask.distributed import as_completed

    futures = {client.submit(fn, *call, pure=False): call[0] for call in calls}
    for future in as_completed(list(futures)):
        try:
            point = future.result()
        except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker: the point's row says so
            point = PointResult(futures[future], "error", f"{type(exc).__name__}: {exc}")
        on_result(point)


def sweep(
    scenario: str | Path | Scenario | Mapping[str, Any] | None = None,
    sets: Mapping[str, Sequence[Any]] | None = None,
    *,
    out: Path | None = None,
    scheduler: str | None = None,
    workers: int = 2,
    resume: bool = False,
    yes: bool = False,
    threads: int = 1,
    catalogs: Catalogs | None = None,
    on_point: OnPoint | None = None,
) -> pd.DataFrame:
    """Solve the grid of ``sets`` on ``scenario``; return one row per point (the sweep table).

    ``threads``: HiGHS threads of each point (``solver.threads``) unless the grid sets it.
    ``out``: write run directories, the manifest and ``sweep.csv``/``sweep.parquet`` there.
    Raises InputError before anything runs for a bad grid, an over-large sweep without
    ``yes``, an existing ``out`` without ``resume``, or a grid in which no point is valid.
    """
    catalogs = catalogs or load_catalogs()
    sets = dict(sets or {})
    if any(len(list(v)) == 0 for v in sets.values()):
        raise InputError("--set: every path needs at least one value")
    combos = grid(sets)
    check_size(len(combos), yes)
    check_cluster(scheduler, workers)
    tasks, rows = validate_points(scenario, combos, catalogs, threads)
    dirs = {i: f"points/{i:03d}-{slug(c)}" for i, c in enumerate(combos)}
    manifest = None
    if out is not None:
        from planner.api import resolve_scenario

        manifest = _open_manifest(out, resolve_scenario(scenario, catalogs), sets, resume)
        rows |= _already_done(manifest, out, tasks, combos, dirs)
        for i in [i for i in rows if rows[i]["status"] == "invalid" or str(i) not in manifest["points"]]:
            _record(manifest, out, i, combos[i], rows[i], dirs[i])  # invalid, or kept by a repair
    done = 0

    def report(row: dict[str, Any]) -> None:
        nonlocal done
        done += 1
        if on_point:
            on_point(row, done, len(combos))

    for i in sorted(rows):
        report(rows[i])

    def finished(point: PointResult) -> None:
        i, run_dir = point.index, None
        if out is not None and point.summary is not None:
            write_point(point, out / dirs[i])
            run_dir = dirs[i]
        rows[i] = _row(
            i,
            combos[i],
            **headline_row(point.summary, point.status, point.message),
            run_dir=run_dir,
            wall_s=point.elapsed_s,
        )
        if out is not None and manifest is not None:
            _record(manifest, out, i, combos[i], rows[i], dirs[i])
        report(rows[i])

    if tasks:
        with dask_client(scheduler, workers) as client:
            run_tasks(client, solve_point, [(i, tasks[i]) for i in sorted(tasks)], finished)
    table = sweep_table([rows[i] for i in sorted(rows)], list(sets))
    if out is not None:  # rewritten by --resume: replaced atomically, both or neither
        tables = [out / "sweep.csv", out / "sweep.parquet"]
        with new_files(tables, overwrite=True, label="sweep") as (csv, pq):
            inert_frame(table).to_csv(csv, index=False)
            table.to_parquet(pq, index=False)
    return table


def validate_points(
    scenario: Any, combos: list[dict[str, Any]], catalogs: Catalogs, threads: int
) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]]]:
    """Resolve every point's scenario: (index -> resolved scenario dict, index -> ``invalid`` row).
    Raises InputError when no point is valid (e.g. an unknown override path)."""
    from planner.api import resolve_scenario

    tasks: dict[int, dict[str, Any]] = {}
    invalid: dict[int, dict[str, Any]] = {}
    for i, combo in enumerate(combos):
        fixed = {} if "solver.threads" in combo else {"solver.threads": threads}
        try:
            tasks[i] = resolve_scenario(scenario, catalogs, {**fixed, **combo}).model_dump(
                mode="json", exclude={"extends"}
            )
        except InputError as exc:
            invalid[i] = _row(i, combo, "invalid", str(exc))
    if not tasks:
        raise InputError(f"no point of the sweep is valid; first problem: {invalid[0]['message']}")
    return tasks, invalid


def _already_done(
    manifest: Mapping[str, Any],
    out: Path,
    tasks: dict[int, Any],
    combos: list[dict[str, Any]],
    dirs: Mapping[int, str],
) -> dict[int, dict[str, Any]]:
    """Rows of the points a previous run finished (removed from ``tasks``): a run directory
    with ``summary.json``, or an infeasible status in the manifest."""
    rows: dict[int, dict[str, Any]] = {}
    for i in list(tasks):
        old = manifest["points"].get(str(i), {})
        summary = _read_point_summary(out / dirs[i])
        if summary is not None:
            rows[i] = _row(i, combos[i], **headline_row(summary), run_dir=dirs[i])
        elif old.get("status") in DONE_WITHOUT_DIR:
            rows[i] = _row(i, combos[i], old["status"], old.get("message", ""))
        else:
            continue
        tasks.pop(i)
    return rows


def _read_point_summary(run_dir: Path) -> dict[str, Any] | None:
    """A finished point's ``summary.json``; a point folder that is broken (no summary, or a
    truncated or unreadable one) is removed so that the point is solved again."""
    try:
        data = read_summary(run_dir / "summary.json")
        headline_row(data)
        return data
    except (InputError, OSError, ValueError, KeyError, TypeError, AttributeError):
        if run_dir.is_dir() or run_dir.is_symlink():
            if run_dir.is_symlink():
                run_dir.unlink()
            else:
                shutil.rmtree(run_dir, ignore_errors=True)
        return None


def _one_line(text: str) -> str:
    """A multi-line message on one line (lines joined by '; ')."""
    return "; ".join(line.strip() for line in text.splitlines() if line.strip())


def _row(
    index: int,
    combo: Mapping[str, Any],
    status: str,
    message: str = "",
    run_dir: str | None = None,
    wall_s: float | None = None,
    **results: Any,
) -> dict[str, Any]:
    """One sweep row: index, overrides, status and message, then the headline results."""
    return {
        "index": index,
        **combo,
        "status": status,
        "message": _one_line(message),
        **results,
        "wall_s": wall_s,
        "run_dir": run_dir,
    }


def sweep_table(rows: list[dict[str, Any]], override_keys: list[str]) -> pd.DataFrame:
    """Rows -> a tidy frame (override values that are not all numbers are written as text)."""
    table = pd.DataFrame(rows)
    for key in override_keys:
        values = table[key].tolist()
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            table[key] = [v if isinstance(v, str) else json.dumps(v) for v in values]
    solved = table["n_sites"].notna() if "n_sites" in table else pd.Series(False, index=table.index)
    for col in [c for c in table.columns if c.startswith(("gpus_", "mix_"))]:
        table[col] = table[col].fillna(0).where(solved)
    for col in [c for c in table.columns if c == "n_sites" or c.startswith("gpus")]:
        table[col] = table[col].round().astype("Int64")
    front = ["index", *override_keys, "status", "message"]
    rest = sorted(c for c in table.columns if c.startswith(("gpus_", "mix_")))
    other = [c for c in table.columns if c not in front and c not in rest and c not in ("wall_s", "run_dir")]
    return table[front + other + rest + ["wall_s", "run_dir"]]


def _sweep_key(base: Scenario, sets: Mapping[str, Sequence[Any]]) -> str:
    """Identity of a sweep for ``resume``: the resolved base scenario and the grid."""
    text = json.dumps(
        {"scenario": base.model_dump(mode="json"), "sets": {k: list(v) for k, v in sets.items()}},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _open_manifest(
    out: Path, base: Scenario, sets: Mapping[str, Sequence[Any]], resume: bool
) -> dict[str, Any]:
    """Create ``out/manifest.json`` or (``resume``) load it and check it is the same sweep."""
    path = out / "manifest.json"
    key = _sweep_key(base, sets)
    if resume and (path.exists() or path.is_symlink()):
        manifest = _load_manifest(path)
        if manifest is None:  # damaged (e.g. truncated by a kill): rebuilt; finished points are kept
            manifest = {"key": key, "scenario": base.name, "sets": {k: list(v) for k, v in sets.items()}}
            manifest |= {"points": {}, "repaired": datetime.now(UTC).isoformat(timespec="seconds")}
            _save(path, manifest)
        if manifest.get("key") != key:
            raise InputError(
                f"--resume {out}: that directory holds a different sweep "
                "(scenario or --set values differ); use a new --out"
            )
        return manifest
    if out.exists() and any(out.iterdir()):
        raise InputError(
            f"--out {out}: already exists; pass --resume to continue that sweep, or choose a new directory"
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_failed(exc, out, "--out") from None
    manifest = {
        "key": key,
        "scenario": base.name,
        "sets": {k: list(v) for k, v in sets.items()},
        "points": {},
    }
    _save(path, manifest, new=True)  # the claim: of two sweeps started on one --out, one goes on
    return manifest


def _load_manifest(path: Path) -> dict[str, Any] | None:
    """The manifest, or None when it is truncated (a killed sweep); fields of the wrong type are an
    InputError naming the field (:func:`planner.results.rundir_read.read_sweep_manifest`)."""
    return read_sweep_manifest(path)


def _record(
    manifest: dict[str, Any],
    out: Path,
    index: int,
    combo: Mapping[str, Any],
    row: Mapping[str, Any],
    run_dir: str,
) -> None:
    """Update one point in the manifest (counting solves) and write it atomically."""
    old = manifest["points"].get(str(index), {})
    solves = old.get("solves", 0) + (row["status"] != "invalid")
    manifest["points"][str(index)] = {
        "overrides": dict(combo),
        "status": row["status"],
        "message": row["message"],
        "run_dir": row.get("run_dir") and run_dir,
        "solves": solves,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    _save(out / "manifest.json", manifest)


def _save(path: Path, data: Mapping[str, Any], new: bool = False) -> None:
    """Write the manifest atomically: replacing it, or (``new``) only where there is none yet."""
    with new_files([path], overwrite=not new) as (tmp,):
        tmp.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
