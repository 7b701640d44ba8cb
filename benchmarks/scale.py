"""How a solve grows with the number of candidate sites: a catalog grown by seeded copies, timed per stage.

Run: ``python benchmarks/scale.py [--sites 38,152,608,1216] [--days 8] [--modes annual,hourly]
[--workers N | --scheduler ADDR] [--time-limit S] [--scenario NAME]``.

For each N it writes a temporary data tree (``PLANNER_HOME``) whose ``sites.csv`` holds N sites: the
shipped sites, then copies of them in turn until N (copy k of site s is ``<s>_c<k>``: moved by up to
+-2 degrees in latitude and longitude, electricity, gas and land prices each x U(0.85, 1.15), from a
generator seeded by ``--seed``). Every other row keyed by the site (its ``site_sources.csv`` audit
rows with the repriced values, rows of ``tariffs.csv`` and any other ``data/*.csv`` whose ``site_id``
or ``applies_to`` names it) is copied with it, so the grown tree passes the shipped audit. Near-copies
are what real candidate lists look like: many parcels around one substation, within 0.5% of each
other in cost.

Each (N, mode) is solved by ``planner solve`` in its own process; the table shows the model size,
the stage times from ``summary.json`` ``timings`` (build, hand-off to HiGHS, the wait for the annual
screening, the relaxation bound with its rounded plan, branch and bound: the rest of the solve,
extraction), wall seconds, the gap against the bound the solve reports,
the child's peak memory, and the wall time's ratio to the first N of the same mode in the same run
(read ratios, not seconds: the machines are shared).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from planner.paths import SHIPPED_HOME  # noqa: E402

REPRICED = ("electricity_price_usd_per_mwh", "gas_price_usd_per_mmbtu", "land_cost_usd_per_acre")
"""``sites.csv`` price columns scaled by U(0.85, 1.15) in each copy."""
KEY_COLUMNS = ("site_id", "applies_to")
"""Columns of ``data/*.csv`` that name a site: rows naming a copied site are copied with it."""
MAX_MOVE_DEG = 2.0
"""Largest move of a copy in latitude and longitude [deg]."""

RUNNER = """
import resource, runpy, sys
sys.argv = ["planner", *sys.argv[2:]]
try:
    runpy.run_module("planner", run_name="__main__")
finally:
    with open(RSS_FILE, "w") as f:
        f.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
"""
"""Runs ``python -m planner ...`` and writes its peak resident memory [KiB] (Linux ``ru_maxrss``)."""


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of a CSV file."""
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    """Write rows under ``header``."""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def copy_site(row: dict[str, str], k: int, rng: random.Random) -> tuple[dict[str, str], dict[str, str]]:
    """Copy ``k`` of a site row (moved, repriced) and the changed fields {column: new text}."""
    new = dict(row)
    new["site_id"] = f"{row['site_id']}_c{k}"
    new["name"] = f"{row['name']} (copy {k})"
    lat = max(-89.0, min(89.0, float(row["lat"]) + rng.uniform(-MAX_MOVE_DEG, MAX_MOVE_DEG)))
    changed = {
        "lat": f"{lat:.4f}",
        "lon": f"{float(row['lon']) + rng.uniform(-MAX_MOVE_DEG, MAX_MOVE_DEG):.4f}",
    }
    for column in REPRICED:
        changed[column] = repr(round(float(row[column]) * rng.uniform(0.85, 1.15), 6))
    new.update(changed)
    return new, changed


def grow_tree(home: Path, n_sites: int, seed: int) -> int:
    """Write a data tree at ``home`` with ``n_sites`` sites; returns the number of copies made."""
    for folder in ("data", "models", "scenarios"):
        shutil.copytree(SHIPPED_HOME / folder, home / folder)
    data = home / "data"
    header, sites = read_csv(data / "sites.csv")
    rng = random.Random(seed)
    grown = sites[:n_sites]
    copies: dict[str, tuple[str, dict[str, str]]] = {}  # copy id -> (original id, changed fields)
    k = 0
    while len(grown) < n_sites:
        k += 1
        for row in sites[: n_sites - len(grown)]:
            new, changed = copy_site(row, k, rng)
            grown.append(new)
            copies[new["site_id"]] = (row["site_id"], changed)
    write_csv(data / "sites.csv", header, grown)
    shipped_ids = {r["site_id"] for r in sites}
    kept = {r["site_id"] for r in grown}
    for path in sorted(data.glob("*.csv")):
        if path.name != "sites.csv":
            copy_keyed_rows(path, shipped_ids, kept, copies)
    return len(copies)


def copy_keyed_rows(
    path: Path, shipped_ids: set[str], kept: set[str], copies: dict[str, tuple[str, dict[str, str]]]
) -> None:
    """Drop rows of shipped sites not kept; append each copy's rows (``site_sources.csv``: new values)."""
    header, rows = read_csv(path)
    key = next((c for c in KEY_COLUMNS if c in header), None)
    if key is None:
        return
    out = [r for r in rows if r[key] not in shipped_ids or r[key] in kept]
    by_site: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        by_site.setdefault(r[key], []).append(r)
    for copy_id, (orig, changed) in copies.items():
        for r in by_site.get(orig, []):
            new = dict(r, **{key: copy_id})
            if "field" in new and new["field"] in changed:
                new["value"] = changed[new["field"]]
            out.append(new)
    write_csv(path, header, out)


def solve(home: Path, opts: argparse.Namespace, mode: str, out: Path) -> dict[str, float | str]:
    """One ``planner solve`` in its own process; its summary numbers, wall [s] and peak memory [GiB]."""
    args = [opts.scenario, "--out", str(out), "--no-map", "--no-report", "--set", f"time.mode={mode}"]
    args += ["--set", f"time.days={opts.days}", "--time-limit", str(opts.time_limit)]
    if opts.workers:
        args += ["--workers", str(opts.workers)]
    if opts.scheduler:
        args += ["--scheduler", opts.scheduler]
    rss_file = out.parent / f"{out.name}.rss"
    env = dict(os.environ, PLANNER_HOME=str(home))
    code = RUNNER.replace("RSS_FILE", repr(str(rss_file)))
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, "planner", "solve", *args], env=env, capture_output=True
    )
    wall = time.perf_counter() - t0
    row: dict[str, float | str] = {"wall_s": wall, "exit": str(done.returncode)}
    if rss_file.exists():
        row["peak_gib"] = int(rss_file.read_text()) / 2**20
    if done.returncode not in (0, 4):
        lines = done.stderr.decode(errors="replace").strip().splitlines()
        row["error"] = lines[-1] if lines else ""
        return row
    summary = json.loads((out / "summary.json").read_text())
    row.update(summary["model_size"])
    row.update(summary["timings"])
    row["gap"] = summary.get("mip_gap") or 0.0
    row["bound"] = summary.get("best_bound") or 0.0
    return row


COLUMNS = (
    ("sites", 5, "d"),
    ("mode", 6, ""),
    ("vars", 9, ",d"),
    ("build", 5, ".0f"),
    ("hand", 5, ".0f"),
    ("scrn", 5, ".0f"),
    ("bound", 5, ".0f"),
    ("b&b", 5, ".0f"),
    ("extr", 5, ".0f"),
    ("wall", 5, ".0f"),
    ("gap%", 5, ".2f"),
    ("GiB", 4, ".1f"),
    ("xN0", 4, ".1f"),
)
"""Table columns (times in seconds): at most 80 characters wide."""


def table_line(n: int, mode: str, row: dict[str, float | str], ratio: float | None) -> str:
    """One printed row; a failed solve shows its exit code and last message instead of numbers."""
    if "variables" not in row:
        return f"{n:>5} {mode:<6} exit {row.get('exit')}: {row.get('error', '')}"
    screening, bound = float(row["screening_s"]), float(row.get("bound_s", 0.0))
    branch = float(row["solve_s"]) - screening - bound
    values = (n, mode, int(row["variables"]), row["build_s"], row["handoff_s"], screening, bound, branch)
    values += (row["extract_s"], row["wall_s"], 100 * float(row["gap"]))
    values += (float(row.get("peak_gib", 0.0)), ratio if ratio is not None else 1.0)
    cells = (
        format(v, f"{'<' if spec == '' else '>'}{width}{spec}")
        for (_, width, spec), v in zip(COLUMNS, values, strict=True)
    )
    return " ".join(cells)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", default="38,152,608,1216", help="catalog sizes, comma-separated")
    parser.add_argument("--days", type=int, default=8, help="representative days (hourly mode)")
    parser.add_argument("--modes", default="annual,representative_days")
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--scheduler", default="")
    parser.add_argument("--time-limit", type=float, default=1800.0)
    parser.add_argument("--scenario", default="us_inference_2027")
    parser.add_argument("--seed", type=int, default=2026)
    opts = parser.parse_args()
    sizes = [int(s) for s in opts.sites.split(",")]
    modes = opts.modes.split(",")
    print(" ".join(f"{name:{'<' if spec == '' else '>'}{width}}" for name, width, spec in COLUMNS))
    first_wall: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="planner-scale-") as tmp:
        for n in sizes:
            home = Path(tmp) / f"home{n}"
            grow_tree(home, n, opts.seed)
            for mode in modes:
                row = solve(home, opts, mode, Path(tmp) / f"run-{n}-{mode}")
                wall = float(row["wall_s"])
                first_wall.setdefault(mode, wall)
                short = "annual" if mode == "annual" else "hourly"
                print(table_line(n, short, row, wall / first_wall[mode]), flush=True)
            shutil.rmtree(home)


if __name__ == "__main__":
    main()
