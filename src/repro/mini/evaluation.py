"""Evaluate one mini checkpoint on the mini tasks with CLIP_benchmark, in this process.

The tasks are read as CLIP_benchmark reads any local webdataset (``build_dataset("wds/<name>",
root=...)``) and scored by CLIP_benchmark's own ``zeroshot_classification.evaluate`` and
``zeroshot_retrieval.evaluate``, exactly as ``clip_benchmark eval`` does. It is called in-process
rather than through ``clip_benchmark eval`` for two reasons: its ``load_clip`` passes the
checkpoint as ``pretrained=``, which open_clip ignores for ``local-dir:`` models (so it would
score an untrained model), and a fresh process per run costs ~10 s of imports (measured on 2 CPU cores).
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np

from repro.errors import EvaluationError
from repro.mini.tasks import CLASSIFICATION_TASKS, RETRIEVAL_TASKS, HeldoutSet, TaskSet

log = logging.getLogger(__name__)


def load_model(model_ref: str, checkpoint: Path):
    """(model, preprocess, tokenizer) of an open_clip_train checkpoint (``weights_only=True``)."""
    import open_clip

    model, _, preprocess = open_clip.create_model_and_transforms(model_ref, device="cpu", precision="fp32")
    try:
        open_clip.load_checkpoint(model, str(checkpoint), weights_only=True)
    except (OSError, RuntimeError, KeyError) as err:
        raise EvaluationError(f"{checkpoint}: cannot load into {model_ref}: {err}") from err
    return model.eval(), preprocess, open_clip.get_tokenizer(model_ref)


def heldout_loss(model, preprocess, tokenizer, heldout: HeldoutSet, *, batch_size: int) -> float:
    """Mean CLIP contrastive loss of ``model`` over fixed, consecutive batches of ``batch_size``
    held-out pairs (open_clip's ``ClipLoss``: the mean of the image-to-text and text-to-image
    cross-entropies at the model's own logit scale, as in training)."""
    import open_clip
    import torch
    from PIL import Image

    images, captions = heldout.load()
    if len(captions) % batch_size:
        raise EvaluationError(f"{heldout.path}: {len(captions)} pairs is not a multiple of the batch {batch_size}")
    loss_fn = open_clip.ClipLoss()
    losses = []
    with torch.no_grad():
        for start in range(0, len(captions), batch_size):
            pixels = torch.stack([preprocess(Image.fromarray(im)) for im in images[start:start + batch_size]])
            image_features, text_features, logit_scale = model(pixels, tokenizer(captions[start:start + batch_size]))[:3]
            losses.append(float(loss_fn(image_features, text_features, logit_scale)))
    value = float(np.mean(losses))
    if not math.isfinite(value):
        raise EvaluationError(f"held-out loss is not finite ({value})")
    return value


def evaluate_checkpoint(model_ref: str, checkpoint: Path, tasks: TaskSet, *, batch_size: int = 500,
                        heldout: HeldoutSet | None = None, heldout_batch: int = 256) -> dict[str, dict]:
    """CLIP_benchmark metrics of one checkpoint on every task: ``{task: {metric: value}}``.

    Classification tasks give ``acc1``, ``acc5`` and ``mean_per_class_recall``; the retrieval
    task ``image_retrieval_recall@5`` and ``text_retrieval_recall@5`` (the paper's metrics).
    With ``heldout``, the key ``"heldout"`` holds ``{"contrastive_loss": ...}`` (:func:`heldout_loss`).
    """
    import torch
    from clip_benchmark.datasets.builder import build_dataset
    from clip_benchmark.metrics import zeroshot_classification, zeroshot_retrieval

    model, preprocess, tokenizer = load_model(model_ref, checkpoint)
    out: dict[str, dict] = {}
    with torch.no_grad():
        for name in tasks.names:
            task = "zeroshot_retrieval" if name in RETRIEVAL_TASKS else "zeroshot_classification"
            dataset = build_dataset(f"wds/{name}", root=str(tasks.dataset_root(name)), transform=preprocess,
                                    split="test", download=False, task=task)
            loader = torch.utils.data.DataLoader(dataset.batched(batch_size), batch_size=None, shuffle=False,
                                                 num_workers=0)
            if name in CLASSIFICATION_TASKS:
                metrics = zeroshot_classification.evaluate(model, loader, tokenizer, dataset.classes,
                                                           dataset.templates, "cpu", amp=False)
                out[name] = {"acc1": metrics["acc1"], "acc5": metrics["acc5"],
                             "mean_per_class_recall": metrics["mean_per_class_recall"]}
            elif name in RETRIEVAL_TASKS:
                metrics = zeroshot_retrieval.evaluate(model, loader, tokenizer, "cpu", amp=False, recall_k_list=[5])
                out[name] = {"image_retrieval_recall@5": metrics["image_retrieval_recall@5"],
                             "text_retrieval_recall@5": metrics["text_retrieval_recall@5"]}
            else:
                raise EvaluationError(f"unknown mini task {name!r}")
            bad = [k for k, v in out[name].items() if not (isinstance(v, float) and math.isfinite(v))]
            if bad:
                raise EvaluationError(f"{checkpoint}: task {name}: non-finite metric(s) {bad}")
            log.info("  %s: %s", name, {k: round(float(v), 4) for k, v in out[name].items()})
        if heldout is not None:
            out["heldout"] = {"contrastive_loss": heldout_loss(model, preprocess, tokenizer, heldout,
                                                               batch_size=heldout_batch)}
    return {k: {m: float(np.float64(v)) for m, v in d.items()} for k, d in out.items()}
