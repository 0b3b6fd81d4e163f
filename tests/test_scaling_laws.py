"""Law forms: recovery of known parameters, batch == single fits, failures reported, frontiers."""

import numpy as np
import pytest

from repro.errors import FitError
from repro.scaling.frontiers import FrontierSpec, frontier_points_batch, pareto_mask, select_frontier
from repro.scaling.laws import FORMS, error_ceiling, get_form
from repro.scaling.recovery import TRUE_THETA, recovery_study

X = np.linspace(10.2, 12.8, 29)


@pytest.mark.parametrize("form", FORMS)
def test_noise_free_fit_recovers_parameters(form):
    law = get_form(form)
    theta = np.array(TRUE_THETA[form])
    y = law.model(theta, X, X.mean())
    fit = law.fit(X, y, loss="linear")
    assert fit.converged
    np.testing.assert_allclose(fit.predict_log10(X), y, atol=2e-4)
    if form in ("power", "bounded", "broken"):
        assert abs(fit.alpha - theta[1]) < 1e-3


def test_too_few_points_and_nonconvergence_are_reported():
    with pytest.raises(FitError, match="needs at least"):
        get_form("shifted").fit(X[:3], -0.1 * X[:3])
    law = get_form("saturating")
    y = law.model(np.array(TRUE_THETA["saturating"]), X, X.mean())
    with pytest.raises(FitError, match="did not converge"):
        # one evaluation allowed: least_squares stops with status 0, which must not pass as a fit
        law.fit(X, y + 0.01 * np.sin(X * 7), n_starts=1, max_nfev=1)


def test_error_ceiling_uses_table26():
    assert error_ceiling("imagenet1k") == pytest.approx(0.999)
    assert error_ceiling("vtab/cifar10") == pytest.approx(0.9)
    assert error_ceiling("mscoco_captions") == 1.0


def test_pareto_and_batch_frontiers_agree_with_single():
    rng = np.random.default_rng(1)
    x = np.round(rng.uniform(10, 12.5, 25), 1)
    y = -0.1 * x + rng.normal(0, 0.03, 25)
    on = pareto_mask(x, y)
    for i in np.flatnonzero(on):
        assert not np.any(y[x < x[i]] <= y[i])
    counts = np.ones((1, len(x)), int)
    for spec in (FrontierSpec(), FrontierSpec(x_at="actual"), FrontierSpec("geometric"), FrontierSpec("pareto"),
                 FrontierSpec("hull")):
        single = select_frontier(x, y, spec)
        bx, by, bv = frontier_points_batch(x, y, counts, spec)
        np.testing.assert_allclose(np.sort(bx[0, bv[0]]), np.sort(single.x))
        np.testing.assert_allclose(np.sort(by[0, bv[0]]), np.sort(single.y))


def test_recovery_power_law_subset():
    res = recovery_study(X, form="power", noise_sd=0.015, n_replications=60, seed=2)
    assert res.bias_over_se < 0.5
    assert 0.85 <= res.coverage <= 1.0
