"""Warmup-stable-decay (repro.mini.wsd): one trunk per size and seed, a decay per budget, each
branch resuming the trunk's checkpoint, trained for real with open_clip_train; and the comparison
with the cosine runs (repro.scaling.mini_study.schedule_agreement)."""

import re

import numpy as np
import pandas as pd
import pytest

from repro.errors import SchemaError, SpecError
from repro.mini import models, wsd
from repro.mini.profiles import get_profile
from repro.scaling.mini_study import schedule_agreement


def test_every_budget_is_whole_epochs_of_stable_rate_then_a_fifth_of_decay():
    profile = wsd.get_wsd_profile("wsd-v2")
    base = get_profile(profile.base)
    assert profile.budgets == tuple(sorted(set(base.budgets))) and profile.seeds == base.seeds
    assert [profile.epochs(b) for b in profile.budgets] == [(4, 1), (8, 2), (16, 4), (40, 10), (128, 32)]
    for model in profile.models:
        samples = profile.epoch_samples(model)
        assert samples % base.batch_size == 0
        for budget in profile.budgets:
            spec = wsd.branch_spec(profile, model, budget, 0, "/x.arrays.json")
            assert spec.epochs_cooldown * 5 == spec.epochs and spec.lr_scheduler == "const-cooldown"
            # the branch spends the budget (whole batches: within 2 %)
            assert spec.samples_seen * models.gmacs_per_sample(model) == pytest.approx(budget, rel=0.02)
        trunk = wsd.trunk_spec(profile, model, 0, "/x.arrays.json")
        assert trunk.lr_scheduler == "const" and trunk.epochs == 128 and trunk.save_frequency_epochs == 4
        assert trunk.warmup_steps == wsd.branch_spec(profile, model, 128, 0, "/x").warmup_steps


@pytest.mark.parametrize("changes, message", [
    ({"cooldown_fraction": 0.3}, "whole epochs"),
    ({"cooldown_fraction": 1.0}, r"not in \(0, 1\)"),
    ({"base": "laptop"}, "not an isoFLOP profile on array shards"),
    ({"models": ("mini-RN-XL",)}, "not in base"),
])
def test_a_profile_that_cannot_be_cut_into_epochs_is_refused(changes, message):
    with pytest.raises(SpecError, match=message):
        wsd.WsdProfile(**{"name": "x", "base": "isoflop-v2", "models": ("mini-RN-XS",), **changes})
    with pytest.raises(SpecError, match="unknown WSD profile"):
        wsd.get_wsd_profile("wsd")


def _lrs(log_file):
    return [(int(m[1]), float(m[2])) for m in re.finditer(r"Train Epoch: (\d+) .*?LR: ([0-9.]+)", log_file.read_text())]


def test_smoke_wsd_branches_resume_the_trunk_and_decay(tmp_path):
    """The whole loop for real: trunks at a constant rate, branches that resume the trunk's
    checkpoint at their budget's last stable epoch and decay to the end; a second call skips."""
    import torch

    results, work = tmp_path / "results", tmp_path / "work"
    result = wsd.run_wsd("smoke-wsd-v2", results_root=results, work_root=work, jobs=1, progress=None)
    rows = result.rows
    assert result.branches == 4 and result.skipped == 0
    assert sorted(rows["budget_gmacs"].unique()) == [0.4, 1.2] and sorted(rows["seed"].unique()) == [0, 1]
    assert np.isfinite(rows["contrastive_loss"]).all() and (rows["schedule"] == "wsd").all()
    profile = wsd.get_wsd_profile("smoke-wsd-v2")
    run_out = work / "runs" / "smoke-wsd-v2"
    trunk = next(run_out.glob("mini-RN-XS_wsd-trunk_seed0-*"))
    branch = next(run_out.glob("mini-RN-XS_wsd1.2g_seed0-*"))
    lrs = _lrs(trunk / "out.log")
    assert {lr for _, lr in lrs} == {get_profile(profile.base).lr}      # warm-up of 1 step: constant
    stable, decay = profile.epochs(1.2)
    assert f"(epoch {stable})" in (branch / "out.log").read_text()
    branch_lrs = _lrs(branch / "out.log")
    assert branch_lrs[0][0] == stable and branch_lrs[-1][0] == stable + decay - 1
    assert [lr for _, lr in branch_lrs] == sorted((lr for _, lr in branch_lrs), reverse=True)
    assert branch_lrs[-1][1] < 0.2 * branch_lrs[0][1]      # linear to 0: the last step is at 1/(decay steps)
    start = torch.load(branch / "checkpoints" / f"epoch_{stable}.pt", weights_only=True)
    same = torch.load(trunk / "checkpoints" / f"epoch_{stable}.pt", weights_only=True)
    assert all(torch.equal(start["state_dict"][k], same["state_dict"][k]) for k in same["state_dict"])
    curves = pd.read_csv(results / "smoke-wsd-v2" / "loss_curves.csv")
    assert set(curves["kind"]) == {"trunk", "branch"} and curves["name"].nunique() == 6
    again = wsd.run_wsd("smoke-wsd-v2", results_root=results, work_root=work, jobs=1, progress=None)
    assert (again.branches, again.skipped) == (0, 4)
    pd.testing.assert_frame_equal(again.rows, rows)


def _runs(shift=0.0, noise=0.05, seeds=(0, 1, 2), decay=True):
    rng = np.random.default_rng(0)
    rows = []
    for budget in (4.0, 8.0, 16.0):
        for arch, gmacs in (("a", 1e-3), ("b", 2e-3)):
            for seed in seeds:
                samples = int(budget / gmacs)
                rows.append({"budget_gmacs": budget, "arch": arch, "gmacs": gmacs, "seed": seed,
                             "samples_seen": samples, "decay_samples": samples // 5,
                             "contrastive_loss": 5 - np.log(budget) / 3 + shift + noise * rng.standard_normal()})
    frame = pd.DataFrame(rows)
    return frame if decay else frame.drop(columns="decay_samples")


def test_schedule_agreement_tells_noise_from_a_shift():
    cosine = _runs(decay=False)
    same = schedule_agreement(cosine, cosine.assign(decay_samples=cosine["samples_seen"] // 5))
    assert same.matches and same.mean_difference == 0 and same.n_apart == 0 and len(same.cells) == 6
    noisy = schedule_agreement(cosine, _runs())
    assert noisy.matches and abs(noisy.mean_z) < 2
    shifted = schedule_agreement(cosine, _runs(shift=0.2))
    assert not shifted.matches and shifted.mean_z > 2 and shifted.n_apart >= 2
    assert shifted.cells["difference"].mean() == pytest.approx(shifted.mean_difference)
    # the trunk once (the longest stable phase, 16 GMACs x 0.8) plus every decay (0.2 x 28), over 28
    assert same.compute_ratio == pytest.approx((16 * 0.8 + 0.2 * 28) / 28, rel=1e-3)


def test_schedule_agreement_names_what_is_missing():
    cosine = _runs(decay=False)
    with pytest.raises(SchemaError, match="WSD branches lack column.*seed"):
        schedule_agreement(cosine, _runs().drop(columns="seed"))
    assert schedule_agreement(cosine, cosine).compute_ratio == pytest.approx(1.0)   # runs of their own
    with pytest.raises(SchemaError, match="no .budget, size. cell"):
        schedule_agreement(cosine, _runs().assign(arch="c"))
