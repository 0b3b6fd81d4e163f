"""Frontier selection as a swept choice (issue 4, item 3).

The paper fits its law through one point per equal-width bin of log10 compute (PAPER.md, "The
paper's fit", steps 2-3). That is one choice among several; this module offers them behind one
spec so that a backtest can sweep them:

* ``"binned"``: equal-width bins over ``[min x, max x + eps]``; the point of a bin is the bin
  centre (the paper) or the actual compute of the bin's best run (``x_at="actual"``);
* ``"geometric"``: one bin per doubling of compute (width log10 2), point at the best run;
* ``"pareto"``: the naive Pareto set, every run that no run with less compute beats or ties;
* ``"hull"``: the Pareto runs on the lower convex hull of the runs in log-log space.

Every selector works on ``(x, y) = (log10 compute, log10 error)`` and returns the chosen points.
:func:`frontier_points_batch` does the same for many bootstrap resamples at once (vectorised).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from repro.errors import FitError
from repro.constants import N_BINS, UPPER_EDGE_PAD_LOG10

FrontierKind = Literal["binned", "geometric", "pareto", "hull"]
#: Width of a geometric bin: one doubling of compute, in log10 units.
LOG10_DOUBLING = float(np.log10(2.0))


@dataclass(frozen=True)
class FrontierSpec:
    """One frontier choice.

    ``kind`` picks the selector; ``n_bins``, ``eps`` and ``x_at`` matter for ``"binned"`` only
    (``x_at="centre"`` with 5 bins and eps 0.1 is the paper's frontier).
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


#: The paper's frontier (PAPER.md, fit steps 2-3).
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


def pareto_mask(log10_compute: np.ndarray, log10_error: np.ndarray) -> np.ndarray:
    """Runs on the Pareto frontier: no run with strictly less compute has lower-or-equal error.

    Runs with equal compute do not dominate each other (the issue's definition).
    """
    x = np.asarray(log10_compute, dtype=float)
    y = np.asarray(log10_error, dtype=float)
    order = np.argsort(x, kind="stable")
    xs, ys = x[order], y[order]
    running = np.minimum.accumulate(ys)
    # best error among runs with strictly less compute: the running minimum just before the
    # first run of each compute value
    first = np.searchsorted(xs, xs, side="left")
    best_before = np.where(first > 0, running[np.maximum(first - 1, 0)], np.inf)
    mask = np.empty(len(x), dtype=bool)
    mask[order] = ys < best_before
    return mask


def _lower_hull(xs: np.ndarray, ys: np.ndarray) -> list[int]:
    """Indices (into the sorted arrays) of the lower convex hull, Andrew's monotone chain."""
    hull: list[int] = []
    for i in range(len(xs)):
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            cross = (xs[b] - xs[a]) * (ys[i] - ys[a]) - (ys[b] - ys[a]) * (xs[i] - xs[a])
            if cross <= 0:
                hull.pop()
            else:
                break
        hull.append(i)
    return hull


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
    if spec.kind in ("binned", "geometric"):
        if spec.kind == "binned":
            if spec.n_bins < 2:
                raise FitError(f"frontier '{spec.name}': n_bins must be >= 2, got {spec.n_bins}")
            # np.histogram's edges and np.digitize's half-open bins, as the authors' code
            _, edges = np.histogram(x, range=(x.min(), x.max() + spec.eps), bins=spec.n_bins)
        else:
            n = int(np.floor((x.max() - x.min()) / LOG10_DOUBLING)) + 1
            edges = x.min() + LOG10_DOUBLING * np.arange(n + 1)
        member = np.digitize(x, edges) - 1
        xs, ys, idx = [], [], []
        for b in range(len(edges) - 1):
            inside = np.flatnonzero(member == b)
            if len(inside) == 0:
                continue  # an empty bin is dropped (PAPER.md, fit step 3)
            best = inside[np.argmin(y[inside])]
            use_centre = spec.kind == "binned" and spec.x_at == "centre"
            xs.append((edges[b] + edges[b + 1]) / 2 if use_centre else x[best])
            ys.append(y[best])
            idx.append(-1 if use_centre else best)
        return FrontierPoints(np.array(xs), np.array(ys), np.array(idx, dtype=int), spec)
    on = pareto_mask(x, y)
    idx = np.flatnonzero(on)
    idx = idx[np.argsort(x[idx], kind="stable")]
    if spec.kind == "hull":
        # the lower hull of all runs, restricted to Pareto runs (the rising right end of a hull
        # is no frontier)
        order = np.argsort(x, kind="stable")
        hull = set(order[_lower_hull(x[order], y[order])].tolist())
        idx = np.array([i for i in idx if i in hull], dtype=int)
    elif spec.kind != "pareto":
        raise FitError(f"unknown frontier kind {spec.kind!r}; expected binned, geometric, pareto or hull")
    return FrontierPoints(x[idx], y[idx], idx, spec)


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
    same whether a run appears once or twice), so only presence matters. ``"hull"`` is computed
    per resample (a short loop); the other kinds are fully vectorised.
    """
    x = np.asarray(log10_compute, dtype=float)
    y = np.asarray(log10_error, dtype=float)
    present = np.asarray(counts) > 0
    n_resamples = present.shape[0]
    if spec.kind == "binned" or spec.kind == "geometric":
        big = np.where(present, x, -np.inf).max(axis=1)
        small = np.where(present, x, np.inf).min(axis=1)
        if spec.kind == "binned":
            n_bins = spec.n_bins
            width = (big + spec.eps - small) / n_bins
        else:
            n_bins = int(np.floor((x.max() - x.min()) / LOG10_DOUBLING)) + 1
            width = np.full(n_resamples, LOG10_DOUBLING)
        # bin index as np.digitize on np.histogram's edges would give (edges computed the same way)
        edges = small[:, None] + width[:, None] * np.arange(n_bins + 1)[None, :]
        if spec.kind == "binned":
            edges[:, -1] = big + spec.eps
        member = np.empty(present.shape, dtype=int)
        for r in range(n_resamples):
            member[r] = np.digitize(x, edges[r]) - 1
        masked_y = np.where(present, y[None, :], np.inf)
        ys = np.full((n_resamples, n_bins), np.inf)
        xs = np.zeros((n_resamples, n_bins))
        for b in range(n_bins):
            in_bin = np.where(member == b, masked_y, np.inf)
            arg = np.argmin(in_bin, axis=1)
            ys[:, b] = in_bin[np.arange(n_resamples), arg]
            if spec.kind == "binned" and spec.x_at == "centre":
                xs[:, b] = (edges[:, b] + edges[:, b + 1]) / 2
            else:
                xs[:, b] = x[arg]
        valid = np.isfinite(ys)
        return xs, np.where(valid, ys, 0.0), valid
    order = np.argsort(x, kind="stable")
    xs_sorted, ys_sorted, pres = x[order], y[order], present[:, order]
    masked = np.where(pres, ys_sorted[None, :], np.inf)
    running = np.minimum.accumulate(masked, axis=1)
    first = np.searchsorted(xs_sorted, xs_sorted, side="left")
    best_before = np.where(first[None, :] > 0, running[:, np.maximum(first - 1, 0)], np.inf)
    valid = pres & (ys_sorted[None, :] < best_before)
    if spec.kind == "hull":
        for r in range(n_resamples):
            cols = np.flatnonzero(pres[r])
            hull = cols[_lower_hull(xs_sorted[cols], ys_sorted[cols])]
            keep = np.zeros(len(x), dtype=bool)
            keep[hull] = True
            valid[r] &= keep
    elif spec.kind != "pareto":
        raise FitError(f"unknown frontier kind {spec.kind!r}; expected binned, geometric, pareto or hull")
    # compact: move each row's points to the front and drop all-padding columns (faster fits)
    order = np.argsort(~valid, axis=1, kind="stable")[:, : max(int(valid.sum(axis=1).max()), 1)]
    xs_b = xs_sorted[order]
    valid = np.take_along_axis(valid, order, axis=1)
    return np.where(valid, xs_b, 0.0), np.where(valid, ys_sorted[order], 0.0), valid
