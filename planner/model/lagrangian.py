"""A provable lower bound by site: Lagrangian relaxation of the rows that couple sites.

The hourly model is a set of site blocks (cooling, fleet, energy supply and storage, hour by
hour) tied together by a few rows: demand met per stream, and global policies (carbon cap,
clean share, number of sites). Those coupling rows, r_i: l_i <= a_i x <= u_i, are moved into
the objective with multipliers y_i, the integrality of every column is dropped, and what is
left separates by site. For any y whose signs match finite row bounds (y_i > 0 needs l_i,
y_i < 0 needs u_i), weak duality gives a valid bound on the MIP optimum::

    L(y) = min_{x in X} (c - A_c' y) x + sum_i y_i b_i,    b_i = l_i if y_i > 0 else u_i
    L(y) <= LP relaxation optimum <= MIP optimum

where X keeps the site rows and the column bounds. Good multipliers come from the duals of a
*restricted* relaxation: the LP relaxation in which only a few sites may be used (columns of
the others fixed at 0). Sites whose block has a negative reduced value at those prices are
added and the restricted LP solved again (column generation on site blocks, as in
Dantzig-Wolfe), until the bound proves the plan within the gap. Each restricted LP and the
separated LP are far smaller and easier than the full relaxation of the hourly model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

from planner.model.interrupt import run_interruptible
from planner.model.relaxation import Relaxation
from planner.model.threads import use_threads


@dataclass(frozen=True)
class SiteBlocks:
    """The coupling rows and the columns of each site of a compiled model."""

    matrix: sp.csr_matrix  # A, rows x columns
    coupling: np.ndarray  # bool per row: touches columns of two sites, or a column of no site
    site_columns: dict[str, np.ndarray]  # site -> its column positions

    def groups(self) -> dict[str | None, tuple[np.ndarray, np.ndarray]]:
        """Columns and non-coupling rows of each site, and of the site-less columns (key None)."""
        owner = np.full(self.matrix.shape[1], -1)
        names = list(self.site_columns)
        for k, cols in enumerate(self.site_columns.values()):
            owner[cols] = k
        first = np.full(self.matrix.shape[0], -1)
        nonempty = np.diff(self.matrix.indptr) > 0
        first[nonempty] = owner[self.matrix.indices[self.matrix.indptr[:-1][nonempty]]]
        out: dict[str | None, tuple[np.ndarray, np.ndarray]] = {}
        for k, name in [(k, n) for k, n in enumerate(names)] + [(-1, None)]:
            cols = np.flatnonzero(owner == k)
            rows = np.flatnonzero(~self.coupling & nonempty & (first == k))
            if cols.size:
                out[name] = (cols, rows)
        return out


def _site_of(column: object, sites: set[str]) -> str | None:
    """The site a Pyomo variable belongs to (first index element), else None."""
    index = column.index()  # type: ignore[attr-defined]
    first = index[0] if isinstance(index, tuple) and index else index
    return first if isinstance(first, str) and first in sites else None


def site_blocks(lp: highspy.HighsLp, columns: list, sites: set[str]) -> SiteBlocks:
    """Find each column's site and the rows that couple sites (or involve a site-less column)."""
    a = lp.a_matrix_
    matrix = sp.csc_matrix((a.value_, a.index_, a.start_), shape=(lp.num_row_, lp.num_col_)).tocsr()
    owner = [_site_of(c, sites) for c in columns]
    codes = {s: k for k, s in enumerate(sorted(sites))}
    code = np.array([codes[s] if s is not None else -1 for s in owner])
    coupling = np.zeros(lp.num_row_, dtype=bool)
    for i in range(lp.num_row_):
        row = code[matrix.indices[matrix.indptr[i] : matrix.indptr[i + 1]]]
        coupling[i] = row.size > 0 and (row.min() < 0 or row.min() != row.max())
    by_site = {s: np.flatnonzero(code == k) for s, k in codes.items()}
    return SiteBlocks(matrix, coupling, by_site)


def _usable(y: np.ndarray, lp: highspy.HighsLp, blocks: SiteBlocks) -> tuple[np.ndarray, float]:
    """Multipliers on coupling rows only, with signs the finite row bounds allow, and sum y_i b_i."""
    lower, upper = np.asarray(lp.row_lower_, dtype=float), np.asarray(lp.row_upper_, dtype=float)
    y = np.where(blocks.coupling, y, 0.0)
    y = np.where(((y > 0) & ~np.isfinite(lower)) | ((y < 0) & ~np.isfinite(upper)), 0.0, y)
    rhs = np.where(y > 0, np.where(np.isfinite(lower), lower, 0.0), np.where(np.isfinite(upper), upper, 0.0))
    return y, float(y @ rhs)


def _solve_block(
    lp: highspy.HighsLp,
    blocks: SiteBlocks,
    cost: np.ndarray,
    cols: np.ndarray,
    rows: np.ndarray,
    threads: int,
) -> np.ndarray | None:
    """min cost[cols] x over one block's rows and column bounds; its minimiser, or None."""
    matrix = blocks.matrix[rows][:, cols].tocsc()
    sub = highspy.HighsLp()
    sub.num_col_, sub.num_row_ = int(cols.size), int(rows.size)
    sub.col_cost_ = cost[cols]
    sub.col_lower_ = np.asarray(lp.col_lower_, dtype=float)[cols]
    sub.col_upper_ = np.asarray(lp.col_upper_, dtype=float)[cols]
    sub.row_lower_ = np.asarray(lp.row_lower_, dtype=float)[rows]
    sub.row_upper_ = np.asarray(lp.row_upper_, dtype=float)[rows]
    sub.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    sub.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    sub.a_matrix_.index_ = matrix.indices.astype(np.int32)
    sub.a_matrix_.value_ = matrix.data.astype(float)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    use_threads(h, threads)
    h.passModel(sub)
    run_interruptible(h)
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return np.asarray(h.getSolution().col_value, dtype=float)


def lagrangian_bound(
    lp: highspy.HighsLp, blocks: SiteBlocks, y: np.ndarray, threads: int
) -> tuple[float, dict[str, float]] | None:
    """L(y) [objective units] and each site's reduced value (c - A_c' y) x_s at the minimiser;
    None when a block has no finite optimum. Each site block is solved as its own LP."""
    y, constant = _usable(y, lp, blocks)
    cost = np.asarray(lp.col_cost_, dtype=float) - blocks.matrix.T @ y
    x = np.zeros(lp.num_col_)
    values: dict[str, float] = {}
    for group, (cols, rows) in blocks.groups().items():
        found = _solve_block(lp, blocks, cost, cols, rows, threads)
        if found is None:
            return None
        x[cols] = found
        if group is not None:
            values[group] = float(cost[cols] @ found)
    return float(lp.offset_) + constant + float(cost @ x), values


def _restricted_duals(
    relaxation: Relaxation, lp: highspy.HighsLp, blocks: SiteBlocks, included: set[str]
) -> np.ndarray | None:
    """Row duals of the LP relaxation in which only ``included`` sites may be used."""
    lower = np.asarray(lp.col_lower_, dtype=float).copy()
    upper = np.asarray(lp.col_upper_, dtype=float).copy()
    for site, cols in blocks.site_columns.items():
        if site not in included:
            lower[cols] = upper[cols] = np.clip(0.0, lower[cols], upper[cols])
    if relaxation.solve(lower, upper) is None:
        return None
    return np.asarray(relaxation.h.getSolution().row_dual, dtype=float)


def certify(
    relaxation: Relaxation,
    lp: highspy.HighsLp,
    blocks: SiteBlocks,
    start: set[str],
    objective: float,
    gap: float,
    threads: int,
    rounds: int = 6,
) -> float:
    """The best Lagrangian bound found, adding profitable sites to the restricted LP round by
    round until (objective - bound) / |objective| <= ``gap`` or ``rounds`` run out; -inf if none.
    ``threads``: the HiGHS thread count of ``relaxation`` (one scheduler per process)."""
    best, included = -math.inf, set(start)
    for _ in range(rounds):
        y = _restricted_duals(relaxation, lp, blocks, included)
        found = lagrangian_bound(lp, blocks, y, threads) if y is not None else None
        if found is None:
            return best
        best = max(best, found[0])
        profitable = {s for s, v in found[1].items() if s not in included and v < -1e-9}
        if (objective - best) / max(abs(objective), 1e-12) <= gap or not profitable:
            return best
        included |= profitable
    return best
