"""The parametric law L(N, D) = E + A / N^alpha + B / D^beta, fitted as Besiroglu et al. (2024) show it must be.

Hoffmann et al. (2022, Sec. 3.3 and Appendix D.2, "approach 3") model the final loss of a run
with N parameters trained on D tokens as

    L(N, D) = E + A / N^alpha + B / D^beta

and fit it by minimising a Huber loss on log L with L-BFGS from a grid of starting points.
Besiroglu et al. (2024, "Chinchilla scaling: a replication attempt") refitted the published
points and showed that the fit only holds when done exactly that way and to convergence: the
Huber loss (delta = 1e-3) of ``log L`` summed over runs, the log-sum-exp parameterisation
``a = log A``, ``b = log B``, ``e = log E``, L-BFGS-B run from every point of the grid and the
best optimum kept. They also showed that Hoffmann et al.'s confidence intervals were implausibly
narrow (they would need hundreds of thousands of runs); the intervals here are a bootstrap over
runs with every resample refitted from the grid.

Cherti et al. (2023, Sec. 5) say that the compute-optimal allocation of contrastive
language-image training (how large a model, how many samples at a fixed budget) was not studied;
this module and :mod:`repro.scaling.isoflop` give the two estimates of it that Hoffmann et al.
compare for language models.

Convention
----------
The compute-optimal allocation assumes that compute is proportional to N x D. For transformers
Hoffmann et al. use ``C = 6 N D`` FLOPs (N parameters, D tokens). This project counts compute in
multiply-accumulates, as the paper does: a run's compute is ``gmacs_total = gmacs x
samples_seen`` (GMACs per sample of the forward pass of both towers, times samples seen). With N
= GMACs per sample and D = samples seen, ``C = N D`` holds exactly; with N = parameters it holds
only as far as GMACs per sample are proportional to parameters. Minimising L(N, C / (k N)) over
N gives

    N_opt(C) = G (C / k)^a,   D_opt(C) = (C / k)^b / G,
    a = beta / (alpha + beta),   b = alpha / (alpha + beta),   G = (alpha A / (beta B))^(1 / (alpha + beta)),

with k = 1 here (k = 6 for Chinchilla's FLOPs).
"""

from __future__ import annotations

import contextlib
import itertools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import logsumexp

from repro.errors import FitError, UnknownNameError

try:  # optional (installed with scikit-learn); see _one_blas_thread
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover - the fit still works, only slower on a busy machine
    threadpool_limits = None

#: Huber threshold on the log-loss residual (Hoffmann et al. 2022, Appendix D.2; Besiroglu et al. 2024).
HUBER_DELTA = 1e-3
#: Order of the fitted parameters: a = log A, b = log B, e = log E, then the two exponents.
PARAMETERS = ("a", "b", "e", "alpha", "beta")
#: Hoffmann et al.'s grid of starting points (Appendix D.2): alpha, beta in {0, 0.5, ..., 2},
#: e in {-1, -0.5, ..., 1}, a, b in {0, 5, ..., 25}: 4,500 starts, the grid Besiroglu et al. reuse.
CHINCHILLA_GRID = {
    "a": (0.0, 5.0, 10.0, 15.0, 20.0, 25.0),
    "b": (0.0, 5.0, 10.0, 15.0, 20.0, 25.0),
    "e": (-1.0, -0.5, 0.0, 0.5, 1.0),
    "alpha": (0.0, 0.5, 1.0, 1.5, 2.0),
    "beta": (0.0, 0.5, 1.0, 1.5, 2.0),
}
#: Chinchilla's law as Besiroglu et al. (2024, Table 1) re-estimate it from Hoffmann et al.'s points
#: (N parameters, D tokens, loss in nats per token).
BESIROGLU_CHINCHILLA = {"E": 1.82, "A": 482.01, "B": 2085.43, "alpha": 0.3478, "beta": 0.3658}
#: Minimum number of runs for a fit: five parameters need at least one degree of freedom.
MIN_RUNS = 6
#: Default number of bootstrap resamples and interval level (two-sided, percentile).
N_RESAMPLES = 200
LEVEL = 0.9
#: L-BFGS-B options: tight tolerances, because the summed Huber loss and its gradient are small
#: numbers (residuals above delta contribute delta x |r|); Besiroglu et al. trace Hoffmann et al.'s
#: implausible estimates partly to an optimiser stopped early.
LBFGS_OPTIONS = {"ftol": 1e-15, "gtol": 1e-12, "maxiter": 5000, "maxfun": 20000}


def start_grid(grid: dict[str, tuple[float, ...]] | None = None) -> np.ndarray:
    """Every combination of a grid of starting values, as an (S, 5) array in :data:`PARAMETERS` order.

    Parameters
    ----------
    grid : dict, optional
        Values of each parameter (keys :data:`PARAMETERS`); default :data:`CHINCHILLA_GRID`.
    """
    grid = CHINCHILLA_GRID if grid is None else grid
    missing = [name for name in PARAMETERS if name not in grid]
    if missing:
        raise FitError(f"grid of starting points: no values for {', '.join(missing)}; expected keys {PARAMETERS}")
    return np.array(list(itertools.product(*(grid[name] for name in PARAMETERS))), dtype=float)


def huber(residual: np.ndarray, delta: float = HUBER_DELTA) -> np.ndarray:
    """Huber loss of each residual: r^2 / 2 within ``delta``, ``delta (|r| - delta / 2)`` beyond.

    Parameters
    ----------
    residual : array
        The residuals.
    delta : float
        Where the loss turns from quadratic to linear.
    """
    r = np.abs(residual)
    return np.where(r <= delta, 0.5 * r ** 2, delta * (r - 0.5 * delta))


def log_predict(theta: np.ndarray, log_size: np.ndarray, log_samples: np.ndarray) -> np.ndarray:
    """log L(N, D) = LSE(a - alpha log N, b - beta log D, e) for parameters ``theta`` (..., 5).

    ``theta`` may hold several parameter vectors (leading axes); the result has shape
    ``theta.shape[:-1] + (n_runs,)``.

    Parameters
    ----------
    theta : (..., 5) array
        (a, b, e, alpha, beta): log A, log B, log E and the two exponents.
    log_size : (n_runs,) array
        log N of each run.
    log_samples : (n_runs,) array
        log D of each run.
    """
    theta = np.asarray(theta, dtype=float)
    a, b, e, alpha, beta = (theta[..., i, None] for i in range(5))
    terms = np.stack(np.broadcast_arrays(a - alpha * log_size, b - beta * log_samples, e + 0 * log_size), axis=-1)
    return logsumexp(terms, axis=-1)


def objective(theta: np.ndarray, log_size: np.ndarray, log_samples: np.ndarray, log_loss: np.ndarray,
              weights: np.ndarray, delta: float = HUBER_DELTA) -> tuple[float, np.ndarray]:
    """The summed (weighted) Huber loss of the log-loss residuals, and its gradient in ``theta``.

    Written out in plain numpy (no ``scipy.special``): L-BFGS-B calls it hundreds of times per start.

    Parameters
    ----------
    theta : (5,) array
        (a, b, e, alpha, beta), as in :func:`log_predict`.
    log_size, log_samples : (n_runs,) arrays
        log N and log D of each run.
    log_loss : (n_runs,) array
        log of each run's loss.
    weights : (n_runs,) array
        Weight of each run's residual (bootstrap counts).
    delta : float
        The Huber loss's threshold (:func:`huber`).
    """
    a, b, e, alpha, beta = theta
    t1, t2 = a - alpha * log_size, b - beta * log_samples
    top = np.maximum(np.maximum(t1, t2), e)
    x1, x2, x3 = np.exp(t1 - top), np.exp(t2 - top), np.exp(e - top)
    total = x1 + x2 + x3
    residual = top + np.log(total) - log_loss
    slope = weights * np.clip(residual, -delta, delta) / total  # d huber / d r, times d LSE / d term / share
    gradient = np.array([slope @ x1, slope @ x2, slope @ x3, -(slope * log_size) @ x1, -(slope * log_samples) @ x2])
    return float(weights @ huber(residual, delta)), gradient


def _check_runs(size, samples, loss) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    arrays = [np.asarray(v, dtype=float).ravel() for v in (size, samples, loss)]
    names = ("model size N", "samples seen D", "loss L")
    if len({len(v) for v in arrays}) != 1:
        raise FitError(f"parametric fit: N, D and L have different lengths {[len(v) for v in arrays]}")
    if len(arrays[0]) < MIN_RUNS:
        raise FitError(f"parametric fit: {len(arrays[0])} runs, need at least {MIN_RUNS} for 5 parameters")
    for name, values in zip(names, arrays):
        bad = np.flatnonzero(~np.isfinite(values) | (values <= 0))
        if len(bad):
            raise FitError(f"parametric fit: {name} must be finite and > 0; run(s) {', '.join(map(str, bad[:5]))}"
                           f" have {', '.join(repr(float(values[i])) for i in bad[:5])}")
    return arrays[0], arrays[1], arrays[2]


def _one_blas_thread():
    """BLAS limited to one thread while L-BFGS-B runs, when ``threadpoolctl`` is installed.

    scipy's L-BFGS-B makes BLAS calls on 5-vectors at every iteration; with OpenBLAS's default
    thread pool on a shared machine each call waits for the pool, which made one start up to 40x
    slower (measured: 4.4 s against 0.1 s of CPU time for the same 554 iterations).
    """
    return threadpool_limits(limits=1, user_api="blas") if threadpool_limits is not None else contextlib.nullcontext()


def _minimise(starts: np.ndarray, log_size, log_samples, log_loss, weights, delta) -> tuple[np.ndarray, float, bool]:
    """L-BFGS-B from every start; the best optimum (theta, objective value, converged)."""
    best = (np.full(5, np.nan), np.inf, False)
    with _one_blas_thread():
        for start in starts:
            result = minimize(objective, start, args=(log_size, log_samples, log_loss, weights, delta), jac=True,
                              method="L-BFGS-B", options=LBFGS_OPTIONS)
            if np.all(np.isfinite(result.x)) and result.fun < best[1]:
                best = (result.x, float(result.fun), bool(result.success))
    return best


def _screen(starts: np.ndarray, n_polish: int | None, log_size, log_samples, log_loss, weights, delta) -> np.ndarray:
    """The ``n_polish`` starts with the lowest objective (all starts when ``n_polish`` is None)."""
    if n_polish is None or n_polish >= len(starts):
        return starts
    values = (huber(log_predict(starts, log_size, log_samples) - log_loss, delta) * weights).sum(axis=1)
    return starts[np.argsort(values, kind="stable")[:n_polish]]


@dataclass(frozen=True)
class ParametricFit:
    """L(N, D) = E + A / N^alpha + B / D^beta fitted to runs, with bootstrap intervals.

    Attributes
    ----------
    theta : (5,) ndarray
        The best optimum, in :data:`PARAMETERS` order (a = log A, b = log B, e = log E, alpha, beta).
    objective : float
        The summed Huber loss at ``theta``.
    converged : bool
        Whether L-BFGS-B reported success at the best optimum.
    n_runs, n_starts : int
        Runs fitted; starting points tried.
    bootstrap : (R, 5) ndarray
        ``theta`` refitted on each bootstrap resample of the runs (NaN rows: the fit failed).
    level : float
        Two-sided level of the percentile intervals.
    """

    theta: np.ndarray = field(repr=False)
    objective: float
    converged: bool
    n_runs: int
    n_starts: int
    bootstrap: np.ndarray = field(repr=False)
    level: float = LEVEL
    delta: float = HUBER_DELTA

    @property
    def E(self) -> float:  # noqa: N802 (the paper's symbol)
        return float(np.exp(self.theta[2]))

    @property
    def A(self) -> float:  # noqa: N802
        return float(np.exp(self.theta[0]))

    @property
    def B(self) -> float:  # noqa: N802
        return float(np.exp(self.theta[1]))

    @property
    def alpha(self) -> float:
        return float(self.theta[3])

    @property
    def beta(self) -> float:
        return float(self.theta[4])

    @property
    def a(self) -> float:
        """Exponent of N_opt ~ C^a: beta / (alpha + beta)."""
        return self.beta / (self.alpha + self.beta)

    @property
    def b(self) -> float:
        """Exponent of D_opt ~ C^b: alpha / (alpha + beta)."""
        return self.alpha / (self.alpha + self.beta)

    def predict(self, size, samples) -> np.ndarray:
        """L(N, D) at the fitted parameters.

        Parameters
        ----------
        size : float or array_like
            Model size N (GMACs per sample).
        samples : float or array_like
            Samples seen D.
        """
        return np.exp(log_predict(self.theta, np.log(np.asarray(size, float)), np.log(np.asarray(samples, float))))

    def optimal_allocation(self, compute, *, k: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        """(N_opt, D_opt) minimising L(N, D) subject to C = k N D (see the module's Convention).

        ``k = 1`` for this project's MACs (N = GMACs per sample, D = samples seen, C in GMACs);
        ``k = 6`` for Chinchilla's FLOPs with N parameters and D tokens.

        Parameters
        ----------
        compute : float or array_like
            Compute C.
        k : float
            The constant of C = k N D.
        """
        c = np.asarray(compute, dtype=float) / k
        g = (self.alpha * self.A / (self.beta * self.B)) ** (1.0 / (self.alpha + self.beta))
        return g * c ** self.a, c ** self.b / g

    def samples(self) -> pd.DataFrame:
        """One row per usable bootstrap resample: E, A, B, alpha, beta, a, b."""
        theta = self.bootstrap[np.isfinite(self.bootstrap).all(axis=1)]
        alpha, beta = theta[:, 3], theta[:, 4]
        return pd.DataFrame({"E": np.exp(theta[:, 2]), "A": np.exp(theta[:, 0]), "B": np.exp(theta[:, 1]),
                             "alpha": alpha, "beta": beta, "a": beta / (alpha + beta), "b": alpha / (alpha + beta)})

    def interval(self, name: str) -> tuple[float, float]:
        """Percentile bootstrap interval of one quantity (E, A, B, alpha, beta, a or b) at ``level``.

        Parameters
        ----------
        name : str
            One of E, A, B, alpha, beta, a, b.
        """
        frame = self.samples()
        if name not in frame.columns:
            raise UnknownNameError(f"{name!r}: not a quantity of the parametric fit; known: {', '.join(frame.columns)}")
        if frame.empty:
            return (np.nan, np.nan)
        tail = (1 - self.level) / 2
        lo, hi = np.quantile(frame[name], [tail, 1 - tail])
        return float(lo), float(hi)

    @property
    def n_failed(self) -> int:
        """Bootstrap resamples whose fit failed."""
        return int((~np.isfinite(self.bootstrap).all(axis=1)).sum())

    def summary(self) -> pd.DataFrame:
        """One row per quantity: estimate, interval (lo, hi), level, runs, resamples used."""
        used = len(self.bootstrap) - self.n_failed
        rows = []
        for name in ("E", "A", "B", "alpha", "beta", "a", "b"):
            lo, hi = self.interval(name)
            rows.append({"quantity": name, "estimate": getattr(self, name), "lo": lo, "hi": hi,
                         "level": self.level, "n_runs": self.n_runs, "n_resamples": used})
        return pd.DataFrame(rows)


def fit_parametric(size, samples, loss, *, grid: dict[str, tuple[float, ...]] | None = None,
                   n_polish: int | None = None, delta: float = HUBER_DELTA, n_resamples: int = N_RESAMPLES,
                   bootstrap_polish: int | None = 4, seed: int = 0, level: float = LEVEL) -> ParametricFit:
    """Fit L(N, D) = E + A / N^alpha + B / D^beta (Hoffmann et al. 2022; Besiroglu et al. 2024).

    The parameters minimise ``sum_i Huber_delta(LSE(a - alpha log N_i, b - beta log D_i, e) -
    log L_i)`` with L-BFGS-B (analytic gradient, tight tolerances), started from every point of
    the grid; the best optimum is kept.

    Parameters
    ----------
    size : (n,) array_like
        Model size N of each run (GMACs per sample in this project; parameters in Chinchilla).
    samples : (n,) array_like
        Samples seen D of each run.
    loss : (n,) array_like
        Final loss L of each run (held-out loss; any positive metric that falls towards E).
    grid : dict, optional
        Starting values of each parameter (:func:`start_grid`); default :data:`CHINCHILLA_GRID`.
    n_polish : int, optional
        Run L-BFGS-B only from the ``n_polish`` grid points with the lowest objective (a cheap
        pre-screen of the grid); None (default) runs it from every point, as Besiroglu et al. do.
    delta : float
        Huber threshold (default 1e-3).
    n_resamples : int
        Bootstrap resamples: runs drawn with replacement (seeded), each resample refitted from the
        ``bootstrap_polish`` best grid points plus the full-data optimum. 0 skips the bootstrap.
    bootstrap_polish : int, optional
        Pre-screen of the grid for each resample (None: every grid point; slow on the full grid).
    seed : int
        Seed of the bootstrap draws.
    level : float
        Two-sided level of the percentile intervals (default 0.9).

    Raises
    ------
    FitError
        Fewer than :data:`MIN_RUNS` runs, lengths that differ, a non-positive or non-finite N, D
        or L, or no start that gives a finite optimum.

    Notes
    -----
    Cost, measured on 35 synthetic runs: about 0.02 s of CPU per start, so Hoffmann et al.'s full
    grid (4,500 starts) takes about a minute and a half, and each bootstrap resample (4 screened
    starts plus the optimum) about 0.1 s. On 35 runs with 1% noise the bootstrap intervals were
    the same whether each resample was refitted from 0, 4 or 20 screened grid points, and their
    spread of alpha matched (ratio 1.1) the spread over independent noise draws of the same design.
    """
    size, samples, loss = _check_runs(size, samples, loss)
    log_size, log_samples, log_loss = np.log(size), np.log(samples), np.log(loss)
    starts = start_grid(grid)
    weights = np.ones(len(size))
    polished = _screen(starts, n_polish, log_size, log_samples, log_loss, weights, delta)
    theta, value, converged = _minimise(polished, log_size, log_samples, log_loss, weights, delta)
    if not np.isfinite(value):
        raise FitError(f"parametric fit: no finite optimum from {len(polished)} starting points")
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(len(size), np.full(len(size), 1.0 / len(size)), size=n_resamples)
    boot = np.full((n_resamples, 5), np.nan)
    for r, weight in enumerate(counts.astype(float)):
        # a resample is the runs with multiplicities: the weighted objective equals the duplicated runs'
        if (weight > 0).sum() < MIN_RUNS:
            continue
        chosen = _screen(starts, bootstrap_polish, log_size, log_samples, log_loss, weight, delta)
        found, found_value, _ = _minimise(np.vstack([chosen, theta]), log_size, log_samples, log_loss, weight, delta)
        if np.isfinite(found_value):
            boot[r] = found
    return ParametricFit(theta=theta, objective=value, converged=converged, n_runs=len(size),
                         n_starts=len(polished), bootstrap=boot, level=level, delta=delta)


def chinchilla_runs(size, samples, *, params: dict[str, float] | None = None, noise: float = 0.0,
                    seed: int = 0) -> np.ndarray:
    """Losses from a known law, with multiplicative log-normal noise: for tests and recovery studies.

    ``params`` (keys E, A, B, alpha, beta) default to :data:`BESIROGLU_CHINCHILLA`; ``noise`` is
    the standard deviation of the Gaussian noise added to log L.

    Parameters
    ----------
    size : array_like
        Model size N of each run.
    samples : array_like
        Samples (tokens) D of each run.
    params : dict, optional
        The law's E, A, B, alpha and beta.
    noise : float
        Standard deviation of the Gaussian noise added to log L.
    seed : int
        Seed of the noise.
    """
    p = BESIROGLU_CHINCHILLA if params is None else params
    size, samples = np.asarray(size, float), np.asarray(samples, float)
    loss = p["E"] + p["A"] / size ** p["alpha"] + p["B"] / samples ** p["beta"]
    return loss * np.exp(noise * np.random.default_rng(seed).standard_normal(loss.shape))
