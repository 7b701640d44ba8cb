"""Roofline estimate vs MLPerf: every matched result, the error per GPU, and leave-one-GPU-out.

Run: ``.venv/bin/python benchmarks/calibration.py`` (about a minute: nine refits for the
leave-one-GPU-out check). APE = |estimate - measured| / measured.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from planner.catalogs.load import load_catalogs  # noqa: E402
from planner.chain.tokens.calibration import calibration_report, leave_one_round_out  # noqa: E402
from planner.chain.tokens.power import busy_share, node_power_w, power_rows  # noqa: E402
from planner.chain.tokens.throughput import throughput  # noqa: E402


def _loro(catalogs) -> None:  # type: ignore[no-untyped-def]
    """Leave-one-round-out: fit on the older rounds, predict the newest round in data/."""
    t = leave_one_round_out(catalogs)
    if t.empty:
        print("\nleave-one-round-out: fewer than two rounds")
        return
    cols = ["gpu_id", "model_id", "scenario", "version", "precision", "tokens_per_s_per_gpu", "loro_estimate"]
    print("\nLeave-one-round-out (fit on older rounds, predict the newest)")
    print(t[cols + ["loro_ape"]].to_string(index=False, float_format=lambda x: f"{x:,.3f}"))
    print(f"LORO: median APE {t['loro_ape'].median():.1%}, worst {t['loro_ape'].max():.1%}")


def _joules(catalogs) -> None:  # type: ignore[no-untyped-def]
    """Measured J/token (system power / system tokens/s) vs the estimate (busy node power / tokens/s)."""
    print("\nJ/token at the IT meter: measured (MLPerf system power) vs estimated")
    for r in power_rows(catalogs).itertuples():
        tp = throughput(
            r.gpu_id,
            r.model_id,
            catalogs,
            estimate_only=True,
            precision=r.precision.replace("fp16", "bf16"),
            scenario=r.scenario,
        )
        w = node_power_w(catalogs.gpus.loc[r.gpu_id], 1.0, busy_share(catalogs, r.gpu_id))
        est = w / tp.tokens_per_s_per_gpu if tp.tokens_per_s_per_gpu > 0 else float("nan")
        print(
            f"{r.version} {r.submitter:10s} {r.gpu_id:6s} {r.model_id:15s} {r.scenario:8s} {r.precision:5s} "
            f"measured {r.joules_per_token:.3f}  estimated {est:.3f}  ({est / r.joules_per_token - 1:+.0%})"
        )


def main() -> None:
    catalogs = load_catalogs()
    cal, rows, pairs = calibration_report(catalogs)
    pd.set_option("display.width", 200)
    pd.set_option("display.max_rows", 1000)
    print(
        "Every matched MLPerf result (fit = latest version of its gpu/model/scenario; "
        "precision = as submitted -> as computed)"
    )
    r = rows.assign(precision=rows["precision_submitted"] + "->" + rows["precision"])
    cols = [
        "gpu_id",
        "model_id",
        "scenario",
        "version",
        "submitter",
        "precision",
        "fit",
        "tokens_per_s_per_gpu",
        "estimate",
        "ape",
        "loo_ape",
    ]
    print(r[cols].sort_values(cols[:5]).to_string(index=False, float_format=lambda x: f"{x:,.3f}"))
    print("\nPairs fitted (median of the latest-version results of each gpu/model/scenario)")
    cols = [
        "gpu_id",
        "model_id",
        "scenario",
        "version",
        "precision",
        "n_rows",
        "tokens_per_s_per_gpu",
        "estimate",
        "ape",
        "loo_estimate",
        "loo_ape",
    ]
    print(pairs[cols].to_string(index=False, float_format=lambda x: f"{x:,.3f}"))
    print(f"\nfitted: eta_c = {cal.eta_c:.3f}, eta_bw = {cal.eta_bw:.3f}, eta_fp4 = {cal.eta_fp4:.3f}")
    print(
        "server/offline ratios (measured medians): overall "
        f"{cal.server_ratio:.3f}; "
        + ", ".join(f"{k} {v:.3f}" for k, v in cal.server_ratio_by_workload.items())
    )
    print(f"rows {cal.n_rows}, pairs {cal.n_pairs}")
    print(
        f"pairs: median APE {cal.median_ape:.1%}, worst {cal.worst_ape:.1%}; "
        f"leave-one-GPU-out median APE {cal.loo_median_ape:.1%}"
    )
    fit_rows = rows[rows["fit"]]
    print(
        f"rows (fit set): median APE {fit_rows['ape'].median():.1%}, worst {fit_rows['ape'].max():.1%}; "
        f"all matched rows incl. older versions: median {rows['ape'].median():.1%}"
    )
    per = pd.DataFrame(
        {
            "pairs": pairs.groupby("gpu_id").size(),
            "median_ape": pd.Series(cal.per_gpu_median_ape),
            "worst_ape": pairs.groupby("gpu_id")["ape"].max(),
            "loo_median_ape": pd.Series(cal.loo_per_gpu_median_ape),
        }
    )
    print("\nper GPU (pairs)\n" + per.to_string(float_format=lambda x: f"{x:.1%}"))
    per_model = pairs.groupby("model_id").agg(
        pairs=("ape", "size"), median_ape=("ape", "median"), loo_median_ape=("loo_ape", "median")
    )
    print("\nper model (pairs)\n" + per_model.to_string(float_format=lambda x: f"{x:.1%}"))
    print(
        f"\nsummary: in-sample median {cal.median_ape:.1%} worst {cal.worst_ape:.1%}; leave-one-GPU-out "
        f"median {pairs['loo_ape'].median():.1%} worst {pairs['loo_ape'].max():.1%}"
    )
    _loro(catalogs)
    _joules(catalogs)


if __name__ == "__main__":
    main()
