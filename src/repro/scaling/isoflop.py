"""isoFLOP profiles and the compute-optimal allocation N_opt ~ C^a, D_opt ~ C^b (Hoffmann et al. 2022, approach 2).

Hoffmann et al. (2022, Sec. 3.2) train models of several sizes at each of a few fixed compute
budgets, fit a parabola to the final loss against log model size at each budget (the *isoFLOP
profile*), take its minimum as the loss-optimal size N_opt(C), derive D_opt(C) from the budget,
and fit the power laws N_opt ~ C^a and D_opt ~ C^b through the budgets. Cherti et al. (2023,
Sec. 5) list the compute-optimal allocation of contrastive language-image training as not
studied; this module is the first of the two estimates of it (the other is the parametric law of
:mod:`repro.scaling.parametric`).

Convention
----------
Hoffmann et al. count compute as ``C = 6 N D`` FLOPs (N parameters, D tokens). This project counts
it in multiply-accumulates, as the paper does (Sec. 3 and Table 18): a run's compute is
``gmacs_total = gmacs x samples_seen``, the GMACs per sample of the forward pass of both towers
times the samples seen. The compute per sample at a size N is read from the runs themselves
(``compute / samples`` of each run, interpolated in log N between the sizes tried, never
extrapolated), so D_opt(C) = C / (compute per sample at N_opt). With N = GMACs per sample (the
default ``size="gmacs"``) this is exactly D_opt = C / N_opt, and a + b = 1 by construction; with
N = parameters, a + b = 1 only as far as GMACs per sample are proportional to parameters, and
:meth:`IsoflopFit.summary` reports a + b with its interval so that it can be checked.

A profile whose parabola has its minimum at or beyond the smallest or largest size tried at that
budget (or opens downwards) has no interior minimum: its N_opt is NaN, its ``status`` says where
the vertex lies, and :func:`fit_isoflop` refuses it (or drops it and lists it, ``on_edge="drop"``)
rather than extrapolate the parabola silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from repro.errors import FitError, ParameterError
from repro.scaling.parametric import BESIROGLU_CHINCHILLA, ParametricFit

#: Default number of bootstrap resamples and interval level (two-sided, percentile).
N_RESAMPLES = 1000
LEVEL = 0.9
#: Without a ``budget`` column, runs whose sorted log10 compute differ by at most 10^-2 (about 2%: the
#: rounding of samples seen to whole batches) form one budget.
BUDGET_DECIMALS = 2
#: Fewest distinct sizes per budget: a parabola has three coefficients.
MIN_SIZES = 3
#: Fewest budgets with an interior minimum for the power laws.
MIN_BUDGETS = 2
#: Status of a profile.
INTERIOR, BELOW, ABOVE, NO_MINIMUM = ("interior", "at or below the smallest size", "at or above the largest size",
                                      "no minimum (parabola opens downwards)")
#: Chinchilla's allocation exponents for contrast: Hoffmann et al. (2022, Table 2) approach 2 (isoFLOP
#: profiles) and approach 3 (parametric law), and the parametric law as Besiroglu et al. (2024) refit it.
CHINCHILLA_ALLOCATION = (
    {"method": "Chinchilla isoFLOP (Hoffmann et al. 2022, approach 2)", "a": 0.49, "b": 0.51},
    {"method": "Chinchilla parametric (Hoffmann et al. 2022, approach 3)", "a": 0.46, "b": 0.54},
    {"method": "Chinchilla parametric refit (Besiroglu et al. 2024)",
     "a": BESIROGLU_CHINCHILLA["beta"] / (BESIROGLU_CHINCHILLA["alpha"] + BESIROGLU_CHINCHILLA["beta"]),
     "b": BESIROGLU_CHINCHILLA["alpha"] / (BESIROGLU_CHINCHILLA["alpha"] + BESIROGLU_CHINCHILLA["beta"])},
)


@dataclass(frozen=True)
class IsoflopProfile:
    """The parabola ``metric = c0 + c1 x + c2 x^2`` in ``x = log10 N`` through the runs of one budget.

    Attributes
    ----------
    compute : float
        The budget, GMACs (geometric mean of its runs' compute).
    sizes, samples, values : (n,) ndarray
        Model size N, samples seen D and the metric of each run of the budget.
    coef : (3,) ndarray
        c0, c1, c2 (NaN when fewer than :data:`MIN_SIZES` sizes).
    status : str
        :data:`INTERIOR`, :data:`BELOW`, :data:`ABOVE`, :data:`NO_MINIMUM`, or ``"too few sizes"``.
    log10_vertex : float
        log10 of the parabola's vertex (NaN when it opens downwards): reported even when not
        interior, so that the reader sees how far outside the sizes tried it lies.
    n_opt, d_opt, metric_opt : float
        The minimum: size, samples seen (C over the compute per sample at ``n_opt``) and metric;
        NaN unless the minimum is interior.
    """

    compute: float
    sizes: np.ndarray = field(repr=False)
    samples: np.ndarray = field(repr=False)
    values: np.ndarray = field(repr=False)
    coef: np.ndarray                    # c0, c1, c2: short enough for the repr, unlike the per-run arrays
    status: str
    log10_vertex: float
    n_opt: float
    d_opt: float
    metric_opt: float

    @property
    def interior(self) -> bool:
        """Whether the minimum lies strictly between the smallest and largest size tried."""
        return self.status == INTERIOR

    @property
    def best_size(self) -> float:
        """The size with the lowest metric tried (mean over its runs, e.g. over seeds), whatever the
        parabola says."""
        sizes = np.unique(self.sizes)
        means = [float(np.mean(self.values[self.sizes == size])) for size in sizes]
        return float(sizes[int(np.argmin(means))])

    @property
    def best_at_edge(self) -> str:
        """``"smallest"`` or ``"largest"`` when the best run tried is at the smallest or largest size
        of the budget (an *edge* minimum, whatever the parabola's vertex says), else ``""``."""
        best = self.best_size
        if best <= self.sizes.min():
            return "smallest"
        if best >= self.sizes.max():
            return "largest"
        return ""

    @property
    def minimum_label(self) -> str:
        """How the page names this budget's minimum: ``"interior"`` only when the vertex lies inside
        the sizes tried and the best run is not at either end; ``"edge (best run at the smallest
        size tried)"`` when the vertex is inside but the best run sits at an end; else the status."""
        if not self.interior:
            return self.status
        edge = self.best_at_edge
        return f"edge (best run at the {edge} size tried)" if edge else INTERIOR

    def predict(self, size) -> np.ndarray:
        """The parabola at model size(s) N (meaningful only between the sizes tried).

        Parameters
        ----------
        size : float or array_like
            Model size(s) N (the profile's size measure, e.g. GMACs per sample).
        """
        x = np.log10(np.asarray(size, dtype=float))
        return self.coef[0] + self.coef[1] * x + self.coef[2] * x ** 2


def _weighted_parabolas(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Coefficients (R, 3) of the least-squares parabola of y on x for each row of ``weights`` (R, n).

    Solved in ``x - mean(x)`` for conditioning, returned in x. Rows with fewer than
    :data:`MIN_SIZES` distinct x of positive weight get NaN.
    """
    centre = x.mean()
    u = x - centre
    design = np.stack([np.ones_like(u), u, u ** 2], axis=1)  # (n, 3)
    gram = np.einsum("rn,ni,nj->rij", weights, design, design)
    moment = np.einsum("rn,ni,n->ri", weights, design, y)
    distinct = np.array([len(np.unique(x[w > 0])) for w in weights])
    ok = distinct >= MIN_SIZES
    c = np.full((len(weights), 3), np.nan)
    if ok.any():
        c[ok] = np.linalg.solve(gram[ok], moment[ok][..., None])[..., 0]
    c0, c1, c2 = c[:, 0], c[:, 1], c[:, 2]
    return np.column_stack([c0 - c1 * centre + c2 * centre ** 2, c1 - 2 * c2 * centre, c2])


def _vertex_status(coef: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """log10 vertex and status code (0 interior, 1 below, 2 above, 3 no minimum, 4 too few sizes)."""
    c1, c2 = coef[..., 1], coef[..., 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        vertex = np.where(c2 > 0, -c1 / (2 * c2), np.nan)
    code = np.select([~np.isfinite(c2), c2 <= 0, vertex <= lo, vertex >= hi], [4, 3, 1, 2], default=0)
    return vertex, code


_STATUS = (INTERIOR, BELOW, ABOVE, NO_MINIMUM, "too few sizes")


def _compute_per_sample(runs_size: np.ndarray, runs_compute: np.ndarray, runs_samples: np.ndarray):
    """log10 compute per sample as a function of log10 size, interpolated between the sizes tried."""
    log_size = np.log10(runs_size)
    per_sample = np.log10(runs_compute / runs_samples)
    grid = np.unique(log_size)
    values = np.array([per_sample[log_size == s].mean() for s in grid])

    def at(log10_size):
        x = np.asarray(log10_size, dtype=float)
        out = np.interp(x, grid, values)
        return np.where((x >= grid[0]) & (x <= grid[-1]), out, np.nan)  # never extrapolated
    return at


def _check_runs(runs: pd.DataFrame, metric: str, size: str, samples: str, compute: str) -> pd.DataFrame:
    missing = [c for c in (metric, size, samples, compute) if c not in runs.columns]
    if missing:
        raise FitError(f"isoFLOP profiles: runs have no column(s) {', '.join(map(repr, missing))}; "
                       f"columns: {', '.join(map(str, runs.columns))}")
    for column in (size, samples, compute):
        values = runs[column].to_numpy(float)
        bad = np.flatnonzero(~np.isfinite(values) | (values <= 0))
        if len(bad):
            raise FitError(f"isoFLOP profiles: column {column!r} must be finite and > 0; row(s) "
                           f"{', '.join(str(i + 1) for i in bad[:5])} have "
                           f"{', '.join(repr(float(values[i])) for i in bad[:5])}")
    bad = np.flatnonzero(~np.isfinite(runs[metric].to_numpy(float)))
    if len(bad):
        raise FitError(f"isoFLOP profiles: column {metric!r} is not finite in row(s) "
                       f"{', '.join(str(i + 1) for i in bad[:5])}")
    return runs


def _budget_groups(runs: pd.DataFrame, compute: str, budget: str | None) -> list[np.ndarray]:
    """Positional indices of each budget's runs, budgets in increasing compute.

    Without a ``budget`` column, runs sorted by compute start a new budget where log10 compute
    jumps by more than ``10 ** -BUDGET_DECIMALS``.
    """
    log_c = np.log10(runs[compute].to_numpy(float))
    if budget is not None:
        keys = runs[budget].to_numpy()
        groups = [np.flatnonzero(keys == k) for k in pd.unique(keys)]
        return sorted(groups, key=lambda idx: float(log_c[idx].mean()))
    order = np.argsort(log_c, kind="stable")
    breaks = np.flatnonzero(np.diff(log_c[order]) > 10.0 ** -BUDGET_DECIMALS) + 1
    return [np.sort(idx) for idx in np.split(order, breaks)]


def isoflop_profiles(runs: pd.DataFrame, metric: str, *, size: str = "gmacs", samples: str = "samples_seen",
                     compute: str = "gmacs_total", budget: str | None = None) -> tuple[IsoflopProfile, ...]:
    """One isoFLOP profile per compute budget (Hoffmann et al. 2022, Sec. 3.2).

    Parameters
    ----------
    runs : DataFrame
        One row per run, with the columns named below.
    metric : str
        Column to minimise: the held-out loss, or the zero-shot error. The parabola is fitted to the
        values as given (Hoffmann et al. fit the loss itself); pass a log column for a parabola in log.
    size : str
        Column of the model size N (default ``"gmacs"``: GMACs per sample; or parameters).
    samples : str
        Column of the samples seen D.
    compute : str
        Column of the run's compute C in GMACs (``gmacs_total = gmacs x samples_seen``).
    budget : str, optional
        Column naming each run's budget. Default: runs whose sorted log10 compute differ by at
        most ``10 ** -BUDGET_DECIMALS`` (about 2%) are one budget.

    Returns
    -------
    tuple of IsoflopProfile
        In increasing compute. A profile with fewer than :data:`MIN_SIZES` distinct sizes, or
        without an interior minimum, is returned with its status, never raised: :func:`fit_isoflop`
        decides.

    Raises
    ------
    FitError
        A missing column, a non-positive size, samples or compute, or a non-finite metric.
    """
    runs = _check_runs(runs, metric, size, samples, compute)
    n, d, c, y = (runs[col].to_numpy(float) for col in (size, samples, compute, metric))
    per_sample = _compute_per_sample(n, c, d)
    profiles = []
    for idx in _budget_groups(runs, compute, budget):
        x = np.log10(n[idx])
        coef = _weighted_parabolas(x, y[idx], np.ones((1, len(idx))))[0]
        vertex, code = _vertex_status(coef, x.min(), x.max())
        budget_compute = float(np.exp(np.log(c[idx]).mean()))
        interior = code == 0
        n_opt = float(10 ** vertex) if interior else np.nan
        d_opt = float(budget_compute / 10 ** per_sample(vertex)) if interior else np.nan
        metric_opt = float(coef[0] + coef[1] * vertex + coef[2] * vertex ** 2) if interior else np.nan
        profiles.append(IsoflopProfile(compute=budget_compute, sizes=n[idx], samples=d[idx], values=y[idx],
                                       coef=coef, status=_STATUS[int(code)], log10_vertex=float(vertex),
                                       n_opt=n_opt, d_opt=d_opt, metric_opt=metric_opt))
    return tuple(profiles)


def _line(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares slope and intercept of y (..., K) on x (..., K), row by row."""
    xm, ym = x.mean(axis=-1, keepdims=True), y.mean(axis=-1, keepdims=True)
    slope = ((x - xm) * (y - ym)).sum(axis=-1) / ((x - xm) ** 2).sum(axis=-1)
    return slope, ym[..., 0] - slope * xm[..., 0]


def _power_law(log10_intercept: float, exponent: float, compute) -> np.ndarray:
    """10 ** (log10_intercept + exponent * log10 C) at compute C (GMACs)."""
    return 10 ** (log10_intercept + exponent * np.log10(np.asarray(compute, dtype=float)))


@dataclass(frozen=True)
class IsoflopFit:
    """N_opt = 10^a0 C^a and D_opt = 10^b0 C^b through the isoFLOP minima, with bootstrap intervals.

    Attributes
    ----------
    metric : str
        The column minimised.
    profiles : tuple of IsoflopProfile
        Every budget, used or not.
    used : tuple of bool
        Whether each profile entered the power laws (interior minimum).
    a, a0, b, b0 : float
        Exponents and log10 intercepts (C in GMACs).
    bootstrap : (R, 4) ndarray
        a, a0, b, b0 refitted on each resample (runs drawn with replacement within each budget,
        every parabola refitted). A resample in which a used budget's minimum falls at or beyond an
        end of the sizes tried is *failed* but kept: its N_opt at that budget is 0 (below) or
        infinite (above), so a and b are -inf or +inf in the direction that budget pulls them (NaN,
        "either way", where the parabola opens downwards or two budgets pull opposite ways).
    n_opt_bootstrap : (R, K) ndarray
        N_opt of each used budget in each resample (0 below the sizes tried, inf above, NaN
        without a minimum).
    level : float
        Two-sided level of the percentile intervals.
    """

    metric: str
    profiles: tuple[IsoflopProfile, ...] = field(repr=False)
    used: tuple[bool, ...] = field(repr=False)
    a: float
    a0: float
    b: float
    b0: float
    bootstrap: np.ndarray = field(repr=False)
    n_opt_bootstrap: np.ndarray = field(repr=False)
    level: float = LEVEL

    @property
    def n_failed(self) -> int:
        """Resamples in which some used budget had no interior minimum (kept in the intervals, at
        the infinite end they point to)."""
        return int((~np.isfinite(self.bootstrap).all(axis=1)).sum())

    @property
    def failed_fraction(self) -> float:
        """:attr:`n_failed` over the resamples (NaN without a bootstrap)."""
        return self.n_failed / len(self.bootstrap) if len(self.bootstrap) else float("nan")

    def predict_n_opt(self, compute) -> np.ndarray:
        """N_opt at compute C (GMACs) from the power law.

        Parameters
        ----------
        compute : float or array_like
            Compute C in GMACs.
        """
        return _power_law(self.a0, self.a, compute)

    def predict_d_opt(self, compute) -> np.ndarray:
        """D_opt at compute C (GMACs) from the power law.

        Parameters
        ----------
        compute : float or array_like
            As in :meth:`predict_n_opt`.
        """
        return _power_law(self.b0, self.b, compute)

    def interval(self, name: str) -> tuple[float, float]:
        """Percentile bootstrap interval of ``"a"``, ``"b"`` or ``"a+b"`` at ``level`` over every
        resample, failed ones included (:func:`unconditional_interval`): a side is infinite when
        more than the tail's share of resamples fail in that direction (``"a+b"``: over the
        resamples where both are finite).

        Parameters
        ----------
        name : {"a", "b", "a+b"}
            The exponent (:meth:`summary` lists them).
        """
        boot = self.bootstrap
        ok = np.isfinite(boot[:, [0, 2]]).all(axis=1)
        # a + b is a consistency check (1 by construction with size = GMACs), taken over the
        # resamples in which it is defined
        columns = {"a": boot[:, 0], "b": boot[:, 2], "a+b": boot[ok, 0] + boot[ok, 2]}
        if name not in columns:
            raise FitError(f"{name!r}: not an exponent of the isoFLOP fit; known: {', '.join(columns)}")
        return unconditional_interval(columns[name], self.level)

    def summary(self) -> pd.DataFrame:
        """One row per exponent (a, b, a + b): estimate, unconditional interval, level, budgets used,
        resamples, failed resamples and their fraction."""
        rows = []
        for name, value in (("a", self.a), ("b", self.b), ("a+b", self.a + self.b)):
            lo, hi = self.interval(name)
            rows.append({"quantity": name, "estimate": value, "lo": lo, "hi": hi, "level": self.level,
                         "n_budgets": int(sum(self.used)), "n_resamples": len(self.bootstrap),
                         "n_failed": self.n_failed, "failed_fraction": self.failed_fraction})
        return pd.DataFrame(rows)

    def profiles_frame(self) -> pd.DataFrame:
        """One row per budget: compute, runs, sizes tried, status, N_opt (interval), D_opt, metric at the minimum."""
        rows, k = [], 0
        for profile, used in zip(self.profiles, self.used):
            lo = hi = np.nan
            if used:
                lo, hi = unconditional_interval(self.n_opt_bootstrap[:, k], self.level)
                k += 1
            rows.append({"compute": profile.compute, "n_runs": len(profile.sizes),
                         "n_sizes": len(np.unique(profile.sizes)), "size_min": profile.sizes.min(),
                         "size_max": profile.sizes.max(), "status": profile.status,
                         "minimum": profile.minimum_label, "used": used,
                         "log10_vertex": profile.log10_vertex, "n_opt": profile.n_opt, "n_opt_lo": lo,
                         "n_opt_hi": hi, "d_opt": profile.d_opt, f"{self.metric}_opt": profile.metric_opt})
        return pd.DataFrame(rows)


def unconditional_interval(values: np.ndarray, level: float = LEVEL) -> tuple[float, float]:
    """Two-sided percentile interval over *every* bootstrap value, never conditional on success.

    ``values`` may hold -inf / +inf (a failed resample whose direction is known) and NaN (a failed
    resample that could go either way): a NaN counts as -inf for the lower end and as +inf for the
    upper end. An end is infinite as soon as more than the tail's share ((1 - level) / 2, 5 % at
    90 %) of the resamples fail in its direction: the interval is then unbounded on that side.

    Parameters
    ----------
    values : (R,) array_like
        The bootstrap estimates.
    level : float
        Two-sided level.

    Returns
    -------
    (lo, hi) : tuple of float
        NaN, NaN for no values.

    Examples
    --------
    >>> unconditional_interval([1.0, 2.0, 3.0, 4.0, 5.0] * 4, 0.9)
    (1.0, 5.0)
    >>> unconditional_interval([1.0] * 17 + [np.inf] * 3, 0.9)
    (1.0, inf)
    """
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return (np.nan, np.nan)
    tail = (1 - level) / 2
    big = np.finfo(float).max / 4   # stand-in for infinity that linear interpolation keeps ordered

    def end(fill: float, q: float) -> float:
        filled = np.clip(np.where(np.isnan(values), fill, values), -big, big)
        value = float(np.quantile(filled, q))
        return float(np.sign(value) * np.inf) if abs(value) >= big / 2 else value

    return end(-np.inf, tail), end(np.inf, 1 - tail)


def _pulled_slopes(log_c: np.ndarray, log_y: np.ndarray) -> np.ndarray:
    """Least-squares slopes of rows of ``log_y`` (R, K) on ``log_c`` (K,), where entries may be
    -inf/+inf (a minimum below/above the sizes tried) or NaN (no minimum): a row with infinite
    entries gets the infinite slope they pull it to (the weight of budget k in the slope is
    (log_c_k - mean) / Sxx), NaN where they pull both ways or an entry is NaN."""
    weights = (log_c - log_c.mean()) / ((log_c - log_c.mean()) ** 2).sum()
    finite = np.isfinite(log_y).all(axis=1)
    slopes = np.full(len(log_y), np.nan)
    slopes[finite] = log_y[finite] @ weights
    bad = ~finite & ~np.isnan(log_y).any(axis=1)
    pulls = np.where(np.isinf(log_y[bad]), np.sign(log_y[bad]) * np.sign(weights), 0.0)
    up, down = (pulls > 0).any(axis=1), (pulls < 0).any(axis=1)
    slopes[np.flatnonzero(bad)[up & ~down]] = np.inf
    slopes[np.flatnonzero(bad)[down & ~up]] = -np.inf
    return slopes


def fit_isoflop(runs: pd.DataFrame, metric: str, *, size: str = "gmacs", samples: str = "samples_seen",
                compute: str = "gmacs_total", budget: str | None = None, on_edge: str = "raise",
                n_resamples: int = N_RESAMPLES, seed: int = 0, level: float = LEVEL) -> IsoflopFit:
    """isoFLOP profiles, then N_opt ~ C^a and D_opt ~ C^b (Hoffmann et al. 2022, approach 2).

    The power laws are least-squares lines of log10 N_opt and log10 D_opt on log10 C through the
    interior minima. The intervals are percentile bootstrap intervals: in each resample the runs
    of every budget are drawn with replacement (seeded), every parabola and both lines refitted.
    A resample in which some budget loses its interior minimum is counted (``n_failed``,
    ``failed_fraction``) and kept, at the infinite end of a (and b) that the budget pulls toward:
    the intervals are never conditional on success (:func:`unconditional_interval`).

    Parameters
    ----------
    runs, metric, size, samples, compute, budget
        As in :func:`isoflop_profiles`.
    on_edge : {"raise", "drop"}
        A budget without an interior minimum: ``"raise"`` a :class:`~repro.errors.FitError` naming
        it (default), or ``"drop"`` it from the power laws (``profiles_frame()`` lists it, ``used``
        False).
    n_resamples : int
        Bootstrap resamples (0 skips the bootstrap).
    seed : int
        Seed of the bootstrap draws.
    level : float
        Two-sided level of the intervals (default 0.9).

    Raises
    ------
    FitError
        A budget without an interior minimum (``on_edge="raise"``), fewer than :data:`MIN_BUDGETS`
        budgets with one, or bad columns (:func:`isoflop_profiles`).
    """
    if on_edge not in ("raise", "drop"):
        raise ParameterError(f"on_edge must be 'raise' or 'drop', got {on_edge!r}")
    profiles = isoflop_profiles(runs, metric, size=size, samples=samples, compute=compute, budget=budget)
    edge = [p for p in profiles if not p.interior]
    if edge and on_edge == "raise":
        raise FitError("isoFLOP fit of " + repr(metric) + ": no interior minimum at " + "; ".join(
            f"C = {p.compute:.3g} GMACs ({p.status}: log10 vertex {p.log10_vertex:.3g}, sizes tried "
            f"{p.sizes.min():.3g}-{p.sizes.max():.3g})" for p in edge)
            + "; try sizes on both sides of the minimum, or on_edge='drop' to leave these budgets out")
    used = tuple(p.interior for p in profiles)
    kept = [p for p in profiles if p.interior]
    if len(kept) < MIN_BUDGETS:
        raise FitError(f"isoFLOP fit of {metric!r}: {len(kept)} budget(s) with an interior minimum, "
                       f"need at least {MIN_BUDGETS} for the power laws")
    log_c = np.log10([p.compute for p in kept])
    a, a0 = _line(log_c, np.log10([p.n_opt for p in kept]))
    b, b0 = _line(log_c, np.log10([p.d_opt for p in kept]))

    all_runs = _check_runs(runs, metric, size, samples, compute)
    per_sample = _compute_per_sample(*(all_runs[col].to_numpy(float) for col in (size, compute, samples)))
    rng = np.random.default_rng(seed)
    log_n_opt = np.full((n_resamples, len(kept)), np.nan)
    for k, p in enumerate(kept):
        counts = rng.multinomial(len(p.sizes), np.full(len(p.sizes), 1.0 / len(p.sizes)), size=n_resamples)
        x = np.log10(p.sizes)
        coef = _weighted_parabolas(x, p.values, counts.astype(float))
        # interior: between the smallest and largest size tried at this budget (as for the estimate)
        vertex, code = _vertex_status(coef, x.min(), x.max())
        # a failed resample keeps the direction of its minimum: below the sizes tried (0), above (inf)
        log_n_opt[:, k] = np.select([code == 0, code == 1, code == 2], [vertex, -np.inf, np.inf], np.nan)
    ok = np.isfinite(log_n_opt).all(axis=1)
    boot = np.full((n_resamples, 4), np.nan)
    if ok.any():
        x = np.broadcast_to(log_c, (int(ok.sum()), len(kept)))
        log_d_opt = log_c[None, :] - per_sample(log_n_opt[ok])
        boot[ok] = np.column_stack([*_line(x, log_n_opt[ok]), *_line(x, log_d_opt)])
    # failed resamples: a smaller N_opt at a budget means a larger D_opt there, so b is pulled the
    # other way from a; the intercepts stay NaN
    pulled = _pulled_slopes(log_c, log_n_opt[~ok])
    boot[~ok, 0], boot[~ok, 2] = pulled, -pulled
    return IsoflopFit(metric=metric, profiles=profiles, used=used, a=float(a), a0=float(a0), b=float(b),
                      b0=float(b0), bootstrap=boot, n_opt_bootstrap=10 ** log_n_opt, level=level)


def compare_allocation(isoflop: IsoflopFit | None, parametric: ParametricFit, *,
                       reference: bool = True) -> pd.DataFrame:
    """Both estimates of the allocation exponents a and b side by side, with Chinchilla's for contrast.

    Rows: the isoFLOP estimate (approach 2), the parametric law's implied a = beta / (alpha +
    beta), b = alpha / (alpha + beta) (approach 3), then, when ``reference``, the values of
    :data:`CHINCHILLA_ALLOCATION` (no intervals). Columns: method, a, a_lo, a_hi, b, b_lo, b_hi,
    and ``overlap``: whether the parametric interval of a overlaps the isoFLOP one (NaN on the other rows).

    Parameters
    ----------
    isoflop : IsoflopFit or None
        The isoFLOP estimate (approach 2); None leaves its row out.
    parametric : ParametricFit
        The parametric law (approach 3).
    reference : bool
        Add Chinchilla's exponents for contrast.
    """
    a_par, b_par = parametric.interval("a"), parametric.interval("b")
    if isoflop is None:   # fewer than MIN_BUDGETS interior minima: no isoFLOP estimate, said in the row
        iso_row = {"method": "isoFLOP profiles (approach 2): no estimate, fewer than "
                             f"{MIN_BUDGETS} budgets with an interior minimum", "a": np.nan, "a_lo": np.nan,
                   "a_hi": np.nan, "b": np.nan, "b_lo": np.nan, "b_hi": np.nan, "overlap": np.nan}
        overlap = np.nan
    else:
        a_iso, b_iso = isoflop.interval("a"), isoflop.interval("b")
        iso_row = {"method": f"isoFLOP profiles of {isoflop.metric} (approach 2)", "a": isoflop.a, "a_lo": a_iso[0],
                   "a_hi": a_iso[1], "b": isoflop.b, "b_lo": b_iso[0], "b_hi": b_iso[1], "overlap": np.nan}
        overlap = bool(a_par[0] <= a_iso[1] and a_iso[0] <= a_par[1])
    rows = [
        iso_row,
        {"method": "parametric law L(N, D) (approach 3)", "a": parametric.a, "a_lo": a_par[0], "a_hi": a_par[1],
         "b": parametric.b, "b_lo": b_par[0], "b_hi": b_par[1], "overlap": overlap},
    ]
    if reference:
        rows += [{**r, "a_lo": np.nan, "a_hi": np.nan, "b_lo": np.nan, "b_hi": np.nan, "overlap": np.nan}
                 for r in CHINCHILLA_ALLOCATION]
    return pd.DataFrame(rows, columns=["method", "a", "a_lo", "a_hi", "b", "b_lo", "b_hi", "overlap"])
