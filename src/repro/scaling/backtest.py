"""Held-out extrapolation backtests: how well does a law fitted on smaller runs predict larger ones?

The paper extrapolates its laws (Fig. 8, Table 4) without a held-out check. Protocol:

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
k = 5: 0.77, 0.87, 0.55, 0.70, 0.61 (tested in ``tests/test_scaling_backtest.py``; the book's
chapter "How sure are these laws?" shows them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from repro.constants import LAION_UPSTREAMS, N_BINS
from repro.errors import FitError
from repro.scaling.frontiers import PAPER_FRONTIER, STANDARD_FRONTIERS, FrontierSpec, frontier_points_batch, pareto_mask
from repro.scaling.laws import FORMS, LawForm, get_form
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
#: the five targets (Figure 1's four datasets and VTAB+): downstream_dataset -> display name
TARGETS = {"imagenet1k": "ImageNet", "mscoco_captions": "MS-COCO", "imagenet_robustness": "robustness",
           "vtab+": "VTAB+", "flickr30k": "Flickr30K"}


def holdout_mask(log10_compute: np.ndarray, k: int) -> np.ndarray:
    """Runs at the k largest distinct compute values (held out), as a boolean mask.

    Parameters
    ----------
    log10_compute : (N,) array
        log10 total GMACs of each run.
    k : int
        How many of the largest distinct compute values to hold out.
    """
    x = np.asarray(log10_compute, dtype=float)
    distinct = np.unique(x)
    if not 1 <= k < len(distinct):
        raise FitError(f"k must be between 1 and {len(distinct) - 1} (distinct compute values - 1), got {k}")
    return x >= distinct[-k]


def run_arrays(rows: pd.DataFrame, downstream_dataset: str, upstreams: Sequence[str]
               ) -> tuple[np.ndarray, np.ndarray]:
    """log10 compute and log10 error of the runs of ``upstreams`` on one downstream dataset.

    Parameters
    ----------
    rows, downstream_dataset : DataFrame, str
        As in :func:`repro.scaling.paper_fit.select`.
    upstreams : sequence of str
        The pre-training sets whose runs are taken (e.g. the three LAION sets).
    """
    chosen = select(rows, downstream_dataset, upstreams=tuple(upstreams))
    chosen = chosen[np.isfinite(chosen["log10_error"])]
    return chosen["log10_compute"].to_numpy(), chosen["log10_error"].to_numpy()


def group_run_arrays(rows: pd.DataFrame, downstream_datasets: Sequence[str],
                     groups: Mapping[str, Sequence[str]] | None = None
                     ) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]:
    """:func:`run_arrays` of every (group, dataset), each dataset's runs selected once.

    Returns ``{(group, downstream_dataset): (log10_compute, log10_error)}``, equal to
    ``run_arrays(rows, downstream_dataset, groups[group])`` for each pair.

    Parameters
    ----------
    rows, downstream_datasets, groups : DataFrame, sequence of str, mapping
        As in :func:`backtest`.
    """
    groups = GROUPS if groups is None else groups
    out = {}
    for ds in downstream_datasets:
        chosen = select(rows, ds)
        chosen = chosen[np.isfinite(chosen["log10_error"])]
        upstream = chosen["upstream_dataset"].to_numpy()
        x, y = chosen["log10_compute"].to_numpy(), chosen["log10_error"].to_numpy()
        for group, upstreams in groups.items():
            member = np.isin(upstream, list(upstreams))
            out[group, ds] = x[member], y[member]
    return out


def paper_backtest(log10_compute: np.ndarray, log10_error: np.ndarray, k: int, *, n_bins: int = N_BINS
                   ) -> pd.DataFrame:
    """The backtest of the paper fit with the authors' :func:`binned_line_fit` itself.

    Returns one row per scored run: log10_compute, observed and predicted error, abs error (pp).

    Parameters
    ----------
    log10_compute, log10_error : (N,) arrays
        The runs: log10 total GMACs and log10 error rate.
    k : int
        Hold out the runs at the k largest compute values and score them.
    n_bins : int
        Bins of the paper's frontier fit on the remaining runs.
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


#: columns of :func:`backtest_runs`, in order
RUN_COLUMNS = ("k", "log10_compute", "observed", "predicted", "log10_residual", "alpha", "abs_error_pp")


def _backtest_arrays(x: np.ndarray, y: np.ndarray, law: LawForm, held: np.ndarray, ks: Sequence[int],
                     front: tuple[np.ndarray, np.ndarray, np.ndarray], on_front: np.ndarray
                     ) -> dict[str, np.ndarray] | None:
    """The scored held-out runs of every k as columns (None if no k could be fitted)."""
    fx, fy, fv = front
    theta, x0 = law.fit_batch(fx, fy, fv)
    parts = []
    for i, k in enumerate(ks):
        if not np.isfinite(theta[i]).all():
            continue
        scored = held[i] & on_front
        pred_log = law.model(theta[i], x[scored], x0[i])
        n = int(scored.sum())
        parts.append((np.full(n, k), x[scored], 10.0 ** y[scored], 10.0 ** pred_log, y[scored] - pred_log,
                      np.full(n, theta[i, 1])))
    if not parts:
        return None
    columns = {name: np.concatenate([p[j] for p in parts]) for j, name in enumerate(RUN_COLUMNS[:-1])}
    columns["abs_error_pp"] = 100 * np.abs(columns["predicted"] - columns["observed"])
    return columns


def _training_sets(x: np.ndarray, ks: Sequence[int]) -> tuple[list[int], np.ndarray | None]:
    """The usable k (fewer than the distinct compute values - 1) and their hold-out masks (k, N)."""
    n_distinct = len(np.unique(x))
    ks = [k for k in ks if k < n_distinct - 1]
    return ks, (np.stack([holdout_mask(x, k) for k in ks]) if ks else None)


def backtest_runs(log10_compute: np.ndarray, log10_error: np.ndarray, *, form: str = "power",
                  frontier: FrontierSpec = PAPER_FRONTIER, ks: Sequence[int] = KS,
                  downstream_dataset: str | None = None) -> pd.DataFrame:
    """Backtest one form x frontier on one set of runs, every k at once (batched grid fits).

    Returns one row per (k, scored run): k, log10_compute, observed, predicted (error rates),
    log10_residual (observed - predicted, log10), alpha (of the training fit), abs_error_pp.
    A k whose training fit has too few frontier points gives no rows for that k.

    Parameters
    ----------
    log10_compute, log10_error : (N,) arrays
        The runs: log10 total GMACs and log10 error rate.
    form : str
        A law form of :data:`repro.scaling.laws.FORMS`.
    frontier : FrontierSpec
        Which points of the training runs the law is fitted through.
    ks : sequence of int
        The horizons: hold out the runs at the k largest compute values.
    downstream_dataset : str, optional
        Sets the bounded form's error ceiling (chance on that dataset).
    """
    x = np.asarray(log10_compute, dtype=float)
    y = np.asarray(log10_error, dtype=float)
    ks, held = _training_sets(x, ks)
    if not ks:
        return _empty()
    front = frontier_points_batch(x, y, (~held).astype(int), frontier)
    columns = _backtest_arrays(x, y, get_form(form, downstream_dataset=downstream_dataset), held, ks, front,
                               pareto_mask(x, y))
    return _empty() if columns is None else pd.DataFrame(columns)


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=list(RUN_COLUMNS))


def backtest(rows: pd.DataFrame, downstream_datasets: Sequence[str], *, groups: dict[str, tuple[str, ...]] | None = None,
             forms: Sequence[str] = FORMS, frontiers: Sequence[FrontierSpec] = STANDARD_FRONTIERS,
             ks: Sequence[int] = KS,
             arrays: Mapping[tuple[str, str], tuple[np.ndarray, np.ndarray]] | None = None) -> pd.DataFrame:
    """Scored held-out runs for every (group, dataset, form, frontier, k).

    Returns the rows of :func:`backtest_runs` with columns group, downstream_dataset, form and
    frontier added; :func:`summarise` turns them into mean / max tables. ``arrays`` (from
    :func:`group_run_arrays`) saves selecting the runs again. Each training frontier is computed
    once for every form.

    Parameters
    ----------
    rows : DataFrame
        Rows of the results schema.
    downstream_datasets : sequence of str
        The downstream datasets.
    groups : dict, optional
        Group name -> its pre-training sets (default :data:`GROUPS`).
    forms : sequence of str
        Law forms of :data:`repro.scaling.laws.FORMS`.
    frontiers : sequence of FrontierSpec
        The frontiers each form is fitted through.
    ks : sequence of int
        The horizons (held-out largest compute values).
    arrays : mapping, optional
        :func:`group_run_arrays` of ``rows`` (computed when absent).
    """
    groups = GROUPS if groups is None else groups
    if arrays is None:
        arrays = group_run_arrays(rows, downstream_datasets, groups)
    parts: list[dict[str, np.ndarray]] = []
    labels: list[tuple[int, str, str, str, str]] = []
    for group in groups:
        for ds in downstream_datasets:
            x, y = arrays[group, ds]
            if len(np.unique(x)) < 4:
                continue
            usable, held = _training_sets(x, ks)
            if not usable:
                continue
            on_front = pareto_mask(x, y)
            laws = [(form, get_form(form, downstream_dataset=ds)) for form in forms]
            for spec in frontiers:
                front = frontier_points_batch(x, y, (~held).astype(int), spec)
                for form, law in laws:
                    columns = _backtest_arrays(x, y, law, held, usable, front, on_front)
                    if columns is not None:
                        parts.append(columns)
                        labels.append((len(columns["k"]), group, ds, form, spec.name))
    if not parts:
        raise FitError(f"no backtest could be run for {list(downstream_datasets)} in groups {list(groups)}")
    out = pd.DataFrame({name: np.concatenate([p[name] for p in parts]) for name in RUN_COLUMNS})
    for j, name in enumerate(("group", "downstream_dataset", "form", "frontier"), start=1):
        out[name] = np.repeat(np.array([label[j] for label in labels], dtype=object), [label[0] for label in labels])
    return out


def summarise(scored: pd.DataFrame) -> pd.DataFrame:
    """Mean and max absolute error (pp) and number of scored runs per
    (group, downstream_dataset, form, frontier, k).

    Parameters
    ----------
    scored : DataFrame
        :func:`backtest`'s scored runs.
    """
    keys = [c for c in ("group", "downstream_dataset", "form", "frontier", "k") if c in scored.columns]
    return (scored.groupby(keys, sort=False)["abs_error_pp"]
            .agg(mean_abs_error_pp="mean", max_abs_error_pp="max", n_scored="size").reset_index())


def target_table(summary: pd.DataFrame, *, group: str = "LAION", form: str = "power",
                 frontier: str = PAPER_FRONTIER.name, statistic: str = "mean_abs_error_pp") -> pd.DataFrame:
    """The five :data:`TARGETS` as a k x target table of one statistic.

    Parameters
    ----------
    summary : DataFrame
        :func:`summarise`.
    group : str
        The group of pre-training sets.
    form : str
        The law form.
    frontier : str
        The frontier's name.
    statistic : str
        The column of ``summary`` shown (``mean_abs_error_pp`` or ``max_abs_error_pp``).
    """
    chosen = summary[(summary["group"] == group) & (summary["form"] == form) & (summary["frontier"] == frontier)
                     & summary["downstream_dataset"].isin(list(TARGETS))]
    table = chosen.pivot(index="k", columns="downstream_dataset", values=statistic)
    return table.reindex(columns=list(TARGETS)).rename(columns=TARGETS)


def bins_sensitivity(log10_compute: np.ndarray, log10_error: np.ndarray, *, n_bins: Sequence[int] = range(3, 9),
                     k: int = 5) -> pd.DataFrame:
    """k-backtest error and exponent of the paper fit for several numbers of bins.

    Parameters
    ----------
    log10_compute, log10_error : (N,) arrays
        The runs: log10 total GMACs and log10 error rate.
    n_bins : sequence of int
        The numbers of bins tried.
    k : int
        The backtest horizon.
    """
    out = []
    for nb in n_bins:
        scored = paper_backtest(log10_compute, log10_error, k, n_bins=nb)
        full = binned_line_fit(log10_compute, log10_error, n_bins=nb)
        out.append({"n_bins": nb, "mean_abs_error_pp": float(scored["abs_error_pp"].mean()),
                    "alpha_full_data": full.alpha, "alpha_training": float(scored["alpha"].iloc[0])})
    return pd.DataFrame(out)
