"""Roofline estimate vs MLPerf: every matched result, the error per GPU, and leave-one-GPU-out.

Run: ``.venv/bin/python benchmarks/calibration.py`` (two fits of a few seconds each: all rounds,
and the older rounds for leave-one-round-out; the leave-one-GPU-out and leave-one-model-out
refits are closed form).
APE = |estimate - measured| / measured. Per pair it also prints where the step is too fast
(Little's law bound tokens/s x TPOT on the batch per GPU, and the mean interval the measured rate
implies at the roofline's own batch against the roofline's). Ends with the calibration table.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from planner.catalogs.load import load_catalogs  # noqa: E402
from planner.chain.tokens.calibration import (  # noqa: E402
    calibration_report,
    leave_one_model_out,
    leave_one_round_out,
)
from planner.chain.tokens.mlperf import MLPERF_WORKLOADS, scenario_target, version_key  # noqa: E402
from planner.chain.tokens.power import busy_share, node_power_w, power_rows  # noqa: E402
from planner.chain.tokens.roofline import Factors, roofline  # noqa: E402
from planner.chain.tokens.throughput import throughput  # noqa: E402


def _loro(catalogs) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """Leave-one-round-out: fit on the older rounds, predict the newest round in data/."""
    t = leave_one_round_out(catalogs)
    if t.empty:
        print("\nleave-one-round-out: fewer than two rounds")
        return t
    cols = ["gpu_id", "model_id", "scenario", "version", "precision", "tokens_per_s_per_gpu", "loro_estimate"]
    print("\nLeave-one-round-out (fit on older rounds, predict the newest)")
    print(t[cols + ["loro_ape"]].to_string(index=False, float_format=lambda x: f"{x:,.3f}"))
    print(f"LORO: median APE {t['loro_ape'].median():.1%}, worst {t['loro_ape'].max():.1%}")
    return t


def _little(catalogs, cal, pairs: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    """Where the step is too fast, per pair (issue 10). Little's law: a GPU serving tokens/s with
    each sequence's mean interval within the TPOT limit holds at most tokens/s x TPOT sequences;
    and at the roofline's own batch b = B / n per GPU the measured rate implies a mean interval of
    b / tokens/s, against the roofline's (physics at the fitted efficiencies, no corrections)."""
    f = Factors(cal.eta_c, cal.eta_bw, cal.eta_fp4, 1.0, {})
    rows = []
    for k in pairs.itertuples(index=False):
        target = scenario_target(k.workload, k.scenario)
        r = roofline(catalogs.gpus.loc[k.gpu_id], catalogs.models.loc[k.model_id], k.precision,
                     MLPERF_WORKLOADS[k.workload], f, target, k.workload)  # fmt: skip
        if r.replica_gpus == 0:
            continue
        per_gpu = r.batch / r.replica_gpus
        meas = k.tokens_per_s_per_gpu
        rows.append([k.gpu_id, k.model_id, k.scenario, meas, meas * target.tpot_s, per_gpu, r.replica_gpus,
                     r.tpot_s * 1e3, per_gpu / meas * 1e3, per_gpu / meas / r.tpot_s])  # fmt: skip
    cols = ["gpu_id", "model_id", "scenario", "measured", "little_max_b_per_gpu", "roofline_b_per_gpu", "n",
            "roofline_interval_ms", "implied_interval_ms", "implied/roofline"]  # fmt: skip
    print("\nLittle's law and the implied interval per pair (measured tokens/s at the roofline's batch)")
    print(pd.DataFrame(rows, columns=cols).to_string(index=False, float_format=lambda x: f"{x:,.2f}"))


def _computed(catalogs, gpu_id: str, precision: str) -> str:  # type: ignore[no-untyped-def]
    """The precision the calibration reads a submission at: fp16/bf16 on a GPU with fp8 units = fp8."""
    p = str(precision).lower().replace("fp16", "bf16")
    has_fp8 = float(catalogs.gpus.loc[gpu_id, "dense_fp8_tflops"] or 0) > 0
    return "fp8" if p == "bf16" and has_fp8 else p


def _joules(catalogs) -> None:  # type: ignore[no-untyped-def]
    """Measured J/token (system power / system tokens/s) vs the estimate (busy node power / tokens/s)."""
    print("\nJ/token at the IT meter: measured (MLPerf system power) vs estimated")
    for r in power_rows(catalogs).itertuples():
        tp = throughput(
            r.gpu_id,
            r.model_id,
            catalogs,
            estimate_only=True,
            precision=_computed(catalogs, r.gpu_id, r.precision),
            scenario=r.scenario,
        )
        w = node_power_w(catalogs.gpus.loc[r.gpu_id], 1.0, busy_share(catalogs, r.gpu_id))
        est = w / tp.tokens_per_s_per_gpu if tp.tokens_per_s_per_gpu > 0 else float("nan")
        print(
            f"{r.version} {r.submitter:10s} {r.gpu_id:6s} {r.model_id:15s} {r.scenario:8s} {r.precision:5s} "
            f"measured {r.joules_per_token:.3f}  estimated {est:.3f}  ({est / r.joules_per_token - 1:+.0%})"
        )


def _fit(cal) -> None:  # type: ignore[no-untyped-def]
    """The chosen efficiencies, prior strengths and fitted effects (log space and as factors)."""
    print(f"\nfitted: eta_c = {cal.eta_c:.3f}, eta_bw = {cal.eta_bw:.3f}, eta_fp4 = {cal.eta_fp4:.3f}")
    strengths = ", ".join(f"{k} {v:g}" for k, v in cal.prior_strength.items())
    print(f"prior strengths (chosen by leave-one-GPU-out, mean |log error| {cal.cv_error:.3f}): {strengths}")
    print(f"shared effect mu {cal.shared_effect:+.3f} (x{math.exp(cal.shared_effect):.2f})")
    for name, fx in (
        ("vendor", cal.vendor_effect),
        ("family", cal.family_effect),
        ("model", cal.model_effect),
    ):
        print(f"{name:7s} " + ", ".join(f"{k} {v:+.3f}" for k, v in sorted(fx.items())))
    print(
        "regime c at (TPOT ms): "
        + "; ".join(
            f"{k or 'pooled'} " + ", ".join(f"{t * 1e3:g} ms {c:+.3f}" for t, c in v)
            for k, v in cal.regime_anchors.items()
        )
    )
    print(
        "server/offline ratios (measured medians, reported only): overall "
        f"{cal.server_ratio:.3f}; "
        + ", ".join(f"{k} {v:.3f}" for k, v in cal.server_ratio_by_workload.items())
    )


def _groups(cal, pairs: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    """Median and worst APE in-sample and leave-one-GPU-out per GPU and per model."""
    for key in ("gpu_id", "model_id"):
        per = pairs.groupby(key).agg(
            pairs=("ape", "size"),
            median_ape=("ape", "median"),
            worst_ape=("ape", "max"),
            loo_median_ape=("loo_ape", "median"),
            loo_worst_ape=("loo_ape", "max"),
        )
        print(f"\nper {key} (pairs)\n" + per.to_string(float_format=lambda x: f"{x:.1%}"))


def _summary(pairs: pd.DataFrame, loro: pd.DataFrame, lomo: pd.DataFrame, old_models: set[str]) -> None:
    """The calibration table: median and worst APE in-sample, leave-one-GPU-out, leave-one-round-out
    (also split by whether the older rounds ran the model) and, for transfer to a model MLPerf never
    ran, leave-one-model-out."""
    loro_ape = loro.get("loro_ape", pd.Series(dtype=float))
    seen = loro.get("model_id", pd.Series(dtype=str)).isin(old_models)
    table = [
        ("in-sample", pairs["ape"]),
        ("leave-one-GPU-out", pairs["loo_ape"]),
        ("leave-one-round-out", loro_ape),
        ("  models in older rounds", loro_ape[seen]),
        ("  models new in newest", loro_ape[~seen]),
        ("leave-one-model-out", lomo["lomo_ape"]),
    ]
    print(f"\n{'check':26s} {'pairs':>5s} {'median':>7s} {'worst':>7s}")
    for name, ape in table:
        print(f"{name:26s} {ape.notna().sum():5d} {ape.median():7.1%} {ape.max():7.1%}")


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
    cols = ["gpu_id", "model_id", "scenario", "version", "submitter", "precision", "fit"]
    cols += ["tokens_per_s_per_gpu", "estimate", "ape", "loo_ape"]
    print(r[cols].sort_values(cols[:5]).to_string(index=False, float_format=lambda x: f"{x:,.3f}"))
    print("\nPairs fitted (median of the latest-version results of each gpu/model/scenario)")
    cols = ["gpu_id", "model_id", "scenario", "version", "precision", "n_rows", "tokens_per_s_per_gpu"]
    cols += ["estimate", "ape", "loo_estimate", "loo_ape"]
    print(pairs[cols].to_string(index=False, float_format=lambda x: f"{x:,.3f}"))
    _fit(cal)
    print(f"rows {cal.n_rows}, pairs {cal.n_pairs}")
    _little(catalogs, cal, pairs)
    _groups(cal, pairs)
    loro = _loro(catalogs)
    lomo = leave_one_model_out(catalogs)
    per_model = lomo.groupby("model_id")["lomo_ape"].agg(["median", "max"])
    print("\nleave-one-model-out per model\n" + per_model.to_string(float_format=lambda x: f"{x:.1%}"))
    _joules(catalogs)
    newest = max(rows["version"], key=version_key)
    _summary(pairs, loro, lomo, set(rows.loc[rows["version"] != newest, "model_id"]))


if __name__ == "__main__":
    main()
