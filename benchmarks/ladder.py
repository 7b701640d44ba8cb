"""Benchmark ladder of generated instances: model size, build / hand-off / solve times, gap.

Rungs (issue 3; design.md section 7):
  1. 5 US sites, annual mode
  2. all 38 sites, 4 representative days
  3. all 38 sites, 12 representative days

Usage::

    .venv/bin/python benchmarks/ladder.py [--rungs 1,2,3] [--gap 0.01] [--time-limit 300]

Prints one row per rung: variables, constraints, nonzeros, integers, build s (inputs +
Pyomo model), hand-off s (standard-form compile + passModel), HiGHS solve s (incl. the
relax-and-round warm start), gap, and the Pyomo overhead ratio (build + hand-off) / solve.
Times are single runs on a shared 2-core machine: trust the ratios more than the seconds.
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import planner  # noqa: E402
from planner.catalogs.load import load_catalogs  # noqa: E402

ENERGY = ["grid", "pv", "wind", "battery", "ngcc", "gas_recip", "nuclear_smr", "geothermal"]
GPUS = ["H100", "H200", "B200", "GB200", "GB300", "MI300X", "MI355X"]
COOLING = ["air", "rdhx", "dlc", "immersion_1ph"]


def generated_scenario(
    name: str, sites: list[str] | str, mode: str, days: int, europe: bool, gap: float, time_limit: float
) -> dict[str, Any]:
    """A generated instance: US (and optionally European) demand for three served models."""
    served = []
    regions = {"us-east": 1.0, "us-west": 0.8, "us-central": 0.6, "us-south": 0.6}
    if europe:
        regions |= {"eu-west": 0.5, "eu-central": 0.4, "eu-north": 0.2}
    for region, weight in regions.items():
        served += [
            {"region": region, "model": "llama-3.1-70b", "tokens_per_s": 4.0e6 * weight},
            {"region": region, "model": "llama-3.1-8b", "tokens_per_s": 2.5e6 * weight},
            {"region": region, "model": "deepseek-r1", "tokens_per_s": 2.0e6 * weight},
        ]
    return {
        "name": name,
        "description": "generated benchmark instance",
        "demand": {
            "served": served,
            "latency_ms": {"llama-3.1-70b": 50, "llama-3.1-8b": 40, "deepseek-r1": 150},
            "peak_to_average": 1.3,
        },
        "sites": {"include": sites},
        "technologies": {"energy": ENERGY, "gpus": GPUS, "cooling": COOLING},
        "policy": {"min_sites": 2, "max_share_per_site": 0.6},
        "time": {"mode": mode, "days": days},
        "solver": {"mip_gap": gap, "time_limit_s": time_limit, "threads": 2},
    }


RUNGS = {
    1: (
        "5 sites, annual",
        ["loudoun_va", "dfw_tx", "quincy_wa", "chicago_il", "phoenix_az"],
        "annual",
        1,
        False,
    ),
    2: ("38 sites, 4 rep. days", "all", "representative_days", 4, True),
    3: ("38 sites, 12 rep. days", "all", "representative_days", 12, True),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rungs", default="1,2,3")
    parser.add_argument("--gap", type=float, default=0.01)
    parser.add_argument("--time-limit", type=float, default=300.0)
    args = parser.parse_args()
    catalogs = load_catalogs()
    planner.solve(
        generated_scenario("warmup", RUNGS[1][1], "annual", 1, False, 0.01, 60), catalogs=catalogs
    )  # caches calibration
    header = (
        f"{'rung':<24}{'vars':>8}{'cons':>8}{'nnz':>9}{'ints':>6}"
        f"{'build s':>9}{'handoff s':>10}{'solve s':>9}{'gap':>8}{'overhead':>9}  status"
    )
    print(header)
    print("-" * len(header))
    for k in (int(x) for x in args.rungs.split(",")):
        label, sites, mode, days, europe = RUNGS[k]
        scn = generated_scenario(
            f"rung{k}", copy.deepcopy(sites), mode, days, europe, args.gap, args.time_limit
        )
        r = planner.solve(scn, catalogs=catalogs)
        t, size = r.summary["timings"], r.summary["model_size"]
        overhead = (t["build_s"] + t["handoff_s"]) / max(t["solve_s"], 1e-9)
        gap = r.summary["mip_gap"]
        print(
            f"{label:<24}{size['variables']:>8}{size['constraints']:>8}{size['nonzeros']:>9}{size['integer_variables']:>6}"
            f"{t['build_s']:>9.2f}{t['handoff_s']:>10.2f}{t['solve_s']:>9.2f}"
            f"{'n/a' if gap is None else f'{gap:.2%}':>8}{overhead:>9.2f}  {r.status}",
            flush=True,
        )


if __name__ == "__main__":
    main()
