"""Honest selection: which datasets may choose a law form or an interval method, how stable the
choice is, and how the chosen one fares on what it was not chosen on (the book's chapter "How
sure are these laws?").

* A target aggregate's components never choose: the robustness target is the mean of
  ImageNet-V2, -R, -Sketch, ObjectNet and -A (Table 20), so those five leave the selection set;
  VTAB+ is the mean of 35 sets (Table 26) that cover nearly every classification set, so it cannot
  be a test target of a selection made on them and leaves the honest test set instead
  (:func:`selection_plan`). The VTAB aggregate repeats its own tasks and leaves too.
* Candidates are ranked by their median held-out error over one common set of datasets, those
  where every candidate is scored (:func:`selection_study`).
* Stability: the datasets are resampled with replacement and the ranking redone; the share of
  draws that put the winner first is reported.
* The winner is set beside the paper fit on every selection dataset (wins, median difference).
* Interval methods: :func:`cluster_bootstrap_scores` (coverage and sharpness with intervals from
  resampling datasets, the unit that is independent), :func:`nested_method_choice` (the method
  chosen on half of the datasets, scored on the other half), :func:`independent_points`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, stats

from repro.constants import VTAB_PLUS_TASKS
from repro.errors import FitError
from repro.scaling.backtest import TARGETS
from repro.scaling.frontiers import PAPER_FRONTIER
from repro.scaling.uncertainty import INTERVAL_METHODS

#: The components of the robustness target (Table 20: the mean of these five), as named in the results.
ROBUSTNESS_COMPONENTS = ("imagenetv2", "imagenet-r", "imagenet_sketch", "objectnet", "imagenet-a")
#: Each aggregate target's components.
TARGET_COMPONENTS: dict[str, tuple[str, ...]] = {"imagenet_robustness": ROBUSTNESS_COMPONENTS,
                                                 "vtab+": VTAB_PLUS_TASKS}
#: Aggregates that repeat datasets of the selection set (not independent of them).
REPEATING_AGGREGATES = ("vtab",)
#: The paper's fit, the reference of every comparison.
PAPER_CANDIDATE = ("power", PAPER_FRONTIER.name)
#: Coverage an interval method must reach to be chosen (the sharpest above it wins).
MIN_COVERAGE = 0.85


@dataclass(frozen=True)
class SelectionPlan:
    """Which datasets choose and which test: ``selection`` (may rank candidates), ``test``
    (the targets scored honestly), ``dropped_targets`` (targets whose components overlap the
    selection set, so they cannot be a test) and ``excluded`` (components kept out of selection)."""

    selection: tuple[str, ...]
    test: tuple[str, ...]
    dropped_targets: tuple[str, ...]
    excluded: tuple[str, ...]


def selection_plan(datasets: Sequence[str], targets: Sequence[str] = tuple(TARGETS), *,
                   max_component_share: float = 0.5) -> SelectionPlan:
    """Split ``datasets`` into a selection set and an honest test set.

    A target whose components make up more than ``max_component_share`` of the non-target
    datasets (VTAB+: nearly all of them) is dropped from the test set; the components of every
    other aggregate target leave the selection set, as do :data:`REPEATING_AGGREGATES`.

    Parameters
    ----------
    datasets : sequence of str
        Every downstream dataset available.
    targets : sequence of str
        The test targets before the split (:data:`repro.scaling.backtest.TARGETS`).
    max_component_share : float
        The share above which an aggregate is dropped from the test set rather than its components
        from the selection set.
    """
    datasets = list(dict.fromkeys(datasets))
    others = [d for d in datasets if d not in targets]
    if not others:
        raise FitError(f"selection_plan: no dataset besides the targets {list(targets)} to select on")
    dropped, excluded = [], set(REPEATING_AGGREGATES)
    for target in targets:
        components = set(TARGET_COMPONENTS.get(target, ()))
        if not components:
            continue
        if len(components & set(others)) > max_component_share * len(others):
            dropped.append(target)
        else:
            excluded |= components
    selection = tuple(d for d in others if d not in excluded)
    test = tuple(t for t in targets if t in datasets and t not in dropped)
    return SelectionPlan(selection, test, tuple(dropped), tuple(sorted(excluded & set(datasets))))


@dataclass(frozen=True)
class SelectionStudy:
    """The ranking of candidates on a common set of datasets, its stability and the winner's
    margin over the paper fit.

    Attributes
    ----------
    ranking : DataFrame
        ``form``, ``frontier``, ``heldout_median_pp`` (over the common set), ``n_scored`` (datasets
        where the candidate is scored at all), ``first_share`` (share of resampling draws that put
        it first), best first.
    per_dataset : DataFrame
        Mean held-out error (pp), one row per common dataset, one column per candidate "form|frontier".
    n_selection : int
        Datasets in the selection set.
    n_common : int
        Datasets where every candidate is scored (the medians' set).
    winner_share : float
        ``first_share`` of the winner.
    wins_over_paper, median_diff_over_paper_pp : int, float
        Common datasets where the winner's error is below the paper fit's, and the median of
        winner - paper (pp).
    n_draws : int
        Resampling draws of the stability check.
    """

    ranking: pd.DataFrame = field(repr=False)
    per_dataset: pd.DataFrame = field(repr=False)
    n_selection: int
    n_common: int
    winner_share: float
    wins_over_paper: int
    median_diff_over_paper_pp: float
    n_draws: int

    @property
    def winner(self) -> tuple[str, str]:
        """(form, frontier) of the top candidate."""
        top = self.ranking.iloc[0]
        return str(top["form"]), str(top["frontier"])


def selection_study(summary: pd.DataFrame, selection: Sequence[str], *, k: int = 5, group: str = "LAION",
                    n_draws: int = 2000, seed: int = 0) -> SelectionStudy:
    """Rank form x frontier by median held-out error at ``k`` over the datasets of ``selection``
    where every candidate is scored; resample those datasets ``n_draws`` times for stability.

    Parameters
    ----------
    summary : DataFrame
        :func:`repro.scaling.backtest.summarise` of the backtest.
    selection : sequence of str
        The selection datasets (:attr:`SelectionPlan.selection`).
    k : int
        The backtest horizon ranked at.
    group : str
        The upstream group.
    n_draws : int
        Resampling draws over datasets.
    seed : int
        Seed of the draws.

    Raises
    ------
    FitError
        No dataset of ``selection`` is scored by every candidate, or the paper fit is not a candidate.
    """
    chosen = summary[(summary["group"] == group) & (summary["k"] == k) & summary["downstream_dataset"].isin(list(selection))]
    wide = chosen.pivot_table(index="downstream_dataset", columns=["form", "frontier"], values="mean_abs_error_pp")
    n_scored = wide.notna().sum()
    common = wide.dropna()
    if common.empty:
        raise FitError(f"selection_study: no dataset of the selection set is scored by every candidate at k={k}")
    if PAPER_CANDIDATE not in common.columns:
        raise FitError(f"selection_study: the paper fit {PAPER_CANDIDATE} is not among the candidates")
    medians = common.median()
    order = medians.sort_values(kind="stable").index
    rng = np.random.default_rng(seed)
    values = common[order].to_numpy()
    draws = rng.integers(0, len(common), size=(n_draws, len(common)))
    first = np.argmin(np.median(values[draws], axis=1), axis=1)
    share = np.bincount(first, minlength=len(order)) / n_draws
    ranking = pd.DataFrame({"form": [o[0] for o in order], "frontier": [o[1] for o in order],
                            "heldout_median_pp": medians[order].to_numpy(), "n_scored": n_scored[order].to_numpy(),
                            "first_share": share})
    winner = order[0]
    diff = common[winner] - common[PAPER_CANDIDATE]
    per_dataset = common[order].copy()
    per_dataset.columns = [f"{f}|{fr}" for f, fr in order]
    return SelectionStudy(ranking, per_dataset, len(set(selection)), len(common), float(share[0]),
                          int((diff < 0).sum()), float(diff.median()), n_draws)


def independent_points(study: pd.DataFrame) -> tuple[int, int, int]:
    """(rows, distinct held-out points, datasets) of an interval study: the same run is held out at
    several horizons k, so the rows are not independent; a point is a (dataset, compute, observed).

    Parameters
    ----------
    study : DataFrame
        The interval study: one row per (dataset, horizon, held-out run), with
        ``downstream_dataset``, ``log10_compute`` and ``observed``.
    """
    if study.empty:
        return 0, 0, 0
    distinct = study.drop_duplicates(["downstream_dataset", "log10_compute", "observed"])
    return len(study), len(distinct), int(study["downstream_dataset"].nunique())


def _method_arrays(study: pd.DataFrame, methods: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per row and method: covered (bool), width (pp), usable (bool); and the realised error (pp)."""
    observed = study["observed"].to_numpy(float)
    lo = np.stack([study[f"{m}_lo"].to_numpy(float) for m in methods], axis=1)
    hi = np.stack([study[f"{m}_hi"].to_numpy(float) for m in methods], axis=1)
    usable = np.isfinite(lo) & np.isfinite(hi)
    covered = (observed[:, None] >= lo) & (observed[:, None] <= hi)
    realised = 100 * np.abs(study["predicted"].to_numpy(float) - observed)
    return covered, 100 * (hi - lo), usable, realised


def _scores(covered: np.ndarray, width: np.ndarray, usable: np.ndarray, realised: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """Coverage and sharpness per method (as :func:`repro.scaling.uncertainty.interval_scores`)."""
    coverage = np.array([covered[usable[:, j], j].mean() if usable[:, j].any() else np.nan
                         for j in range(covered.shape[1])])
    sharpness = np.array([np.median(width[usable[:, j], j]) / np.median(realised[usable[:, j]])
                          if usable[:, j].any() else np.nan for j in range(covered.shape[1])])
    return coverage, sharpness


def cluster_bootstrap_scores(study: pd.DataFrame, *, methods: Sequence[str] = INTERVAL_METHODS,
                             n_draws: int = 1000, seed: int = 0, level: float = 0.90) -> pd.DataFrame:
    """Coverage and sharpness per method with percentile intervals from resampling datasets (the
    independent unit: a dataset's held-out points share one fit).

    Parameters
    ----------
    study : DataFrame
        The interval study, with ``<method>_lo`` and ``<method>_hi`` columns per method.
    methods : sequence of str
        The interval methods scored.
    n_draws : int
        Resamples of the datasets.
    seed : int
        Seed of the draws.
    level : float
        Two-sided level of the percentile intervals.

    Returns one row per method: ``coverage``, ``coverage_lo``, ``coverage_hi``, ``sharpness``,
    ``sharpness_lo``, ``sharpness_hi`` (``level`` intervals over ``n_draws`` draws).
    """
    if study.empty:
        raise FitError("cluster_bootstrap_scores: empty interval study")
    methods = list(methods)
    arrays = _method_arrays(study, methods)
    labels = study["downstream_dataset"].to_numpy()
    datasets = np.unique(labels)
    members = [np.flatnonzero(labels == d) for d in datasets]
    point = _scores(*arrays)
    rng = np.random.default_rng(seed)
    cov, sharp = np.empty((n_draws, len(methods))), np.empty((n_draws, len(methods)))
    for i in range(n_draws):
        rows = np.concatenate([members[j] for j in rng.integers(0, len(datasets), size=len(datasets))])
        cov[i], sharp[i] = _scores(*(a[rows] for a in arrays))
    q = (0.5 - level / 2, 0.5 + level / 2)
    return pd.DataFrame({"method": methods, "coverage": point[0],
                         "coverage_lo": np.nanquantile(cov, q[0], axis=0), "coverage_hi": np.nanquantile(cov, q[1], axis=0),
                         "sharpness": point[1], "sharpness_lo": np.nanquantile(sharp, q[0], axis=0),
                         "sharpness_hi": np.nanquantile(sharp, q[1], axis=0)})


def pick_method(scores: pd.DataFrame, *, min_coverage: float = MIN_COVERAGE) -> str:
    """The sharpest method whose coverage reaches ``min_coverage`` (else the best-covering one).

    Parameters
    ----------
    scores : DataFrame
        One row per method with ``method``, ``coverage`` and ``sharpness``.
    min_coverage : float
        The coverage a method must reach to be chosen for its sharpness.
    """
    usable = scores[scores["coverage"] >= min_coverage].sort_values("sharpness", kind="stable")
    chosen = usable.iloc[0] if len(usable) else scores.sort_values("coverage", kind="stable").iloc[-1]
    return str(chosen["method"])


def nested_method_choice(study: pd.DataFrame, *, methods: Sequence[str] = INTERVAL_METHODS, n_splits: int = 200,
                         seed: int = 0, min_coverage: float = MIN_COVERAGE) -> pd.DataFrame:
    """The interval method chosen on half of the datasets (:func:`pick_method`) and scored on the
    other half, over ``n_splits`` random halvings: one row per split with ``method``,
    ``coverage`` and ``sharpness`` on the held-out half.

    Parameters
    ----------
    study : DataFrame
        The interval study (at least 4 datasets).
    methods : sequence of str
        The candidate interval methods.
    n_splits : int
        Random halvings of the datasets.
    seed : int
        Seed of the halvings.
    min_coverage : float
        As in :func:`pick_method`.
    """
    methods = list(methods)
    labels = study["downstream_dataset"].to_numpy()
    datasets = np.unique(labels)
    if len(datasets) < 4:
        raise FitError(f"nested_method_choice: {len(datasets)} datasets; need at least 4 to halve")
    arrays = _method_arrays(study, methods)
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n_splits):
        order = rng.permutation(datasets)
        choose = np.isin(labels, order[: len(order) // 2])
        cov, sharp = _scores(*(a[choose] for a in arrays))
        method = pick_method(pd.DataFrame({"method": methods, "coverage": cov, "sharpness": sharp}),
                             min_coverage=min_coverage)
        held_cov, held_sharp = _scores(*(a[~choose] for a in arrays))
        j = methods.index(method)
        rows.append({"method": method, "coverage": float(held_cov[j]), "sharpness": float(held_sharp[j])})
    return pd.DataFrame(rows)


def sharpness_floor(weights: Sequence[float] = (1.0,), sigmas: Sequence[float] = (1.0,), *, level: float = 0.90,
                    scaled: bool = False) -> float:
    """The smallest sharpness (median width / median absolute error) of an unbiased interval with
    exact coverage ``level`` when the errors are a mixture of centred normals.

    Parameters
    ----------
    weights, sigmas : sequence of float
        The mixture: a share ``weights[i]`` of the points has error sd ``sigmas[i]``.
    level : float
        Coverage.
    scaled : bool
        False: one width for every point (it must cover ``level`` of the mixture). True: each
        point's interval knows its own sd (width ``2 z sigma_i``), the best a heteroscedastic
        method can do.

    Examples
    --------
    >>> round(sharpness_floor(), 2)     # one normal: 2 z_0.95 / z_0.75
    4.88
    >>> round(sharpness_floor((0.6, 0.4), (1.0, 10.0), scaled=True), 1)
    2.7
    """
    w = np.asarray(weights, float) / np.sum(weights)
    s = np.asarray(sigmas, float)
    if w.shape != s.shape or np.any(s <= 0):
        raise FitError(f"sharpness_floor: weights {list(weights)} and positive sigmas {list(sigmas)} must match")

    def share_within(t: float) -> float:
        return float(np.sum(w * (2 * stats.norm.cdf(t / s) - 1)))

    top = 50 * s.max()
    median_abs = optimize.brentq(lambda t: share_within(t) - 0.5, 0, top)
    if not scaled:
        half = optimize.brentq(lambda t: share_within(t) - level, 0, top)
        return 2 * half / median_abs
    widths = 2 * stats.norm.ppf(0.5 + level / 2) * s
    order = np.argsort(widths)
    cumulative = np.cumsum(w[order])
    median_width = widths[order][np.searchsorted(cumulative, 0.5)]
    return float(median_width / median_abs)
