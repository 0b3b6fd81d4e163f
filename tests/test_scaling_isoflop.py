"""isoFLOP profiles and the compute-optimal allocation (Hoffmann et al. 2022, approach 2) on synthetic runs
drawn from Chinchilla's law as Besiroglu et al. (2024) re-estimate it."""

import numpy as np
import pandas as pd
import pytest

from repro.errors import FitError
from repro.scaling.isoflop import ABOVE, INTERIOR, compare_allocation, fit_isoflop, isoflop_profiles
from repro.scaling.parametric import BESIROGLU_CHINCHILLA, chinchilla_runs, fit_parametric

P = BESIROGLU_CHINCHILLA
A_TRUE = P["beta"] / (P["alpha"] + P["beta"])  # 0.5126
G_TRUE = (P["alpha"] * P["A"] / (P["beta"] * P["B"])) ** (1 / (P["alpha"] + P["beta"]))
SMALL_GRID = {"a": (0.0, 10.0, 20.0), "b": (0.0, 10.0, 20.0), "e": (-1.0, 0.0, 1.0), "alpha": (0.0, 1.0),
              "beta": (0.0, 1.0)}


def isoflop_runs(k=1.0, budgets=np.logspace(18, 22, 5), factors=np.logspace(-1, 1, 7), noise=0.0, seed=0,
                 shift=None):
    """Runs of the project's MAC convention: gmacs (N) x samples_seen (D) = gmacs_total / k.

    Sizes are spread symmetrically (in log) around the true N_opt of each budget; ``shift`` maps a
    budget index to a factor that moves all its sizes."""
    rows = []
    for i, c in enumerate(budgets):
        centre = G_TRUE * (c / k) ** A_TRUE * (shift or {}).get(i, 1.0)
        rows += [{"gmacs": centre * f, "samples_seen": c / (k * centre * f), "gmacs_total": c} for f in factors]
    runs = pd.DataFrame(rows)
    runs["loss"] = chinchilla_runs(runs["gmacs"], runs["samples_seen"], noise=noise, seed=seed)
    return runs


def test_noiseless_profiles_recover_the_exponent_and_d_opt():
    # C = 6 N D, as Hoffmann et al. count FLOPs: D_opt must come out as C / (6 N_opt)
    runs = isoflop_runs(k=6.0).rename(columns={"gmacs": "params", "samples_seen": "tokens", "gmacs_total": "flops"})
    fit = fit_isoflop(runs, "loss", size="params", samples="tokens", compute="flops", n_resamples=0)
    assert all(p.status == INTERIOR for p in fit.profiles)
    # sizes symmetric in log around the optimum and alpha ~ beta: the parabola's vertex is unbiased to 1e-3 dex
    np.testing.assert_allclose([np.log10(p.n_opt) for p in fit.profiles],
                               [np.log10(G_TRUE * (p.compute / 6) ** A_TRUE) for p in fit.profiles], atol=1e-2)
    assert fit.a == pytest.approx(A_TRUE, abs=1e-6)
    assert fit.a + fit.b == pytest.approx(1.0, abs=1e-9)
    np.testing.assert_allclose([p.d_opt for p in fit.profiles], [p.compute / (6 * p.n_opt) for p in fit.profiles],
                               rtol=1e-9)
    assert fit.predict_n_opt(1e20) * fit.predict_d_opt(1e20) * 6 == pytest.approx(1e20, rel=1e-6)


def test_noisy_profiles_interval_covers_the_truth_and_is_seeded():
    # noise 0.005 on the loss, 7 sizes a budget: 3.5 % of the resamples lose a minimum (at noise
    # 0.01, 12 %: then the interval is unbounded, as the next test shows)
    runs = isoflop_runs(noise=0.005, seed=3)
    fit = fit_isoflop(runs, "loss", n_resamples=400, seed=1)
    again = fit_isoflop(runs, "loss", n_resamples=400, seed=1)
    np.testing.assert_array_equal(fit.bootstrap, again.bootstrap)
    assert fit.a == pytest.approx(A_TRUE, abs=0.03)
    lo, hi = fit.interval("a")
    assert lo < A_TRUE < hi and 0.005 < hi - lo < 0.2
    summary = fit.summary().set_index("quantity")
    # MAC convention, N = GMACs per sample: C = N D exactly, so a + b = 1 in every resample
    assert summary.loc["a+b", "estimate"] == pytest.approx(1.0, abs=1e-9)
    assert summary.loc["a+b", "hi"] - summary.loc["a+b", "lo"] < 1e-9
    assert summary.loc["a", "n_resamples"] == 400 and 0 < summary.loc["a", "n_failed"] < 20
    assert summary.loc["a", "failed_fraction"] == summary.loc["a", "n_failed"] / 400
    frame = fit.profiles_frame()
    assert (frame["n_opt_lo"] < frame["n_opt"]).all() and (frame["n_opt"] < frame["n_opt_hi"]).all()


def test_a_plus_b_reports_compute_not_proportional_to_size():
    # size = parameters, but compute per sample grows as parameters^0.8: D_opt = C / N_opt^0.8, so b = 1 - 0.8 a
    runs = isoflop_runs(noise=0.0)
    runs["samples_seen"] = runs["gmacs_total"] / runs["gmacs"] ** 0.8
    fit = fit_isoflop(runs, "loss", n_resamples=0)
    assert fit.b == pytest.approx(1 - 0.8 * fit.a, abs=1e-9)
    assert fit.summary().set_index("quantity").loc["a+b", "estimate"] == pytest.approx(1 + 0.2 * fit.a, abs=1e-9)


def test_non_interior_minimum_is_flagged_refused_or_dropped():
    # budget 1: every size 30x above the optimum, so the parabola's minimum lies below the smallest size tried
    runs = isoflop_runs(noise=0.0, factors=np.logspace(-0.5, 0.5, 5), shift={1: 30.0, 3: 1 / 30})
    profiles = isoflop_profiles(runs, "loss")
    assert [p.interior for p in profiles] == [True, False, True, False, True]
    assert profiles[1].status != INTERIOR and profiles[3].status == ABOVE
    assert np.isnan(profiles[1].n_opt) and np.isfinite(profiles[1].log10_vertex)
    assert profiles[1].log10_vertex < np.log10(profiles[1].sizes.min())
    with pytest.raises(FitError, match="no interior minimum at C = 1e"):
        fit_isoflop(runs, "loss", n_resamples=0)
    fit = fit_isoflop(runs, "loss", on_edge="drop", n_resamples=50)
    assert fit.used == (True, False, True, False, True)
    assert fit.summary()["n_budgets"].iloc[0] == 3
    frame = fit.profiles_frame()
    assert frame.loc[~frame["used"], "n_opt"].isna().all()


def test_budgets_grouped_by_compute_and_bad_inputs_refused():
    runs = isoflop_runs(noise=0.0)
    # samples rounded to whole batches: compute within 1% of the budget still forms one budget
    jitter = 1 + 0.008 * np.sin(np.arange(len(runs)))
    runs = runs.assign(samples_seen=runs["samples_seen"] * jitter, gmacs_total=runs["gmacs_total"] * jitter)
    assert [len(p.sizes) for p in isoflop_profiles(runs, "loss")] == [7] * 5
    with pytest.raises(FitError, match="no column.*'err'"):
        isoflop_profiles(runs, "err")
    with pytest.raises(FitError, match="'gmacs' must be finite and > 0; row\\(s\\) 3"):
        isoflop_profiles(runs.assign(gmacs=np.where(np.arange(len(runs)) == 2, 0.0, runs["gmacs"])), "loss")
    with pytest.raises(FitError, match="1 budget\\(s\\) with an interior minimum"):
        fit_isoflop(runs[runs["gmacs_total"] < 2e18], "loss", n_resamples=0)
    exact = isoflop_runs(noise=0.0)
    few = exact.groupby("gmacs_total").head(2)  # 2 sizes per budget: no parabola
    assert {p.status for p in isoflop_profiles(few, "loss")} == {"too few sizes"}
    with pytest.raises(FitError, match="too few sizes"):
        fit_isoflop(few, "loss", n_resamples=0)


def test_both_estimates_of_the_allocation_agree_on_the_same_runs():
    runs = isoflop_runs(noise=0.01, seed=5)
    iso = fit_isoflop(runs, "loss", n_resamples=300, seed=0)
    par = fit_parametric(runs["gmacs"], runs["samples_seen"], runs["loss"], grid=SMALL_GRID, n_polish=6,
                         n_resamples=40, bootstrap_polish=0, seed=0)
    table = compare_allocation(iso, par).set_index("method")
    assert len(table) == 5
    ours = table.iloc[:2]
    assert ((ours["a"] - A_TRUE).abs() < 0.03).all()
    assert (ours["a_lo"] < A_TRUE).all() and (A_TRUE < ours["a_hi"]).all()
    assert bool(table.iloc[1]["overlap"])
    np.testing.assert_allclose(ours["a"] + ours["b"], 1.0, atol=1e-9)
    # Chinchilla's references for contrast, about 0.5 each, without intervals
    assert table.iloc[2:]["a"].between(0.45, 0.52).all() and table.iloc[2:]["a_lo"].isna().all()


def test_failed_resamples_stay_in_the_interval_never_conditional_on_success():
    # at noise 0.01 with 7 sizes, 12 % of the resamples lose some budget's minimum: more than the
    # 5 % tail on each side, so the 90 % interval of a is unbounded (the failed resamples are kept
    # at the infinite end they point to, or either end where a parabola opens downwards)
    fit = fit_isoflop(isoflop_runs(noise=0.01, seed=3), "loss", n_resamples=400, seed=1)
    assert fit.failed_fraction == pytest.approx(0.12)
    lo, hi = fit.interval("a")
    assert np.isinf(lo) and np.isinf(hi)
    # the successes alone would give a bounded interval: that is what "conditional" would hide
    ok = np.isfinite(fit.bootstrap[:, 0])
    assert np.ptp(np.quantile(fit.bootstrap[ok, 0], [0.05, 0.95])) < 0.5


def test_a_budget_whose_best_run_is_the_largest_size_pulls_a_upwards():
    # the largest budget's sizes all sit below its optimum (shift 1/6): its minimum is at or near
    # the largest size tried, so failed resamples put N_opt above the sizes: a -> +inf, b -> -inf
    runs = isoflop_runs(noise=0.003, seed=2, shift={4: 1 / 6})
    fit = fit_isoflop(runs, "loss", n_resamples=300, seed=0, on_edge="drop")
    failed = ~np.isfinite(fit.bootstrap[:, 0])
    assert failed.any()
    assert (fit.bootstrap[failed, 0] == np.inf).sum() > (fit.bootstrap[failed, 0] == -np.inf).sum()
    assert np.all(fit.bootstrap[failed & (fit.bootstrap[:, 0] == np.inf), 2] == -np.inf)


def test_a_minimum_whose_best_run_sits_at_an_end_is_called_edge():
    # vertex inside the sizes tried, but the best run is the smallest size: "edge", not "interior"
    runs = isoflop_runs(noise=0.0, shift={0: 8.0}, budgets=np.logspace(18, 20, 3))
    (profile, *_) = isoflop_profiles(runs, "loss")
    assert profile.best_at_edge == "smallest"
    assert profile.interior and profile.minimum_label == "edge (best run at the smallest size tried)"
    centred = isoflop_profiles(isoflop_runs(noise=0.0, budgets=np.logspace(18, 20, 3)), "loss")
    assert all(p.minimum_label == INTERIOR and p.best_at_edge == "" for p in centred)
