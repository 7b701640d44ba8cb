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
from typing import Any

import highspy
import numpy as np
import scipy.sparse as sp

from planner.model.interrupt import run_interruptible
from planner.model.relaxation import Relaxation, column_bounds
from planner.model.threads import use_threads

ADD_PER_ROUND = 4
"""Sites added to the restricted LP per column-generation round: a small restricted LP is fast,
and the bound usually needs only a few of the sites that look profitable at the first prices."""


WARM_ITERATIONS = 20_000
"""Simplex iterations a site LP may take from its previous round's basis before it is solved
again from scratch."""
STALL_ITERATIONS_MIN = 10_000
STALL_ITERATIONS_PER_ELEMENT = 4
"""A block LP's dual simplex is taken to have stalled after max(STALL_ITERATIONS_MIN,
STALL_ITERATIONS_PER_ELEMENT x (rows + columns)) iterations (a healthy solve of a
us_cfe_24x7_90 site block, 3,022 rows x 2,295 columns, takes ~2,400)."""
PRIMAL_ROOM = 20
"""Primal simplex, the fallback, may take this many times the dual's cap before giving up."""
PRIMAL_SIMPLEX, DUAL_SIMPLEX = 4, 1
"""HiGHS ``simplex_strategy`` values: 4 = primal, 1 = dual (the default)."""


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


def site_of(column: object, sites: set[str]) -> str | None:
    """The site a Pyomo variable belongs to (first index element), else None."""
    index = column.index()  # type: ignore[attr-defined]
    first = index[0] if isinstance(index, tuple) and index else index
    return first if isinstance(first, str) and first in sites else None


def site_blocks(lp: highspy.HighsLp, columns: list, sites: set[str]) -> SiteBlocks:
    """Find each column's site and the rows that couple sites (or involve a site-less column)."""
    a = lp.a_matrix_
    matrix = sp.csc_matrix((a.value_, a.index_, a.start_), shape=(lp.num_row_, lp.num_col_)).tocsr()
    owner = [site_of(c, sites) for c in columns]
    codes = {s: k for k, s in enumerate(sorted(sites))}
    code = np.array([codes[s] if s is not None else -1 for s in owner])
    coupling = np.zeros(lp.num_row_, dtype=bool)
    nonempty = np.flatnonzero(np.diff(matrix.indptr) > 0)
    if nonempty.size:  # min and max column owner per row (-1: a site-less column)
        owners = code[matrix.indices]
        low = np.minimum.reduceat(owners, matrix.indptr[nonempty])
        high = np.maximum.reduceat(owners, matrix.indptr[nonempty])
        coupling[nonempty] = (low < 0) | (low != high)
    by_site = {s: np.flatnonzero(code == k) for s, k in codes.items()}
    return SiteBlocks(matrix, coupling, by_site)


def _usable(y: np.ndarray, lp: highspy.HighsLp, blocks: SiteBlocks) -> tuple[np.ndarray, float]:
    """Multipliers on coupling rows only, with signs the finite row bounds allow, and sum y_i b_i."""
    lower, upper = np.asarray(lp.row_lower_, dtype=float), np.asarray(lp.row_upper_, dtype=float)
    y = np.where(blocks.coupling, y, 0.0)
    y = np.where(((y > 0) & ~np.isfinite(lower)) | ((y < 0) & ~np.isfinite(upper)), 0.0, y)
    rhs = np.where(y > 0, np.where(np.isfinite(lower), lower, 0.0), np.where(np.isfinite(upper), upper, 0.0))
    return y, float(y @ rhs)


@dataclass(frozen=True)
class BlockLp:
    """One block's LP without its costs (plain arrays, sent once to a dask worker)."""

    matrix: sp.csc_matrix  # the block's rows x its columns
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray


def block_lps(lp: highspy.HighsLp, blocks: SiteBlocks) -> dict[str | None, tuple[np.ndarray, BlockLp]]:
    """The columns and the LP of each site block (key None: the site-less columns)."""
    col_lower, col_upper = np.asarray(lp.col_lower_, dtype=float), np.asarray(lp.col_upper_, dtype=float)
    row_lower, row_upper = np.asarray(lp.row_lower_, dtype=float), np.asarray(lp.row_upper_, dtype=float)
    out = {}
    for group, (cols, rows) in blocks.groups().items():
        matrix = blocks.matrix[rows][:, cols].tocsc()
        out[group] = (
            cols,
            BlockLp(matrix, col_lower[cols], col_upper[cols], row_lower[rows], row_upper[rows]),
        )
    return out


def block_highs(block: BlockLp, cost: np.ndarray, threads: int = 1) -> highspy.Highs:
    """A HiGHS instance holding one block's LP with objective ``cost``."""
    sub = highspy.HighsLp()
    sub.num_col_, sub.num_row_ = block.matrix.shape[1], block.matrix.shape[0]
    sub.col_cost_ = cost
    sub.col_lower_, sub.col_upper_ = block.col_lower, block.col_upper
    sub.row_lower_, sub.row_upper_ = block.row_lower, block.row_upper
    sub.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    sub.a_matrix_.start_ = block.matrix.indptr.astype(np.int32)
    sub.a_matrix_.index_ = block.matrix.indices.astype(np.int32)
    sub.a_matrix_.value_ = block.matrix.data.astype(float)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    use_threads(h, threads)
    h.passModel(sub)
    return h


def minimiser(h: highspy.Highs, iterations: int | None = None) -> np.ndarray | None:
    """Run ``h``; its optimal column values, or None (no finite optimum).

    Dual simplex within ``iterations`` (default: ``STALL_ITERATIONS_PER_ELEMENT`` x (rows +
    columns), at least ``STALL_ITERATIONS_MIN``); if it stops there, primal simplex from scratch
    (with the same cap times ``PRIMAL_ROOM``). HiGHS 1.x's dual simplex was seen to cycle on a
    site block that primal simplex solves in 0.14 s (us_cfe_24x7_90: 174k iterations, no end)."""
    size = h.getNumRow() + h.getNumCol()
    cap = iterations or max(STALL_ITERATIONS_MIN, STALL_ITERATIONS_PER_ELEMENT * size)
    h.setOptionValue("simplex_iteration_limit", cap)
    run_interruptible(h)
    if h.getModelStatus() == highspy.HighsModelStatus.kIterationLimit:
        h.clearSolver()
        h.setOptionValue("simplex_strategy", PRIMAL_SIMPLEX)
        h.setOptionValue("simplex_iteration_limit", PRIMAL_ROOM * max(cap, STALL_ITERATIONS_MIN))
        run_interruptible(h)
        h.setOptionValue("simplex_strategy", DUAL_SIMPLEX)
    h.setOptionValue("simplex_iteration_limit", highspy.kHighsIInf)
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return np.asarray(h.getSolution().col_value, dtype=float)


def solve_block(block: BlockLp, cost: np.ndarray, threads: int = 1) -> np.ndarray | None:
    """min cost x over one block's rows and column bounds; its minimiser, or None. Runs in the
    caller's process or on a dask worker (one HiGHS thread there)."""
    return minimiser(block_highs(block, cost, threads))


class BlockSolver:
    """Solves every site block's LP for given costs: here one after another, or on a dask
    cluster (``client``), where each block's LP is scattered to the workers once and every
    round sends only the block's costs. The blocks are independent, so the answers are the same."""

    def __init__(self, lp: highspy.HighsLp, blocks: SiteBlocks, threads: int, client: Any = None) -> None:
        self.parts = block_lps(lp, blocks)
        self.threads, self.client = threads, client
        self.highs: dict[str | None, highspy.Highs] = {}
        self.remote = (
            dict(zip(self.parts, client.scatter([b for _, b in self.parts.values()], broadcast=False)))
            if client is not None
            else None
        )

    def solve(self, cost: np.ndarray) -> dict[str | None, np.ndarray | None]:
        """Each block's minimiser of ``cost`` (None where it has no finite optimum). Here, each
        block keeps its HiGHS instance between rounds: only the costs change, and the simplex
        starts from the block's last optimal basis."""
        if self.remote is None:
            return {g: self._local(g, cost[cols]) for g, (cols, _) in self.parts.items()}
        futures = {
            g: self.client.submit(solve_block, self.remote[g], cost[cols], 1, pure=False)
            for g, (cols, _) in self.parts.items()
        }
        return dict(zip(futures, self.client.gather(list(futures.values()))))

    def _local(self, group: str | None, cost: np.ndarray) -> np.ndarray | None:
        """One block solved here, re-using its HiGHS instance from the previous round: from the
        last optimal basis within :data:`WARM_ITERATIONS` simplex iterations, else from scratch
        by primal simplex (:func:`minimiser`; a warm start after a large price change can stall
        on a degenerate block)."""
        h = self.highs.get(group)
        if h is None:
            h = self.highs[group] = block_highs(self.parts[group][1], cost, self.threads)
            return minimiser(h)
        h.changeColsCost(cost.size, np.arange(cost.size, dtype=np.int32), cost)
        return minimiser(h, WARM_ITERATIONS)


def lagrangian_bound(
    lp: highspy.HighsLp, blocks: SiteBlocks, y: np.ndarray, threads: int, solver: BlockSolver | None = None
) -> tuple[float, dict[str, float]] | None:
    """L(y) [objective units] and each site's reduced value (c - A_c' y) x_s at the minimiser;
    None when a block has no finite optimum. Each site block is solved as its own LP (by
    ``solver``, e.g. on a dask cluster; by default here, one after another)."""
    y, constant = _usable(y, lp, blocks)
    cost = np.asarray(lp.col_cost_, dtype=float) - blocks.matrix.T @ y
    solver = solver or BlockSolver(lp, blocks, threads)
    x = np.zeros(lp.num_col_)
    values: dict[str, float] = {}
    for group, found in solver.solve(cost).items():
        if found is None:
            return None
        cols = solver.parts[group][0]
        x[cols] = found
        if group is not None:
            values[group] = float(cost[cols] @ found)
    return float(lp.offset_) + constant + float(cost @ x), values


def restricted_lp(
    relaxation: Relaxation,
    lp: highspy.HighsLp,
    blocks: SiteBlocks,
    included: set[str],
    forced: int | None = None,
) -> tuple[np.ndarray, np.ndarray] | None:
    """(row duals, column values) of the LP relaxation in which only ``included`` sites may be
    used (and column ``forced``, a site's ``open``, is at least 1); its objective is left in
    ``relaxation.objective``."""
    lower, upper = column_bounds(lp)
    for site, cols in blocks.site_columns.items():
        if site not in included:
            lower[cols] = upper[cols] = np.clip(0.0, lower[cols], upper[cols])
    if forced is not None:
        lower[forced] = 1.0
    # From scratch, not from the last basis: presolve then removes every excluded site's columns,
    # which a warm-started dual simplex on the whole model cannot (measured 11 s vs > 16 s CPU).
    relaxation.h.clearSolver()
    x = relaxation.solve(lower, upper)
    if x is None:
        return None
    return np.asarray(relaxation.h.getSolution().row_dual, dtype=float), x


@dataclass(frozen=True)
class Certificate:
    """What :func:`certify` found. ``bound``: the best Lagrangian bound L(y), -inf if none;
    ``restricted``: the objective of the last restricted LP, +inf if none, and ``x`` its column
    values (None if none). Since a restricted LP only fixes columns, and L(y) <= LP optimum::

        bound <= LP relaxation optimum <= restricted

    so when ``restricted`` is itself outside the gap of a plan, no LP bound can certify it.
    """

    bound: float
    restricted: float = math.inf
    x: np.ndarray | None = None


def certify(
    relaxation: Relaxation,
    lp: highspy.HighsLp,
    blocks: SiteBlocks,
    start: set[str],
    objective: float,
    gap: float,
    threads: int,
    rounds: int = 8,
    add_per_round: int = ADD_PER_ROUND,
    client: Any = None,
) -> Certificate:
    """The best Lagrangian bound found, adding profitable sites to the restricted LP round by
    round (the ``add_per_round`` most profitable, i.e. most negative reduced value, first) until
    (objective - bound) / |objective| <= ``gap``, no site is profitable (then the bound equals
    the LP relaxation's optimum) or ``rounds`` run out; with the last restricted LP.
    ``threads``: the HiGHS thread count of ``relaxation`` (one scheduler per process);
    ``client``: a dask.distributed client on which the site LPs of each round run in parallel."""
    best, included = Certificate(-math.inf), set(start)
    solver = BlockSolver(lp, blocks, threads, client)
    for _ in range(rounds):
        restricted = restricted_lp(relaxation, lp, blocks, included)
        if restricted is None:
            return best
        found = lagrangian_bound(lp, blocks, restricted[0], threads, solver)
        bound = max(best.bound, found[0]) if found is not None else best.bound
        best = Certificate(bound, relaxation.objective, restricted[1])
        if found is None:
            return best
        profitable = sorted((v, s) for s, v in found[1].items() if s not in included and v < -1e-9)
        if (objective - best.bound) / max(abs(objective), 1e-12) <= gap or not profitable:
            return best
        included |= {s for _, s in profitable[:add_per_round]}
    return best
