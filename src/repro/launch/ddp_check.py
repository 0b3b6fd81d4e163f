"""DDP means the paper's recipe: a run sharded over ranks with the local contrastive loss and
gathered gradients (``--local-loss --gather-with-grad``, the paper's training setup) trains the same
model as one process at the same global batch, seed and data.

open_clip_train's logged loss on more than one rank is rank 0's share of the batch (its rows
against every column), not the global loss, so the loss curves compared here are recomputed from
the checkpoints: the global contrastive loss of each epoch's model on the whole training set
(:func:`checkpoint_losses`), the same computation for both runs.

Two things would make the runs differ for reasons other than the loss: the order of samples (a
DistributedSampler on two ranks, a RandomSampler on one) and open_clip_train's random crop, drawn
per rank. :func:`write_uniform_csv` removes both: every epoch is one step over the whole set
(the batch is the set, whatever its order) and every image is one flat colour (every crop of it
is the same image).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from repro.errors import SchemaError

#: Bounds held by the DDP check (tests/test_cluster_slurm.py and the training chapter), stated
#: before the committed run: on the toy of :mod:`repro.launch.scheduler_run` (2 ranks x 8 against
#: 1 rank x 16, 4 AdamW steps at lr 1e-3, gloo on 2 CPU cores) the loss curves agreed to about
#: 1e-6 and the weights to about 5.5e-5 in a first measurement; the bounds leave room for other
#: float reduction orders (another CPU, another thread count) and stay far below what the four
#: steps move the weights (several 1e-3).
LOSS_TOLERANCE = 1e-4
WEIGHT_TOLERANCE = 2e-4


def write_uniform_csv(folder: str | Path, *, n_samples: int, image_size: int = 32, seed: int = 0) -> Path:
    """``n_samples`` flat-colour PNG images and ``train.csv`` (tab-separated ``filepath``, ``title``),
    each caption naming its colour's RGB values.

    Parameters
    ----------
    folder : str or Path
    n_samples : int
        Images (distinct colours).
    image_size : int
        Pixels per side.
    seed : int
        Draws the colours.
    """
    from PIL import Image

    folder = Path(folder)
    (folder / "images").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    colours = rng.choice(256 ** 3, size=n_samples, replace=False)
    lines = ["filepath\ttitle"]
    for i, code in enumerate(colours):
        rgb = (int(code) // 65536, int(code) // 256 % 256, int(code) % 256)
        path = folder / "images" / f"{i:05d}.png"
        Image.new("RGB", (image_size, image_size), rgb).save(path)
        lines.append(f"{path.resolve()}\ta flat colour {rgb[0]} {rgb[1]} {rgb[2]}")
    csv = folder / "train.csv"
    csv.write_text("\n".join(lines) + "\n")
    return csv


def _state_dict(checkpoint: Path) -> dict:
    import torch

    state = torch.load(checkpoint, map_location="cpu", weights_only=False)["state_dict"]
    return {key.removeprefix("module."): value for key, value in state.items()}


def checkpoint_losses(model: str, run_dir: str | Path, csv: str | Path) -> pd.DataFrame:
    """The global contrastive loss (mean of the image->text and text->image cross-entropies over
    every row of ``csv``, one batch) of each checkpoint of a run: columns ``epoch``, ``loss``.

    Parameters
    ----------
    model : str
        open_clip's ``--model`` value of the run (``local-dir:...`` for a config).
    run_dir : str or Path
        The run's directory (``checkpoints/epoch_N.pt``).
    csv : str or Path
        The training set (:func:`write_uniform_csv`).
    """
    import open_clip
    import torch
    from PIL import Image

    frame = pd.read_csv(csv, sep="\t")
    net, _, preprocess = open_clip.create_model_and_transforms(model, device="cpu")
    tokenizer = open_clip.get_tokenizer(model)
    images = torch.stack([preprocess(Image.open(path)) for path in frame["filepath"]])
    texts = tokenizer(list(frame["title"]))
    labels = torch.arange(len(frame))
    rows = []
    checkpoints = sorted(Path(run_dir, "checkpoints").glob("epoch_*.pt"), key=lambda p: int(p.stem.split("_")[1]))
    if not checkpoints:
        raise SchemaError(f"{run_dir}: no checkpoints/epoch_N.pt")
    for checkpoint in checkpoints:
        net.load_state_dict(_state_dict(checkpoint))
        net.eval()
        with torch.no_grad():
            image_features, text_features, logit_scale = net(images, texts)[:3]
            logits = logit_scale * image_features @ text_features.T
            loss = (torch.nn.functional.cross_entropy(logits, labels)
                    + torch.nn.functional.cross_entropy(logits.T, labels)) / 2
        rows.append({"epoch": int(checkpoint.stem.split("_")[1]), "loss": float(loss)})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class WeightGap:
    """How far two checkpoints' weights are apart."""

    max_abs: float        # largest |a - b| over every parameter entry
    max_rel: float        # largest |a - b| / max|a| per tensor, over tensors
    n_tensors: int


def weight_gap(checkpoint_a: str | Path, checkpoint_b: str | Path) -> WeightGap:
    """Compare two checkpoints parameter by parameter (``module.`` prefixes of DDP removed).

    Raises
    ------
    SchemaError
        The checkpoints hold different parameter names or shapes.
    """
    a, b = _state_dict(Path(checkpoint_a)), _state_dict(Path(checkpoint_b))
    if set(a) != set(b) or any(a[k].shape != b[k].shape for k in a):
        raise SchemaError(f"{checkpoint_a} and {checkpoint_b} hold different parameters")
    max_abs = max_rel = 0.0
    for key in a:
        diff = float((a[key].double() - b[key].double()).abs().max()) if a[key].numel() else 0.0
        scale = float(a[key].double().abs().max()) if a[key].numel() else 0.0
        max_abs = max(max_abs, diff)
        max_rel = max(max_rel, diff / scale if scale else diff)
    return WeightGap(max_abs, max_rel, len(a))
