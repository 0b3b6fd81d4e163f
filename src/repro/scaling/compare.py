"""OpenCLIP vs OpenAI scaling with uncertainty (the conclusion of Sec. 4.1 and Fig. 1, tested).

For each downstream dataset: the OpenCLIP (LAION) exponent from the paper fit with a bootstrap
over runs, the OpenAI exponent from its 3 models (plain least squares, delta-method t interval
with 1 degree of freedom), their difference and the compute at which the two laws cross, each
with a 95% interval. Two intervals are given for the difference: with the LAION uncertainty
only (OpenAI line taken as exact, as the paper does) and with both.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from repro.constants import OPENAI_UPSTREAM
from repro.errors import FitError
from repro.scaling.backtest import GROUPS, run_arrays
from repro.scaling.frontiers import PAPER_FRONTIER, FrontierSpec, select_frontier
from repro.scaling.laws import get_form
from repro.scaling.paper_fit import binned_line_fit, line_fit
from repro.scaling.uncertainty import N_BOOTSTRAP, bootstrap_fits


def _openai_line(x: np.ndarray, y: np.ndarray, n_draws: int, rng: np.random.Generator) -> tuple[float, float, np.ndarray]:
    """Slope, intercept and draws (n_draws, 2) from the t(n-2) sampling distribution of the line."""
    design = np.vstack([x, np.ones(len(x))]).T
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    dof = len(x) - 2
    cov = np.linalg.inv(design.T @ design) * (resid @ resid) / dof
    chol = np.linalg.cholesky(cov + 1e-18 * np.eye(2))
    # multivariate t draws: Gaussian over sqrt(chi2 / dof), the sampling law of the line with dof = n - 2
    scale = np.sqrt(stats.chi2.rvs(dof, size=(n_draws, 1), random_state=rng) / dof)
    draws = coef[None, :] + (rng.standard_normal((n_draws, 2)) @ chol.T) / scale
    return float(coef[0]), float(coef[1]), draws


def _runs(rows: pd.DataFrame, downstream_dataset: str
          ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """(LAION runs, OpenAI runs) of one dataset as (log10 compute, log10 error) arrays."""
    return (run_arrays(rows, downstream_dataset, GROUPS["LAION"]),
            run_arrays(rows, downstream_dataset, (OPENAI_UPSTREAM,)))


def _comparable_runs(rows: pd.DataFrame, downstream_datasets: Sequence[str]
                     ) -> Iterator[tuple[str, tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]]:
    """(dataset, LAION runs, OpenAI runs) (:func:`_runs`) for each dataset with at least 3 OpenAI
    models and 4 distinct LAION computes (the others cannot be compared)."""
    for ds in downstream_datasets:
        (x, y), (xo, yo) = _runs(rows, ds)
        if len(xo) >= 3 and len(np.unique(x)) >= 4:
            yield ds, (x, y), (xo, yo)


def compare_openclip_openai(rows: pd.DataFrame, downstream_datasets: Sequence[str], *,
                            n_resamples: int = N_BOOTSTRAP, seed: int = 0, level: float = 0.95) -> pd.DataFrame:
    """One row per downstream dataset: alphas, their difference and the crossing compute, with intervals.

    Columns: alpha_openclip (+ _lo/_hi), alpha_openai (+ _lo/_hi), diff = OpenCLIP - OpenAI
    (diff_lo/hi: LAION uncertainty only; diff_both_lo/hi: both), log10_cross (log10 GMACs
    where the lines meet) with its interval, p_openclip_steeper (bootstrap share with diff < 0).

    Parameters
    ----------
    rows : DataFrame
        Rows of the results schema (the OpenCLIP runs and the OpenAI models).
    downstream_datasets : sequence of str
        The downstream datasets, one row each (a dataset with fewer than 3 OpenAI models or 4
        distinct OpenCLIP computes is skipped).
    n_resamples : int
        Bootstrap resamples of the runs.
    seed : int
        Seed of the resampling.
    level : float
        Coverage of the intervals (0.95: 95%).
    """
    q = (0.5 - level / 2, 0.5 + level / 2)
    rng = np.random.default_rng(seed)
    out = []
    for ds, (x, y), (xo, yo) in _comparable_runs(rows, downstream_datasets):
        paper = binned_line_fit(x, y)
        boot = bootstrap_fits(x, y, frontier=PAPER_FRONTIER, n_resamples=n_resamples, seed=seed)
        ok = boot.ok
        a_l = boot.theta[ok, 1]
        b_l = boot.theta[ok, 0] - a_l * boot.x0[ok]      # intercept of log10 E at x = 0
        a_o, b_o, draws = _openai_line(xo, yo, int(ok.sum()), rng)
        diff = a_l - a_o
        diff_both = a_l - draws[:, 0]
        with np.errstate(divide="ignore", invalid="ignore"):
            cross = (b_o - b_l) / (a_l - a_o)
        point_cross = (b_o - np.log10(paper.beta)) / (paper.alpha - a_o)
        out.append({"downstream_dataset": ds, "alpha_openclip": paper.alpha,
                    "alpha_openclip_lo": float(np.quantile(a_l, q[0])), "alpha_openclip_hi": float(np.quantile(a_l, q[1])),
                    "alpha_openai": a_o, "alpha_openai_lo": float(np.quantile(draws[:, 0], q[0])),
                    "alpha_openai_hi": float(np.quantile(draws[:, 0], q[1])),
                    "diff": paper.alpha - a_o, "diff_lo": float(np.quantile(diff, q[0])),
                    "diff_hi": float(np.quantile(diff, q[1])),
                    "diff_both_lo": float(np.quantile(diff_both, q[0])), "diff_both_hi": float(np.quantile(diff_both, q[1])),
                    "p_openclip_steeper": float(np.mean(diff < 0)),
                    "log10_cross": float(point_cross),
                    "log10_cross_lo": float(np.nanquantile(cross, q[0])), "log10_cross_hi": float(np.nanquantile(cross, q[1]))})
    return pd.DataFrame(out)


#: The analysis choices of the sensitivity check: bin counts and where a bin's point sits.
SENSITIVITY_BINS = tuple(range(3, 9))
SENSITIVITY_PLACEMENTS = ("centre", "actual")


def _openclip_alpha(x: np.ndarray, y: np.ndarray, spec: FrontierSpec) -> float:
    """The OpenCLIP exponent through the frontier ``spec`` (the paper's fit for the paper's spec)."""
    if spec == PAPER_FRONTIER:
        return float(binned_line_fit(x, y).alpha)
    points = select_frontier(x, y, spec)
    return float(get_form("power").fit(points.x, points.y, loss="linear").alpha)


def difference_sensitivity(rows: pd.DataFrame, downstream_datasets: Sequence[str], *,
                           n_bins: Sequence[int] = SENSITIVITY_BINS,
                           placements: Sequence[str] = SENSITIVITY_PLACEMENTS) -> pd.DataFrame:
    """The OpenCLIP - OpenAI exponent difference (point estimate) under every analysis choice:
    one row per (downstream dataset, n_bins, placement) with ``diff``. The OpenAI line (3 models)
    does not depend on the choice; the OpenCLIP frontier does.

    Parameters
    ----------
    rows, downstream_datasets : DataFrame, sequence of str
        As in :func:`compare_openclip_openai`.
    n_bins : sequence of int
        The bin counts of the OpenCLIP frontier to try.
    placements : sequence of str
        Where a bin's point sits: ``"centre"`` (the paper) or ``"actual"`` (the best run's compute).
    """
    out = []
    for ds, (x, y), (xo, yo) in _comparable_runs(rows, downstream_datasets):
        a_o = line_fit(xo, yo)[0]
        for bins in n_bins:
            for place in placements:
                spec = FrontierSpec("binned", n_bins=int(bins), x_at=place)
                try:
                    a_l = _openclip_alpha(x, y, spec)
                except FitError:
                    continue
                out.append({"downstream_dataset": ds, "n_bins": int(bins), "placement": place, "diff": a_l - a_o})
    return pd.DataFrame(out)


def probability_not_steeper(rows: pd.DataFrame, downstream_dataset: str, *, n_bins: Sequence[int] = SENSITIVITY_BINS,
                            placements: Sequence[str] = SENSITIVITY_PLACEMENTS, n_resamples: int = N_BOOTSTRAP,
                            seed: int = 0) -> pd.DataFrame:
    """P(diff >= 0) with the LAION uncertainty only (the OpenAI line taken as exact, as the paper
    does): the bootstrap share of resamples where OpenCLIP is not steeper, per analysis choice,
    with its Monte-Carlo standard error ``sqrt(p (1 - p) / n)`` (the digits it supports).

    Parameters
    ----------
    rows : DataFrame
        Rows of the results schema.
    downstream_dataset : str
        The dataset compared.
    n_bins, placements : sequence
        The analysis choices, as in :func:`difference_sensitivity`.
    n_resamples : int
        Bootstrap resamples of the OpenCLIP runs per choice.
    seed : int
        Seed of the resampling.

    Returns one row per (n_bins, placement): ``p``, ``mc_se``, ``n_usable``.
    """
    (x, y), (xo, yo) = _runs(rows, downstream_dataset)
    if len(xo) < 2:
        raise FitError(f"{downstream_dataset}: fewer than 2 OpenAI models to fit a line")
    a_o = line_fit(xo, yo)[0]
    out = []
    for bins in n_bins:
        for place in placements:
            spec = FrontierSpec("binned", n_bins=int(bins), x_at=place)
            boot = bootstrap_fits(x, y, frontier=spec, n_resamples=n_resamples, seed=seed)
            alphas = boot.theta[boot.ok, 1]
            p = float(np.mean(alphas - a_o >= 0))
            out.append({"n_bins": int(bins), "placement": place, "p": p,
                        "mc_se": float(np.sqrt(max(p * (1 - p), 1e-12) / len(alphas))), "n_usable": int(len(alphas))})
    return pd.DataFrame(out)
