"""Frontier selection as a swept choice: the paper's binned frontier and the alternatives.

The paper fits its law through one point per equal-width bin of log10 compute (Sec. 4, "Scaling
laws": the frontier of the runs, 5 bins, the authors' ``binned_line_fit``). That is one choice
among several; this module offers them behind one spec so that a backtest can sweep them:

* ``"binned"``: equal-width bins over ``[min x, max x + eps]``; the point of a bin is the bin
  centre (the paper) or the actual compute of the bin's best run (``x_at="actual"``);
* ``"geometric"``: one bin per doubling of compute (width log10 2), point at the best run;
* ``"pareto"``: the naive Pareto set, every run that no run with less compute beats or ties;
* ``"hull"``: the Pareto runs on the lower convex hull of the runs in log-log space.

Every selector works on ``(x, y) = (log10 compute, log10 error)``. There is one implementation
of each, vectorised over resamples (:func:`frontier_points_batch`, rows = bootstrap resamples or
backtest training sets); :func:`select_frontier` is its one-row case and
:func:`repro.scaling.binned_frontier` (the paper's frontier) reads the same bins through
:func:`binned_minima`. Independent re-implementations (the authors' code, a loop over bins,
``scipy.stats.binned_statistic(..., statistic="min")``) are cross-checks in the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from repro.constants import N_BINS, UPPER_EDGE_PAD_LOG10
from repro.errors import FitError

FrontierKind = Literal["binned", "geometric", "pareto", "hull"]
#: Width of a geometric bin: one doubling of compute, in log10 units.
LOG10_DOUBLING = float(np.log10(2.0))


@dataclass(frozen=True)
class FrontierSpec:
    """One frontier choice.

    ``kind`` picks the selector; ``n_bins``, ``eps`` and ``x_at`` matter for ``"binned"`` only
    (``x_at="centre"`` with :data:`~repro.constants.N_BINS` bins and eps 0.1 is the paper's frontier).
    """

    kind: FrontierKind = "binned"
    n_bins: int = N_BINS
    eps: float = UPPER_EDGE_PAD_LOG10
    x_at: Literal["centre", "actual"] = "centre"

    @property
    def name(self) -> str:
        """A short label: ``binned5-centre``, ``geometric``, ``pareto``, ``hull``."""
        if self.kind == "binned":
            pad = "" if self.eps == UPPER_EDGE_PAD_LOG10 else f"-eps{self.eps:g}"
            return f"binned{self.n_bins}-{self.x_at}{pad}"
        return self.kind


#: The paper's frontier (Sec. 4: bin centre and bin minimum of 5 equal-width bins).
PAPER_FRONTIER = FrontierSpec()
#: The frontiers swept by the backtest and the report.
STANDARD_FRONTIERS = (
    PAPER_FRONTIER,
    FrontierSpec("binned", x_at="actual"),
    FrontierSpec("geometric"),
    FrontierSpec("pareto"),
    FrontierSpec("hull"),
)


@dataclass(frozen=True)
class FrontierPoints:
    """The points a law is fitted through: ``x`` log10 compute, ``y`` log10 error, ``index``
    the run each point came from (-1 for a bin centre, which is no run's compute)."""

    x: np.ndarray
    y: np.ndarray
    index: np.ndarray
    spec: FrontierSpec


@dataclass(frozen=True)
class BinMinima:
    """The best run of every bin, for many resamples at once (rows).

    Attributes
    ----------
    edges : (B, n_bins + 1) array
        Bin edges in log10 compute, as ``np.histogram`` computes them (bins half-open ``[a, b)``).
    best : (B, n_bins) int array
        Index of the run with the smallest error in each bin (the first one on ties; 0 where
        the bin is empty).
    min_y : (B, n_bins) array
        That smallest log10 error (+inf where the bin is empty).
    found : (B, n_bins) bool array
        False where the bin holds no run of the resample (the paper drops such a bin).
    """

    edges: np.ndarray
    best: np.ndarray
    min_y: np.ndarray
    found: np.ndarray

    @property
    def centres(self) -> np.ndarray:
        """(B, n_bins) bin centres."""
        return (self.edges[:, :-1] + self.edges[:, 1:]) / 2


def binned_minima(log10_compute: np.ndarray, log10_error: np.ndarray, present: np.ndarray | None = None, *,
                  n_bins: int = N_BINS, eps: float = UPPER_EDGE_PAD_LOG10,
                  width: float | None = None) -> BinMinima:
    """The minimum log10 error per bin of log10 compute, for every row of ``present`` at once.

    Parameters
    ----------
    log10_compute, log10_error : (N,) array_like
        The runs; NaN errors are ignored (pandas ``min`` semantics, as the authors' code).
    present : (B, N) bool array, optional
        Which runs each row holds (default one row with every run).
    n_bins : int
        Equal-width bins over ``[min x, max x + eps]`` of the row's runs (the paper's frontier),
        unless ``width`` is given.
    eps : float
        Upper-edge pad in log10 units, so the largest run falls inside the last bin.
    width : float, optional
        Fixed bin width from the row's smallest compute instead (the geometric frontier:
        ``n_bins`` bins of width log10 2).

    Notes
    -----
    The edges equal ``np.histogram(x, range=(min, max + eps), bins=n_bins)[1]`` bit for bit
    (``np.linspace``: start + i * step, the last edge set to the stop) and membership equals
    ``np.digitize(x, edges) - 1``, the authors' ``binned_line_fit``.
    """
    x = np.asarray(log10_compute, dtype=float)
    y = np.asarray(log10_error, dtype=float)
    present = np.ones((1, len(x)), dtype=bool) if present is None else np.asarray(present, dtype=bool)
    present = present & ~np.isnan(y)[None, :]
    small = np.where(present, x, np.inf).min(axis=1)
    steps = np.arange(n_bins + 1)
    if width is None:
        big = np.where(present, x, -np.inf).max(axis=1)
        step = (big + eps - small) / n_bins
        edges = small[:, None] + step[:, None] * steps[None, :]
        edges[:, -1] = big + eps
    else:
        edges = small[:, None] + np.full(len(small), width)[:, None] * steps[None, :]
    # np.digitize(x, edges) - 1: the number of edges at or below x, minus one
    member = (x[None, :, None] >= edges[:, None, :]).sum(axis=2) - 1                     # (B, N)
    in_bin = (member[:, :, None] == np.arange(n_bins)[None, None, :]) & present[:, :, None]  # (B, N, n_bins)
    masked = np.where(in_bin, y[None, :, None], np.inf)
    best = np.argmin(masked, axis=1)
    min_y = np.take_along_axis(masked, best[:, None, :], axis=1)[:, 0, :]
    return BinMinima(edges, best, min_y, in_bin.any(axis=1))


def pareto_mask(log10_compute: np.ndarray, log10_error: np.ndarray) -> np.ndarray:
    """Runs on the Pareto frontier: no run with strictly less compute has lower-or-equal error.

    Runs with equal compute do not dominate each other.

    Parameters
    ----------
    log10_compute, log10_error : (N,) arrays
        The runs: log10 total GMACs and log10 error rate.
    """
    x = np.asarray(log10_compute, dtype=float)
    y = np.asarray(log10_error, dtype=float)
    order = np.argsort(x, kind="stable")
    valid = _pareto_sorted(x[order], y[order], np.ones((1, len(x)), dtype=bool))[0]
    mask = np.empty(len(x), dtype=bool)
    mask[order] = valid
    return mask


def _pareto_sorted(xs: np.ndarray, ys: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Pareto runs of every row (runs sorted by compute): (B, N) bool."""
    masked = np.where(present, ys[None, :], np.inf)
    running = np.minimum.accumulate(masked, axis=1)
    # best error among runs with strictly less compute: the running minimum just before the
    # first run of each compute value
    first = np.searchsorted(xs, xs, side="left")
    best_before = np.where(first[None, :] > 0, running[:, np.maximum(first - 1, 0)], np.inf)
    return present & (ys[None, :] < best_before)


def _lower_hull_rows(xs: np.ndarray, ys: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Runs on the lower convex hull of each row's runs (runs sorted by compute): (B, N) bool.

    Andrew's monotone chain, run for every row at once: each row keeps its own stack, a new
    run pops the top while the last two stack runs and the new one do not turn left
    (cross product <= 0, so collinear runs are dropped).
    """
    n_rows, n = present.shape
    stack = np.zeros((n_rows, n), dtype=int)
    top = np.zeros(n_rows, dtype=int)
    rows = np.arange(n_rows)
    for i in range(n):
        active = present[:, i]
        while True:
            can = active & (top >= 2)
            if not can.any():
                break
            a = stack[rows, np.maximum(top - 2, 0)]
            b = stack[rows, np.maximum(top - 1, 0)]
            cross = (xs[b] - xs[a]) * (ys[i] - ys[a]) - (ys[b] - ys[a]) * (xs[i] - xs[a])
            pop = can & (cross <= 0)
            if not pop.any():
                break
            top = top - pop
        stack[rows[active], top[active]] = i
        top = top + active
    on_hull = np.zeros((n_rows, n), dtype=bool)
    depth = np.arange(n)[None, :] < top[:, None]
    on_hull[np.broadcast_to(rows[:, None], stack.shape)[depth], stack[depth]] = True
    return on_hull


def _frontier_rows(x: np.ndarray, y: np.ndarray, present: np.ndarray, spec: FrontierSpec
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The one implementation of every frontier: x, y, valid, run index (B, P) per row.

    Binned kinds have one column per bin (P = bins; an empty bin is invalid, its x the bin
    centre or run 0's compute, its y 0); Pareto kinds have the row's points first, sorted by
    compute, and as many columns as the fullest row.
    """
    if spec.kind in ("binned", "geometric"):
        if spec.kind == "binned":
            if spec.n_bins < 2:
                raise FitError(f"frontier '{spec.name}': n_bins must be >= 2, got {spec.n_bins}")
            bins = binned_minima(x, y, present, n_bins=spec.n_bins, eps=spec.eps)
        else:
            n_bins = int(np.floor((x.max() - x.min()) / LOG10_DOUBLING)) + 1
            bins = binned_minima(x, y, present, n_bins=n_bins, width=LOG10_DOUBLING)
        valid = np.isfinite(bins.min_y)
        if spec.kind == "binned" and spec.x_at == "centre":
            xs, index = bins.centres, np.full(bins.best.shape, -1)
        else:
            xs, index = x[bins.best], np.where(valid, bins.best, -1)
        return xs, np.where(valid, bins.min_y, 0.0), valid, index
    if spec.kind not in ("pareto", "hull"):
        raise FitError(f"unknown frontier kind {spec.kind!r}; expected binned, geometric, pareto or hull")
    order = np.argsort(x, kind="stable")
    xs_sorted, ys_sorted, pres = x[order], y[order], present[:, order]
    valid = _pareto_sorted(xs_sorted, ys_sorted, pres)
    if spec.kind == "hull":
        # the lower hull of all runs, restricted to Pareto runs (the rising right end of a hull
        # is no frontier)
        valid &= _lower_hull_rows(xs_sorted, ys_sorted, pres)
    # compact: move each row's points to the front and drop all-padding columns (faster fits)
    cols = np.argsort(~valid, axis=1, kind="stable")[:, : max(int(valid.sum(axis=1).max()), 1)]
    valid = np.take_along_axis(valid, cols, axis=1)
    index = np.where(valid, order[cols], -1)
    return np.where(valid, xs_sorted[cols], 0.0), np.where(valid, ys_sorted[cols], 0.0), valid, index


def select_frontier(log10_compute: np.ndarray, log10_error: np.ndarray,
                    spec: FrontierSpec = PAPER_FRONTIER) -> FrontierPoints:
    """The frontier points of one set of runs under one frontier choice.

    Parameters
    ----------
    log10_compute, log10_error : (N,) array_like
        log10 total GMACs and log10 error rate of each run (finite).
    spec : FrontierSpec
        The frontier choice.

    Returns
    -------
    FrontierPoints
        Sorted by compute. For ``"binned"`` with ``x_at="centre"`` this equals
        :func:`repro.scaling.binned_frontier` (the paper's bins, empty bins dropped).
    """
    x = np.asarray(log10_compute, dtype=float)
    y = np.asarray(log10_error, dtype=float)
    if x.shape != y.shape or x.ndim != 1 or len(x) == 0:
        raise FitError(f"frontier '{spec.name}': log10_compute and log10_error must be 1-D of one non-zero length, "
                       f"got {x.shape} and {y.shape}")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise FitError(f"frontier '{spec.name}': log10_compute and log10_error must be finite")
    xs, ys, valid, index = _frontier_rows(x, y, np.ones((1, len(x)), dtype=bool), spec)
    keep = valid[0]
    return FrontierPoints(xs[0, keep], ys[0, keep], index[0, keep], spec)


def frontier_points_batch(log10_compute: np.ndarray, log10_error: np.ndarray, counts: np.ndarray,
                          spec: FrontierSpec = PAPER_FRONTIER) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frontier points of many resamples of the same runs at once.

    Parameters
    ----------
    log10_compute, log10_error : (N,) array_like
        The runs.
    counts : (B, N) int array
        How often each run appears in each resample (0 = absent), e.g. bootstrap counts.
    spec : FrontierSpec

    Returns
    -------
    x, y : (B, P) float arrays
        Frontier points per resample, padded.
    valid : (B, P) bool array
        Which entries are real points.

    Notes
    -----
    Duplicated runs carry no extra weight on a frontier (a bin minimum or a Pareto point is the
    same whether a run appears once or twice), so only presence matters.
    """
    x = np.asarray(log10_compute, dtype=float)
    y = np.asarray(log10_error, dtype=float)
    xs, ys, valid, _ = _frontier_rows(x, y, np.asarray(counts) > 0, spec)
    return xs, ys, valid
