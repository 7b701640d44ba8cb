"""Hierarchical shrinkage fit of the roofline's log error on MLPerf pairs.

For pair i (a GPU, a served model, an MLPerf scenario) with residual y_i = log(measured /
roofline), the model is

    y_i = mu + a_vendor + a_family + b_model + c_scenario + d_(workload, scenario) + e_i

(c and d are 0 offline). mu and c_scenario are free; every other effect is shrunk toward 0 (the
shared value) by a ridge penalty lambda_level x effect^2, i.e. a Gaussian prior of variance
sigma^2 / lambda_level: a level with few or scattered results stays near the shared value, one
with many consistent results departs from it. The loss is soft-L1 on the residuals (scale
LOSS_SCALE), solved by iteratively reweighted least squares:

    beta = (X' W X + Lambda)^-1 X' W y,   w_i = 1 / sqrt(1 + (r_i / LOSS_SCALE)^2)

The prior strengths are chosen on leave-one-GPU-out error (mean |y_i - y_hat_i(-gpu)|), never on
in-sample error. Closed form per fold: a refit costs microseconds, so leave-one-out is cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

LOSS_SCALE = 0.1
"""Scale of the soft-L1 loss on log residuals [-]: errors beyond ~10 % count about linearly, so a
few results the roofline cannot describe do not set the effects for all the others."""
FREE_PENALTY = 1e-6
"""Ridge on the free effects (mu, c_scenario): keeps the system solvable when a scenario has no
result, with no pull on the fit otherwise [-]."""
LEVELS = ("hardware", "model", "regime")
"""Penalised levels, each with one prior strength: hardware = vendor and family effects, model =
the served model's, regime = a benchmark's departure from its scenario's."""
LAMBDA_GRID = (0.3, 1.0, 3.0, 10.0, 30.0)
"""Prior strengths tried per level [-] (penalty weight relative to one pair at unit weight)."""
DEFAULT_LAMBDA: dict[str, float] = dict.fromkeys(LEVELS, 3.0)
"""Prior strengths used while the roofline efficiencies are chosen [-]."""


@dataclass(frozen=True)
class Design:
    """Design matrix of the pairs: one column per effect, its (kind, key) and its level."""

    x: np.ndarray
    columns: list[tuple[str, str]]
    level: list[str]

    def penalty(self, strengths: Mapping[str, float]) -> np.ndarray:
        """Diagonal of Lambda: the level's strength, FREE_PENALTY for free effects."""
        return np.array([strengths.get(lv, FREE_PENALTY) for lv in self.level])


_KIND_LEVEL = {"vendor": "hardware", "family": "hardware", "model": "model", "regime": "regime"}


def design(pairs: pd.DataFrame) -> Design:
    """Columns: intercept, vendor, family, model (each over the values in ``pairs``),
    scenario and workload|scenario for the latency-bounded scenarios."""
    bounded = pairs["scenario"] != "offline"
    keys = {
        "vendor": pairs["vendor"].astype(str),
        "family": pairs["family"].astype(str),
        "model": pairs["model_id"].astype(str),
        "scenario": pairs["scenario"].where(bounded, ""),
        "regime": (pairs["workload"] + "|" + pairs["scenario"]).where(bounded, ""),
    }
    cols: list[np.ndarray] = [np.ones(len(pairs))]
    names: list[tuple[str, str]] = [("intercept", "")]
    level = ["free"]
    for kind, values in keys.items():
        for key in sorted(v for v in values.unique() if v):
            cols.append((values == key).to_numpy(float))
            names.append((kind, key))
            level.append(_KIND_LEVEL.get(kind, "free"))
    return Design(np.column_stack(cols), names, level)


def solve(x: np.ndarray, y: np.ndarray, penalty: np.ndarray, iters: int = 30) -> np.ndarray:
    """Soft-L1 ridge by IRLS: beta = (X' W X + diag(penalty))^-1 X' W y, w from the residuals."""
    w = np.ones(len(y))
    beta = np.zeros(x.shape[1])
    for _ in range(iters):
        a = x.T @ (w[:, None] * x) + np.diag(penalty)
        beta = np.linalg.solve(a, x.T @ (w * y))
        r = y - x @ beta
        new = 1.0 / np.sqrt(1.0 + (r / LOSS_SCALE) ** 2)
        if np.max(np.abs(new - w)) < 1e-6:
            break
        w = new
    return beta


def leave_one_out(d: Design, y: np.ndarray, groups: np.ndarray, penalty: np.ndarray) -> np.ndarray:
    """y_hat_i from the fit without i's group (for a GPU: its own column is then 0)."""
    pred = np.full(len(y), np.nan)
    for g in np.unique(groups):
        out = groups == g
        if out.all():
            continue
        beta = solve(d.x[~out], y[~out], penalty)
        pred[out] = d.x[out] @ beta
    return pred


def cv_error(d: Design, y: np.ndarray, groups: np.ndarray, strengths: Mapping[str, float]) -> float:
    """Mean |y - y_hat(-group)| [-], the leave-one-group-out criterion."""
    pred = leave_one_out(d, y, groups, d.penalty(strengths))
    ok = np.isfinite(pred)
    return float(np.mean(np.abs(y[ok] - pred[ok]))) if ok.any() else float("inf")


def coordinate_search(
    grid: Mapping[str, Sequence[float]],
    score: Callable[[dict[str, float]], float],
    start: Mapping[str, float],
    passes: int = 2,
) -> tuple[dict[str, float], float]:
    """Minimise ``score`` over the grid one coordinate at a time (each coordinate's values tried
    with the others held, ``passes`` sweeps), each point scored once; ties keep the current point."""
    memo: dict[tuple[float, ...], float] = {}

    def at(point: Mapping[str, float]) -> float:
        key = tuple(point[k] for k in grid)
        if key not in memo:
            memo[key] = score(dict(point))
        return memo[key]

    best = dict(start)
    best_score = at(best)
    for _ in range(passes):
        for name, values in grid.items():
            for v in values:
                trial = {**best, name: v}
                err = at(trial)
                if err < best_score - 1e-12:
                    best, best_score = trial, err
    return best, best_score


def choose_strengths(d: Design, y: np.ndarray, groups: np.ndarray) -> tuple[dict[str, float], float]:
    """The prior strengths (one per level, from LAMBDA_GRID) with the least leave-one-group-out
    error by :func:`coordinate_search` from DEFAULT_LAMBDA, and that error."""
    grid = dict.fromkeys(LEVELS, LAMBDA_GRID)
    return coordinate_search(grid, lambda st: cv_error(d, y, groups, st), DEFAULT_LAMBDA)


def effects(d: Design, beta: np.ndarray) -> dict[str, dict[str, float]]:
    """Fitted effects by kind: {"vendor": {...}, "family": {...}, ..., "intercept": {"": mu}}."""
    out: dict[str, dict[str, float]] = {}
    for (kind, key), b in zip(d.columns, beta, strict=True):
        out.setdefault(kind, {})[key] = float(b)
    return out


def regime_points(fx: Mapping[str, Mapping[str, float]], workload: str | None) -> dict[str, float]:
    """c_scenario + d_(workload, scenario) per bounded scenario [-] (d = 0 without results)."""
    scen = fx.get("scenario", {})
    reg = fx.get("regime", {})
    return {s: c + (reg.get(f"{workload}|{s}", 0.0) if workload else 0.0) for s, c in scen.items()}


def describe(strengths: Mapping[str, float], names: Sequence[str] = LEVELS) -> str:
    """``hardware 3, model 1, ...``: the prior strengths in one line."""
    return ", ".join(f"{k} {strengths[k]:g}" for k in names if k in strengths)
