"""The parametric law L(N, D) = E + A / N^alpha + B / D^beta fitted as Besiroglu et al. (2024) show it must be,
on synthetic runs from Chinchilla's law as they re-estimate it (E=1.82, A=482.01, B=2085.43, alpha=0.3478,
beta=0.3658)."""

import numpy as np
import pytest
from scipy.optimize import approx_fprime

from repro.errors import FitError
from repro.scaling.parametric import (BESIROGLU_CHINCHILLA, CHINCHILLA_GRID, chinchilla_runs, fit_parametric,
                                      objective, start_grid)

P = BESIROGLU_CHINCHILLA
A_TRUE = P["beta"] / (P["alpha"] + P["beta"])
G_TRUE = (P["alpha"] * P["A"] / (P["beta"] * P["B"])) ** (1 / (P["alpha"] + P["beta"]))
#: 108 starts instead of Hoffmann et al.'s 4,500, to keep the tests fast
SMALL_GRID = {"a": (0.0, 10.0, 20.0), "b": (0.0, 10.0, 20.0), "e": (-1.0, 0.0, 1.0), "alpha": (0.0, 1.0),
              "beta": (0.0, 1.0)}


def design(k=6.0):
    """Chinchilla-like runs: 5 budgets from 1e18 to 1e22 FLOPs (C = 6 N D), 7 sizes from N_opt/10 to 10 N_opt."""
    n, d = [], []
    for c in np.logspace(18, 22, 5):
        centre = G_TRUE * (c / k) ** A_TRUE
        n += list(centre * np.logspace(-1, 1, 7))
        d += list(c / (k * centre * np.logspace(-1, 1, 7)))
    return np.array(n), np.array(d)


def test_start_grid_and_gradient():
    assert start_grid().shape == (4500, 5)  # Hoffmann et al.'s grid (Appendix D.2)
    assert start_grid(SMALL_GRID).shape == (108, 5)
    with pytest.raises(FitError, match="no values for beta"):
        start_grid({k: v for k, v in CHINCHILLA_GRID.items() if k != "beta"})
    n, d = design()
    loss = chinchilla_runs(n, d, noise=0.02, seed=0)
    args = (np.log(n), np.log(d), np.log(loss), np.arange(len(n)) % 3 + 1.0)
    for theta in (np.array([6.0, 7.5, 0.6, 0.34, 0.37]), np.array([2.0, 12.0, -0.5, 0.9, 0.2])):
        numeric = approx_fprime(theta, lambda t: objective(t, *args)[0], 1e-8)
        np.testing.assert_allclose(objective(theta, *args)[1], numeric, rtol=1e-4, atol=1e-7)


def test_noiseless_runs_give_back_the_law():
    n, d = design()
    fit = fit_parametric(n, d, chinchilla_runs(n, d), grid=SMALL_GRID, n_polish=6, n_resamples=0)
    assert fit.converged and fit.n_starts == 6
    for name in ("E", "A", "B", "alpha", "beta"):
        assert getattr(fit, name) == pytest.approx(P[name], rel=1e-3), name
    assert fit.a == pytest.approx(A_TRUE, rel=1e-3) and fit.a + fit.b == pytest.approx(1.0)
    # the compute-optimal allocation under C = 6 N D: N_opt D_opt = C / 6 and N_opt ~ C^a
    n_opt, d_opt = fit.optimal_allocation(np.array([1e20, 1e21]), k=6.0)
    np.testing.assert_allclose(6 * n_opt * d_opt, [1e20, 1e21], rtol=1e-9)
    assert n_opt[1] / n_opt[0] == pytest.approx(10 ** fit.a)
    assert n_opt[0] == pytest.approx(G_TRUE * (1e20 / 6) ** A_TRUE, rel=1e-2)
    # at N_opt the loss is lower than at half or twice the size for the same compute
    c = 1e20
    losses = [fit.predict(m * n_opt[0], c / (6 * m * n_opt[0])) for m in (0.5, 1.0, 2.0)]
    assert losses[1] < losses[0] and losses[1] < losses[2]


def test_noisy_runs_recovered_with_intervals_that_cover_the_truth():
    n, d = design()
    loss = chinchilla_runs(n, d, noise=0.01, seed=1)
    fit = fit_parametric(n, d, loss, grid=SMALL_GRID, n_polish=6, n_resamples=60, bootstrap_polish=2, seed=0)
    again = fit_parametric(n, d, loss, grid=SMALL_GRID, n_polish=6, n_resamples=10, bootstrap_polish=2, seed=0)
    np.testing.assert_array_equal(fit.bootstrap[:10], again.bootstrap)  # seeded: the same draws, the same refits
    # pre-screening the grid finds the same optimum as running L-BFGS-B from every start
    full = fit_parametric(n, d, loss, grid=SMALL_GRID, n_resamples=0)
    np.testing.assert_allclose(fit.theta, full.theta, rtol=1e-5)
    assert fit.alpha == pytest.approx(P["alpha"], abs=0.03)
    assert fit.beta == pytest.approx(P["beta"], abs=0.03)
    assert fit.E == pytest.approx(P["E"], abs=0.05)
    assert fit.a == pytest.approx(A_TRUE, abs=0.02)
    summary = fit.summary().set_index("quantity")
    truth = {**P, "a": A_TRUE, "b": 1 - A_TRUE}
    for name, value in truth.items():
        assert summary.loc[name, "lo"] < value < summary.loc[name, "hi"], name
    assert summary["n_resamples"].iloc[0] == 60 and fit.n_failed == 0


def test_bootstrap_intervals_are_not_implausibly_narrow():
    # the bootstrap spread of alpha against the spread of alpha over independent noise draws of the same design
    n, d = design()
    replicates = [fit_parametric(n, d, chinchilla_runs(n, d, noise=0.01, seed=10 + s), grid=SMALL_GRID,
                                 n_polish=3, n_resamples=0) for s in range(12)]
    spread = np.std([f.alpha for f in replicates], ddof=1)
    fit = fit_parametric(n, d, chinchilla_runs(n, d, noise=0.01, seed=10), grid=SMALL_GRID, n_polish=3,
                         n_resamples=60, bootstrap_polish=0, seed=2)
    ratio = fit.samples()["alpha"].std(ddof=1) / spread
    assert 0.4 < ratio < 2.5, ratio


def test_bad_runs_refused_with_what_is_wrong():
    n, d = design()
    loss = chinchilla_runs(n, d)
    with pytest.raises(FitError, match="5 runs, need at least 6"):
        fit_parametric(n[:5], d[:5], loss[:5], grid=SMALL_GRID, n_resamples=0)
    with pytest.raises(FitError, match="loss L must be finite and > 0; run\\(s\\) 4 have -0.1"):
        fit_parametric(n, d, np.where(np.arange(len(n)) == 4, -0.1, loss), grid=SMALL_GRID, n_resamples=0)
    with pytest.raises(FitError, match="samples seen D must be finite"):
        fit_parametric(n, np.where(np.arange(len(n)) == 0, np.nan, d), loss, grid=SMALL_GRID, n_resamples=0)
    with pytest.raises(FitError, match="different lengths"):
        fit_parametric(n, d[:-1], loss, grid=SMALL_GRID, n_resamples=0)
