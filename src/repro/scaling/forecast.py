"""Forecasts of new models from a law fitted on the paper's runs, with 90% prediction intervals.

The uncertainty chapter scores its interval methods on held-out runs of the paper's own grid
(:func:`repro.scaling.uncertainty.interval_study`). Here the same methods are applied to points
nobody held out: models trained after the paper. A law (``form`` on a ``frontier``) is fitted on
every LAION run of one downstream dataset, and :func:`forecast` returns the predicted error rate
and the interval of one method at any compute:

``textbook``          the delta-method prediction interval of the fitted law;
``bootstrap``         percentile interval of the law refitted on bootstrap resamples of the runs;
``noise_all``         bootstrap plus the scatter of all Pareto runs around the fit;
``noise_pooled``      bootstrap plus that scatter pooled over the downstream datasets of the study;
``conformal``         split-conformal offsets from the study's backtest residuals of the *other*
                      downstream datasets at the study's longest horizon k;
``conformal_scaled``  the same with residuals in units of each dataset's Pareto scatter.

:func:`select_law` picks the "best law" the way the uncertainty chapter does: every form x frontier
ranked by the median held-out (backtest) error over the downstream datasets that are not the five
targets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from repro.constants import LAION_UPSTREAMS
from repro.errors import FitError
from repro.scaling.backtest import TARGETS, backtest, run_arrays, summarise
from repro.scaling.fit_report import select_forms
from repro.scaling.frontiers import PAPER_FRONTIER, STANDARD_FRONTIERS, FrontierSpec, pareto_mask, select_frontier
from repro.scaling.laws import FORMS, LawFit, get_form
from repro.scaling.uncertainty import INTERVAL_METHODS, N_BOOTSTRAP, bootstrap_fits, conformal_offsets, interval_scores

#: Coverage an interval method needs before its sharpness counts (the uncertainty chapter's rule).
MIN_COVERAGE = 0.85


def frontier_by_name(name: str) -> FrontierSpec:
    """The standard frontier called ``name`` (``binned5-centre``, ``binned5-actual``, ``pareto`` ...).

    Parameters
    ----------
    name : str
        The frontier's name.
    """
    for spec in STANDARD_FRONTIERS:
        if spec.name == name:
            return spec
    raise FitError(f"frontier {name!r}: known: {', '.join(s.name for s in STANDARD_FRONTIERS)}")


def select_law(rows: pd.DataFrame, downstream_datasets: Sequence[str], *, k: int = 5,
               upstreams: tuple[str, ...] = LAION_UPSTREAMS) -> pd.DataFrame:
    """Every form x frontier ranked by held-out error at horizon ``k`` on the non-target datasets.

    Returns :func:`repro.scaling.fit_report.select_forms`'s table (best first): ``form``,
    ``frontier``, ``heldout_median_pp``, ``heldout_mean_pp``.

    Parameters
    ----------
    rows : DataFrame
        Rows of the results schema.
    downstream_datasets : sequence of str
        The downstream datasets (the targets among them are left out of the ranking).
    k : int
        The backtest horizon.
    upstreams : tuple of str
        The pre-training sets whose runs are fitted.
    """
    scored = backtest(rows, downstream_datasets, groups={"LAION": upstreams}, forms=FORMS,
                      frontiers=STANDARD_FRONTIERS, ks=(k,))
    return select_forms(summarise(scored), ks=(k,), exclude=tuple(TARGETS))


def pick_interval_method(scores: pd.DataFrame, *, min_coverage: float = MIN_COVERAGE) -> str:
    """The sharpest method whose coverage reaches ``min_coverage`` (else the best-covering one).

    Parameters
    ----------
    scores : DataFrame
        :func:`study_scores` (or :func:`repro.scaling.uncertainty.interval_scores`): coverage and
        sharpness per method.
    min_coverage : float
        The coverage a method needs before its sharpness counts.
    """
    usable = scores[scores["coverage"] >= min_coverage].sort_values("sharpness")
    chosen = usable.iloc[0] if len(usable) else scores.sort_values("coverage").iloc[-1]
    return str(chosen["method"])


@dataclass(frozen=True)
class LawForecaster:
    """A law fitted on every run of one downstream dataset, ready to forecast new compute.

    ``study`` is :func:`repro.scaling.uncertainty.interval_study` of the same form and frontier:
    its held-out residuals calibrate the conformal intervals and its scatter the noise intervals.
    """

    downstream_dataset: str
    form: str
    frontier: FrontierSpec
    fit: LawFit = field(repr=False)
    x: np.ndarray = field(repr=False)          # log10 compute of the runs
    y: np.ndarray = field(repr=False)          # log10 error of the runs
    scatter: float = 0.0                       # rms log10 residual of the Pareto runs around the fit
    study: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    @property
    def log10_compute_range(self) -> tuple[float, float]:
        return float(self.x.min()), float(self.x.max())

    def predict(self, gmacs_total: np.ndarray | float) -> np.ndarray:
        """Predicted error rate at total compute (GMACs).

        Parameters
        ----------
        gmacs_total : float or array_like
            Total compute C in GMACs.
        """
        return 10.0 ** self.fit.predict_log10(np.log10(np.atleast_1d(np.asarray(gmacs_total, dtype=float))))

    def interval(self, gmacs_total: np.ndarray | float, method: str, *, level: float = 0.9,
                 n_resamples: int = N_BOOTSTRAP, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """(lower, upper) error rates of ``method``'s ``level`` interval (module docstring).

        Parameters
        ----------
        gmacs_total : float or array_like
            Total compute C in GMACs.
        method : str
            An interval method (module docstring).
        level : float
            Coverage of the interval (0.9: 90%).
        n_resamples : int
            Bootstrap resamples (the bootstrap-based methods).
        seed : int
            Seed of the resampling.
        """
        if method not in INTERVAL_METHODS:
            raise FitError(f"interval method {method!r}: known: {', '.join(INTERVAL_METHODS)}")
        xs = np.log10(np.atleast_1d(np.asarray(gmacs_total, dtype=float)))
        if method == "textbook":
            return self.fit.interval(xs, level=level, kind="prediction")
        if method.startswith("conformal"):
            return self._conformal(xs, scaled=method == "conformal_scaled", level=level)
        boot = bootstrap_fits(self.x, self.y, form=self.form, frontier=self.frontier, n_resamples=n_resamples,
                              seed=seed, downstream_dataset=self.downstream_dataset)
        if method == "bootstrap":
            return boot.interval(xs, level=level)
        pred = boot.predict_log10(xs)
        scatter = self.scatter if method == "noise_all" else self._pooled_scatter()
        sd = np.sqrt(pred.std(axis=0) ** 2 + scatter ** 2)
        z = stats.norm.ppf(0.5 + level / 2)
        centre = np.median(pred, axis=0)
        return 10.0 ** (centre - z * sd), 10.0 ** (centre + z * sd)

    def _pooled_scatter(self) -> float:
        if self.study.empty:
            raise FitError("noise_pooled needs an interval study")
        return float(np.sqrt(self.study.groupby("downstream_dataset")["scatter_all"].first().pow(2).mean()))

    def _conformal(self, xs: np.ndarray, *, scaled: bool, level: float) -> tuple[np.ndarray, np.ndarray]:
        if self.study.empty:
            raise FitError("conformal intervals need an interval study")
        k = int(self.study["k"].max())
        calib = self.study[self.study["k"] == k][["downstream_dataset", "k", "log10_residual", "scatter_all"]]
        new = pd.DataFrame({"downstream_dataset": self.downstream_dataset, "k": k,
                            "log10_residual": np.zeros(len(xs)), "scatter_all": self.scatter})
        frame = pd.concat([calib, new], ignore_index=True)
        scale = np.maximum(frame["scatter_all"].to_numpy(), 1e-4) if scaled else np.ones(len(frame))
        lo, hi = conformal_offsets(frame.assign(log10_residual=frame["log10_residual"] / scale), level=level)
        lo, hi, s = lo[-len(xs):], hi[-len(xs):], scale[-len(xs):]
        centre = self.fit.predict_log10(xs)
        return 10.0 ** (centre + lo * s), 10.0 ** (centre + hi * s)


def forecaster(rows: pd.DataFrame, downstream_dataset: str, *, form: str = "power",
               frontier: FrontierSpec = PAPER_FRONTIER, study: pd.DataFrame | None = None,
               upstreams: tuple[str, ...] = LAION_UPSTREAMS) -> LawForecaster:
    """Fit ``form`` on ``frontier`` over every run of ``upstreams`` on one downstream dataset.

    The power law on :data:`~repro.scaling.frontiers.PAPER_FRONTIER` is the paper's exact fit
    (plain least squares through the bin centres and minima).

    Parameters
    ----------
    rows, downstream_dataset : DataFrame, str
        As in :func:`repro.scaling.paper_fit.select`.
    form, frontier : str, FrontierSpec
        As in :func:`repro.scaling.backtest.backtest_runs`.
    study : DataFrame, optional
        :func:`repro.scaling.uncertainty.interval_study` of the same form and frontier (needed by
        the pooled-noise and conformal methods).
    upstreams : tuple of str
        The pre-training sets whose runs are fitted.
    """
    x, y = run_arrays(rows, downstream_dataset, upstreams)
    law = get_form(form, downstream_dataset=downstream_dataset)
    points = select_frontier(x, y, frontier)
    fit = law.fit(points.x, points.y, loss="linear" if form == "power" else "soft_l1")
    on = pareto_mask(x, y)
    scatter = float(np.sqrt(np.mean((y[on] - fit.predict_log10(x[on])) ** 2)))
    return LawForecaster(downstream_dataset, form, frontier, fit, x, y, scatter,
                         pd.DataFrame() if study is None else study)


def study_scores(study: pd.DataFrame) -> pd.DataFrame:
    """Coverage and sharpness of each interval method on the study's held-out runs.

    Parameters
    ----------
    study : DataFrame
        :func:`repro.scaling.uncertainty.interval_study`.
    """
    return interval_scores(study)
