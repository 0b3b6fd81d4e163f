"""Throughput of the miniature study's pieces on this machine; prints its figures.

    python benchmarks/mini_throughput.py

Scene generation (pairs/s, render + caption, no encoding), PNG encoding, and one training step
of each tiny model on a batch of 64 (fp32, CPU, one thread; see repro.mini.profiles on threads).
"""

import time

import torch

from repro.mini import datasets, models, scenes


def main() -> None:
    n = 2000
    start = time.perf_counter()
    pairs = scenes.pairs(0, 0, n)
    print(f"scene generation: {n / (time.perf_counter() - start):,.0f} pairs/s")
    start = time.perf_counter()
    for image, _, _ in pairs:
        datasets.png_bytes(image)
    print(f"png encoding: {n / (time.perf_counter() - start):,.0f} images/s")
    import open_clip

    torch.set_num_threads(1)
    for name in models.MODEL_NAMES:
        config = models.model_config(name)
        model = open_clip.CLIP(embed_dim=config["embed_dim"], vision_cfg=config["vision_cfg"],
                               text_cfg=config["text_cfg"])
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
        loss_fn = open_clip.ClipLoss()
        images = torch.randn(64, 3, 32, 32)
        texts = torch.randint(1, 1000, (64, config["text_cfg"]["context_length"]))
        for step in range(6):
            if step == 1:
                start = time.perf_counter()
            image_features, text_features, logit_scale = model(images, texts)
            loss = loss_fn(image_features, text_features, logit_scale)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
        rate = 5 * 64 / (time.perf_counter() - start)
        print(f"{name}: {models.gmacs_per_sample(name) * 1e3:.3f} MMACs/sample, training step {rate:,.0f} samples/s "
              "(model only, no data loading)")


if __name__ == "__main__":
    main()
