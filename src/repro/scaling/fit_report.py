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

from repro.scaling.backtest import GROUPS, KS, TARGETS, backtest, run_arrays, summarise, target_table
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


#: Retrieval downstream datasets: where the paper says OpenCLIP scales better (PAPER.md, Sec. 3.1).
RETRIEVAL = ("mscoco_captions", "flickr30k")


class Text(str):
    """A string whose repr is itself, so ``{glue:text}`` shows it without quotes."""

    def __repr__(self) -> str:
        return str(self)


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name).strip("_")


def glue_values(report: FitReport, interval_scores: pd.DataFrame, comparison: pd.DataFrame,
                bins: pd.DataFrame, recovery: pd.DataFrame | None = None, *,
                candidate: tuple[str, str] = ("power", "binned5-actual")) -> dict[str, float | str]:
    """Every number the chapter's prose quotes, as plain floats (strings for names), for ``myst_nb.glue``.

    ``candidate`` is the (form, frontier) found by looking at the five targets; the selected one
    is the top row of ``report.selection`` (chosen on the other downstream datasets). Headline
    values are at the largest backtest horizon ``kmax``. The same dictionary feeds
    :func:`chapter_report_rows`, so every quoted number is in the reproduction report.
    """
    from scipy.stats import norm

    values: dict[str, float | str] = {}
    summary = report.backtest
    paper = target_table(summary)
    kmax = int(paper.index.max())
    values["kmax"] = float(kmax)
    sel = report.selection.iloc[0]
    tables = {"paperfit": paper, "candidate": target_table(summary, form=candidate[0], frontier=candidate[1]),
              "selected": target_table(summary, form=str(sel["form"]), frontier=str(sel["frontier"]))}
    for prefix, table in tables.items():
        for k in table.index:
            for name in table.columns:
                values[f"{prefix}_k{int(k)}_{_slug(name)}"] = float(table.loc[k, name])
        for name in table.columns:
            values[f"{prefix}_kmax_{_slug(name)}"] = float(table.loc[kmax, name])
    for prefix in ("candidate", "selected"):
        values[f"{prefix}_beats_paper"] = float((tables[prefix].loc[kmax] < paper.loc[kmax]).sum())
    values["n_targets"] = float(paper.shape[1])
    values["selected_form"], values["selected_frontier"] = Text(sel["form"]), Text(sel["frontier"])
    values["candidate_form"], values["candidate_frontier"] = Text(candidate[0]), Text(candidate[1])
    ranked = report.selection.reset_index(drop=True)
    is_cand = (ranked["form"] == candidate[0]) & (ranked["frontier"] == candidate[1])
    values["candidate_rank"] = float(ranked.index[is_cand][0] + 1) if is_cand.any() else float("nan")
    values["candidate_heldout_median"] = float(ranked.loc[is_cand, "heldout_median_pp"].iloc[0]) if is_cand.any() else float("nan")
    values["selected_heldout_median"] = float(sel["heldout_median_pp"])
    values["n_candidates"] = float(len(ranked))
    for _, r in ranked.iterrows():
        values[f"sel_{r['form']}_{_slug(r['frontier'])}_heldout_median"] = float(r["heldout_median_pp"])
    values["n_selection_datasets"] = float(summary.loc[~summary["downstream_dataset"].isin(list(TARGETS)),
                                                       "downstream_dataset"].nunique())
    # Frontier-choice sensitivity of the paper fit (ImageNet, 3..8 bins).
    values["bins_error_min"], values["bins_error_max"] = (float(bins["mean_abs_error_pp"].min()),
                                                          float(bins["mean_abs_error_pp"].max()))
    values["bins_alpha_min"], values["bins_alpha_max"] = (float(bins["alpha_full_data"].min()),
                                                          float(bins["alpha_full_data"].max()))
    for _, r in bins.iterrows():
        values[f"bins{int(r['n_bins'])}_error"] = float(r["mean_abs_error_pp"])
        values[f"bins{int(r['n_bins'])}_alpha"] = float(r["alpha_full_data"])
    # Intervals: the textbook interval and the sharpest method with coverage >= 0.85.
    scores = interval_scores.set_index("method")
    for method, r in scores.iterrows():
        values[f"coverage_{method}"] = float(r["coverage"])
        values[f"sharpness_{method}"] = float(r["sharpness"])
        values[f"width_{method}"] = float(r["median_width_pp"])
        values[f"abs_error_{method}"] = float(r["median_abs_error_pp"])
    best = interval_scores.sort_values("sharpness").query("coverage >= 0.85")
    best = best.iloc[0] if len(best) else interval_scores.sort_values("coverage").iloc[-1]
    values["best_method"] = Text(best["method"])
    values["best_coverage"], values["best_sharpness"] = float(best["coverage"]), float(best["sharpness"])
    # Lower bound on sharpness at 90% coverage for unbiased normal errors: full width 2 z_0.95 sigma
    # against a median absolute error of z_0.75 sigma.
    values["z90"], values["z_median"] = float(norm.ppf(0.95)), float(norm.ppf(0.75))
    values["sharpness_bound"] = 2 * values["z90"] / values["z_median"]
    # OpenCLIP - OpenAI exponent differences.
    c = comparison
    values["n_compared"] = float(len(c))
    for tag, lo, hi in (("laion", "diff_lo", "diff_hi"), ("both", "diff_both_lo", "diff_both_hi")):
        values[f"n_openclip_steeper_{tag}"] = float((c[hi] < 0).sum())
        values[f"n_openai_steeper_{tag}"] = float((c[lo] > 0).sum())
        values[f"n_undecided_{tag}"] = float(((c[lo] <= 0) & (c[hi] >= 0)).sum())
    for _, r in c.iterrows():
        slug = _slug(r["downstream_dataset"])
        for col in ("diff", "diff_lo", "diff_hi", "diff_both_lo", "diff_both_hi", "log10_cross",
                    "log10_cross_lo", "log10_cross_hi", "p_openclip_steeper"):
            values[f"cmp_{slug}_{col}"] = float(r[col])
    retrieval = c[c["downstream_dataset"].isin(RETRIEVAL)]
    values["n_retrieval_openclip_steeper_laion"] = float((retrieval["diff_hi"] < 0).sum())
    values["n_retrieval_openclip_steeper_both"] = float((retrieval["diff_both_hi"] < 0).sum())
    values["n_retrieval"] = float(len(retrieval))
    if recovery is not None and len(recovery):
        values["recovery_coverage_min"] = float(recovery["coverage"].min())
        values["recovery_coverage_max"] = float(recovery["coverage"].max())
        values["recovery_bias_over_se_max"] = float(recovery["bias_over_se"].abs().max())
        values["recovery_n_cells"] = float(len(recovery))
        for _, r in recovery.iterrows():
            values[f"recovery_{r['form']}_{r['noise_sd']}_coverage"] = float(r["coverage"])
            values[f"recovery_{r['form']}_{r['noise_sd']}_bias_over_se"] = float(r["bias_over_se"])
    values["report_seconds"] = float(report.seconds)
    return values


@dataclass(frozen=True)
class Chapter:
    """Everything the uncertainty chapter shows, computed once.

    Attributes
    ----------
    report : FitReport
        :func:`full_report` (coefficients, backtests, form selection).
    bins : DataFrame
        :func:`repro.scaling.backtest.bins_sensitivity` of the LAION ImageNet runs.
    scores : DataFrame
        :func:`repro.scaling.uncertainty.interval_scores` of the binned (actual-x) frontier's intervals.
    comparison : DataFrame
        :func:`repro.scaling.compare.compare_openclip_openai`.
    recovery : DataFrame
        :func:`repro.scaling.recovery.recovery_table` at the LAION ImageNet compute values.
    values : dict
        :func:`glue_values` of the above: the numbers the prose quotes.
    """

    report: FitReport = field(repr=False)
    bins: pd.DataFrame = field(repr=False)
    scores: pd.DataFrame = field(repr=False)
    comparison: pd.DataFrame = field(repr=False)
    recovery: pd.DataFrame = field(repr=False)
    values: dict = field(repr=False)

    def report_rows(self) -> list:
        """:func:`chapter_report_rows` of :attr:`values`."""
        return chapter_report_rows(self.values)


def chapter(rows: pd.DataFrame, downstream_datasets: Sequence[str] | None = None, *,
            n_resamples: int = N_BOOTSTRAP, ks: Sequence[int] = KS, n_replications: int = 200) -> Chapter:
    """Compute the uncertainty chapter: fit report, bins sensitivity, interval scores,
    OpenCLIP-vs-OpenAI comparison and the recovery study, and their :func:`glue_values`.

    Parameters
    ----------
    rows : DataFrame
        Results in the schema of ``repro.data.load_results()``.
    downstream_datasets : sequence of str, optional
        Datasets fitted; default every downstream dataset of ``rows``, sorted.
    n_resamples : int
        Bootstrap resamples of every interval.
    ks : sequence of int
        Backtest horizons (number of largest distinct compute values held out).
    n_replications : int
        Replications of the recovery study.
    """
    from repro.scaling import backtest as bt
    from repro.scaling import compare, frontiers, recovery, uncertainty

    if downstream_datasets is None:
        downstream_datasets = sorted(rows["downstream_dataset"].unique())
    report = full_report(rows, downstream_datasets, n_resamples=n_resamples, ks=ks)
    x, y = bt.run_arrays(rows, "imagenet1k", bt.GROUPS["LAION"])
    bins = bt.bins_sensitivity(x, y)
    study = uncertainty.interval_study(rows, downstream_datasets, frontier=frontiers.FrontierSpec("binned", x_at="actual"),
                                       n_resamples=n_resamples, ks=ks)
    scores = uncertainty.interval_scores(study)
    comparison = compare.compare_openclip_openai(rows, downstream_datasets, n_resamples=n_resamples)
    rec = recovery.recovery_table(x, n_replications=n_replications)
    values = glue_values(report, scores, comparison, bins, rec)
    return Chapter(report, bins, scores, comparison, rec, values)


def chapter_report_rows(values: dict[str, float | str]) -> list:
    """Reproduction-report rows of the chapter: every numeric value of :func:`glue_values`.

    None of these quantities is printed in the paper (the issue's backtest numbers were
    measured by a session, not printed), so every row has no paper value and the status
    "reproduced"; the paper-fit backtest rows name the issue's value in their explanation.
    """
    from repro import report

    issue = {2: (0.10, 0.13, 0.37, 0.42, 0.10), 5: (0.77, 0.87, 0.55, 0.70, 0.61)}
    issue_values = {f"paperfit_k{k}_{_slug(name)}": v for k, vs in issue.items()
                    for name, v in zip(TARGETS.values(), vs)}
    rows = []
    for name, value in values.items():
        if isinstance(value, str) or "_kmax_" in name:
            continue
        explanation = (f"issue 4 measured {issue_values[name]:.2f} (not a paper value)"
                       if name in issue_values else "")
        rows.append(report.compare("uncertainty", name, float(value), explanation=explanation))
    return rows
