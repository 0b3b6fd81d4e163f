"""The paper's fit, exactly: the authors' ``binned_line_fit`` (Sec. 4 and Fig. 1 of the paper).

A power law E = beta * C^alpha is a line in log10-log10 space. The OpenCLIP frontier is fitted
through one point per equal-width bin of log10 compute (bin centre, minimum log10 error in the
bin); the OpenAI models (3 points) by plain least squares.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from repro.data.schema import error_of
from repro.constants import LAION_UPSTREAMS, N_BINS, OPENAI_UPSTREAM, UPPER_EDGE_PAD_LOG10
from repro.errors import FitError
from repro.scaling.frontiers import binned_minima
from repro.scaling.laws import LawFit, PowerLaw


@dataclass(frozen=True)
class Frontier:
    """The binned frontier: one point per non-empty bin (``BinnedStatisticResult``-like)."""

    bin_edges: np.ndarray          # (n_bins + 1,) log10 compute
    bin_centers: np.ndarray        # (n_kept,) log10 compute of the kept bins
    min_log10_error: np.ndarray    # (n_kept,) minimum log10 error in each kept bin
    kept: np.ndarray               # (n_bins,) bool: False where the bin was empty (dropped)


@dataclass(frozen=True)
class PowerLawFit(LawFit):
    """E = beta * C^alpha, fitted as log10 E = alpha * log10 C + log10 beta: the paper's fit.

    The one result type of a power-law fit is :class:`~repro.scaling.laws.LawFit`; this is its
    ``power`` form (:class:`~repro.scaling.laws.PowerLaw`) centred at x0 = 0, so that
    ``theta = (log10 beta, alpha)``, with what the paper's method adds: how the line was fitted
    (``method``: "binned" frontier or "plain" least squares) and the binned ``frontier``. It has
    every attribute of a ``LawFit`` (``alpha``, ``n_points``, ``x``, ``y``, ``rss``,
    ``predict_log10``, ...) and ``beta``, ``intercept``, ``x_range`` and the paper's ``label``.

    ``x`` / ``y`` are the points the line went through (bin centres and bin minima for the
    frontier fit; every run for a plain fit), ``x_range`` the log10 compute they span. Build one
    with :meth:`from_line`.
    """

    method: str = "binned"
    frontier: Frontier | None = field(default=None, repr=False)

    @classmethod
    def from_line(cls, slope: float, intercept: float, x: np.ndarray, y: np.ndarray, method: str,
                  frontier: Frontier | None = None) -> "PowerLawFit":
        """The fit of the line ``log10 E = slope * log10 C + intercept`` through ``x``, ``y``.

        Parameters
        ----------
        slope, intercept : float
            The least-squares line (:func:`line_fit`).
        x, y : (N,) arrays
            The points it went through (log10 compute, log10 error).
        method : {"binned", "plain"}
            Through the binned frontier's points, or through every point.
        frontier : Frontier, optional
            The binned frontier (``method="binned"``).
        """
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        residuals = intercept + slope * x - y
        return cls(form=PowerLaw(), theta=np.array([intercept, slope]), x0=0.0, converged=True,
                   message=f"{method} least squares", x=x, y=y, rss=float(residuals @ residuals),
                   method=method, frontier=frontier)

    @property
    def beta(self) -> float:
        """beta of E = beta C^alpha: 10 ** the fitted intercept."""
        return 10.0 ** float(self.theta[0])

    @property
    def intercept(self) -> float:
        """log10 beta."""
        return float(np.log10(self.beta))

    @property
    def x_range(self) -> tuple[float, float]:
        """The log10 compute spanned by the fitted points (min, max)."""
        return float(np.min(self.x)), float(np.max(self.x))

    def predict(self, gmacs_total: np.ndarray | float) -> np.ndarray | float:
        """Error rate predicted at total compute C (GMACs): beta * C^alpha, in the paper's arithmetic.

        Parameters
        ----------
        gmacs_total : float or array_like
            Total compute C in GMACs.
        """
        return self.beta * np.asarray(gmacs_total, dtype=float) ** self.alpha

    def label(self) -> str:
        """The legend label the paper uses: E = beta C^alpha."""
        return f"E = {self.beta:.2f}·C^{{{self.alpha:.2f}}}"


def line_fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Least-squares line ``y = slope * x + intercept`` with ``np.linalg.lstsq``, the authors' ``lstsq``.

    Parameters
    ----------
    x, y : (N,) arrays
        The points.
    """
    design = np.vstack([x, np.ones(len(x))]).T
    (slope, intercept), *_ = np.linalg.lstsq(design, y, rcond=None)
    return float(slope), float(intercept)


def binned_frontier(log10_compute: np.ndarray, log10_error: np.ndarray, *, n_bins: int = N_BINS,
                    eps: float = UPPER_EDGE_PAD_LOG10) -> Frontier:
    """One frontier point per equal-width bin of log10 compute.

    Parameters
    ----------
    log10_compute : (N,) array_like
        log10 of total GMACs per run.
    log10_error : (N,) array_like
        log10 of the error rate per run; NaN entries are ignored (pandas ``min`` semantics).
    n_bins : int
        Number of equal-width bins over ``[min, max + eps]``.
    eps : float
        Upper-edge pad in log10 units, so the largest run falls inside the last bin.

    Notes
    -----
    Reproduces the authors' ``binned_line_fit``: edges from ``np.histogram(X, range=(min, max +
    eps), bins=n_bins)``, bin membership from ``np.digitize`` (every bin half-open ``[a, b)``),
    ``x`` = bin centre, ``y`` = the minimum in the bin; a bin with no run (or only NaN) is dropped.
    The bins are :func:`repro.scaling.frontiers.binned_minima`, the one implementation every
    frontier of the package uses.
    """
    x = np.asarray(log10_compute, dtype=float)
    y = np.asarray(log10_error, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise FitError(f"log10_compute and log10_error must be 1-D of one length, got {x.shape} and {y.shape}")
    if len(x) == 0 or not np.isfinite(x).all():
        raise FitError("log10_compute must be non-empty and finite")
    if n_bins < 2:
        raise FitError(f"n_bins must be >= 2, got {n_bins}")
    bins = binned_minima(x, y, n_bins=n_bins, eps=eps)
    kept = bins.found[0]
    return Frontier(bins.edges[0], bins.centres[0, kept], bins.min_y[0, kept], kept)


def binned_line_fit(log10_compute: np.ndarray, log10_error: np.ndarray, *, n_bins: int = N_BINS,
                    eps: float = UPPER_EDGE_PAD_LOG10) -> PowerLawFit:
    """The authors' frontier fit: a line through the bin minima of :func:`binned_frontier`.

    Parameters
    ----------
    log10_compute, log10_error : (N,) arrays
        The runs: log10 total GMACs and log10 error rate.
    n_bins : int
        Equal-width bins of log10 compute.
    eps : float
        Upper-edge pad in log10 units (:func:`binned_frontier`).
    """
    frontier = binned_frontier(log10_compute, log10_error, n_bins=n_bins, eps=eps)
    if len(frontier.bin_centers) < 2:
        raise FitError(f"binned fit needs at least 2 non-empty bins, got {len(frontier.bin_centers)} of {n_bins}")
    slope, intercept = line_fit(frontier.bin_centers, frontier.min_log10_error)
    return PowerLawFit.from_line(slope, intercept, frontier.bin_centers, frontier.min_log10_error, "binned",
                                 frontier)


def plain_line_fit(log10_compute: np.ndarray, log10_error: np.ndarray) -> PowerLawFit:
    """Plain least squares through every point (the OpenAI fit of Fig. 1: three models, no frontier).

    Parameters
    ----------
    log10_compute, log10_error : (N,) arrays
        The runs: log10 total GMACs and log10 error rate (non-finite points are dropped).
    """
    x = np.asarray(log10_compute, dtype=float)
    y = np.asarray(log10_error, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    if keep.sum() < 2:
        raise FitError(f"a line needs at least 2 finite points, got {int(keep.sum())}")
    slope, intercept = line_fit(x[keep], y[keep])
    return PowerLawFit.from_line(slope, intercept, x[keep], y[keep], "plain")


def select(rows: pd.DataFrame, downstream_dataset: str, *, upstreams: tuple[str, ...] | None = None,
           arch_prefix: str | None = None) -> pd.DataFrame:
    """Rows of one downstream dataset (optionally some upstream datasets / architectures) with
    ``error`` (E) and ``log10_compute`` columns added.

    Parameters
    ----------
    rows : DataFrame
        Rows of the results schema.
    downstream_dataset : str
        The downstream dataset.
    upstreams : tuple of str, optional
        Keep only runs of these pre-training sets.
    arch_prefix : str, optional
        Keep only architectures whose name starts with this (``ViT``).
    """
    chosen = rows[rows["downstream_dataset"] == downstream_dataset]
    if chosen.empty:
        known = ", ".join(sorted(rows["downstream_dataset"].unique()))
        raise FitError(f"no rows for downstream_dataset '{downstream_dataset}'; known: {known}")
    if upstreams is not None:
        chosen = chosen[chosen["upstream_dataset"].isin(upstreams)]
    if arch_prefix is not None:
        chosen = chosen[chosen["arch"].str.startswith(arch_prefix)]
    chosen = chosen.assign(error=error_of(chosen), log10_compute=np.log10(chosen["gmacs_total"]))
    return chosen.assign(log10_error=np.log10(chosen["error"]))


def fit_paper_law(rows: pd.DataFrame, downstream_dataset: str, *, n_bins: int = N_BINS,
                  upstreams: tuple[str, ...] = LAION_UPSTREAMS, arch_prefix: str | None = None) -> PowerLawFit:
    """The paper's OpenCLIP fit for one downstream dataset: binned frontier over all runs of
    ``upstreams`` pooled (Sec. 4: LAION-80M, 400M and 2B together).

    Parameters
    ----------
    rows, downstream_dataset : DataFrame, str
        As in :func:`select`.
    n_bins : int
        Equal-width bins of log10 compute.
    upstreams : tuple of str
        The pre-training sets pooled.
    arch_prefix : str, optional
        Keep only architectures whose name starts with this.
    """
    chosen = select(rows, downstream_dataset, upstreams=upstreams, arch_prefix=arch_prefix)
    if len(chosen) < 2:
        raise FitError(f"'{downstream_dataset}': {len(chosen)} run(s) from {upstreams}; a fit needs at least 2")
    return binned_line_fit(chosen["log10_compute"].to_numpy(), chosen["log10_error"].to_numpy(), n_bins=n_bins)


def fit_openai_law(rows: pd.DataFrame, downstream_dataset: str) -> PowerLawFit:
    """The paper's OpenAI fit: plain least squares over the CLIP-WIT models (Fig. 1).

    Parameters
    ----------
    rows, downstream_dataset : DataFrame, str
        As in :func:`select`.
    """
    chosen = select(rows, downstream_dataset, upstreams=(OPENAI_UPSTREAM,))
    return plain_line_fit(chosen["log10_compute"].to_numpy(), chosen["log10_error"].to_numpy())
