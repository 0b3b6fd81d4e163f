"""The linear probe on a CPU, with CLIP_benchmark's featurizer and k-shot protocol."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
open_clip = pytest.importorskip("open_clip")

from repro.errors import EvaluationError  # noqa: E402
from repro.evaluate.linear_probe import (  # noqa: E402
    LP_EPOCHS,
    LP_LEARNING_RATES,
    Features,
    best_per_k,
    fewshot_indices,
    linear_probe,
    probe_sweep,
)
from repro.evaluate.wds import Split, write_wds_dataset  # noqa: E402


def _blobs(n_per_class: int, seed: int) -> Features:
    rng = np.random.default_rng(seed)
    centres = np.eye(4, 16) * 8.0
    x = np.concatenate([centres[c] + rng.normal(0, 1, (n_per_class, 16)) for c in range(4)]).astype(np.float32)
    y = np.repeat(np.arange(4), n_per_class)
    return Features(torch.from_numpy(x), torch.from_numpy(y))


def test_the_sweep_is_the_papers():
    assert LP_LEARNING_RATES == (0.1, 0.01, 0.001) and LP_EPOCHS == (10, 20, 40)


def test_fewshot_draws_k_per_class_reproducibly():
    targets = torch.tensor([0, 1, 2] * 10)
    chosen = fewshot_indices(targets, 3, seed=0)
    assert torch.bincount(targets[chosen]).tolist() == [3, 3, 3]
    assert torch.equal(chosen, fewshot_indices(targets, 3, seed=0))
    assert not torch.equal(chosen, fewshot_indices(targets, 3, seed=1))
    assert len(fewshot_indices(targets, -1)) == 30
    with pytest.raises(EvaluationError, match="classes with fewer"):
        fewshot_indices(targets, 11)


def test_probe_sweep_on_cpu_learns_separable_features():
    result = probe_sweep(_blobs(50, 0), _blobs(50, 1), fewshot_k=10, learning_rates=(0.1, 0.001), epochs=(10, 20),
                         device="cpu")
    assert len(result.runs) == 4 and set(result.runs["fewshot_k"]) == {10}
    assert result.lp_acc1 > 0.9  # the class centres are 8 sigma apart
    # a tiny learning rate for few steps learns less than the best run
    assert result.runs["lp_acc1"].min() < result.lp_acc1
    assert best_per_k(result.runs.assign(model="m", dataset="d"))["lp_acc1"].iloc[0] == result.lp_acc1


def test_linear_probe_of_a_tiny_model_on_a_local_webdataset(tmp_path):
    config = json.loads((Path(__file__).parent / "data" / "evaluate_tiny_clip.json").read_text())
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "open_clip_config.json").write_text(json.dumps({"model_cfg": config}))
    torch.manual_seed(0)
    torch.save(open_clip.CLIP(**config).state_dict(), folder / "open_clip_pytorch_model.bin")
    rng = np.random.default_rng(0)
    colours = np.array([[230, 20, 20], [20, 20, 230]])

    def split(n):
        labels = [i % 2 for i in range(n)]
        return Split([np.clip(colours[c] + rng.normal(0, 20, (32, 32, 3)), 0, 255).astype(np.uint8) for c in labels],
                     labels=labels)

    write_wds_dataset(tmp_path / "data", "redblue", {"train": split(40), "test": split(20)},
                      classnames=["red", "blue"], templates=["{c}"])
    runs = linear_probe(f"local-dir:{folder}", "", "redblue", tmp_path / "data", fewshot_k=(5, -1),
                        learning_rates=(0.1,), epochs=(10,), device="cpu")
    assert list(runs["fewshot_k"]) == [5, -1]
    assert runs["lp_acc1"].between(0, 1).all() and np.isnan(runs["lp_acc5"]).all()  # 2 classes: no top-5
    # red vs blue is linearly separable even in a random network's features
    assert runs["lp_acc1"].max() >= 0.9
    with pytest.raises(EvaluationError, match="no split 'val'"):
        linear_probe(f"local-dir:{folder}", "", "redblue", tmp_path / "data", train_split="val")
