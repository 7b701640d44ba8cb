"""Roofline estimate vs MLPerf: every matched result, the error per GPU, and leave-one-GPU-out.

Run: ``.venv/bin/python benchmarks/calibration.py`` (three fits: all rounds, and the rounds before
v5.1 and before v6.0 for leave-one-round-out; the leave-one-GPU-out and leave-one-model-out
refits are closed form).
APE = |estimate - measured| / measured. Per pair it also prints where the step is too fast
(Little's law bound tokens/s x TPOT on the batch per GPU, and the mean interval the measured rate
implies at the roofline's own batch against the roofline's). Ends with the calibration table, for
all pairs and for the interactive pairs alone.
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
from planner.chain.tokens.topology import mlperf_plan  # noqa: E402

ROUNDS = ("v5.1", "v6.0")
"""Rounds predicted by leave-one-round-out, each from the rounds before it."""


def _loro(catalogs, version: str) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """Leave-one-round-out: fit on the rounds before ``version``, predict ``version``."""
    t = leave_one_round_out(catalogs, version)
    if t.empty:
        print(f"\nleave-one-round-out to {version}: no older round or no result of {version}")
        return t
    cols = ["gpu_id", "model_id", "scenario", "precision", "tokens_per_s_per_gpu", "loro_estimate"]
    print(f"\nLeave-one-round-out to {version} (fit on the rounds before it)")
    print(t[cols + ["loro_ape"]].to_string(index=False, float_format=lambda x: f"{x:,.3f}"))
    print(f"LORO {version}: median APE {t['loro_ape'].median():.1%}, worst {t['loro_ape'].max():.1%}")
    print(f"LORO {version}: per-step cost fitted on the older rounds t_0 = {t.attrs.get('step', '?')}")
    return t


def _little(catalogs, cal, pairs: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    """Where the step is too fast, per pair (issue 10). Little's law: a GPU serving tokens/s with
    each sequence's mean interval within the TPOT limit holds at most tokens/s x TPOT sequences;
    and at the roofline's own batch b = B / n per GPU the measured rate implies a mean interval of
    b / tokens/s, against the roofline's (physics at the fitted efficiencies, no corrections)."""
    f = Factors(cal.eta_c, cal.eta_bw, cal.eta_fp4, 1.0, {}, None, cal.step)
    rows = []
    for k in pairs.itertuples(index=False):
        target = scenario_target(k.workload, k.scenario)
        r = roofline(catalogs.gpus.loc[k.gpu_id], catalogs.models.loc[k.model_id], k.precision,
                     MLPERF_WORKLOADS[k.workload], f, target, k.workload,
                     mlperf_plan(k.workload, k.scenario, k.version))  # fmt: skip
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
    rows = power_rows(catalogs)
    for version in ROUNDS:
        n = int((rows["version"] == version).sum())
        print(f"{version}: {n} result(s) with measured system power" + ("" if n else " (none published)"))
    for r in rows.itertuples():
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
    print(
        f"per-step cost t_0 = {cal.step.label()} (chosen by leave-one-GPU-out on the interactive pairs, "
        f"mean |log error| {cal.step_cv_error:.3f})"
    )
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


def _table(title: str, checks: list[tuple[str, pd.Series]]) -> None:
    """One calibration table: pairs, median and worst APE per check."""
    print(f"\n{title}\n{'check':28s} {'pairs':>5s} {'median':>7s} {'worst':>7s}")
    for name, ape in checks:
        ape = ape.dropna()
        median, worst = (ape.median(), ape.max()) if len(ape) else (float("nan"), float("nan"))
        print(f"{name:28s} {len(ape):5d} {median:7.1%} {worst:7.1%}")


def _pick(df: pd.DataFrame, col: str, scenario: str | None) -> pd.Series:
    """Column ``col`` of ``df``, of the pairs of ``scenario`` only if given (empty if ``df`` is)."""
    if df.empty:
        return pd.Series(dtype=float)
    return df[col] if scenario is None else df.loc[df["scenario"] == scenario, col]


def _summary(
    rows: pd.DataFrame, pairs: pd.DataFrame, loro: dict[str, pd.DataFrame], lomo: pd.DataFrame
) -> None:
    """The calibration table: median and worst APE in-sample, leave-one-GPU-out, leave-one-round-out
    to each of ROUNDS (also split by whether the older rounds ran the model) and, for transfer to a
    model MLPerf never ran, leave-one-model-out; then the same for the interactive pairs alone."""
    for title, keep in (("all pairs", None), ("interactive pairs alone", "interactive")):
        checks = [("in-sample", _pick(pairs, "ape", keep))]
        checks.append(("leave-one-GPU-out", _pick(pairs, "loo_ape", keep)))
        for version, t in loro.items():
            older = set(rows.loc[rows["version"].map(version_key) < version_key(version), "model_id"])
            ape = _pick(t, "loro_ape", keep)
            seen = t.loc[ape.index, "model_id"].isin(older) if len(ape) else pd.Series(dtype=bool)
            checks += [
                (f"leave-one-round-out {version}", ape),
                ("  models in older rounds", ape[seen]),
                ("  models new in it", ape[~seen]),
            ]
        checks.append(("leave-one-model-out", _pick(lomo, "lomo_ape", keep)))
        _table(f"Calibration table, {title}", checks)


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
    loro = {v: _loro(catalogs, v) for v in ROUNDS}
    lomo = leave_one_model_out(catalogs)
    per_model = lomo.groupby("model_id")["lomo_ape"].agg(["median", "max"])
    print("\nleave-one-model-out per model\n" + per_model.to_string(float_format=lambda x: f"{x:.1%}"))
    _joules(catalogs)
    _summary(rows, pairs, loro, lomo)


if __name__ == "__main__":
    main()
