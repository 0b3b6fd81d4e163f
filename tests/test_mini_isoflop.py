"""The isoFLOP study of the miniature chapter: its profiles (runs at equal compute), the held-out
contrastive loss, the whole loop on the smoke-isoflop profile, and the fits read from its files."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from repro.errors import DataNotFoundError, SpecError
from repro.mini import analysis, models, tasks
from repro.mini.evaluation import heldout_loss, load_model
from repro.data.mini_results import HELDOUT_FILE
from repro.mini.profiles import Profile, get_profile, isoflop_profile
from repro.mini.study import grid, run_spec, run_study
from repro.scaling.isoflop import isoflop_profiles


def test_isoflop_profile_gives_each_model_its_budget_in_whole_batches():
    profile = isoflop_profile("t", {10.0: ("mini-ViT-XS", "mini-ViT-M"), 30.0: ("mini-ViT-S", "mini-ViT-L")},
                              n_pairs=1000, batch_size=64, lr=1e-3, heldout_pairs=256, test_size=10,
                              probe_train_size=10)
    assert profile.is_isoflop and profile.n_runs == 4 and profile.budgets == (10.0, 10.0, 30.0, 30.0)
    for (model, n_pairs, samples), budget in zip(profile.points, profile.budgets):
        assert n_pairs == 1000 and samples % 64 == 0
        # rounding to whole batches moves a run's compute by at most half a batch
        assert abs(samples * models.gmacs_per_sample(model) - budget) <= 32 * models.gmacs_per_sample(model)
    assert profile.models == ("mini-ViT-XS", "mini-ViT-S", "mini-ViT-M", "mini-ViT-L")
    assert [p.name for p in grid(profile)][0] == "mini-ViT-XS_mini-1k_s20k"


def test_profile_refuses_mismatched_budgets_and_odd_heldout():
    with pytest.raises(SpecError, match="2 points but 1 budgets"):
        Profile("bad", models=("a",), dataset_sizes=(1,), samples_seen=(64,), batch_size=64, lr=1e-3,
                test_size=1, probe_train_size=1, points=(("a", 1, 64), ("b", 1, 64)), budgets=(1.0,))
    with pytest.raises(SpecError, match="heldout_pairs 100 is not a multiple"):
        Profile("bad", models=("a", "b"), dataset_sizes=(1, 4), samples_seen=(64, 256), batch_size=64, lr=1e-3,
                test_size=1, probe_train_size=1, heldout_pairs=100)


def test_the_isoflop_profile_spans_a_decade_with_five_sizes_per_budget():
    profile = get_profile("isoflop")
    budgets = sorted(set(profile.budgets))
    assert len(budgets) >= 3 and budgets[-1] / budgets[0] >= 10
    for budget in budgets:
        assert sum(b == budget for b in profile.budgets) >= 5


def test_model_family_grows_in_width_and_depth_together():
    sizes = [(models.model_config(m)["vision_cfg"]["width"], models.model_config(m)["vision_cfg"]["layers"])
             for m in models.MODEL_NAMES]
    assert all(w2 > w1 and d2 >= d1 for (w1, d1), (w2, d2) in zip(sizes, sizes[1:]))
    gmacs = [models.gmacs_per_sample(m) for m in models.MODEL_NAMES]
    params = [models.parameters(m) for m in models.MODEL_NAMES]
    assert gmacs == sorted(gmacs) and params == sorted(params)


def test_heldout_loss_of_an_untrained_model_is_near_log_batch(tmp_path):
    """An untrained CLIP at logit scale 1 cannot tell the pairs of a batch apart: its loss is
    ln(batch) to within the spread of cosines in [-1, 1]."""
    config = tmp_path / "model"
    config.mkdir()
    (config / "open_clip_config.json").write_text(json.dumps({"model_cfg": models.model_config("mini-ViT-XS")}))
    import open_clip
    import torch

    torch.manual_seed(0)
    model, _, preprocess = open_clip.create_model_and_transforms(f"local-dir:{config}")
    tokenizer = open_clip.get_tokenizer(f"local-dir:{config}")
    held = tasks.write_heldout(tmp_path / "tasks", 128)
    assert held.load()[0].shape == (128, 32, 32, 3)
    assert tasks.write_heldout(tmp_path / "tasks", 128).path == held.path   # reused
    with torch.no_grad():
        model.logit_scale.fill_(0.0)
    loss = heldout_loss(model.eval(), preprocess, tokenizer, held, batch_size=64)
    assert abs(loss - math.log(64)) < 0.1
    # and it is the mean of the two cross-entropies, batch by batch (computed here by hand)
    images, captions = held.load()
    from PIL import Image
    expected = []
    with torch.no_grad():
        for start in (0, 64):
            pixels = torch.stack([preprocess(Image.fromarray(im)) for im in images[start:start + 64]])
            f_img = model.encode_image(pixels, normalize=True)
            f_txt = model.encode_text(tokenizer(captions[start:start + 64]), normalize=True)
            logits = (f_img @ f_txt.T).numpy().astype(np.float64)
            def ce(z):
                return float(np.mean(np.log(np.exp(z).sum(1)) - np.diag(z)))
            expected.append((ce(logits) + ce(logits.T)) / 2)
    assert loss == pytest.approx(np.mean(expected), abs=1e-5)
    with pytest.raises(Exception, match="not a multiple of the batch 100"):
        heldout_loss(model, preprocess, tokenizer, held, batch_size=100)


def test_loading_isoflop_runs_names_the_missing_file(tmp_path):
    with pytest.raises(DataNotFoundError, match="repro mini --profile nope"):
        analysis.load_isoflop_runs("nope", root=tmp_path)


@pytest.mark.slow
def test_smoke_isoflop_end_to_end(tmp_path):
    """CI's run of the isoFLOP loop: 6 real runs, two at a time, held-out losses, then a rerun skips them all."""
    profile = get_profile("smoke-isoflop")
    results_root, work_root = tmp_path / "results", tmp_path / "work"
    first = run_study(profile, results_root=results_root, work_root=work_root, jobs=2, progress=None)
    assert (first.trained, first.evaluated, first.skipped, first.jobs) == (6, 6, 0, 2)
    losses = pd.read_csv(results_root / profile.name / HELDOUT_FILE)
    assert len(losses) == 6 and set(losses["budget_gmacs"]) == set(profile.budgets)
    assert np.isfinite(losses["contrastive_loss"]).all() and (losses["contrastive_loss"] > 0).all()
    runs = analysis.load_isoflop_runs(profile.name, root=results_root)
    assert len(runs) == 6 and runs["error"].between(0, 1).all()
    # runs this short rarely leave the plateau, so the profiles need not have interior minima: each
    # budget still gets a profile with its status
    profiles = isoflop_profiles(runs, "contrastive_loss", size="gmacs", budget="budget_gmacs")
    assert len(profiles) == 2 and all(len(p.sizes) == 3 and p.status for p in profiles)
    second = run_study(profile, results_root=results_root, work_root=work_root, jobs=2, progress=None)
    assert (second.trained, second.evaluated, second.skipped) == (0, 0, 6)


def test_a_warmup_budget_gives_every_run_the_warmup_of_that_budgets_run():
    """isoflop-v2-warmup: v2's runs changed in one thing, the warm-up (that of the 4-GMAC run);
    at 4 GMACs they are v2's runs exactly (same spec, same run folder)."""
    warm, v2 = get_profile("isoflop-v2-warmup"), get_profile("isoflop-v2")
    v2_points = {(p.model, p.samples_seen, p.seed): p for p in grid(v2)}
    for point in grid(warm):
        spec = run_spec(point, warm, "/x.arrays.json")
        base = run_spec(v2_points[(point.model, point.samples_seen, point.seed)], v2, "/x.arrays.json")
        four = v2_points[(point.model, min(s for m, s, _ in v2_points if m == point.model), point.seed)]
        assert spec.warmup_steps == max(1, four.samples_seen // v2.batch_size // 10)
        assert (spec.run_dir_name == base.run_dir_name) == (spec.warmup_steps == base.warmup_steps)
        assert {k: v for k, v in spec.to_dict().items() if k != "warmup_steps"} == \
            {k: v for k, v in base.to_dict().items() if k != "warmup_steps"}
    assert len(grid(warm)) == 24
    with pytest.raises(SpecError, match="warmup_budget -1"):
        isoflop_profile("x", {1: ("mini-RN-XS",)}, n_pairs=100, batch_size=64, lr=1e-3, heldout_pairs=0,
                        test_size=10, probe_train_size=10, warmup_budget=-1)
