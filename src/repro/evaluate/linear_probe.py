"""Linear probe on a CPU or a GPU, with CLIP_benchmark's featurizer and protocol.

CLIP_benchmark's ``linear_probe.evaluate`` asserts ``device == 'cuda'`` and moves everything to
CUDA. This module reuses its pieces (``Featurizer`` for L2-normalised image features,
``FeatureDataset``, ``cosine_lr``, ``accuracy``, and its k-shot selection: a seeded permutation,
then the first k images of each class) and runs the same training on any device. The sweep is the
paper's (its linear-probe protocol; Figures 2-3, Table 5): a linear layer on cached image
features, cross-entropy, AdamW without weight decay, cosine learning rate without warm-up, batch
256, lr in {0.1, 0.01, 0.001} x epochs in {10, 20, 40}, and the best run on the test split.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from repro.errors import EvaluationError, SpecError
from repro.evaluate.wds import dataset_dir, dataset_present

log = logging.getLogger(__name__)

#: The paper's sweep (its linear-probe protocol).
LP_LEARNING_RATES = (0.1, 0.01, 0.001)
LP_EPOCHS = (10, 20, 40)
LP_BATCH_SIZE = 256
LP_WEIGHT_DECAY = 0.0  # "AdamW without weight decay"


@dataclass(frozen=True)
class Features:
    """Cached image features of one split: ``features`` (N, D) float32, ``targets`` (N,) int64."""

    features: "torch.Tensor"
    targets: "torch.Tensor"


@dataclass(frozen=True)
class LinearProbeResult:
    """A linear-probe sweep on one (model, dataset, k).

    Attributes
    ----------
    fewshot_k : int
        Images per class used for training (-1: the whole training split).
    runs : DataFrame
        One row per (lr, epochs): lp_acc1, lp_acc5, lp_mean_per_class_recall on the test split.
    """

    fewshot_k: int
    runs: pd.DataFrame

    @property
    def best(self) -> pd.Series:
        """The run with the highest test top-1 (the paper's "best on the test split")."""
        return self.runs.loc[self.runs["lp_acc1"].idxmax()]

    @property
    def lp_acc1(self) -> float:
        return float(self.best["lp_acc1"])


def default_device() -> str:
    """``"cuda"`` when a GPU is visible, else ``"cpu"``."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def extract_features(model, dataloader, *, device: str, normalize: bool = True) -> Features:
    """Image features of every batch of ``dataloader`` through CLIP_benchmark's ``Featurizer``
    (``encode_image``, then L2 normalisation), in float32 without autocast."""
    import torch
    from clip_benchmark.metrics.linear_probe import Featurizer

    featurizer = Featurizer(model, normalize).to(device).eval()
    features, targets = [], []
    with torch.no_grad():
        for images, target in dataloader:
            features.append(featurizer(images.to(device)).float().cpu())
            targets.append(torch.as_tensor(target))
    if not features:
        raise EvaluationError("linear probe: the dataloader yielded no batches")
    return Features(torch.cat(features), torch.cat(targets).long())


def fewshot_indices(targets: "torch.Tensor", fewshot_k: int, *, seed: int = 0) -> "torch.Tensor":
    """CLIP_benchmark's k-shot selection: a permutation seeded with ``seed``, then the first
    ``fewshot_k`` images of each class in that order (all images for ``fewshot_k = -1``).

    Raises
    ------
    EvaluationError
        If a class has fewer than ``fewshot_k`` images (CLIP_benchmark returns nothing then).
    """
    import torch

    if fewshot_k == 0 or fewshot_k < -1:
        raise SpecError(f"fewshot_k must be -1 (all) or a positive number of images per class, got {fewshot_k}")
    generator = torch.Generator().manual_seed(seed)
    perm = torch.randperm(len(targets), generator=generator)
    counts: dict[int, int] = {}
    chosen = []
    for p in perm.tolist():
        label = int(targets[p])
        counts.setdefault(label, 0)
        if fewshot_k < 0 or counts[label] < fewshot_k:
            counts[label] += 1
            chosen.append(p)
    short = {c: n for c, n in counts.items() if fewshot_k > 0 and n != fewshot_k}
    if short:
        raise EvaluationError(f"linear probe: {fewshot_k}-shot needs {fewshot_k} images per class; "
                              f"classes with fewer: {short}")
    return torch.tensor(chosen, dtype=torch.long)


def train_probe(train: Features, n_classes: int, *, lr: float, epochs: int, batch_size: int = LP_BATCH_SIZE,
                seed: int = 0, device: str = "cpu") -> "torch.nn.Linear":
    """CLIP_benchmark's ``linear_probe.train`` on any device: a linear layer seeded with ``seed``,
    AdamW (no weight decay), cosine learning rate over all steps without warm-up, shuffled batches."""
    import torch
    from clip_benchmark.metrics.linear_probe import FeatureDataset, cosine_lr
    from torch.utils.data import DataLoader

    torch.manual_seed(seed)
    linear = torch.nn.Linear(train.features.shape[1], n_classes).to(device)
    optimizer = torch.optim.AdamW(linear.parameters(), lr=lr, weight_decay=LP_WEIGHT_DECAY)
    criterion = torch.nn.CrossEntropyLoss()
    loader = DataLoader(FeatureDataset(train.features, train.targets), batch_size=batch_size, shuffle=True)
    scheduler = cosine_lr(optimizer, lr, 0.0, epochs * len(loader))
    for epoch in range(epochs):
        for i, (x, y) in enumerate(loader):
            scheduler(i + epoch * len(loader))
            optimizer.zero_grad()
            loss = criterion(linear(x.to(device)), y.to(device))
            loss.backward()
            optimizer.step()
    return linear


def score_probe(linear: "torch.nn.Linear", test: Features, *, device: str = "cpu") -> dict[str, float]:
    """Top-1, top-5 (NaN under 5 classes, as CLIP_benchmark) and mean per-class recall on ``test``."""
    import torch
    from clip_benchmark.metrics.zeroshot_classification import accuracy
    from sklearn.metrics import balanced_accuracy_score

    with torch.no_grad():
        logits = linear(test.features.to(device)).float().cpu()
    target = test.targets
    if logits.shape[1] >= 5:
        acc1, acc5 = accuracy(logits, target, topk=(1, 5))
    else:
        (acc1,), acc5 = accuracy(logits, target, topk=(1,)), float("nan")
    recall = balanced_accuracy_score(target.numpy(), logits.argmax(dim=1).numpy())
    return {"lp_acc1": float(acc1), "lp_acc5": float(acc5), "lp_mean_per_class_recall": float(recall)}


def probe_sweep(train: Features, test: Features, *, fewshot_k: int = -1,
                learning_rates: Sequence[float] = LP_LEARNING_RATES, epochs: Sequence[int] = LP_EPOCHS,
                batch_size: int = LP_BATCH_SIZE, seed: int = 0, device: str | None = None) -> LinearProbeResult:
    """The paper's linear-probe sweep on cached features: every (lr, epochs), scored on ``test``.

    Parameters
    ----------
    train, test : Features
        Cached features and labels of the training and test splits.
    fewshot_k : int
        Images per class drawn from ``train`` (:func:`fewshot_indices`); -1 for all.
    learning_rates, epochs : sequence
        The sweep (default: the paper's 3 x 3).
    batch_size, seed : int
        Batch size (256) and seed of the k-shot draw and of each layer's initialisation.
    device : str, optional
        ``"cpu"`` or ``"cuda"`` (default: CUDA when present).
    """
    device = device or default_device()
    chosen = fewshot_indices(train.targets, fewshot_k, seed=seed)
    subset = Features(train.features[chosen], train.targets[chosen])
    n_classes = int(max(train.targets.max(), test.targets.max())) + 1
    runs = []
    for lr in learning_rates:
        for n_epochs in epochs:
            linear = train_probe(subset, n_classes, lr=lr, epochs=n_epochs, batch_size=batch_size, seed=seed,
                                 device=device)
            runs.append({"fewshot_k": fewshot_k, "lr": lr, "epochs": n_epochs, "seed": seed,
                         **score_probe(linear, test, device=device)})
            log.info("linear probe k=%s lr=%s epochs=%s: %s", fewshot_k, lr, n_epochs, runs[-1]["lp_acc1"])
    return LinearProbeResult(fewshot_k, pd.DataFrame(runs))


def split_features(model: str, pretrained: str, dataset: str, dataset_root: str | Path, split: str, *,
                   batch_size: int = 64, device: str | None = None) -> Features:
    """Features of one split of a local webdataset ``wds/<dataset>``, with CLIP_benchmark's model
    loader (``load_clip``) and dataset builder (``build_dataset``)."""
    import torch
    from clip_benchmark.datasets.builder import build_dataset
    from clip_benchmark.models import load_clip

    device = device or default_device()
    name = dataset if dataset.startswith("wds/") else f"wds/{dataset}"
    if not dataset_present(dataset_root, name, split):
        raise EvaluationError(f"linear probe: no split '{split}' of {name} under {dataset_root} "
                              f"(expected {dataset_dir(dataset_root, name)}/{split}/nshards.txt)")
    net, transform, _ = load_clip(model_type="open_clip", model_name=model, pretrained=pretrained, cache_dir=None,
                                  device=device)
    net.eval()
    ds = build_dataset(dataset_name=name, root=str(dataset_dir(dataset_root, name)), transform=transform,
                       split=split, download=False)
    loader = torch.utils.data.DataLoader(ds.batched(batch_size), batch_size=None, shuffle=False, num_workers=0)
    return extract_features(net, loader, device=device)


def linear_probe(model: str, pretrained: str, dataset: str, dataset_root: str | Path, *,
                 fewshot_k: Sequence[int] = (-1,), train_split: str = "train", test_split: str = "test",
                 learning_rates: Sequence[float] = LP_LEARNING_RATES, epochs: Sequence[int] = LP_EPOCHS,
                 batch_size: int = LP_BATCH_SIZE, seed: int = 0, device: str | None = None) -> pd.DataFrame:
    """Linear-probe a model on a local webdataset: features once, then the sweep for each k.

    ``model``/``pretrained`` are what CLIP_benchmark loads (see
    :func:`repro.evaluate.run.resolve_model` for checkpoints of ``local-dir:`` models). Returns one
    row per (k, lr, epochs) with the columns of the published linear-probe runs (dataset,
    fewshot_k, lr, epochs, lp_acc1, lp_acc5, lp_mean_per_class_recall); the paper's number for a
    (model, dataset, k) is the maximum lp_acc1 over its rows.
    """
    device = device or default_device()
    train = split_features(model, pretrained, dataset, dataset_root, train_split, device=device)
    test = split_features(model, pretrained, dataset, dataset_root, test_split, device=device)
    frames = [probe_sweep(train, test, fewshot_k=k, learning_rates=learning_rates, epochs=epochs,
                          batch_size=batch_size, seed=seed, device=device).runs for k in fewshot_k]
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "dataset", dataset)
    out.insert(0, "pretrained", pretrained)
    out.insert(0, "model", model)
    return out


def best_per_k(runs: pd.DataFrame) -> pd.DataFrame:
    """The paper's linear-probe number: the best lp_acc1 over the sweep per (model, dataset, k)."""
    keys = [c for c in ("model", "pretrained", "dataset", "fewshot_k") if c in runs.columns]
    return runs.loc[runs.groupby(keys)["lp_acc1"].idxmax()].reset_index(drop=True)


__all__ = ["Features", "LinearProbeResult", "LP_BATCH_SIZE", "LP_EPOCHS", "LP_LEARNING_RATES", "best_per_k",
           "extract_features", "fewshot_indices", "linear_probe", "probe_sweep", "score_probe", "split_features",
           "train_probe"]
