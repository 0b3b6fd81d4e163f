"""Intervals on coefficients and predictions, and how good they are (the book's chapter "How
sure are these laws?"; the paper gives its fits without intervals, Sec. 4).

* :func:`bootstrap_fits`: bootstrap over runs (seeded multinomial counts, default 1,000
  resamples); each resample's frontier is recomputed and the law refitted, all resamples at
  once (:func:`~repro.scaling.frontiers.frontier_points_batch`, :meth:`LawForm.fit_batch`).
* the delta method: :meth:`repro.scaling.laws.LawFit.interval` (textbook t-interval).
* :func:`interval_study`: for every held-out run scored by the backtest, the interval each
  method gives from the training runs only, with its coverage and its sharpness
  (median interval width / median realised absolute error, both in percentage points).

Methods compared (each a 90% two-sided interval unless ``level`` says otherwise):

``textbook``      delta-method prediction interval of the law through the frontier points;
``bootstrap``     percentile interval of the bootstrap predictions (frontier uncertainty only);
``noise_all``     bootstrap plus Gaussian noise with the scatter of *all* training Pareto runs
                  around the fit (not only the few bin minima);
``noise_pooled``  bootstrap plus noise whose scale is pooled over every downstream task;
``conformal_scaled``  the same with residuals divided by each task's Pareto scatter
                  (normalised, locally weighted conformal), so noisy tasks get wide intervals;
``conformal``     split-conformal from backtest residuals: the observed - predicted log10
                  residuals of the *other* downstream tasks at the same k give the interval's
                  quantiles (so a systematic extrapolation bias is corrected, not just widened).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from repro.constants import LAION_UPSTREAMS
from repro.scaling.backtest import KS, holdout_mask, run_arrays
from repro.scaling.frontiers import PAPER_FRONTIER, FrontierSpec, frontier_points_batch, pareto_mask, select_frontier
from repro.scaling.laws import LawForm, get_form
from repro.scaling.paper_fit import PowerLawFit, binned_line_fit

#: default number of bootstrap resamples (1,000: percentile intervals at 95% need several hundred)
N_BOOTSTRAP = 1000
INTERVAL_METHODS = ("textbook", "bootstrap", "noise_all", "noise_pooled", "conformal", "conformal_scaled")


def bootstrap_counts(n_runs: int, n_resamples: int = N_BOOTSTRAP, *, seed: int = 0,
                     among: np.ndarray | None = None) -> np.ndarray:
    """Bootstrap counts (n_resamples, n_runs): runs drawn with replacement, seeded.

    ``among`` (bool mask) restricts the draw to some runs (the training runs of a backtest);
    the others get count 0.

    Parameters
    ----------
    n_runs : int
        Runs to draw from.
    n_resamples : int
        Resamples.
    seed : int
        Seed of the draws.
    among : (n_runs,) bool array, optional
        Draw only among these runs.
    """
    rng = np.random.default_rng(seed)
    pool = np.flatnonzero(np.ones(n_runs, bool) if among is None else among)
    counts = np.zeros((n_resamples, n_runs), dtype=int)
    counts[:, pool] = rng.multinomial(len(pool), np.full(len(pool), 1.0 / len(pool)), size=n_resamples)
    return counts


@dataclass(frozen=True)
class BootstrapFits:
    """The law refitted on each bootstrap resample: ``theta`` (B, k), ``x0`` (B,)."""

    form: LawForm = field(repr=False)
    theta: np.ndarray = field(repr=False)
    x0: np.ndarray = field(repr=False)

    @property
    def ok(self) -> np.ndarray:
        """Resamples whose fit exists (enough distinct frontier points)."""
        return np.isfinite(self.theta).all(axis=1)

    def predict_log10(self, log10_compute: np.ndarray) -> np.ndarray:
        """(B_ok, Q) log10 error predicted by every usable resample.

        Parameters
        ----------
        log10_compute : (Q,) array
            log10 total compute (GMACs).
        """
        x = np.atleast_1d(np.asarray(log10_compute, dtype=float))
        theta, x0 = self.theta[self.ok], self.x0[self.ok]
        return np.stack([self.form.model(t, x, c) for t, c in zip(theta, x0)]) if self.form.name not in (
            "power", "bounded") else self._fast(theta, x0, x)

    def _fast(self, theta: np.ndarray, x0: np.ndarray, x: np.ndarray) -> np.ndarray:
        logs = theta[:, :1] + theta[:, 1:2] * (x[None, :] - x0[:, None])
        if self.form.name == "power":
            return logs
        return np.log10(self.form.error_ceiling) - np.logaddexp(0.0, -logs * np.log(10.0)) / np.log(10.0)

    def coefficient_interval(self, name: str = "alpha", *, level: float = 0.95) -> tuple[float, float]:
        """Percentile interval of one coefficient.

        Parameters
        ----------
        name : str
            A parameter of the form (``alpha``, ``a``, ...).
        level : float
            Two-sided coverage.
        """
        i = self.form.param_names.index(name)
        lo, hi = np.quantile(self.theta[self.ok, i], [0.5 - level / 2, 0.5 + level / 2])
        return float(lo), float(hi)

    def interval(self, log10_compute: np.ndarray, *, level: float = 0.95, noise_sd: float = 0.0,
                 seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Percentile interval of the error rate; ``noise_sd`` (log10) adds run-to-run scatter.

        Parameters
        ----------
        log10_compute : (Q,) array
            log10 total compute (GMACs).
        level : float
            Two-sided coverage.
        noise_sd : float
            Run-to-run scatter added to each resample's prediction (log10; 0: the law's interval only).
        seed : int
            Seed of that scatter.
        """
        pred = self.predict_log10(log10_compute)
        if noise_sd > 0:
            pred = pred + noise_sd * np.random.default_rng(seed).standard_normal(pred.shape)
        lo, hi = np.quantile(pred, [0.5 - level / 2, 0.5 + level / 2], axis=0)
        return 10.0 ** lo, 10.0 ** hi


def bootstrap_fits(log10_compute: np.ndarray, log10_error: np.ndarray, *, form: str = "power",
                   frontier: FrontierSpec = PAPER_FRONTIER, n_resamples: int = N_BOOTSTRAP, seed: int = 0,
                   among: np.ndarray | None = None, downstream_dataset: str | None = None) -> BootstrapFits:
    """Bootstrap over runs: resample runs, recompute the frontier, refit the law, ``n_resamples`` times.

    Parameters
    ----------
    log10_compute, log10_error, form : (N,) arrays, (N,) arrays, str
        As in :func:`repro.scaling.backtest.backtest_runs`.
    frontier : FrontierSpec
        The frontier the law is fitted through, recomputed for every resample.
    n_resamples : int
        Resamples.
    seed : int
        Seed of the resampling.
    among : (N,) bool array, optional
        Resample only among these runs (the training runs of a backtest).
    downstream_dataset : str, optional
        Sets the bounded form's error ceiling.
    """
    x = np.asarray(log10_compute, dtype=float)
    y = np.asarray(log10_error, dtype=float)
    law = get_form(form, downstream_dataset=downstream_dataset)
    counts = bootstrap_counts(len(x), n_resamples, seed=seed, among=among)
    fx, fy, fv = frontier_points_batch(x, y, counts, frontier)
    theta, x0 = law.fit_batch(fx, fy, fv)
    return BootstrapFits(law, theta, x0)


@dataclass(frozen=True)
class PredictionBand:
    """The paper fit of one downstream dataset with its bootstrap band, on a compute grid that
    runs past the largest run (what a figure of the law's extrapolation draws).

    Attributes
    ----------
    downstream_dataset : str
    log10_compute, log10_error : (N,) arrays
        The runs fitted.
    fit : PowerLawFit
        The paper's fit (:func:`~repro.scaling.paper_fit.binned_line_fit`) of the runs.
    grid : (G,) array
        log10 compute from the smallest run to the end of the extrapolation.
    lo, hi : (G,) arrays
        The band's error rates at ``grid`` (percentile interval of the bootstrap fits).
    level : float
        The band's coverage level.
    """

    downstream_dataset: str
    log10_compute: np.ndarray = field(repr=False)
    log10_error: np.ndarray = field(repr=False)
    fit: PowerLawFit = field(repr=False)
    grid: np.ndarray = field(repr=False)
    lo: np.ndarray = field(repr=False)
    hi: np.ndarray = field(repr=False)
    level: float = 0.95

    @property
    def inside(self) -> np.ndarray:
        """Grid points within the compute range of the runs (the rest is extrapolation)."""
        return self.grid <= self.log10_compute.max()


def prediction_bands(rows: pd.DataFrame, downstream_datasets: Sequence[str], *,
                     upstreams: tuple[str, ...] = LAION_UPSTREAMS, n_resamples: int = N_BOOTSTRAP, seed: int = 0,
                     level: float = 0.95, extend_to_log10: float = 13.6, n_grid: int = 80) -> list[PredictionBand]:
    """The paper fit and its bootstrap band (:func:`bootstrap_fits`) for each downstream dataset.

    ``extend_to_log10`` is where the grid ends (13.6: the range of Figure 8's extrapolation).

    Parameters
    ----------
    rows : DataFrame
        Rows of the results schema.
    downstream_datasets : sequence of str
        The downstream datasets, one band each.
    upstreams : tuple of str
        The pre-training sets pooled.
    n_resamples : int
        Resamples.
    seed : int
        Seed of the resampling.
    level : float
        Two-sided coverage of the band.
    extend_to_log10 : float
        Where the grid of the band ends (log10 GMACs).
    n_grid : int
        Points of the grid.
    """
    bands = []
    for ds in downstream_datasets:
        x, y = run_arrays(rows, ds, upstreams)
        boot = bootstrap_fits(x, y, n_resamples=n_resamples, seed=seed)
        grid = np.linspace(x.min(), extend_to_log10, n_grid)
        lo, hi = boot.interval(grid, level=level)
        bands.append(PredictionBand(ds, x, y, binned_line_fit(x, y), grid, lo, hi, level))
    return bands


def _pareto_scatter(law: LawForm, x: np.ndarray, y: np.ndarray, frontier: FrontierSpec) -> tuple[float, float]:
    """Fit on the frontier, then the rms log10 residual of all Pareto runs around it (and its dof)."""
    points = select_frontier(x, y, frontier)
    fit = law.fit(points.x, points.y, loss="linear" if law.name == "power" else "soft_l1", on_failure="flag")
    on = pareto_mask(x, y)
    resid = y[on] - fit.predict_log10(x[on])
    return float(np.sqrt(np.mean(resid ** 2))), float(on.sum())


def interval_study(rows: pd.DataFrame, downstream_datasets: Sequence[str], *, form: str = "power",
                   frontier: FrontierSpec = PAPER_FRONTIER, ks: Sequence[int] = KS,
                   upstreams: tuple[str, ...] = LAION_UPSTREAMS, n_resamples: int = N_BOOTSTRAP,
                   level: float = 0.9, seed: int = 0) -> pd.DataFrame:
    """Every method's interval for every scored held-out run of the backtest.

    Returns one row per (downstream_dataset, k, scored run) with observed, predicted, and for each
    method ``<method>_lo`` / ``<method>_hi`` (error rates); :func:`interval_scores` scores them.

    Parameters
    ----------
    rows, downstream_datasets : DataFrame, sequence of str
        As in :func:`repro.scaling.backtest.backtest`.
    form, frontier, ks : str, FrontierSpec, sequence of int
        As in :func:`repro.scaling.backtest.backtest_runs`.
    upstreams : tuple of str
        The pre-training sets pooled.
    n_resamples : int
        Resamples of the bootstrap-based methods.
    level : float
        Two-sided coverage of the intervals.
    seed : int
        Seed of the resampling.
    """
    law = get_form(form)
    z = stats.norm.ppf(0.5 + level / 2)
    records = []
    for ds in downstream_datasets:
        law = get_form(form, downstream_dataset=ds)
        x, y = run_arrays(rows, ds, upstreams)
        if len(np.unique(x)) < 4:
            continue
        on_front = pareto_mask(x, y)
        for k in ks:
            if k >= len(np.unique(x)) - 1:
                continue
            held = holdout_mask(x, k)
            scored = held & on_front
            if not scored.any():
                continue
            xt, yt = x[~held], y[~held]
            points = select_frontier(xt, yt, frontier)
            if len(points.x) <= law.n_params:
                continue
            fit = law.fit(points.x, points.y, loss="linear" if form == "power" else "soft_l1", on_failure="flag")
            boot = bootstrap_fits(x, y, form=form, frontier=frontier, n_resamples=n_resamples,
                                  seed=seed + k, among=~held, downstream_dataset=ds)
            xs = x[scored]
            pred_log = fit.predict_log10(xs)
            tb_lo, tb_hi = fit.interval(xs, level=level, kind="prediction")
            bs = boot.predict_log10(xs)
            scatter, _ = _pareto_scatter(law, xt, yt, frontier)
            for j, xv in enumerate(xs):
                records.append({"downstream_dataset": ds, "k": k, "log10_compute": xv,
                                "observed": 10.0 ** y[scored][j], "predicted": 10.0 ** pred_log[j],
                                "log10_residual": y[scored][j] - pred_log[j],
                                "textbook_lo": tb_lo[j], "textbook_hi": tb_hi[j],
                                "boot_centre": float(np.median(bs[:, j])),
                                "boot_sd": float(np.std(bs[:, j])),
                                "boot_q_lo": float(np.quantile(bs[:, j], 0.5 - level / 2)),
                                "boot_q_hi": float(np.quantile(bs[:, j], 0.5 + level / 2)),
                                "scatter_all": scatter})
    frame = pd.DataFrame(records)
    if frame.empty:
        return frame
    frame["bootstrap_lo"] = 10.0 ** frame["boot_q_lo"]
    frame["bootstrap_hi"] = 10.0 ** frame["boot_q_hi"]
    # noise added in quadrature to the bootstrap spread (Gaussian approximation of the sum)
    sd_all = np.sqrt(frame["boot_sd"] ** 2 + frame["scatter_all"] ** 2)
    frame["noise_all_lo"] = 10.0 ** (frame["boot_centre"] - z * sd_all)
    frame["noise_all_hi"] = 10.0 ** (frame["boot_centre"] + z * sd_all)
    pooled = float(np.sqrt(frame.groupby("downstream_dataset")["scatter_all"].first().pow(2).mean()))
    sd_pool = np.sqrt(frame["boot_sd"] ** 2 + pooled ** 2)
    frame["noise_pooled_lo"] = 10.0 ** (frame["boot_centre"] - z * sd_pool)
    frame["noise_pooled_hi"] = 10.0 ** (frame["boot_centre"] + z * sd_pool)
    lo, hi = conformal_offsets(frame, level=level)
    log_pred = np.log10(frame["predicted"])
    frame["conformal_lo"] = 10.0 ** (log_pred + lo)
    frame["conformal_hi"] = 10.0 ** (log_pred + hi)
    scale = np.maximum(frame["scatter_all"].to_numpy(), 1e-4)
    lo, hi = conformal_offsets(frame.assign(log10_residual=frame["log10_residual"] / scale), level=level)
    frame["conformal_scaled_lo"] = 10.0 ** (log_pred + lo * scale)
    frame["conformal_scaled_hi"] = 10.0 ** (log_pred + hi * scale)
    return frame


def conformal_offsets(frame: pd.DataFrame, *, level: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    """Leave-one-task-out split-conformal offsets (log10) for each row of an interval study.

    For a row of task d at horizon k, the calibration set is the backtest residuals
    (observed - predicted, log10) of every *other* task at the same k; the offsets are their
    ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles, with the finite-sample correction
    ``ceil((n + 1) q) / n`` of split conformal prediction.

    Parameters
    ----------
    frame : DataFrame
        :func:`interval_study` (``downstream_dataset``, ``k``, ``log10_residual``).
    level : float
        Two-sided coverage.
    """
    lo = np.full(len(frame), np.nan)
    hi = np.full(len(frame), np.nan)
    tasks = frame["downstream_dataset"].to_numpy()
    ks = frame["k"].to_numpy()
    resid = frame["log10_residual"].to_numpy()
    for i in range(len(frame)):
        calib = resid[(ks == ks[i]) & (tasks != tasks[i])]
        n = len(calib)
        if n < 5:
            continue
        q_hi = min(1.0, np.ceil((n + 1) * (0.5 + level / 2)) / n)
        q_lo = max(0.0, np.floor((n + 1) * (0.5 - level / 2)) / n)
        lo[i], hi[i] = np.quantile(calib, [q_lo, q_hi])
    return lo, hi


def interval_scores(frame: pd.DataFrame, *, methods: Sequence[str] = INTERVAL_METHODS,
                    by: Sequence[str] = ()) -> pd.DataFrame:
    """Coverage, median width (pp), median realised absolute error (pp) and sharpness per method.

    Sharpness = median interval width / median absolute error of the point prediction.

    Parameters
    ----------
    frame : DataFrame
        :func:`interval_study`.
    methods : sequence of str
        The interval methods scored.
    by : sequence of str
        Columns to score separately by (e.g. ``["k"]``); empty: over all rows.
    """
    out = []
    groups = [((), frame)] if not by else list(frame.groupby(list(by)))
    for key, part in groups:
        realised = 100 * (part["predicted"] - part["observed"]).abs()
        for method in methods:
            lo, hi = part[f"{method}_lo"], part[f"{method}_hi"]
            usable = lo.notna() & hi.notna()
            covered = (part["observed"] >= lo) & (part["observed"] <= hi)
            width = 100 * (hi - lo)
            row = dict(zip(by, key if isinstance(key, tuple) else (key,)))
            row.update({"method": method, "n": int(usable.sum()),
                        "coverage": float(covered[usable].mean()) if usable.any() else float("nan"),
                        "median_width_pp": float(width[usable].median()),
                        "median_abs_error_pp": float(realised[usable].median())})
            row["sharpness"] = row["median_width_pp"] / row["median_abs_error_pp"]
            out.append(row)
    return pd.DataFrame(out)
