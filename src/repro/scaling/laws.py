"""Law forms behind one interface: fit, predict, intervals (the paper's power law, Sec. 4, and
the forms the book's chapter "How sure are these laws?" compares with it).

Every form models log10 of the error rate E as a function of x = log10 C (total GMACs):

=============  ===========================================  ==============================
form           E(C)                                          parameters (theta)
=============  ===========================================  ==============================
``power``      beta C^alpha (the paper's law)                 a, alpha
``saturating`` A C^alpha + E_inf                              a, alpha, e_inf
``shifted``    A (C + C0)^alpha + E_inf                       a, alpha, log10_c0, e_inf
``broken``     power law whose slope changes once, at x_b     a, alpha_low, alpha, x_b
``bounded``    E_max s / (1 + s), s = 10^(a + alpha (x-x0))    a, alpha
=============  ===========================================  ==============================

``a`` is log10 of the power-law part at the centre x0 of the fitted points (centring keeps the
fit well conditioned); ``alpha`` is always the exponent that governs extrapolation. The bounded
form is for accuracy metrics: its error ceiling E_max = 1 - chance, chance = 1 / classes of
Table 26 (:func:`error_ceiling`), so E falls like a power law far from chance and saturates at
chance at small compute.

Fitting (:meth:`LawForm.fit`): residuals are in log10 E; a vectorised profile grid (variable
projection: the linear parameters in closed form for each value of the nonlinear ones) gives
starting points, then :func:`scipy.optimize.least_squares` with a robust loss polishes from the
best few starts. A fit whose optimiser reports no convergence, or whose result is not finite,
raises :class:`~repro.errors.FitError` (or is returned with ``converged=False`` when asked to).
The same profile grid, batched, fits thousands of bootstrap resamples at once
(:meth:`LawForm.fit_batch`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import numpy as np
from scipy import optimize, stats

from repro.data import load_reported
from repro.errors import FitError

logger = logging.getLogger(__name__)

#: Scale of the robust (soft L1) loss in log10 units: frontier residuals are about 0.01, so
#: residuals up to ~0.03 (7% relative error) are treated as quadratic, larger ones damped.
ROBUST_F_SCALE = 0.03


def _lstsq_batch(design: np.ndarray, y: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted (0/1) least squares for many rows at once.

    design : (..., P, k), y : (..., P), valid : (..., P) -> coefficients (..., k), rss (...).
    Rows with too few valid points get NaN.
    """
    w = valid.astype(float)
    dw = design * w[..., None]
    gram = np.einsum("...pi,...pj->...ij", dw, design)
    rhs = np.einsum("...pi,...p->...i", dw, y)
    k = design.shape[-1]
    ok = valid.sum(axis=-1) >= k
    gram = np.where(ok[..., None, None], gram, np.eye(k))
    det = np.linalg.det(gram)
    ok &= np.abs(det) > 1e-12
    gram = np.where(ok[..., None, None], gram, np.eye(k))
    coef = np.linalg.solve(gram, rhs[..., None])[..., 0]
    resid = (np.einsum("...pi,...i->...p", design, coef) - y) * w
    rss = (resid ** 2).sum(axis=-1)
    coef = np.where(ok[..., None], coef, np.nan)
    return coef, np.where(ok, rss, np.inf)


def _line_batch(xc: np.ndarray, z: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Closed-form least-squares lines z = c0 + c1 xc for many rows: (..., P) -> (..., 2), rss."""
    w = valid.astype(float)
    s0 = w.sum(axis=-1)
    sx = (w * xc).sum(axis=-1)
    sz = (w * z).sum(axis=-1)
    sxx = (w * xc * xc).sum(axis=-1)
    sxz = (w * xc * z).sum(axis=-1)
    det = s0 * sxx - sx * sx
    ok = (s0 >= 2) & (np.abs(det) > 1e-12 * np.maximum(s0 * sxx, 1e-300))
    det = np.where(ok, det, 1.0)
    slope = (s0 * sxz - sx * sz) / det
    intercept = (sz - slope * sx) / np.where(s0 > 0, s0, 1.0)
    coef = np.stack([intercept, slope], axis=-1)
    rss = ((w * (intercept[..., None] + slope[..., None] * xc - z)) ** 2).sum(axis=-1)
    return np.where(ok[..., None], coef, np.nan), np.where(ok, rss, np.inf)


@dataclass(frozen=True)
class LawFit:
    """A fitted law: parameters, fit quality, delta-method covariance and predictions.

    The one result type of every law fit of the package: the forms of this module return it, and
    the paper's fit returns its power-form subclass :class:`repro.scaling.paper_fit.PowerLawFit`.

    ``x``/``y`` are the points fitted (log10 compute, log10 error); ``x0`` their centre;
    ``cov`` the covariance of ``theta`` from the Jacobian (NaN when not estimable).
    """

    form: "LawForm" = field(repr=False)
    theta: np.ndarray
    x0: float
    converged: bool
    message: str
    x: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    rss: float = float("nan")
    cov: np.ndarray | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.form.name

    @property
    def n_points(self) -> int:
        return int(len(self.x))

    @property
    def n_params(self) -> int:
        return self.form.n_params

    @property
    def params(self) -> dict[str, float]:
        return dict(zip(self.form.param_names, map(float, self.theta)))

    @property
    def alpha(self) -> float:
        """The exponent that governs extrapolation."""
        return float(self.theta[1])

    @property
    def dof(self) -> int:
        return self.n_points - self.n_params

    @property
    def sigma(self) -> float:
        """Residual standard deviation in log10 units (NaN with no degrees of freedom)."""
        return float(np.sqrt(self.rss / self.dof)) if self.dof > 0 else float("nan")

    @property
    def aic(self) -> float:
        """Gaussian AIC, n log(rss/n) + 2k (lower is better; compare on the same points only)."""
        n = self.n_points
        return float(n * np.log(max(self.rss, 1e-300) / n) + 2 * self.n_params)

    @property
    def bic(self) -> float:
        n = self.n_points
        return float(n * np.log(max(self.rss, 1e-300) / n) + self.n_params * np.log(n))

    def predict_log10(self, log10_compute: np.ndarray | float) -> np.ndarray:
        """log10 of the predicted error rate at log10 compute.

        Parameters
        ----------
        log10_compute : float or array_like
            log10 of total compute C (GMACs).
        """
        return self.form.model(self.theta, np.asarray(log10_compute, dtype=float), self.x0)

    def predict(self, gmacs_total: np.ndarray | float) -> np.ndarray:
        """Predicted error rate at total compute (GMACs).

        Parameters
        ----------
        gmacs_total : float or array_like
            Total compute C in GMACs.
        """
        return 10.0 ** self.predict_log10(np.log10(np.asarray(gmacs_total, dtype=float)))

    def interval(self, log10_compute: np.ndarray | float, *, level: float = 0.95,
                 kind: Literal["confidence", "prediction"] = "prediction") -> tuple[np.ndarray, np.ndarray]:
        """Delta-method interval of the error rate at log10 compute.

        The variance of the log10 prediction is g' cov g with g the gradient in theta
        (finite differences); a prediction interval adds the residual variance. Student-t
        quantile with n - k degrees of freedom. Returns (lower, upper) error rates; NaN where
        the fit has no degrees of freedom.

        Parameters
        ----------
        log10_compute : float or array_like
            log10 of total compute C (GMACs).
        level : float
            Two-sided coverage (0.95: 95%).
        kind : {"confidence", "prediction"}
            An interval of the law itself, or of a new run (adds the residual variance).
        """
        x = np.atleast_1d(np.asarray(log10_compute, dtype=float))
        centre = self.predict_log10(x)
        if self.cov is None or self.dof <= 0 or not np.isfinite(self.cov).all():
            nan = np.full_like(centre, np.nan)
            return nan, nan
        grad = self.form.gradient(self.theta, x, self.x0)
        var = np.einsum("pi,ij,pj->p", grad, self.cov, grad)
        if kind == "prediction":
            var = var + self.sigma ** 2
        half = stats.t.ppf(0.5 + level / 2, self.dof) * np.sqrt(var)
        return 10.0 ** (centre - half), 10.0 ** (centre + half)

    def summary(self) -> dict[str, float | str | bool]:
        return {"form": self.name, **self.params, "n_points": self.n_points, "rss": self.rss,
                "aic": self.aic, "bic": self.bic, "converged": self.converged}


class LawForm:
    """Base class of a law form: a model of log10 E in x = log10 C and its fitting.

    Subclasses define ``model``, ``bounds`` and ``profile_batch`` (the vectorised grid fit).
    """

    name: str = ""
    param_names: tuple[str, ...] = ()
    #: Whether :meth:`fit_batch` gives each row the same result bit for bit whatever the other
    #: rows of the batch (so a batch may be deduplicated before fitting).
    batch_size_invariant: bool = True

    def __init__(self, *, error_ceiling: float = 1.0) -> None:
        self.error_ceiling = float(error_ceiling)

    @property
    def n_params(self) -> int:
        return len(self.param_names)

    def model(self, theta: np.ndarray, x: np.ndarray, x0: float) -> np.ndarray:
        """log10 E of the law at x = log10 C.

        Parameters
        ----------
        theta : (k,) array
            The parameters, in the order of :attr:`param_names`.
        x : array
            log10 compute.
        x0 : float
            The centre of the fitted points.
        """
        raise NotImplementedError

    def bounds(self, x: np.ndarray, y: np.ndarray, x0: float) -> tuple[np.ndarray, np.ndarray]:
        """(lower, upper) bounds of theta for :func:`scipy.optimize.least_squares` (none by default).

        Parameters
        ----------
        x, y : (N,) arrays
            The points to be fitted (log10 compute, log10 error).
        x0 : float
            Their centre.
        """
        k = self.n_params
        return np.full(k, -np.inf), np.full(k, np.inf)

    def profile_batch(self, x: np.ndarray, y: np.ndarray, valid: np.ndarray, x0: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
        """Grid fit of many point sets: x, y, valid (B, P), x0 (B,) -> theta (B, G, k), rss (B, G)
        over the form's grid of nonlinear parameters (G = 1 for linear forms).

        Parameters
        ----------
        x, y : (B, P) arrays
            log10 compute and log10 error of B point sets, padded to P points.
        valid : (B, P) bool array
            Which entries are points.
        x0 : (B,) array
            The centre of each set's points.
        """
        raise NotImplementedError

    def gradient(self, theta: np.ndarray, x: np.ndarray, x0: float) -> np.ndarray:
        """d model / d theta at x, (P, k), central finite differences.

        Parameters
        ----------
        theta : (k,) array
            The parameters.
        x : (P,) array
            log10 compute.
        x0 : float
            The centre of the fitted points.
        """
        grads = []
        for i in range(self.n_params):
            step = 1e-6 * max(1.0, abs(theta[i]))
            up, down = theta.copy(), theta.copy()
            up[i] += step
            down[i] -= step
            grads.append((self.model(up, x, x0) - self.model(down, x, x0)) / (2 * step))
        return np.stack(grads, axis=-1)

    def fit_batch(self, x: np.ndarray, y: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Least-squares fits of many point sets at once (bootstrap resamples, backtests).

        Parameters
        ----------
        x, y : (B, P) arrays
            log10 compute and log10 error, padded.
        valid : (B, P) bool array
            Which entries are points.

        Returns
        -------
        theta : (B, k) array
            Best grid fit per row (NaN where a row has too few points).
        x0 : (B,) array
            The centre of each row's points (the model's reference point).

        Notes
        -----
        The grid is the profile over the nonlinear parameters; the linear ones are exact
        least squares for each grid value (variable projection on a grid). This is the
        estimator of the bootstrap; :meth:`fit` polishes the same start with scipy.
        """
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        valid = np.asarray(valid, dtype=bool)
        n = valid.sum(axis=1)
        x0 = np.where(n > 0, (x * valid).sum(axis=1) / np.maximum(n, 1), 0.0)
        theta, rss = self.profile_batch(x, y, valid, x0)
        best = np.argmin(np.where(np.isfinite(rss), rss, np.inf), axis=1)
        chosen = theta[np.arange(len(x)), best]
        chosen[n < self.n_params] = np.nan
        return chosen, x0

    def fit(self, log10_compute: np.ndarray, log10_error: np.ndarray, *, loss: str = "soft_l1",
            f_scale: float = ROBUST_F_SCALE, n_starts: int = 4, max_nfev: int = 2000,
            on_failure: Literal["raise", "flag"] = "raise") -> LawFit:
        """Fit the form to points (log10 compute, log10 error).

        Parameters
        ----------
        log10_compute, log10_error : (N,) array_like
            The (frontier) points.
        loss : str
            ``least_squares`` loss: ``"soft_l1"`` (robust, the default), ``"huber"``,
            ``"cauchy"`` or ``"linear"`` (plain least squares).
        f_scale : float
            Residual scale of the robust loss, in log10 units.
        max_nfev : int
            Evaluation budget of each ``least_squares`` run; hitting it is non-convergence.
        n_starts : int
            Number of best grid points to polish (multi-start); the best polished fit wins.
        on_failure : {"raise", "flag"}
            What to do when no start converges: raise :class:`FitError`, or return the best
            attempt with ``converged=False`` (never silently a converged-looking fit).
        """
        x = np.asarray(log10_compute, dtype=float)
        y = np.asarray(log10_error, dtype=float)
        if x.shape != y.shape or x.ndim != 1:
            raise FitError(f"form '{self.name}': log10_compute and log10_error must be 1-D of one length, "
                           f"got {x.shape} and {y.shape}")
        if not (np.isfinite(x).all() and np.isfinite(y).all()):
            raise FitError(f"form '{self.name}': points must be finite")
        if len(x) < self.n_params:
            raise FitError(f"form '{self.name}' has {self.n_params} parameters and needs at least as many "
                           f"points, got {len(x)}")
        x0 = float(x.mean())
        theta_grid, rss_grid = self.profile_batch(x[None], y[None], np.ones((1, len(x)), bool), np.array([x0]))
        theta_grid, rss_grid = theta_grid[0], rss_grid[0]
        finite = np.flatnonzero(np.isfinite(rss_grid) & np.isfinite(theta_grid).all(axis=1))
        if len(finite) == 0:
            raise FitError(f"form '{self.name}': no finite starting point on the profile grid "
                           f"({len(x)} points, log10 compute {x.min():.2f}..{x.max():.2f})")
        starts = finite[np.argsort(rss_grid[finite])[:n_starts]]
        lower, upper = self.bounds(x, y, x0)
        attempts = []
        for s in starts:
            margin = 1e-6 * np.where(np.isfinite(upper - lower), upper - lower, 1.0)
            start = np.clip(theta_grid[s], lower + margin, upper - margin)
            try:
                result = optimize.least_squares(lambda t: self.model(t, x, x0) - y, start, bounds=(lower, upper),
                                                loss=loss, f_scale=f_scale, x_scale="jac", method="trf",
                                                ftol=1e-12, xtol=1e-12, gtol=1e-12, max_nfev=max_nfev)
            except (ValueError, FloatingPointError) as err:
                logger.debug("form %s: start %s failed: %s", self.name, start, err)
                continue
            ok = result.status > 0 and np.isfinite(result.x).all() and np.isfinite(result.fun).all()
            attempts.append((not ok, float(result.cost), result, ok))
        if not attempts:
            raise FitError(f"form '{self.name}': every least_squares start failed on {len(x)} points")
        attempts.sort(key=lambda a: (a[0], a[1]))
        _, _, result, ok = attempts[0]
        if not ok:
            message = (f"form '{self.name}': least_squares did not converge (status {result.status}: "
                       f"{result.message}) on {len(x)} points")
            if on_failure == "raise":
                raise FitError(message)
            logger.warning(message)
        theta = result.x
        resid = self.model(theta, x, x0) - y
        rss = float(resid @ resid)
        cov = None
        if len(x) > self.n_params:
            jac = self.gradient(theta, x, x0)
            try:
                cov = np.linalg.inv(jac.T @ jac) * rss / (len(x) - self.n_params)
            except np.linalg.LinAlgError:
                cov = np.full((self.n_params, self.n_params), np.nan)
        return LawFit(self, theta, x0, bool(ok), str(result.message), x, y, rss, cov)


class PowerLaw(LawForm):
    """E = beta C^alpha; log10 E = a + alpha (x - x0). Exact least squares on the grid."""

    name = "power"
    param_names = ("a", "alpha")

    def model(self, theta, x, x0):
        return theta[0] + theta[1] * (x - x0)

    def gradient(self, theta, x, x0):
        return np.stack([np.ones_like(x), x - x0], axis=-1)

    def profile_batch(self, x, y, valid, x0):
        coef, rss = _line_batch(x - x0[:, None], y, valid)
        return coef[:, None, :], rss[:, None]

    def beta(self, fit: LawFit) -> float:
        """beta of E = beta C^alpha.

        Parameters
        ----------
        fit : LawFit
            A fit of this form.
        """
        return float(10.0 ** (fit.theta[0] - fit.theta[1] * fit.x0))


#: fractions of the smallest observed error tried as the irreducible error (profile grid)
_FLOOR_FRACTIONS = np.concatenate([[0.0], np.linspace(0.05, 0.95, 19)])


class Saturating(LawForm):
    """E = A C^alpha + E_inf; log10 E = log10(10^(a + alpha (x - x0)) + e_inf)."""

    name = "saturating"
    param_names = ("a", "alpha", "e_inf")
    # The products below of a zero-stride view are laid out by numpy according to the batch
    # size, and the layout sets the order of the sums: a row's last bits depend on the batch.
    # Kept so, since materialising the view would change the last bits of published numbers.
    batch_size_invariant = False

    def model(self, theta, x, x0):
        return np.log10(10.0 ** (theta[0] + theta[1] * (x - x0)) + theta[2])

    def bounds(self, x, y, x0):
        return np.array([-10.0, -5.0, 0.0]), np.array([5.0, 5.0, 10.0 ** y.min()])

    def profile_batch(self, x, y, valid, x0):
        err = 10.0 ** y
        e_min = np.where(valid, err, np.inf).min(axis=1)
        floors = e_min[:, None] * _FLOOR_FRACTIONS[None, :]                      # (B, G)
        z = np.log10(np.maximum(err[:, None, :] - floors[..., None], 1e-12))   # (B, G, P)
        xc = np.broadcast_to((x - x0[:, None])[:, None, :], z.shape)
        coef, _ = _line_batch(xc, z, np.broadcast_to(valid[:, None, :], z.shape))
        theta = np.concatenate([coef, floors[..., None]], axis=-1)
        pred = np.log10(10.0 ** (coef[..., :1] + coef[..., 1:2] * xc) + floors[..., None])
        rss = (((pred - y[:, None, :]) * valid[:, None, :]) ** 2).sum(axis=-1)
        return theta, np.where(np.isfinite(rss), rss, np.inf)


class ShiftedSaturating(LawForm):
    """E = A (C + C0)^alpha + E_inf, C0 an effective compute offset (log10_c0 its log10)."""

    name = "shifted"
    param_names = ("a", "alpha", "log10_c0", "e_inf")
    #: offsets tried, relative to the smallest compute (log10 units)
    _offsets = np.array([-3.0, -2.0, -1.0, -0.5, 0.0, 0.5])
    _floors = np.array([0.0, 0.3, 0.6, 0.85])

    def model(self, theta, x, x0):
        shifted = np.log10(10.0 ** x + 10.0 ** theta[2])
        return np.log10(10.0 ** (theta[0] + theta[1] * (shifted - x0)) + theta[3])

    def bounds(self, x, y, x0):
        return (np.array([-10.0, -5.0, x.min() - 4.0, 0.0]),
                np.array([5.0, 5.0, x.max() + 1.0, 10.0 ** y.min()]))

    def profile_batch(self, x, y, valid, x0):
        err = 10.0 ** y
        x_min = np.where(valid, x, np.inf).min(axis=1)
        e_min = np.where(valid, err, np.inf).min(axis=1)
        offs = x_min[:, None] + self._offsets[None, :]                              # (B, O)
        floors = e_min[:, None] * self._floors[None, :]                              # (B, F)
        n_o, n_f = len(self._offsets), len(self._floors)
        off_g = np.repeat(offs, n_f, axis=1)                                         # (B, G)
        floor_g = np.tile(floors, (1, n_o))
        shifted = np.log10(10.0 ** x[:, None, :] + 10.0 ** off_g[..., None])         # (B, G, P)
        xc = shifted - x0[:, None, None]
        z = np.log10(np.maximum(err[:, None, :] - floor_g[..., None], 1e-12))
        coef, _ = _line_batch(xc, z, np.broadcast_to(valid[:, None, :], z.shape))
        theta = np.concatenate([coef, off_g[..., None], floor_g[..., None]], axis=-1)
        pred = np.log10(10.0 ** (coef[..., :1] + coef[..., 1:2] * xc) + floor_g[..., None])
        rss = (((pred - y[:, None, :]) * valid[:, None, :]) ** 2).sum(axis=-1)
        return theta, np.where(np.isfinite(rss), rss, np.inf)


class BrokenPowerLaw(LawForm):
    """A continuous power law whose exponent changes once, at log10 compute x_b:
    log10 E = a + alpha_low min(x - x_b, 0) + alpha max(x - x_b, 0) (``a`` is at the break)."""

    name = "broken"
    param_names = ("a", "alpha", "alpha_low", "x_b")
    _quantiles = np.linspace(0.2, 0.8, 13)

    def model(self, theta, x, x0):
        d = x - theta[3]
        return theta[0] + theta[2] * np.minimum(d, 0.0) + theta[1] * np.maximum(d, 0.0)

    def bounds(self, x, y, x0):
        span = x.max() - x.min()
        return (np.array([-10.0, -5.0, -5.0, x.min() + 0.1 * span]),
                np.array([5.0, 5.0, 5.0, x.max() - 0.1 * span]))

    def profile_batch(self, x, y, valid, x0):
        x_min = np.where(valid, x, np.inf).min(axis=1)
        x_max = np.where(valid, x, -np.inf).max(axis=1)
        breaks = x_min[:, None] + (x_max - x_min)[:, None] * self._quantiles[None, :]  # (B, G)
        d = x[:, None, :] - breaks[..., None]
        design = np.stack([np.ones_like(d), np.maximum(d, 0.0), np.minimum(d, 0.0)], axis=-1)
        coef, rss = _lstsq_batch(design, np.broadcast_to(y[:, None, :], d.shape),
                                 np.broadcast_to(valid[:, None, :], d.shape))
        return np.concatenate([coef, breaks[..., None]], axis=-1), rss


class Bounded(LawForm):
    """Error bounded by the chance-level error E_max (= 1 - chance):
    E = E_max s / (1 + s), s = 10^(a + alpha (x - x0)); a power law in s far from chance."""

    name = "bounded"
    param_names = ("a", "alpha")

    def model(self, theta, x, x0):
        logs = theta[0] + theta[1] * (x - x0)
        # log10(E_max s / (1 + s)) = log10 E_max - log10(1 + 10^-logs), written stably
        return np.log10(self.error_ceiling) - np.logaddexp(0.0, -logs * np.log(10.0)) / np.log(10.0)

    def profile_batch(self, x, y, valid, x0):
        err = np.minimum(10.0 ** y, 0.999 * self.error_ceiling)
        z = np.log10(err / (self.error_ceiling - err))
        coef, _ = _line_batch(x - x0[:, None], z, valid)
        pred = self._model_rows(coef, x, x0)
        rss = (((pred - y) * valid) ** 2).sum(axis=-1)
        return coef[:, None, :], np.where(np.isfinite(rss), rss, np.inf)[:, None]

    def _model_rows(self, coef, x, x0):
        logs = coef[:, :1] + coef[:, 1:2] * (x - x0[:, None])
        return np.log10(self.error_ceiling) - np.logaddexp(0.0, -logs * np.log(10.0)) / np.log(10.0)


FORMS = ("power", "saturating", "shifted", "broken", "bounded")
_FORM_CLASSES = {"power": PowerLaw, "saturating": Saturating, "shifted": ShiftedSaturating,
                 "broken": BrokenPowerLaw, "bounded": Bounded}


def get_form(name: str, *, downstream_dataset: str | None = None) -> LawForm:
    """The law form called ``name``; the bounded form takes its ceiling from ``downstream_dataset``.

    Parameters
    ----------
    name : str
        A key of :data:`FORMS` (``power``, ``saturating``, ``shifted``, ``broken``, ``bounded``).
    downstream_dataset : str, optional
        The dataset whose chance sets the bounded form's ceiling (:func:`error_ceiling`).
    """
    if name not in _FORM_CLASSES:
        raise FitError(f"unknown law form {name!r}; known: {', '.join(FORMS)}")
    if name == "bounded":
        return Bounded(error_ceiling=error_ceiling(downstream_dataset) if downstream_dataset else 1.0)
    return _FORM_CLASSES[name]()


#: downstream_dataset of the results -> "Dataset" of Table 26 (the 35 classification sets)
TABLE26_NAMES = {
    "imagenet1k": "ImageNet", "imagenetv2": "ImageNet-v2", "imagenet-r": "ImageNet-R",
    "imagenet_sketch": "ImageNet-Sketch", "objectnet": "ObjectNet", "imagenet-a": "ImageNet-A",
    "vtab/cifar10": "CIFAR-10", "vtab/cifar100": "CIFAR-100", "mnist": "MNIST", "vtab/flowers": "Flowers102",
    "cars": "Stanford Cars", "vtab/svhn": "SVHN", "fer2013": "FER2013", "renderedsst2": "RenderedSST2",
    "vtab/pets": "Pets", "vtab/caltech101": "Caltech-101", "voc2007": "VOC2007-Cl", "sun397": "SUN397",
    "fgvc_aircraft": "FGVC Aircraft", "country211": "Country211", "vtab/dtd": "DTD", "gtsrb": "GTSRB",
    "stl10": "STL10", "vtab/diabetic_retinopathy": "Retinopathy", "vtab/eurosat": "EuroSAT",
    "vtab/resisc45": "RESISC45", "vtab/pcam": "PCAM", "vtab/clevr_count_all": "CLEVR Counts",
    "vtab/clevr_closest_object_distance": "CLEVR Dist", "vtab/dsprites_label_orientation": "dSprites Orient",
    "vtab/dsprites_label_x_position": "dSprites pos", "vtab/smallnorb_label_elevation": "SmallNORB Elev",
    "vtab/smallnorb_label_azimuth": "SmallNORB Azim", "vtab/dmlab": "DMLab",
    "vtab/kitti_closest_vehicle_distance": "KITTI Dist",
}
#: averaged tasks: the mean of their members' chance levels
_AVERAGES = {
    "imagenet_robustness": ("imagenetv2", "imagenet_sketch", "imagenet-a", "imagenet-r", "objectnet"),
}


@lru_cache(maxsize=None)
def _chance_table() -> dict[str, float]:
    table = load_reported("table26")
    return {str(name): 1.0 / float(classes) for name, classes in zip(table["Dataset"], table["Classes"])}


def error_ceiling(downstream_dataset: str) -> float:
    """Error at chance, 1 - 1/classes (Table 26), the ceiling of the bounded form.

    Averages (robustness: its 5 sets; ``vtab+``: all 35 sets; ``vtab``: the VTAB sets) take the
    mean of their members' chance. Retrieval (R@5) and multi-label mAP have no class count in
    Table 26: their ceiling is 1.

    Parameters
    ----------
    downstream_dataset : str
        A downstream dataset of the results (or an average of them).
    """
    chance = _chance_table()
    if downstream_dataset in TABLE26_NAMES:
        return 1.0 - chance[TABLE26_NAMES[downstream_dataset]]
    if downstream_dataset in _AVERAGES:
        members = [chance[TABLE26_NAMES[m]] for m in _AVERAGES[downstream_dataset]]
        return 1.0 - float(np.mean(members))
    if downstream_dataset == "vtab+":
        return 1.0 - float(np.mean(list(chance.values())))
    if downstream_dataset == "vtab":
        members = [chance[v] for k, v in TABLE26_NAMES.items() if k.startswith("vtab/")]
        return 1.0 - float(np.mean(members))
    return 1.0
