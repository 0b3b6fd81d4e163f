"""Why the miniature study's family is a tiny ResNet: the learning onset of a tiny ViT and a tiny
ResNet of like cost, with CLIP's logit scale and with the study's, side by side; prints its figures.

    python benchmarks/mini_onset_pilot.py [--samples 24576] [--jobs 2]

A plain training loop that mirrors the study's open_clip_train runs (AdamW with betas 0.9/0.98,
eps 1e-6, weight decay 0.1 on matrices, peak learning rate 2e-3, 10% linear warm-up then cosine,
batch 64, the symmetric CLIP loss, the logit scale clamped at 100) on the first 32k pairs of the
pre-training stream, each variant in its own single-threaded process. For each it prints the
onset (the first logged loss 0.05 below ln 64: where the run left the chance plateau), the final
training loss and the zero-shot accuracy on 500 images of ``mini_shape`` (chance 0.125).

Measured on 2 CPU cores (24,576 samples, seed 0; onset, accuracy): mini-ViT-M with CLIP's 1/0.07
15,872 and 0.204; with the logit scale at 1, 11,776 and 0.238; mini-RN-M (ResNet, width 8) with
1/0.07 9,216 and 0.546; with the logit scale at 1 (the study's) 3,584 and 0.558; 115 s in all.
One seed each: a pilot, not a law.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from concurrent.futures import ProcessPoolExecutor

#: Variants: (label, model config name, logit scale at initialisation).
VARIANTS = (
    ("tiny ViT, CLIP's logit scale 1/0.07", "mini-ViT-M", math.log(1 / 0.07)),
    ("tiny ViT, logit scale 1", "mini-ViT-M", 0.0),
    ("tiny ResNet, CLIP's logit scale 1/0.07", "mini-RN-M", math.log(1 / 0.07)),
    ("tiny ResNet, logit scale 1 (the study's)", "mini-RN-M", 0.0),
)


def run(label: str, name: str, init_logit_scale: float, samples: int, n_pairs: int = 32_000, batch: int = 64,
        lr: float = 2e-3, seed: int = 0) -> dict:
    import numpy as np
    import open_clip
    import torch
    import torch.nn.functional as F

    from repro.mini import models, scenes, tasks

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    config = {**models.model_config(name), "init_logit_scale": init_logit_scale}
    model = open_clip.CLIP(**config, output_dict=True)
    tokenizer = open_clip.get_tokenizer("ViT-B-32")
    context = config["text_cfg"]["context_length"]
    mean = torch.tensor(open_clip.OPENAI_DATASET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(open_clip.OPENAI_DATASET_STD).view(1, 3, 1, 1)

    def encode(images):
        return torch.tensor(np.stack(images)).permute(0, 3, 1, 2).float().div(255).sub(mean).div(std)

    pairs = scenes.pairs(1, 0, n_pairs)
    images, texts = encode([p[0] for p in pairs]), tokenizer([p[1] for p in pairs], context_length=context)
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2 and "embedding" not in n]
    rest = [p for n, p in model.named_parameters() if not (p.ndim >= 2 and "embedding" not in n)]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": rest, "weight_decay": 0.0}],
                                  lr=lr, betas=(0.9, 0.98), eps=1e-6)
    steps = samples // batch
    warmup = max(1, steps // 10)
    generator = torch.Generator().manual_seed(seed)
    order = torch.cat([torch.randperm(n_pairs, generator=generator) for _ in range(samples // n_pairs + 1)])
    labels = torch.arange(batch)
    start, onset, loss = time.perf_counter(), None, float("nan")
    for step in range(steps):
        rate = lr * (step + 1) / warmup if step < warmup else \
            0.5 * lr * (1 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup)))
        for group in optimizer.param_groups:
            group["lr"] = rate
        index = order[step * batch:(step + 1) * batch]
        out = model(images[index], texts[index])
        logits = out["logit_scale"] * out["image_features"] @ out["text_features"].T
        loss_t = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2
        optimizer.zero_grad()
        loss_t.backward()
        optimizer.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0, math.log(100))
        loss = loss_t.item()
        if onset is None and step % 8 == 0 and step * batch > 1000 and loss < math.log(batch) - 0.05:
            onset = step * batch
    model.eval()
    split = tasks.classification_split("mini_shape", 500)
    classes, templates = tasks._classes("mini_shape")
    with torch.no_grad():
        features = F.normalize(model.encode_image(encode(split.images)), dim=-1)
        weights = torch.stack([F.normalize(F.normalize(model.encode_text(
            tokenizer([t.format(c=c) for t in templates], context_length=context)), dim=-1).mean(0), dim=0)
            for c in classes])
        accuracy = float(((features @ weights.T).argmax(1).numpy() == np.array(split.labels)).mean())
    return {"variant": label, "model": name, "onset (samples)": onset, "final loss": round(loss, 3),
            "mini_shape accuracy": accuracy, "wall (s)": round(time.perf_counter() - start, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=24_576)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with ProcessPoolExecutor(args.jobs) as pool:
        futures = [pool.submit(run, *variant, args.samples) for variant in VARIANTS]
        for future in futures:
            print(json.dumps(future.result()))


if __name__ == "__main__":
    main()
