"""Representative (typical) days from 8760-hour profiles with tsam.

All series (e.g. SITE_COLUMNS per site, ``demand`` per region) are aggregated together, so
every key shares the same typical days and day sequence. Method: tsam hierarchical
clustering of the 365 daily profiles (each column min-max normalised by tsam), medoid
representation (each typical day is a real day, so the columns stay physically coherent),
tsam's column-mean rescaling, then our own check and correction (below).

Extremes: ``"COLUMN:KIND"`` applies to the mean of ``COLUMN`` over all keys that have it
(e.g. ``"demand:max"`` = the day of the highest hourly total demand, ``"pv_cf:min"`` = the
day with the lowest fleet-mean PV output); ``"KEY:COLUMN:KIND"`` applies to one series.
KIND is ``max`` (the day holding the highest hourly value), ``min`` (the day with the lowest
daily mean: a minimum hourly value is meaningless for profiles that are 0 every night),
or tsam's ``max_value``, ``min_value``, ``max_period``, ``min_period``. Extreme days become
their own typical days (tsam ``new_cluster``: days closer to them join them) and count in
``n_days`` (two specs that pick the same day give one typical day, so one fewer in all).

Mean preservation: after weighting, each column's typical-day mean must match its annual
mean within 1e-3 (relative, or 1e-3 of the column's range when the mean is near zero). If
tsam leaves a larger gap, non-extreme days are rescaled (columns >= 0: multiplicatively,
capped at the column's annual maximum, iterated) or shifted (columns with negatives).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.errors import InputError

KINDS = {
    "max": "max_value",
    "min": "min_period",
    "max_value": "max_value",
    "min_value": "min_value",
    "max_period": "max_period",
    "min_period": "min_period",
}
SEP = ":"


@dataclass(frozen=True)
class RepresentativeDays:
    """Typical days, their weights and the chronological day sequence.

    Attributes
    ----------
    weights_h : (n_days*24,) hours per year each slice stands for [h]; sums to 8760.
    day_weight : (n_days,) calendar days each typical day stands for [d]; sums to 365.
    assignments : (365,) typical-day index of each calendar day, in calendar order.
    values : key -> (n_days*24 rows, index (day, hour)) typical-day values, input columns.
    error : per (key, column): ``rmse`` of the rebuilt 8760 vs the original (column unit),
        ``nrmse`` = rmse / (max - min), ``mean``, ``mean_rebuilt`` and ``mean_rel_error``.
    index : the 8760 index of the input (used by :meth:`rebuild`).
    """

    weights_h: np.ndarray
    day_weight: np.ndarray
    assignments: np.ndarray
    values: dict[str, pd.DataFrame]
    error: pd.DataFrame
    index: pd.Index = field(default_factory=lambda: pd.RangeIndex(8760))

    @property
    def n_days(self) -> int:
        """Number of typical days."""
        return int(self.day_weight.size)

    def rebuild(self, key: str) -> pd.DataFrame:
        """The 8760-hour series of ``key`` rebuilt from the typical days via :attr:`assignments`."""
        if key not in self.values:
            raise InputError(f"representative days: unknown key '{key}'; known: {', '.join(self.values)}")
        v = self.values[key]
        arr = (
            v.to_numpy().reshape(self.n_days, 24, v.shape[1])[self.assignments].reshape(365 * 24, v.shape[1])
        )
        return pd.DataFrame(arr, index=self.index, columns=v.columns)


def _parse_extremes(
    extremes: Sequence[str], frame: pd.DataFrame, cols: Mapping[str, list[str]]
) -> tuple[dict[str, list[str]], pd.DataFrame]:
    """Map extreme specs to tsam ExtremeConfig lists; add helper columns for fleet-wide specs."""
    conf: dict[str, list[str]] = {k: [] for k in set(KINDS.values())}
    helpers: dict[str, np.ndarray] = {}
    for spec in extremes:
        parts = str(spec).split(SEP)
        if len(parts) not in (2, 3) or parts[-1] not in KINDS:
            raise InputError(
                f"extreme '{spec}': expected 'COLUMN:KIND' or 'KEY:COLUMN:KIND' with KIND in {sorted(KINDS)}"
            )
        if len(parts) == 3:
            name = f"{parts[0]}{SEP}{parts[1]}"
            if name not in frame.columns:
                raise InputError(f"extreme '{spec}': no series '{parts[1]}' under key '{parts[0]}'")
        else:
            members = cols.get(parts[0], [])
            if not members:
                raise InputError(
                    f"extreme '{spec}': no key has a column '{parts[0]}'; columns: {sorted(cols)}"
                )
            name = f"__all{SEP}{parts[0]}"
            helpers[name] = frame[members].to_numpy().mean(axis=1)
        if name not in conf[KINDS[parts[-1]]]:
            conf[KINDS[parts[-1]]].append(name)
    return conf, pd.DataFrame(helpers, index=frame.index)


def _aggregate(
    data: pd.DataFrame, n_clusters: int, conf: dict[str, list[str]]
) -> tuple[pd.DataFrame, np.ndarray]:
    """Run tsam; return (representatives indexed (cluster, hour), cluster of each of the 365 days).

    tsam >= 3: ``tsam.aggregate(..., cluster=ClusterConfig(...), extremes=ExtremeConfig(...))``
    (``cluster_representatives``, ``cluster_assignments``); tsam 2.x: the
    ``TimeSeriesAggregation`` class (``createTypicalPeriods()``, ``clusterOrder``).
    """
    import tsam

    has_ext = any(conf.values())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if hasattr(tsam, "aggregate"):
            ext = tsam.ExtremeConfig(method="new_cluster", **conf) if has_ext else None
            res = tsam.aggregate(
                data,
                n_clusters,
                period_duration=24,
                extremes=ext,
                cluster=tsam.ClusterConfig(method="hierarchical", representation="medoid"),
            )
            return res.cluster_representatives, np.asarray(res.cluster_assignments)
        from tsam.timeseriesaggregation import TimeSeriesAggregation

        agg = TimeSeriesAggregation(
            data,
            noTypicalPeriods=n_clusters,
            hoursPerPeriod=24,
            clusterMethod="hierarchical",
            representationMethod="medoidRepresentation",
            rescaleClusterPeriods=True,
            extremePeriodMethod="new_cluster_center" if has_ext else "None",
            addPeakMax=conf["max_value"],
            addPeakMin=conf["min_value"],
            addMeanMax=conf["max_period"],
            addMeanMin=conf["min_period"],
        )
        return agg.createTypicalPeriods(), np.asarray(agg.clusterOrder)


def _fix_means(typ: np.ndarray, w: np.ndarray, orig: pd.DataFrame, extreme_days: np.ndarray) -> np.ndarray:
    """Correct typical values (n, 24, C) so weighted column means match ``orig`` (see module doc)."""
    target = orig.to_numpy().mean(axis=0)
    lo, hi = orig.to_numpy().min(axis=0), orig.to_numpy().max(axis=0)
    tol = 1e-3 * np.maximum(np.abs(target), 1e-3 * (hi - lo) + 1e-12)
    free = ~extreme_days
    for _ in range(30):
        mean = np.einsum("d,dhc->c", w, typ) / (24 * w.sum())
        bad = np.abs(mean - target) > tol
        if not bad.any():
            break
        for c in np.flatnonzero(bad):
            share = w[free].sum() / w.sum()
            if lo[c] >= 0 and mean[c] > 0:
                fixed = np.einsum("d,dh->", w[~free], typ[~free, :, c]) / (24 * w.sum())
                factor = (target[c] - fixed) / max(mean[c] - fixed, 1e-12)
                typ[free, :, c] = np.minimum(typ[free, :, c] * factor, hi[c])
            else:
                typ[free, :, c] += (target[c] - mean[c]) / max(share, 1e-12)
    return typ


def representative_days(
    series: Mapping[str, pd.DataFrame], n_days: int, extremes: Sequence[str] = ()
) -> RepresentativeDays:
    """Choose ``n_days`` typical days for all ``series`` together (tsam, see module doc).

    Parameters
    ----------
    series : key -> 8760-row frame (hourly, calendar order, numeric, no gaps).
    n_days : number of typical days, extremes included (1..365).
    extremes : extreme-day specs, e.g. ``("demand:max", "pv_cf:min")``.
    """
    if not series:
        raise InputError("representative days: no series given")
    if not 1 <= int(n_days) <= 365:
        raise InputError(f"representative days: n_days {n_days}: allowed 1..365")
    parts, cols, index = [], {}, None
    for key, df in series.items():
        if SEP in str(key):
            raise InputError(f"representative days: key '{key}' must not contain '{SEP}'")
        df = df.to_frame() if isinstance(df, pd.Series) else df
        if len(df) != 8760:
            raise InputError(
                f"representative days: series '{key}' has {len(df)} rows; expected 8760 hourly values"
            )
        num = df.apply(pd.to_numeric, errors="coerce")
        if num.isna().any().any():
            bad = num.columns[num.isna().any()].tolist()
            raise InputError(
                f"representative days: series '{key}' has missing or non-numeric values in {bad}"
            )
        index = df.index if index is None else index
        for c in num.columns:
            cols.setdefault(str(c), []).append(f"{key}{SEP}{c}")
        parts.append(pd.DataFrame(num.to_numpy(float), columns=[f"{key}{SEP}{c}" for c in num.columns]))
    frame = pd.concat(parts, axis=1)
    frame.index = pd.date_range("2023-01-01", periods=8760, freq="h")
    conf, helpers = _parse_extremes(extremes, frame, cols)
    n_ext = sum(len(v) for v in conf.values())
    if n_ext >= int(n_days):
        raise InputError(f"representative days: {n_ext} extreme days need n_days > {n_ext} (got {n_days})")
    data = pd.concat([frame, helpers], axis=1)
    reps, order = _aggregate(data, int(n_days) - n_ext, conf)
    reps = reps.sort_index()
    ids = sorted(reps.index.get_level_values(0).unique())
    pos = {cid: i for i, cid in enumerate(ids)}
    assign = np.array([pos[int(c)] for c in order], dtype=int)
    w = np.bincount(assign, minlength=len(ids)).astype(float)  # equals tsam's cluster_counts
    typ = reps[frame.columns].to_numpy(float).reshape(len(ids), 24, frame.shape[1])
    ext_days = np.zeros(len(ids), dtype=bool)
    for name in (n for v in conf.values() for n in v):
        daily = data[name].to_numpy().reshape(365, 24)
        day = (
            int(np.argmax(daily.max(1)))
            if name in conf["max_value"]
            else int(np.argmin(daily.min(1)))
            if name in conf["min_value"]
            else int(np.argmax(daily.mean(1)))
            if name in conf["max_period"]
            else int(np.argmin(daily.mean(1)))
        )
        ext_days[assign[day]] = True
    typ = _fix_means(typ, w, frame, ext_days)
    mi = pd.MultiIndex.from_product([range(len(ids)), range(24)], names=["day", "hour"])
    values = {}
    for key, df in series.items():
        names = [f"{key}{SEP}{c}" for c in (df.to_frame() if isinstance(df, pd.Series) else df).columns]
        sel = [frame.columns.get_loc(n) for n in names]
        values[str(key)] = pd.DataFrame(
            typ[:, :, sel].reshape(len(ids) * 24, len(sel)),
            index=mi,
            columns=[n.split(SEP, 1)[1] for n in names],
        )
    rebuilt = typ[assign].reshape(8760, frame.shape[1])
    orig = frame.to_numpy()
    rmse = np.sqrt(((rebuilt - orig) ** 2).mean(axis=0))
    span = orig.max(axis=0) - orig.min(axis=0)
    mean, mean_rb = orig.mean(axis=0), rebuilt.mean(axis=0)
    err = pd.DataFrame(
        {
            "rmse": rmse,
            "nrmse": np.divide(rmse, span, out=np.zeros_like(rmse), where=span > 0),
            "mean": mean,
            "mean_rebuilt": mean_rb,
            "mean_rel_error": np.divide(
                mean_rb - mean, np.abs(mean), out=np.zeros_like(mean), where=mean != 0
            ),
        },
        index=pd.MultiIndex.from_tuples(
            [tuple(c.split(SEP, 1)) for c in frame.columns], names=["key", "column"]
        ),
    )
    return RepresentativeDays(np.repeat(w, 24), w, assign, values, err, index)
