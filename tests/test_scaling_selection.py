"""Honest selection (repro.scaling.selection): no target's components choose, one common set of
datasets, stability by resampling, interval methods scored on datasets they were not chosen on."""

import numpy as np
import pandas as pd
import pytest

from repro.errors import FitError
from repro.scaling import selection
from repro.scaling.uncertainty import interval_scores


def test_the_plan_keeps_every_component_of_a_test_target_out_of_selection():
    datasets = ["imagenet1k", "mscoco_captions", "imagenet_robustness", "vtab+", "flickr30k", *selection.VTAB_PLUS_TASKS[1:],
                "vtab", "flickr8k"]
    plan = selection.selection_plan(datasets)
    # VTAB+'s 35 sets are nearly every classification set: it cannot be a test of a selection made on them
    assert plan.dropped_targets == ("vtab+",)
    assert plan.test == ("imagenet1k", "mscoco_captions", "imagenet_robustness", "flickr30k")
    for component in (*selection.ROBUSTNESS_COMPONENTS, "vtab"):
        assert component not in plan.selection and component in plan.excluded
    assert "flickr8k" in plan.selection and "cars" in plan.selection
    # with few VTAB+ components about, VTAB+ stays a test target and its components leave selection
    small = selection.selection_plan(["vtab+", "imagenet1k", "cars", "flickr8k", "coco2"])
    assert "vtab+" in small.test and "cars" not in small.selection and small.selection == ("flickr8k", "coco2")
    with pytest.raises(FitError, match="no dataset besides"):
        selection.selection_plan(["imagenet1k"])


def _summary(errors: dict[tuple[str, str], dict[str, float]]) -> pd.DataFrame:
    return pd.DataFrame([{"group": "LAION", "k": 5, "form": f, "frontier": fr, "downstream_dataset": d,
                          "mean_abs_error_pp": e} for (f, fr), per in errors.items() for d, e in per.items()])


def test_selection_ranks_on_the_common_datasets_and_reports_its_stability():
    paper = ("power", "binned5-centre")
    other = ("bounded", "hull")
    errors = {paper: {"a": 1.0, "b": 1.0, "c": 1.0, "d": 1.0},
              other: {"a": 0.5, "b": 0.6, "c": 2.0, "z": 0.0}}      # not scored on d; z only for it
    study = selection.selection_study(_summary(errors), ["a", "b", "c", "d", "z"], n_draws=500)
    assert study.n_common == 3 and study.n_selection == 5
    assert study.winner == other and study.ranking.loc[0, "heldout_median_pp"] == 0.6
    assert list(study.ranking["n_scored"]) == [4, 4]
    assert study.wins_over_paper == 2 and study.median_diff_over_paper_pp == pytest.approx(-0.4)
    assert 0.5 < study.winner_share < 1 and study.ranking["first_share"].sum() == pytest.approx(1)
    with pytest.raises(FitError, match="every candidate"):
        selection.selection_study(_summary(errors), ["d", "z"])


def _study(seed=0, n_datasets=8, per=4):
    rng = np.random.default_rng(seed)
    rows = []
    for d in range(n_datasets):
        for j in range(per):
            observed = 0.3 + 0.01 * rng.standard_normal()
            rows.append({"downstream_dataset": f"d{d}", "k": 1 + j % 2, "log10_compute": 10 + j // 2,
                         "observed": observed, "predicted": 0.3,
                         "wide_lo": 0.2, "wide_hi": 0.4, "narrow_lo": 0.299, "narrow_hi": 0.301})
    return pd.DataFrame(rows)


def test_cluster_bootstrap_matches_the_plain_scores_and_brackets_them():
    study = _study()
    scores = selection.cluster_bootstrap_scores(study, methods=["wide", "narrow"], n_draws=200).set_index("method")
    plain = interval_scores(study, methods=["wide", "narrow"]).set_index("method")
    for method in ("wide", "narrow"):
        assert scores.loc[method, "coverage"] == pytest.approx(plain.loc[method, "coverage"])
        assert scores.loc[method, "sharpness"] == pytest.approx(plain.loc[method, "sharpness"])
        assert scores.loc[method, "coverage_lo"] <= scores.loc[method, "coverage"] <= scores.loc[method, "coverage_hi"]
    assert scores.loc["wide", "coverage"] == 1.0 and scores.loc["narrow", "coverage"] < 0.5


def test_nested_choice_scores_the_chosen_method_on_the_other_half():
    study = _study()
    nested = selection.nested_method_choice(study, methods=["wide", "narrow"], n_splits=10)
    assert len(nested) == 10 and set(nested["method"]) == {"wide"}     # only "wide" reaches 0.85
    assert (nested["coverage"] == 1.0).all()
    with pytest.raises(FitError, match="at least 4"):
        selection.nested_method_choice(_study(n_datasets=3), methods=["wide"])


def test_independent_points_count_each_run_once():
    study = _study()
    assert selection.independent_points(study) == (32, 32, 8)
    doubled = pd.concat([study, study.assign(k=5)], ignore_index=True)
    assert selection.independent_points(doubled) == (64, 32, 8)


def test_sharpness_floor_holds_only_for_one_error_scale():
    assert selection.sharpness_floor() == pytest.approx(4.877, abs=1e-3)
    assert selection.sharpness_floor((0.6, 0.4), (1.0, 10.0), scaled=True) == pytest.approx(2.74, abs=0.01)
    # one width for every point of the mixture is far worse than either
    assert selection.sharpness_floor((0.6, 0.4), (1.0, 10.0)) > 10
    with pytest.raises(FitError):
        selection.sharpness_floor((1.0,), (0.0,))


def test_the_chapters_estimator_is_recovered_with_its_bias_and_coverage(paper_rows):
    from repro.scaling import backtest as bt, recovery

    x, _ = bt.run_arrays(paper_rows, "imagenet1k", bt.GROUPS["LAION"])
    table = recovery.estimator_recovery_table(x, forms=("power", "shifted"), noise_levels=(0.008,),
                                              n_replications=40, n_resamples=60)
    assert len(table) == 4 and set(table["frontier"]) == {"binned5-centre", "binned5-actual"}
    power = table[(table["form"] == "power") & (table["frontier"] == "binned5-centre")].iloc[0]
    # bin minima of noisy runs sit low at every compute: a flatter line, alpha biased up by ~1 SD
    assert 0 < power["bias"] < 2 * power["sd"] and power["coverage"] >= 0.9
    shifted = table[(table["form"] == "shifted") & (table["frontier"] == "binned5-centre")].iloc[0]
    assert shifted["relative_bias"] < -0.3      # the shifted form's alpha is far steeper than the truth
    assert table["n_failed"].sum() == 0
