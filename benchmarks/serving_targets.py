"""What the latency target costs: one scenario solved at three serving targets.

Usage::

    .venv/bin/python benchmarks/serving_targets.py [SCENARIO] [--days N] [--time-limit S]

Solves SCENARIO (default: the default scenario) three times, every served model at
  card         its model card's production target (``serving_ttft_ms`` / ``serving_tpot_ms``);
  server       its MLPerf benchmark's server limits (llama2-70b's for a card without one);
  interactive  its MLPerf benchmark's interactive limits (llama2-70b's where it has none),
set through ``physics.serving_targets``. Prints the targets, then per target $/Mtok, capex,
GPUs installed and J/token, then the GPUs each model is given (peak allocation, summed over
sites) by type. Issue 10's closing note quotes this table.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

import planner  # noqa: E402
from planner.api import resolve_scenario  # noqa: E402
from planner.catalogs.load import Catalogs, load_catalogs  # noqa: E402
from planner.chain.tokens.throughput import regime  # noqa: E402

TARGETS = ("card", "server", "interactive")


def targets_ms(model: Any, which: str) -> tuple[float, float]:
    """(TTFT, TPOT) [ms] of a model card at ``which`` of :data:`TARGETS`."""
    t = regime(model, None if which == "card" else which, None)[1]
    return round(t.ttft_s * 1e3, 6), round(t.tpot_s * 1e3, 6)


def solve_at(scenario: Any, catalogs: Catalogs, which: str, args: argparse.Namespace) -> dict[str, Any]:
    """Solve with every served model at ``which`` target; headline numbers and GPUs by model."""
    models = sorted({s.model for s in scenario.demand.served})
    serving = {}
    for m in models:
        ttft, tpot = targets_ms(catalogs.models.loc[m], which)
        serving[m] = {"ttft_ms": ttft, "tpot_ms": tpot}
    overrides: dict[str, Any] = {"physics.serving_targets": serving}
    if args.days is not None:
        overrides["time.days"] = args.days
    r = planner.solve(scenario, overrides=overrides, time_limit_s=args.time_limit, catalogs=catalogs)
    fleet = r.tables["fleet"]
    by_model = fleet.groupby(["model_id", "gpu_id"])["gpus_allocated_peak"].sum()
    return {"summary": r.summary, "by_model": by_model, "serving": serving}


def print_targets(runs: dict[str, dict[str, Any]]) -> None:
    """TTFT / TPOT [ms] per model and target."""
    models = sorted(runs[TARGETS[0]]["serving"])
    print(f"{'model':<16}" + "".join(f"{w:>20}" for w in TARGETS))
    print("-" * (16 + 20 * len(TARGETS)))
    for m in models:
        cells = [runs[w]["serving"][m] for w in TARGETS]
        print(f"{m:<16}" + "".join(f"{c['ttft_ms']:>10,.0f}/{c['tpot_ms']:>5,.0f} ms" for c in cells))
    print("(TTFT / TPOT, p99)\n")


def print_headline(runs: dict[str, dict[str, Any]]) -> None:
    """$/Mtok, capex, GPUs and J/token per target."""
    print(f"{'target':<12}{'status':>10}{'$/Mtok':>8}{'capex B$':>10}{'GPUs':>10}{'J/token':>9}{'gap':>7}")
    print("-" * 66)
    for w in TARGETS:
        s = runs[w]["summary"]
        gpus = sum(s["gpus"].values())
        print(
            f"{w:<12}{s['status']:>10}{s['cost_usd_per_mtok']:>8.3f}{s['capex_usd'] / 1e9:>10.2f}"
            f"{gpus:>10,}{s['facility_joules_per_token']:>9.3f}{s['mip_gap']:>7.2%}"
        )
    print("(J/token at the facility meter)\n")


def print_by_model(runs: dict[str, dict[str, Any]]) -> None:
    """GPUs each model is allocated at peak, by type, per target."""
    table = pd.DataFrame({w: runs[w]["by_model"] for w in TARGETS}).fillna(0.0)
    table = table[(table > 0.5).any(axis=1)]
    print(f"{'model':<16}{'GPU':<8}" + "".join(f"{w:>12}" for w in TARGETS))
    print("-" * (24 + 12 * len(TARGETS)))
    for (model, gpu), row in table.iterrows():
        print(f"{model:<16}{gpu:<8}" + "".join(f"{row[w]:>12,.0f}" for w in TARGETS))
    print("(GPUs allocated at the peak hour, summed over sites; installed adds spares and whole racks)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scenario", nargs="?", default=None)
    parser.add_argument("--days", type=int, default=None, help="representative days (default: scenario's)")
    parser.add_argument("--time-limit", type=float, default=300.0)
    args = parser.parse_args()
    catalogs = load_catalogs()
    scenario = resolve_scenario(args.scenario, catalogs)
    runs = {w: solve_at(scenario, catalogs, w, args) for w in TARGETS}
    print(f"scenario {scenario.name}\n")
    print_targets(runs)
    print_headline(runs)
    print_by_model(runs)


if __name__ == "__main__":
    main()
