"""The full fit report: every form x frontier x downstream dataset x upstream group, with
1,000-resample bootstrap intervals on alpha, the backtest at every k, and form selection by
held-out error with AIC/BIC alongside (the book's chapter "How sure are these laws?").

Timed by ``benchmarks/bench_fit_report.py`` (budget 30 s on 2 CPU cores). What makes it fast:
frontiers and fits are vectorised over the bootstrap resamples; a frontier is computed once for
every form; many resamples share their frontier points (a bin minimum stays the same run unless
that run is left out), so each distinct set of points is fitted once
(:func:`unique_point_sets`, for every form whose batch fit is row by row bit-identical); and the runs of every dataset are selected once for all groups.
"""

from __future__ import annotations

import logging
import os
import time
import warnings
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from repro.scaling.backtest import GROUPS, KS, TARGETS, backtest, group_run_arrays, summarise
from repro.scaling.frontiers import STANDARD_FRONTIERS, FrontierSpec, frontier_points_batch
from repro.scaling.laws import FORMS, get_form
from repro.scaling.uncertainty import N_BOOTSTRAP, bootstrap_counts

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FitReport:
    """Tables of the report; ``seconds`` is the wall time it took."""

    coefficients: pd.DataFrame = field(repr=False)   # one row per group x dataset x form x frontier
    backtest: pd.DataFrame = field(repr=False)       # summarise(): mean / max error per ... x k
    selection: pd.DataFrame = field(repr=False)      # form x frontier ranked by held-out error
    seconds: float = 0.0


def unique_point_sets(x: np.ndarray, y: np.ndarray, valid: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The distinct rows of a batch of frontier points, and where each row went.

    Parameters
    ----------
    x, y : (B, P) arrays
        Frontier points per resample (:func:`~repro.scaling.frontiers.frontier_points_batch`).
    valid : (B, P) bool array

    Returns
    -------
    x, y, valid : (U, P) arrays
        One copy of each distinct row.
    inverse : (B,) int array
        Row ``i`` of the batch is row ``inverse[i]`` of the distinct rows, so a fit of the
        distinct rows, indexed by ``inverse``, is the fit of every row (each row is fitted on
        its own; bit-identical to fitting the whole batch).
    """
    key = np.hstack([x, y, valid.astype(float)])
    _, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
    return x[first], y[first], valid[first], inverse.reshape(-1)


def _coefficient_rows(group: str, ds: str, x: np.ndarray, y: np.ndarray, forms: Sequence[str],
                      frontiers: Sequence[FrontierSpec], n_resamples: int, seed: int) -> list[dict]:
    """The rows of :func:`coefficient_table` for one group and downstream dataset."""
    out: list[dict] = []
    if len(np.unique(x)) < 4:
        return out
    counts = np.vstack([np.ones((1, len(x)), int), bootstrap_counts(len(x), n_resamples, seed=seed)])
    for spec in frontiers:
        fx, fy, fv = frontier_points_batch(x, y, counts, spec)
        ux, uy, uv, inverse = unique_point_sets(fx, fy, fv)
        n_points = int(fv[0].sum())
        for form in forms:
            law = get_form(form, downstream_dataset=ds)
            row = {"group": group, "downstream_dataset": ds, "form": form, "frontier": spec.name,
                   "n_points": n_points}
            with np.errstate(all="ignore"):
                if law.batch_size_invariant:
                    theta, x0 = law.fit_batch(ux, uy, uv)
                    theta, x0 = theta[inverse], x0[inverse]
                else:
                    theta, x0 = law.fit_batch(fx, fy, fv)
            if not np.isfinite(theta[0]).all():
                out.append({**row, "converged": False})
                continue
            px, py = fx[0, fv[0]], fy[0, fv[0]]
            resid = law.model(theta[0], px, x0[0]) - py
            rss = max(float(resid @ resid), 1e-300)
            k = law.n_params
            boot_alpha = theta[1:, 1][np.isfinite(theta[1:]).all(axis=1)]
            lo, hi = np.quantile(boot_alpha, [0.025, 0.975]) if len(boot_alpha) > 10 else (np.nan, np.nan)
            out.append({**row, "alpha": float(theta[0, 1]), "alpha_lo": float(lo), "alpha_hi": float(hi),
                        "aic": n_points * np.log(rss / n_points) + 2 * k,
                        "bic": n_points * np.log(rss / n_points) + k * np.log(n_points),
                        "rss": rss, "converged": True, "bootstrap_usable": len(boot_alpha)})
    return out


def coefficient_table(rows: pd.DataFrame, downstream_datasets: Sequence[str], *,
                      groups: dict[str, tuple[str, ...]] | None = None, forms: Sequence[str] = FORMS,
                      frontiers: Sequence[FrontierSpec] = STANDARD_FRONTIERS, n_resamples: int = N_BOOTSTRAP,
                      seed: int = 0, arrays: Mapping[tuple[str, str], tuple[np.ndarray, np.ndarray]] | None = None,
                      n_threads: int | None = None) -> pd.DataFrame:
    """alpha with its bootstrap 95% interval, AIC and BIC for every fit of the report.

    For speed, every fit here is the vectorised profile-grid least squares of
    :meth:`LawForm.fit_batch` (exact for the power and bounded forms, grid-optimal for the
    others); the full data set is row 0 of the same batch as the bootstrap resamples, so each
    frontier is computed once for all forms, and each distinct set of frontier points is fitted
    once (:func:`unique_point_sets`; a form whose batch fit is not
    :attr:`~repro.scaling.laws.LawForm.batch_size_invariant` fits every row). :meth:`LawForm.fit`
    (scipy, convergence checked) is what the chapter uses for single fits.

    ``arrays`` (``(group, dataset) -> (x, y)``, from :func:`~repro.scaling.backtest.group_run_arrays`)
    saves selecting the runs again. The (group, dataset) pairs are independent and run on
    ``n_threads`` threads (default: the CPU count; NumPy releases the GIL in its loops); the
    rows come back in the same order, with the same values, whatever the number of threads.

    Parameters
    ----------
    rows, downstream_datasets, groups, forms, frontiers, arrays
        As in :func:`repro.scaling.backtest.backtest`.
    n_resamples, seed : int
        Bootstrap resamples of the runs and their seed (:func:`repro.scaling.uncertainty.bootstrap_counts`).
    n_threads : int, optional
        Threads fitting the (group, dataset) pairs (default: the CPU count).
    """
    groups = GROUPS if groups is None else groups
    if arrays is None:
        arrays = group_run_arrays(rows, downstream_datasets, groups)
    pairs = [(group, ds) for group in groups for ds in downstream_datasets]

    def one(pair: tuple[str, str]) -> list[dict]:
        return _coefficient_rows(*pair, *arrays[pair], forms, frontiers, n_resamples, seed)

    n_threads = n_threads or os.cpu_count() or 1
    if n_threads > 1:
        with ThreadPoolExecutor(max_workers=n_threads) as pool:
            parts = list(pool.map(one, pairs))
    else:
        parts = [one(pair) for pair in pairs]
    return pd.DataFrame([row for part in parts for row in part])


#: The backtest horizon the form selection ranks at: the five largest compute values held out.
SELECTION_K = 5


def select_forms(summary: pd.DataFrame, coefficients: pd.DataFrame | None = None, *, group: str = "LAION",
                 ks: Sequence[int] = (SELECTION_K,), exclude: Sequence[str] = tuple(TARGETS)) -> pd.DataFrame:
    """Rank form x frontier by held-out extrapolation error, not in-sample fit.

    The score is the median over downstream datasets (``exclude``: the five targets, so they stay
    a test set) of the mean absolute backtest error at ``ks``. Median AIC / BIC over the same
    datasets are shown alongside (in-sample; comparable only within one frontier).

    Parameters
    ----------
    summary : DataFrame
        :func:`repro.scaling.backtest.summarise` of the backtests.
    coefficients : DataFrame, optional
        :func:`coefficient_table`, for the median AIC / BIC columns.
    group : str
        The group of pre-training sets ranked.
    ks : sequence of int
        The backtest horizons averaged.
    exclude : sequence of str
        Downstream datasets left out of the score (the five targets).
    """
    chosen = summary[(summary["group"] == group) & summary["k"].isin(list(ks))
                     & ~summary["downstream_dataset"].isin(list(exclude))]
    per = chosen.groupby(["form", "frontier", "downstream_dataset"])["mean_abs_error_pp"].mean()
    table = per.groupby(["form", "frontier"]).agg(heldout_median_pp="median", heldout_mean_pp="mean").reset_index()
    if coefficients is not None and "aic" in coefficients:
        co = coefficients[(coefficients["group"] == group) & ~coefficients["downstream_dataset"].isin(list(exclude))]
        ic = co.groupby(["form", "frontier"])[["aic", "bic"]].median().reset_index()
        table = table.merge(ic, on=["form", "frontier"], how="left")
    return table.sort_values("heldout_median_pp").reset_index(drop=True)


def full_report(rows: pd.DataFrame, downstream_datasets: Sequence[str] | None = None, *,
                n_resamples: int = N_BOOTSTRAP, ks: Sequence[int] = KS, seed: int = 0,
                groups: dict[str, tuple[str, ...]] | None = None) -> FitReport:
    """Coefficients with intervals, backtests and form selection for everything at once.

    Parameters
    ----------
    rows : DataFrame
        Rows of the results schema.
    downstream_datasets : sequence of str, optional
        The downstream datasets (default: every dataset of ``rows``).
    n_resamples : int
        Bootstrap resamples of the runs.
    ks : sequence of int
        The backtest horizons.
    seed : int
        Seed of the resampling.
    groups : dict, optional
        Group name -> its pre-training sets (default :data:`repro.scaling.backtest.GROUPS`).
    """
    start = time.perf_counter()
    if downstream_datasets is None:
        downstream_datasets = sorted(rows["downstream_dataset"].unique())
    arrays = group_run_arrays(rows, downstream_datasets, GROUPS if groups is None else groups)
    coefficients = coefficient_table(rows, downstream_datasets, groups=groups, n_resamples=n_resamples, seed=seed,
                                     arrays=arrays)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        summary = summarise(backtest(rows, downstream_datasets, groups=groups, ks=ks, arrays=arrays))
    selection = select_forms(summary, coefficients)
    seconds = time.perf_counter() - start
    logger.info("fit report: %d fits, %d backtest cells in %.1f s", len(coefficients), len(summary), seconds)
    return FitReport(coefficients, summary, selection, seconds)
