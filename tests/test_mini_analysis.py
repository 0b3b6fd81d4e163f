"""Fits and phenomena of the mini study (repro.mini.analysis), on a hand-made results table whose
answers are known."""

import numpy as np
import pandas as pd
import pytest

from repro.constants import N_BINS
from repro.data.schema import RESULTS_COLUMNS, validate_results
from repro.errors import DataNotFoundError
from repro.mini import analysis
from repro.mini.study import samples_pretty

GMACS = {"mini-ViT-XS": 1e-4, "mini-ViT-S": 1e-3, "mini-ViT-M": 1e-2}


def _table(error) -> pd.DataFrame:
    rows = []
    for arch, gmacs in GMACS.items():
        for n_pairs in (500, 2000, 8000):
            for samples in (1024, 4096, 16384):
                for task in ("mini_shape", "mini_retrieval"):
                    row = dict.fromkeys(RESULTS_COLUMNS)
                    score = 1 - error(gmacs * samples, n_pairs, samples)
                    row.update(arch=arch, samples_seen=samples, gmacs=gmacs, gmacs_total=gmacs * samples,
                               upstream_dataset=f"mini-{n_pairs}" if n_pairs < 1000 else f"mini-{n_pairs // 1000}k",
                               downstream_dataset=task, samples_seen_pretty=samples_pretty(samples),
                               name=f"{arch}_{n_pairs}_{samples}")
                    if task == "mini_retrieval":
                        row.update(task="zeroshot_retrieval", **{"image_retrieval_recall@5": score})
                    else:
                        row.update(task="zeroshot_classification", acc1=score)
                    rows.append(row)
    return validate_results(pd.DataFrame(rows), source="test table")


def _power_law_with_bottleneck(compute, n_pairs, samples):
    # E = 2 C^-0.1, but a set cannot usefully be repeated more than 4 times
    effective = compute * min(1.0, 4 * n_pairs / samples)
    return 2 * effective ** -0.1 / 10


def test_power_law_is_recovered_with_r2_one():
    rows = _table(lambda c, n, s: 0.5 * c ** -0.1 / 2)
    fit = analysis.fit(rows)
    # bin centres stand in for the runs' compute, so the slope is recovered to ~1e-3, not exactly
    assert fit.alpha == pytest.approx(-0.1, abs=2e-3)
    assert analysis.r_squared(fit) > 0.95  # < 1 only through the same bin-centre approximation
    assert analysis.compute_decades(rows) == pytest.approx(np.log10(1e-2 * 16384 / (1e-4 * 1024)))


def test_bottleneck_and_winners():
    rows = _table(_power_law_with_bottleneck)
    neck = analysis.bottleneck(rows)
    assert neck.arch == "mini-ViT-M" and (neck.small_dataset, neck.large_dataset) == ("mini-500", "mini-8k")
    assert neck.gain_small == pytest.approx(0.0, abs=1e-12)   # 500 pairs x 4 < 4096: no gain from more samples
    assert neck.gain_large > 0 and neck.ratio == pytest.approx(0.0, abs=1e-9)
    win = analysis.winners(rows)
    assert win.larger_model_wins and win.more_data_wins
    assert list(win.error_by_dataset) == ["mini-500", "mini-2k", "mini-8k"]


def test_missing_profile_names_the_file_and_the_command(tmp_path):
    with pytest.raises(DataNotFoundError, match="repro mini --profile nope"):
        analysis.load_results("nope", root=tmp_path)


def test_panel_fits_and_pair_counts():
    rows = _table(lambda c, n, s: 0.5 * c ** -0.1 / 2)
    fits = analysis.panel_fits(rows, ["mini_retrieval", "mini_shape"], n_bins=N_BINS)
    assert list(fits) == ["mini_retrieval", "mini_shape"] and all(list(f) == ["openclip"] for f in fits.values())
    assert fits["mini_retrieval"]["openclip"].alpha == analysis.fit(rows, "mini_retrieval").alpha
    assert fits["mini_shape"]["openclip"].alpha == pytest.approx(-0.1, abs=2e-3)
    assert [analysis.n_pairs(n) for n in ("mini-500", "mini-2k", "mini-16k")] == [500, 2000, 16000]
    assert analysis.upstreams(rows) == ("mini-500", "mini-2k", "mini-8k")


def _curves(runs: dict[str, list[float]], every: int = 1000) -> pd.DataFrame:
    rows = []
    for name, losses in runs.items():
        for i, loss in enumerate(losses):
            rows.append({"samples": (i + 1) * every, "contrastive_loss": loss, "name": name, "arch": name.split("_")[0],
                         "upstream_dataset": "mini-2k", "samples_seen": len(losses) * every})
    return pd.DataFrame(rows)


def test_learning_onset_is_the_first_logged_loss_clear_of_chance():
    chance = float(np.log(64))
    curves = _curves({"mini-ViT-M_a": [chance + 0.6, chance, chance - 0.02, chance - 0.2, chance - 0.9],
                      "mini-ViT-M_b": [chance + 0.6, chance - 0.01, chance + 0.01, chance - 0.03],
                      "mini-ViT-XS_c": [chance, chance - 0.3, chance - 0.5]})
    onsets = analysis.learning_onset(curves, 64).set_index("name")
    assert onsets.loc["mini-ViT-M_a", "onset_samples"] == 4000  # -0.02 is within the plateau's wander
    assert np.isnan(onsets.loc["mini-ViT-M_b", "onset_samples"])
    assert onsets.loc["mini-ViT-XS_c", "onset_samples"] == 2000
    assert onsets.loc["mini-ViT-M_a", "final_loss"] == pytest.approx(chance - 0.9)
    # a smaller batch has a lower plateau: the same curve has not reached it
    assert np.isnan(analysis.learning_onset(curves, 16).set_index("name").loc["mini-ViT-XS_c", "onset_samples"])
    summary = analysis.onset_summary(analysis.learning_onset(curves, 64)).set_index("model")
    assert list(summary.index) == ["mini-ViT-XS", "mini-ViT-M"]
    assert summary.loc["mini-ViT-M", "left the plateau"] == 1 and summary.loc["mini-ViT-M", "runs"] == 2
    assert summary.loc["mini-ViT-M", "longest run at chance (samples)"] == 4000
    assert np.isnan(summary.loc["mini-ViT-XS", "longest run at chance (samples)"])


def test_learning_onset_refuses_bad_input():
    with pytest.raises(ValueError, match="contrastive_loss"):
        analysis.learning_onset(pd.DataFrame({"name": ["a"], "arch": ["x"], "samples_seen": [1], "samples": [1]}), 64)
    with pytest.raises(ValueError, match="batch_size"):
        analysis.learning_onset(_curves({"mini-ViT-M_a": [4.0]}), 1)


def test_plateau_agreement_puts_the_two_measurements_of_a_stuck_run_side_by_side():
    chance = float(np.log(64))
    curves = _curves({"a": [chance, chance - 0.3], "b": [chance, chance - 0.01], "c": [chance, chance - 0.02]})
    onsets = analysis.learning_onset(curves, 64)
    runs = pd.DataFrame({"name": ["a", "b", "c"], "arch": ["x", "x", "y"], "samples_seen": [10, 20, 30],
                         "contrastive_loss": [4.0, np.log(256) - 0.005, np.log(256) - 0.02]})
    at = analysis.at_chance(runs, tolerance=0.01)
    table = analysis.plateau_agreement(onsets, runs, train_batch=64, at_chance=at).set_index("name")
    assert list(table["never_left"]) == [False, True, True]
    assert list(table["at_chance"]) == [False, True, False]
    assert list(table["agree"]) == [True, True, False]     # c: stuck in training, just off chance held-out
    assert table.loc["c", "train_below"] == pytest.approx(0.02)
    assert table.loc["c", "heldout_below"] == pytest.approx(0.02)
    with pytest.raises(ValueError, match="no training curve.*'d'"):
        analysis.plateau_agreement(onsets, runs.assign(name=["a", "b", "d"]), train_batch=64, at_chance=at)
    with pytest.raises(ValueError, match="runs lack column"):
        analysis.plateau_agreement(onsets, runs.drop(columns="arch"), train_batch=64, at_chance=at)
