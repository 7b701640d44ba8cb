"""Hierarchical shrinkage fit of the roofline's log error on MLPerf pairs.

For pair i (a GPU, a served model, an MLPerf scenario) with residual y_i = log(measured /
roofline), the roofline at e = 1 and at the scenario's limits, the model is

    y_i = u_i + min(D_i(u_i), c_scenario + d_(workload, scenario)) + e_i
    u_i = mu + a_vendor + a_family + b_model              log efficiency of the configuration

(c and d are 0 offline, where D = 0 too). u is the efficiency that scales tokens/s and stretches
the step time, so under a latency target it also shrinks the batch: D_i(u) = log roofline(e^u x
target) - log roofline(target) <= 0 for e < 1 (:mod:`planner.chain.tokens.stretch`). c + d is
the measured cost of the limit beyond the roofline's batch (what Poisson arrivals and p99 limits
cost); both are costs of one limit, so the larger applies, never both. mu and c_scenario are
free; every other effect is shrunk toward 0 (the shared value) by a ridge penalty lambda_level x
effect^2, i.e. a Gaussian prior of variance sigma^2 / lambda_level: a level with few or scattered
results stays near the shared value, one with many consistent results departs from it. The loss
is soft-L1 on the residuals (scale LOSS_SCALE), solved by iteratively reweighted least squares,
Gauss-Newton for the stretch (J = d prediction / d beta,
:meth:`planner.chain.tokens.stretch.Stretch.jacobian`):

    beta = (J' W J + Lambda)^-1 J' W (r + J beta),   w_i = 1 / sqrt(1 + (r_i / LOSS_SCALE)^2)

(without a stretch J = X and this is beta = (X' W X + Lambda)^-1 X' W y). The prior strengths are
chosen on leave-one-GPU-out error (mean |y_i - y_hat_i(-gpu)|), never on in-sample error. D is
tabulated once per efficiency choice, so a refit per fold costs milliseconds.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.chain.tokens.stretch import Stretch

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

    @property
    def efficiency(self) -> np.ndarray:
        """Columns whose sum is the log efficiency u that stretches the step: the shared, vendor,
        family and model effects (:mod:`planner.chain.tokens.stretch`)."""
        return np.array([kind in EFFICIENCY_KINDS for kind, _ in self.columns])

    def penalty(self, strengths: Mapping[str, float]) -> np.ndarray:
        """Diagonal of Lambda: the level's strength, FREE_PENALTY for free effects."""
        return np.array([strengths.get(lv, FREE_PENALTY) for lv in self.level])


EFFICIENCY_KINDS = ("intercept", "vendor", "family", "model")
"""Effects that make up the configuration's efficiency e (they stretch the step time); the
scenario and regime effects scale tokens/s only."""
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


def solve(
    x: np.ndarray, y: np.ndarray, penalty: np.ndarray, stretch: Stretch | None = None, iters: int = 100
) -> np.ndarray:
    """Soft-L1 ridge: beta minimising sum rho(y - f(beta)) + beta' diag(penalty) beta,
    rho(r) = 2 s^2 (sqrt(1 + (r/s)^2) - 1), s = LOSS_SCALE.

    Linear model f = X beta (``stretch`` None): IRLS, beta = (X' W X + diag(penalty))^-1 X' W y,
    w = 1 / sqrt(1 + (r/s)^2) from the residuals. With ``stretch`` f = u + min(D(u), c), u = X_e
    beta_e the log efficiency and c = X_r beta_r the regime effect
    (:mod:`planner.chain.tokens.stretch`): Gauss-Newton inside the IRLS from the linear fit, J =
    :meth:`Stretch.jacobian`, beta_new = (J' W J + Lambda)^-1 J' W (r + J beta), each step halved
    until the objective falls."""
    beta = _irls(x, y, penalty, iters)
    if stretch is None:
        return beta
    for _ in range(iters):
        r = y - stretch.predict(x, beta)
        w = 1.0 / np.sqrt(1.0 + (r / LOSS_SCALE) ** 2)
        j = stretch.jacobian(x, beta)
        a = j.T @ (w[:, None] * j) + np.diag(penalty)
        step = np.linalg.solve(a, j.T @ (w * (r + j @ beta))) - beta
        start, t = _objective(x, y, penalty, stretch, beta), 1.0
        while _objective(x, y, penalty, stretch, beta + t * step) > start and t > 1e-4:
            t /= 2.0
        beta = beta + t * step
        if np.max(np.abs(t * step)) < 1e-9:
            break
    return beta


def _irls(x: np.ndarray, y: np.ndarray, penalty: np.ndarray, iters: int) -> np.ndarray:
    """The linear soft-L1 ridge of :func:`solve` by IRLS."""
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


def _objective(
    x: np.ndarray, y: np.ndarray, penalty: np.ndarray, stretch: Stretch, beta: np.ndarray
) -> float:
    """sum rho(r) + beta' diag(penalty) beta of :func:`solve` [-]."""
    r = (y - stretch.predict(x, beta)) / LOSS_SCALE
    return float(2.0 * LOSS_SCALE**2 * np.sum(np.sqrt(1.0 + r**2) - 1.0) + beta @ (penalty * beta))


def predict(x: np.ndarray, beta: np.ndarray, stretch: Stretch | None = None) -> np.ndarray:
    """Fitted log(measured / roofline) [-]: X beta, or u + min(D(u), c) with a stretch."""
    return x @ beta if stretch is None else stretch.predict(x, beta)


def leave_one_out(
    d: Design, y: np.ndarray, groups: np.ndarray, penalty: np.ndarray, stretch: Stretch | None = None
) -> np.ndarray:
    """y_hat_i from the fit without i's group (for a GPU: its own column is then 0)."""
    pred = np.full(len(y), np.nan)
    for g in np.unique(groups):
        out = groups == g
        if out.all():
            continue
        beta = solve(d.x[~out], y[~out], penalty, None if stretch is None else stretch.take(~out))
        pred[out] = predict(d.x[out], beta, None if stretch is None else stretch.take(out))
    return pred


def cv_error(
    d: Design,
    y: np.ndarray,
    groups: np.ndarray,
    strengths: Mapping[str, float],
    stretch: Stretch | None = None,
) -> float:
    """Mean |y - y_hat(-group)| [-], the leave-one-group-out criterion."""
    pred = leave_one_out(d, y, groups, d.penalty(strengths), stretch)
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


def grid_search(
    grid: Mapping[str, Sequence[float]], score: Callable[[dict[str, float]], float]
) -> tuple[dict[str, float], float]:
    """Minimise ``score`` over every point of the grid (the product of the coordinates' values);
    ties keep the first point in grid order. Unlike :func:`coordinate_search` it cannot stop at a
    point that is best along each coordinate only."""
    points = [dict(zip(grid, values, strict=True)) for values in itertools.product(*grid.values())]
    scores = [score(p) for p in points]
    best = int(np.argmin(scores))
    return points[best], float(scores[best])


def choose_strengths(
    d: Design, y: np.ndarray, groups: np.ndarray, stretch: Stretch | None = None
) -> tuple[dict[str, float], float]:
    """The prior strengths (one per level, from LAMBDA_GRID) with the least leave-one-group-out
    error by :func:`coordinate_search` from DEFAULT_LAMBDA, and that error."""
    grid = dict.fromkeys(LEVELS, LAMBDA_GRID)
    return coordinate_search(grid, lambda st: cv_error(d, y, groups, st, stretch), DEFAULT_LAMBDA)


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
