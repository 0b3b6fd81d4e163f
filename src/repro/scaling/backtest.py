"""Held-out extrapolation backtests (issue 4, item 4).

Protocol (reproduces the issue's numbers for the paper fit to 0.01, first reading):

1. Take the OpenCLIP runs of one upstream group (the paper pools LAION-80M/400M/2B: 29 runs)
   and one downstream dataset; x = log10 total compute, y = log10 error.
2. For k in (1, 2, 3, 5): hold out every run whose compute is among the k largest *distinct*
   compute values (runs sharing a compute value leave together).
3. Fit the law (form x frontier) on the remaining runs only: the frontier, including the
   paper's bin edges, is recomputed on the training runs.
4. Score the held-out runs that lie on the Pareto frontier of *all* runs of the group (no run
   with strictly less compute has lower-or-equal error, :func:`~repro.scaling.frontiers.pareto_mask`):
   the absolute difference between predicted and observed error rate, in percentage points.
5. Report the mean and the maximum over the scored runs.

With the paper's frontier and the power law this gives, on the published results:
k = 2: ImageNet 0.10, MS-COCO 0.13, robustness 0.37, VTAB+ 0.42, Flickr30K 0.10;
k = 5: 0.77, 0.87, 0.55, 0.70, 0.61 (tested in ``tests/test_scaling_backtest.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from repro.errors import FitError
from repro.constants import LAION_UPSTREAMS
from repro.scaling.frontiers import PAPER_FRONTIER, STANDARD_FRONTIERS, FrontierSpec, frontier_points_batch, pareto_mask
from repro.scaling.laws import FORMS, get_form
from repro.scaling.paper_fit import binned_line_fit, select

#: upstream groups: the paper's pooled fit and one fit per LAION subset
GROUPS: dict[str, tuple[str, ...]] = {
    "LAION": LAION_UPSTREAMS,
    "LAION-80M": ("LAION-80M",),
    "LAION-400M": ("LAION-400M",),
    "LAION-2B": ("LAION-2B",),
}
#: the k of the backtest (number of largest distinct compute values held out)
KS = (1, 2, 3, 5)
#: the five targets of the issue: downstream_dataset -> display name
TARGETS = {"imagenet1k": "ImageNet", "mscoco_captions": "MS-COCO", "imagenet_robustness": "robustness",
           "vtab+": "VTAB+", "flickr30k": "Flickr30K"}


def holdout_mask(log10_compute: np.ndarray, k: int) -> np.ndarray:
    """Runs at the k largest distinct compute values (held out), as a boolean mask."""
    x = np.asarray(log10_compute, dtype=float)
    distinct = np.unique(x)
    if not 1 <= k < len(distinct):
        raise FitError(f"k must be between 1 and {len(distinct) - 1} (distinct compute values - 1), got {k}")
    return x >= distinct[-k]


def run_arrays(rows: pd.DataFrame, downstream_dataset: str, upstreams: Sequence[str]
               ) -> tuple[np.ndarray, np.ndarray]:
    """log10 compute and log10 error of the runs of ``upstreams`` on one downstream dataset."""
    chosen = select(rows, downstream_dataset, upstreams=tuple(upstreams))
    chosen = chosen[np.isfinite(chosen["log10_error"])]
    return chosen["log10_compute"].to_numpy(), chosen["log10_error"].to_numpy()


def paper_backtest(log10_compute: np.ndarray, log10_error: np.ndarray, k: int, *, n_bins: int = 5
                   ) -> pd.DataFrame:
    """The backtest of the paper fit with the authors' :func:`binned_line_fit` itself.

    Returns one row per scored run: log10_compute, observed and predicted error, abs error (pp).
    """
    x = np.asarray(log10_compute, dtype=float)
    y = np.asarray(log10_error, dtype=float)
    held = holdout_mask(x, k)
    fit = binned_line_fit(x[~held], y[~held], n_bins=n_bins)
    scored = held & pareto_mask(x, y)
    observed = 10.0 ** y[scored]
    predicted = fit.predict(10.0 ** x[scored])
    return pd.DataFrame({"log10_compute": x[scored], "observed": observed, "predicted": predicted,
                         "abs_error_pp": 100 * np.abs(predicted - observed), "alpha": fit.alpha})


def backtest_runs(log10_compute: np.ndarray, log10_error: np.ndarray, *, form: str = "power",
                  frontier: FrontierSpec = PAPER_FRONTIER, ks: Sequence[int] = KS,
                  downstream_dataset: str | None = None) -> pd.DataFrame:
    """Backtest one form x frontier on one set of runs, every k at once (batched grid fits).

    Returns one row per (k, scored run): k, log10_compute, observed, predicted (error rates),
    log10_residual (observed - predicted, log10), abs_error_pp, alpha (of the training fit).
    A k whose training fit has too few frontier points gives no rows for that k.
    """
    x = np.asarray(log10_compute, dtype=float)
    y = np.asarray(log10_error, dtype=float)
    law = get_form(form, downstream_dataset=downstream_dataset)
    n_distinct = len(np.unique(x))
    ks = [k for k in ks if k < n_distinct - 1]
    if not ks:
        return _empty()
    held = np.stack([holdout_mask(x, k) for k in ks])
    fx, fy, fv = _cached_frontier(x, y, held, frontier)
    theta, x0 = law.fit_batch(fx, fy, fv)
    on_front = pareto_mask(x, y)
    parts = []
    for i, k in enumerate(ks):
        if not np.isfinite(theta[i]).all():
            continue
        scored = held[i] & on_front
        pred_log = law.model(theta[i], x[scored], x0[i])
        parts.append(pd.DataFrame({"k": k, "log10_compute": x[scored], "observed": 10.0 ** y[scored],
                                   "predicted": 10.0 ** pred_log, "log10_residual": y[scored] - pred_log,
                                   "alpha": theta[i, 1]}))
    if not parts:
        return _empty()
    out = pd.concat(parts, ignore_index=True)
    out["abs_error_pp"] = 100 * np.abs(out["predicted"] - out["observed"])
    return out


_FRONTIER_CACHE: dict = {}


def _cached_frontier(x: np.ndarray, y: np.ndarray, held: np.ndarray, frontier: FrontierSpec):
    """Training frontiers of the k hold-outs, shared by every form (one entry kept)."""
    key = (x.tobytes(), y.tobytes(), held.tobytes(), frontier)
    if key not in _FRONTIER_CACHE:
        _FRONTIER_CACHE.clear()
        _FRONTIER_CACHE[key] = frontier_points_batch(x, y, (~held).astype(int), frontier)
    return _FRONTIER_CACHE[key]


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=["k", "log10_compute", "observed", "predicted", "log10_residual", "alpha",
                                 "abs_error_pp"])


def backtest(rows: pd.DataFrame, downstream_datasets: Sequence[str], *, groups: dict[str, tuple[str, ...]] | None = None,
             forms: Sequence[str] = FORMS, frontiers: Sequence[FrontierSpec] = STANDARD_FRONTIERS,
             ks: Sequence[int] = KS) -> pd.DataFrame:
    """Scored held-out runs for every (group, dataset, form, frontier, k).

    Returns the rows of :func:`backtest_runs` with columns group, downstream_dataset, form and
    frontier added; :func:`summarise` turns them into mean / max tables.
    """
    groups = GROUPS if groups is None else groups
    parts = []
    for group, upstreams in groups.items():
        for ds in downstream_datasets:
            x, y = run_arrays(rows, ds, upstreams)
            if len(np.unique(x)) < 4:
                continue
            for spec in frontiers:
                for form in forms:
                    part = backtest_runs(x, y, form=form, frontier=spec, ks=ks, downstream_dataset=ds)
                    if len(part):
                        parts.append(part.assign(group=group, downstream_dataset=ds, form=form, frontier=spec.name))
    if not parts:
        raise FitError(f"no backtest could be run for {list(downstream_datasets)} in groups {list(groups)}")
    return pd.concat(parts, ignore_index=True)


def summarise(scored: pd.DataFrame) -> pd.DataFrame:
    """Mean and max absolute error (pp) and number of scored runs per
    (group, downstream_dataset, form, frontier, k)."""
    keys = [c for c in ("group", "downstream_dataset", "form", "frontier", "k") if c in scored.columns]
    return (scored.groupby(keys, sort=False)["abs_error_pp"]
            .agg(mean_abs_error_pp="mean", max_abs_error_pp="max", n_scored="size").reset_index())


def target_table(summary: pd.DataFrame, *, group: str = "LAION", form: str = "power",
                 frontier: str = PAPER_FRONTIER.name, statistic: str = "mean_abs_error_pp") -> pd.DataFrame:
    """The five targets of the issue as a k x target table of one statistic."""
    chosen = summary[(summary["group"] == group) & (summary["form"] == form) & (summary["frontier"] == frontier)
                     & summary["downstream_dataset"].isin(list(TARGETS))]
    table = chosen.pivot(index="k", columns="downstream_dataset", values=statistic)
    return table.reindex(columns=list(TARGETS)).rename(columns=TARGETS)


def bins_sensitivity(log10_compute: np.ndarray, log10_error: np.ndarray, *, n_bins: Sequence[int] = range(3, 9),
                     k: int = 5) -> pd.DataFrame:
    """k-backtest error and exponent of the paper fit for several numbers of bins."""
    out = []
    for nb in n_bins:
        scored = paper_backtest(log10_compute, log10_error, k, n_bins=nb)
        full = binned_line_fit(log10_compute, log10_error, n_bins=nb)
        out.append({"n_bins": nb, "mean_abs_error_pp": float(scored["abs_error_pp"].mean()),
                    "alpha_full_data": full.alpha, "alpha_training": float(scored["alpha"].iloc[0])})
    return pd.DataFrame(out)
