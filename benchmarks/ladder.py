"""Benchmark ladder: the planner's decomposition beside monolithic HiGHS on the same instance.

Rungs (issue 3; design.md section 7):
  0. 5 US sites, 2 representative days (small: the decomposition on an hourly model)
  1. 5 US sites, annual mode
  2. all 38 sites, 4 representative days
  3. all 38 sites, 12 representative days

Usage::

    .venv/bin/python benchmarks/ladder.py [--rungs 0,1,2,3 | --small] [--gap 0.01] [--time-limit 300]
        [--default] [--cfe] [--repeat N] [--workers N]

Per rung, in one run: model size; build s (inputs + Pyomo model); hand-off s; the planner's
solve (warm start, Lagrangian site bound, branch and bound when needed), end to end and its
gap; then monolithic HiGHS on the same compiled model: its LP relaxation alone and the MIP to
the same gap and time limit; and the ratios planner / LP relaxation and planner / MIP.
``--small`` runs rungs 0 and 1 only (for CI: seconds, not minutes).
``--default`` solves the default scenario in annual mode and on 8 representative days back to
back and prints the ratio (the issue-13 target: at most 2x); ``--cfe`` adds
``us_cfe_24x7_90`` and ``us_annual_match_90`` as ratios to the default's annual run (target:
at most 5x). ``--repeat`` repeats these pairs to show the spread. Times are wall seconds on a
shared machine: trust the ratios of one run more than the seconds.
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import highspy  # noqa: E402
import numpy as np  # noqa: E402

import planner  # noqa: E402
from planner.api import resolve_scenario  # noqa: E402
from planner.catalogs.load import Catalogs, load_catalogs  # noqa: E402
from planner.model.build import build_model  # noqa: E402
from planner.model.highs import compile_to_highs  # noqa: E402
from planner.model.inputs import build_inputs  # noqa: E402
from planner.model.threads import use_threads  # noqa: E402

ENERGY = ["grid", "pv", "wind", "battery", "ngcc", "gas_recip", "nuclear_smr", "geothermal"]
GPUS = ["H100", "H200", "B200", "GB200", "GB300", "MI300X", "MI355X"]
COOLING = ["air", "rdhx", "dlc", "immersion_1ph"]
FIVE = ["loudoun_va", "dfw_tx", "quincy_wa", "chicago_il", "phoenix_az"]


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
    0: ("5 sites, 2 rep. days", FIVE, "representative_days", 2, False),
    1: ("5 sites, annual", FIVE, "annual", 1, False),
    2: ("38 sites, 4 rep. days", "all", "representative_days", 4, True),
    3: ("38 sites, 12 rep. days", "all", "representative_days", 12, True),
}


def monolithic(data: dict[str, Any], catalogs: Catalogs) -> dict[str, Any]:
    """HiGHS alone on the compiled model of ``data``: LP relaxation and MIP wall seconds [s]."""
    scn = resolve_scenario(data, catalogs)
    lp, _, _ = compile_to_highs(build_model(build_inputs(scn, catalogs)))
    out: dict[str, Any] = {}
    for kind in ("lp", "mip"):
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        use_threads(h, scn.solver.threads)
        h.setOptionValue("time_limit", float(scn.solver.time_limit_s))
        h.setOptionValue("mip_rel_gap", float(scn.solver.mip_gap))
        h.passModel(lp)
        if kind == "lp":
            n = lp.num_col_
            h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), [highspy.HighsVarType.kContinuous] * n)
        t = time.perf_counter()
        h.run()
        out[f"{kind}_s"] = time.perf_counter() - t
        out[f"{kind}_status"] = h.modelStatusToString(h.getModelStatus())
        if kind == "mip":
            out["mip_gap"] = h.getInfo().mip_gap
    return out


def run_rung(k: int, args: argparse.Namespace, catalogs: Catalogs) -> None:
    """One rung: the planner, then monolithic HiGHS, on the same instance."""
    label, sites, mode, days, europe = RUNGS[k]
    data = generated_scenario(f"rung{k}", copy.deepcopy(sites), mode, days, europe, args.gap, args.time_limit)
    t = time.perf_counter()
    r = planner.solve(data, catalogs=catalogs, workers=args.workers)
    total = time.perf_counter() - t
    mono = monolithic(data, catalogs)
    size, tm, gap = r.summary["model_size"], r.summary["timings"], r.summary["mip_gap"]
    print(
        f"{label:<24}{size['variables']:>8}{size['constraints']:>8}{size['integer_variables']:>6}"
        f"{tm['build_s']:>8.1f}{tm['handoff_s']:>8.1f}{tm['solve_s']:>8.1f}{total:>8.1f}"
        f"{'n/a' if gap is None else f'{gap:.2%}':>7}",
        flush=True,
    )
    print(
        f"{'':<24}monolithic HiGHS: LP relaxation {mono['lp_s']:.1f} s ({mono['lp_status']}), "
        f"MIP {mono['mip_s']:.1f} s ({mono['mip_status']}, gap {mono['mip_gap']:.2%}); "
        f"planner solve / LP = {tm['solve_s'] / max(mono['lp_s'], 1e-9):.2f}, "
        f"planner solve / MIP = {tm['solve_s'] / max(mono['mip_s'], 1e-9):.2f}",
        flush=True,
    )


def timed_solve(scenario: Any, catalogs: Catalogs, overrides: dict[str, Any], workers: int | None) -> tuple:
    """(wall seconds end to end, status, gap) of one ``planner.solve``."""
    t = time.perf_counter()
    r = planner.solve(scenario, catalogs=catalogs, overrides=overrides, workers=workers)
    return time.perf_counter() - t, r.status, r.summary["mip_gap"]


def default_pairs(args: argparse.Namespace, catalogs: Catalogs) -> None:
    """The default scenario annual vs 8 representative days (and the CFE scenarios), back to back."""
    days8 = {"time.mode": "representative_days", "time.days": 8}
    cases = [("default, 8 rep. days", None, days8)]
    if args.cfe:
        cases += [(name, name, {}) for name in ("us_cfe_24x7_90", "us_annual_match_90")]
    for rep in range(args.repeat):
        annual = timed_solve(None, catalogs, {}, None)
        print(
            f"[{rep + 1}] default, annual: {annual[0]:.1f} s ({annual[1]}, gap {annual[2]:.2%})", flush=True
        )
        for label, scenario, overrides in cases:
            s, status, gap = timed_solve(scenario, catalogs, overrides, args.workers)
            gap_text = "n/a" if gap is None else f"{gap:.2%}"
            print(
                f"[{rep + 1}] {label}: {s:.1f} s ({status}, gap {gap_text}) = {s / annual[0]:.2f}x annual",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rungs", default="0,1,2,3")
    parser.add_argument("--small", action="store_true", help="rungs 0 and 1 only (CI)")
    parser.add_argument("--gap", type=float, default=0.01)
    parser.add_argument("--time-limit", type=float, default=300.0)
    parser.add_argument("--default", action="store_true", help="default scenario: annual vs 8 days")
    parser.add_argument("--cfe", action="store_true", help="with --default: the CFE scenarios too")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--workers", type=int, default=None, help="local dask workers for hourly solves")
    args = parser.parse_args()
    catalogs = load_catalogs()
    planner.solve(generated_scenario("warmup", FIVE, "annual", 1, False, 0.01, 60), catalogs=catalogs)
    if args.default:
        default_pairs(args, catalogs)
        return
    header = (
        f"{'rung':<24}{'vars':>8}{'cons':>8}{'ints':>6}"
        f"{'build':>8}{'handoff':>8}{'solve':>8}{'total':>8}{'gap':>7}"
    )
    print(header + "\n" + "-" * len(header))
    for k in (0, 1) if args.small else (int(x) for x in args.rungs.split(",")):
        run_rung(k, args, catalogs)


if __name__ == "__main__":
    main()
