"""The full fit report (issue 4, item 10): every form x frontier x downstream dataset x upstream
group, with 1,000-resample bootstrap intervals on alpha, the backtest at every k, form selection
by held-out error with AIC/BIC alongside, and the interval study. Timed by
``benchmarks/bench_fit_report.py``."""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from repro.scaling.backtest import GROUPS, KS, TARGETS, backtest, run_arrays, summarise
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


def coefficient_table(rows: pd.DataFrame, downstream_datasets: Sequence[str], *,
                      groups: dict[str, tuple[str, ...]] | None = None, forms: Sequence[str] = FORMS,
                      frontiers: Sequence[FrontierSpec] = STANDARD_FRONTIERS, n_resamples: int = N_BOOTSTRAP,
                      seed: int = 0) -> pd.DataFrame:
    """alpha with its bootstrap 95% interval, AIC and BIC for every fit of the report.

    For speed, every fit here is the vectorised profile-grid least squares of
    :meth:`LawForm.fit_batch` (exact for the power and bounded forms, grid-optimal for the
    others); the full data set is row 0 of the same batch as the bootstrap resamples, so each
    frontier is computed once for all forms. :meth:`LawForm.fit` (scipy, convergence checked)
    is what the chapter uses for single fits.
    """
    groups = GROUPS if groups is None else groups
    out = []
    for group, upstreams in groups.items():
        for ds in downstream_datasets:
            x, y = run_arrays(rows, ds, upstreams)
            if len(np.unique(x)) < 4:
                continue
            counts = np.vstack([np.ones((1, len(x)), int), bootstrap_counts(len(x), n_resamples, seed=seed)])
            for spec in frontiers:
                fx, fy, fv = frontier_points_batch(x, y, counts, spec)
                n_points = int(fv[0].sum())
                for form in forms:
                    law = get_form(form, downstream_dataset=ds)
                    row = {"group": group, "downstream_dataset": ds, "form": form, "frontier": spec.name,
                           "n_points": n_points}
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", RuntimeWarning)
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
    return pd.DataFrame(out)


def select_forms(summary: pd.DataFrame, coefficients: pd.DataFrame | None = None, *, group: str = "LAION",
                 ks: Sequence[int] = (5,), exclude: Sequence[str] = tuple(TARGETS)) -> pd.DataFrame:
    """Rank form x frontier by held-out extrapolation error, not in-sample fit.

    The score is the median over downstream datasets (``exclude``: the five targets, so they stay
    a test set) of the mean absolute backtest error at ``ks``. Median AIC / BIC over the same
    datasets are shown alongside (in-sample; comparable only within one frontier).
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
    """Coefficients with intervals, backtests and form selection for everything at once."""
    start = time.perf_counter()
    if downstream_datasets is None:
        downstream_datasets = sorted(rows["downstream_dataset"].unique())
    coefficients = coefficient_table(rows, downstream_datasets, groups=groups, n_resamples=n_resamples, seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        summary = summarise(backtest(rows, downstream_datasets, groups=groups, ks=ks))
    selection = select_forms(summary, coefficients)
    seconds = time.perf_counter() - start
    logger.info("fit report: %d fits, %d backtest cells in %.1f s", len(coefficients), len(summary), seconds)
    return FitReport(coefficients, summary, selection, seconds)


def chapter_report_rows(backtest_summary: pd.DataFrame, interval_summary: pd.DataFrame, seconds: float,
                        recovery: pd.DataFrame | None = None) -> list:
    """Reproduction-report rows of the chapter: the paper-fit backtest beside the issue's numbers
    (decimals 2), the best calibration's coverage and sharpness, the report time."""
    from repro.book import report
    from repro.scaling.backtest import target_table

    issue = {2: (0.10, 0.13, 0.37, 0.42, 0.10), 5: (0.77, 0.87, 0.55, 0.70, 0.61)}
    table = target_table(backtest_summary)
    rows = []
    for k, values in issue.items():
        for name, paper in zip(table.columns, values):
            rows.append(report.compare("uncertainty", f"backtest_paperfit_k{k}_{name}", float(table.loc[k, name]), paper,
                                       decimals=2))
    for _, r in interval_summary.iterrows():
        rows.append(report.compare("uncertainty", f"coverage_{r['method']}", float(r["coverage"])))
        rows.append(report.compare("uncertainty", f"sharpness_{r['method']}", float(r["sharpness"])))
    rows.append(report.compare("uncertainty", "fit_report_seconds", float(seconds)))
    if recovery is not None:
        for _, r in recovery.iterrows():
            rows.append(report.compare("uncertainty", f"recovery_{r['form']}_{r['noise_sd']}_coverage", float(r["coverage"])))
    return rows
