"""Synthetic recovery tests: can a fit recover the exponent it was given? (The book's chapter
"How sure are these laws?", section "Recovery tests".)

Data are drawn from a law form at the real design (the log10 compute of the 29 LAION runs,
about 2.5 decades) with Gaussian log10 noise of a given scale (0.008-0.022, the scatter of the
real frontiers), the form is refitted with :meth:`LawForm.fit` on all runs, and over many
replications we measure the bias of alpha against its standard error and the coverage of the
95% delta-method interval of alpha.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from repro.errors import FitError
from repro.scaling.laws import get_form

#: true parameters per form, close to the ImageNet fits (x0 = centre of the design)
TRUE_THETA = {
    "power": (-0.52, -0.11),
    "saturating": (-0.60, -0.16, 0.05),
    "shifted": (-0.60, -0.16, 9.0, 0.05),
    "broken": (-0.50, -0.13, -0.06, 11.4),
    "bounded": (-0.36, -0.16),
}
NOISE_LEVELS = (0.008, 0.022)


@dataclass(frozen=True)
class RecoveryResult:
    """Summary of one (form, noise) recovery study."""

    form: str
    noise_sd: float
    n_replications: int
    n_failed: int
    true_alpha: float
    mean_alpha: float
    bias: float
    se: float                 # standard deviation of alpha over replications
    coverage: float           # share of 95% intervals that contain the true alpha

    @property
    def bias_over_se(self) -> float:
        return abs(self.bias) / self.se


def recovery_study(log10_compute: np.ndarray, *, form: str = "power", noise_sd: float = 0.015,
                   n_replications: int = 200, seed: int = 0, level: float = 0.95) -> RecoveryResult:
    """Draw ``n_replications`` synthetic data sets from ``form`` at the design, refit, summarise.

    Parameters
    ----------
    log10_compute : (N,) array
        The design: log10 compute of each synthetic run.
    form : str
        The law drawn from and refitted (a key of the true parameters, :data:`TRUE_THETA`).
    noise_sd : float
        Standard deviation of the Gaussian noise added to log10 E.
    n_replications : int
        Synthetic data sets drawn.
    seed : int
        Seed of the draws.
    level : float
        Coverage of the intervals whose coverage is checked.
    """
    x = np.asarray(log10_compute, dtype=float)
    law = get_form(form)
    theta = np.asarray(TRUE_THETA[form], dtype=float)
    truth = law.model(theta, x, float(x.mean()))
    rng = np.random.default_rng(seed)
    alphas, covered, failed = [], [], 0
    for _ in range(n_replications):
        y = truth + noise_sd * rng.standard_normal(len(x))
        try:
            fit = law.fit(x, y, loss="linear")
        except FitError:
            failed += 1
            continue
        alphas.append(fit.alpha)
        if fit.cov is not None and np.isfinite(fit.cov[1, 1]):
            half = stats.t.ppf(0.5 + level / 2, fit.dof) * np.sqrt(fit.cov[1, 1])
            covered.append(abs(fit.alpha - theta[1]) <= half)
    alphas = np.array(alphas)
    return RecoveryResult(form, noise_sd, n_replications, failed, float(theta[1]), float(alphas.mean()),
                          float(alphas.mean() - theta[1]), float(alphas.std(ddof=1)), float(np.mean(covered)))


def recovery_table(log10_compute: np.ndarray, *, forms: Sequence[str] = tuple(TRUE_THETA),
                   noise_levels: Sequence[float] = NOISE_LEVELS, n_replications: int = 200, seed: int = 0) -> pd.DataFrame:
    """:func:`recovery_study` for every form and noise level, as a table.

    Parameters
    ----------
    log10_compute : (N,) array
        The design: log10 compute of each synthetic run.
    forms : sequence of str
        The laws drawn from.
    noise_levels : sequence of float
        Noise standard deviations (log10).
    n_replications : int
        Synthetic data sets per (form, noise level).
    seed : int
        Seed of the draws.
    """
    out = []
    for form in forms:
        for sd in noise_levels:
            res = recovery_study(log10_compute, form=form, noise_sd=sd, n_replications=n_replications, seed=seed)
            out.append({**res.__dict__, "bias_over_se": res.bias_over_se})
    return pd.DataFrame(out)
