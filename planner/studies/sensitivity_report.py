"""Tables and files of a sensitivity: ``sensitivity.csv``, ``flips.csv``, ``tornado.csv``,
``break_even.csv``, ``tornado.png`` and a run directory per distinct solve.

``tornado.csv``: one row per input, sorted by ``swing_usd_per_mtok`` (largest first) =
max - min of $/Mtok over the input's solved values (grid and bisection points; the base plan
counts only if it is one of them); ``cost_at_low`` / ``cost_at_high`` are $/Mtok at the input's
first and last value, ``gco2e_min`` / ``gco2e_max`` the carbon range, ``flips`` how many flip
points (sites or leading energy) it has.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from planner.results.cells import inert_frame
from planner.studies.sensitivity_inputs import Input
from planner.studies.sweep import PointResult, write_point

if TYPE_CHECKING:  # pragma: no cover
    from planner.studies.sensitivity import Runner, SensitivityResult

POINT_COLUMNS = [
    "input",
    "path",
    "value",
    "kind",
    "cost_usd_per_mtok",
    "gco2e_per_mtok",
    "sites",
    "leading_energy",
    "status",
    "message",
    "annualized_cost_usd",
    "mip_gap",
    "run_dir",
]
"""Columns of ``sensitivity.csv``."""


def point_row(label: str, path: str, value: Any, kind: str, point: PointResult, run_dir: str | None) -> dict:
    """One ``sensitivity.csv`` row."""
    from planner.studies.sensitivity import plan_aspects

    s = point.summary or {}
    aspects = plan_aspects(point)
    return {
        "input": label,
        "path": path,
        "value": value,
        "kind": kind,
        "cost_usd_per_mtok": s.get("cost_usd_per_mtok"),
        "gco2e_per_mtok": s.get("gco2e_per_mtok"),
        "sites": aspects["sites"] if point.summary else "",
        "leading_energy": aspects["leading energy"] if point.summary else "",
        "status": point.status,
        "message": " ".join(point.message.split()),
        "annualized_cost_usd": s.get("annualized_cost_usd"),
        "mip_gap": s.get("mip_gap"),
        "run_dir": run_dir,
    }


def point_rows(
    specs: Sequence[Input], base: PointResult, rows: list[tuple[Input, Any, PointResult, str]], runner: Runner
) -> list[dict[str, Any]]:
    """The base row, then each input's points in value order (categorical: as given), each
    point once: bisections of one bracket on two aspects (sites and leading energy flipping
    between the same grid values) solve their shared midpoints once and list them once."""
    out = [point_row("base", "", "", "base", base, runner.run_dir(base))]
    for spec in specs:
        mine = _each_point_once([r for r in rows if r[0] is spec])
        if spec.numeric:
            mine.sort(key=lambda r: float(r[1]))
        out += [point_row(spec.label, spec.path, v, kind, p, runner.run_dir(p)) for _, v, p, kind in mine]
    return out


Row = tuple[Input, Any, PointResult, str]
"""(input, value, point, kind) of one solved point."""


def _each_point_once(rows: list[Row]) -> list[Row]:
    """``rows`` with each point kept at its first appearance (the runner returns one
    :class:`PointResult` object per distinct solve, so identity is the test)."""
    seen: set[int] = set()
    out = []
    for row in rows:
        if id(row[2]) not in seen:
            seen.add(id(row[2]))
            out.append(row)
    return out


def tornado_table(specs: Sequence[Input], table: pd.DataFrame) -> pd.DataFrame:
    """Per input: $/Mtok and gCO2e/Mtok range over its solved values, sorted by $/Mtok swing."""
    out = []
    for spec in specs:
        mine = table[(table["path"] == spec.path) & table["cost_usd_per_mtok"].notna()]
        if mine.empty:
            out.append({"input": spec.label, "path": spec.path, "why": spec.why})
            continue
        first, last = (_cost_at(mine, spec.values[i]) for i in (0, -1))
        cost, carbon = mine["cost_usd_per_mtok"].astype(float), mine["gco2e_per_mtok"].astype(float)
        out.append(
            {
                "input": spec.label,
                "path": spec.path,
                "value_low": spec.values[0],
                "value_high": spec.values[-1],
                "cost_at_low": first,
                "cost_at_high": last,
                "cost_min": cost.min(),
                "cost_max": cost.max(),
                "value_at_cost_min": mine.loc[cost.idxmin(), "value"],
                "value_at_cost_max": mine.loc[cost.idxmax(), "value"],
                "swing_usd_per_mtok": cost.max() - cost.min(),
                "gco2e_min": carbon.min(),
                "gco2e_max": carbon.max(),
                "why": spec.why,
            }
        )
    frame = pd.DataFrame(out)
    if "swing_usd_per_mtok" not in frame:
        frame["swing_usd_per_mtok"] = float("nan")
    return frame.sort_values(
        "swing_usd_per_mtok", ascending=False, na_position="last", kind="stable"
    ).reset_index(drop=True)


def _cost_at(points: pd.DataFrame, value: Any) -> float | None:
    """$/Mtok of the point at ``value`` (None if that point has no plan)."""

    def same(v: Any) -> bool:
        if isinstance(v, (int, float)) and isinstance(value, (int, float)):
            return float(v) == float(value)
        return bool(v == value)

    found = points.loc[points["value"].map(same), "cost_usd_per_mtok"]
    return float(found.iloc[0]) if len(found) else None


def write_outputs(out: Path, result: SensitivityResult, runner: Runner, name: str) -> None:
    """Write the tables, the tornado chart and a run directory per distinct solve, all at once."""
    from planner.results.rundir import staging
    from planner.studies.sensitivity_plot import plot_tornado

    with staging(out) as tmp:
        for key, point in runner.results.items():
            if point.summary is not None:
                write_point(point, tmp / "points" / runner.names[key])
        for file, frame in (
            ("sensitivity.csv", result.table),
            ("flips.csv", result.flips),
            ("tornado.csv", result.tornado),
            ("break_even.csv", result.break_even),
        ):
            inert_frame(frame).to_csv(tmp / file, index=False)
        plot_tornado(result, tmp / "tornado.png", f"{name}: one-at-a-time sensitivity")
