"""Training throughput: the local executor (open_clip_train in a subprocess) vs a plain open_clip
training loop, same tiny ViT CLIP, same batch, fp32, CPU, measured side by side in one run.

Method: steady-state samples/s, the median over training steps of batch_size / step time (data
loading included), leaving out the first step of every epoch. The executor's figure comes from
open_clip_train's own log (``--log-every-n-steps 1``), so its ~10 s of process start-up and
imports are not counted; the plain loop times each step with ``time.perf_counter``. Runs are
interleaved (plain, executor, plain) with the same number of torch threads (``--threads``) and the executor is compared with the mean of the two plain
runs, to cancel drift in the load of a shared machine.

    python benchmarks/bench_train_throughput.py [--samples 1024] [--batch 64] [--epochs 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import open_clip
import torch
from open_clip_train.data import CsvDataset

from repro.launch import RunSpec, run_local
from repro.launch.toydata import write_caption_csv

# the miniature study's smallest tower (repro.mini owns the configs)
TINY_CONFIG = (Path(__file__).resolve().parents[1] / "src" / "repro" / "mini" / "model_configs"
               / "mini-ViT-XS.json")


def plain_loop(csv: Path, model_dir: Path, *, batch: int, epochs: int, lr: float) -> float:
    """Median steady-state samples/s of a minimal open_clip training loop."""
    torch.manual_seed(0)
    model, preprocess, _ = open_clip.create_model_and_transforms(f"local-dir:{model_dir}", precision="fp32",
                                                                 output_dict=True)
    tokenizer = open_clip.get_tokenizer(f"local-dir:{model_dir}")
    dataset = CsvDataset(str(csv), preprocess, img_key="filepath", caption_key="title", sep="\t", tokenizer=tokenizer)
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch, shuffle=True, num_workers=0, drop_last=True)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.98), eps=1e-6, weight_decay=0.2)
    loss_fn = open_clip.ClipLoss()
    model.train()
    rates = []
    for _ in range(epochs):
        end = time.perf_counter()
        for step, (images, texts) in enumerate(loader):
            optimizer.zero_grad()
            out = model(images, texts)
            loss = loss_fn(out["image_features"], out["text_features"], out["logit_scale"])
            loss.backward()
            optimizer.step()
            now = time.perf_counter()
            if step > 0:  # the first step of an epoch pays for the loader's start
                rates.append(batch / (now - end))
            end = now
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1024)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="torch threads, the same for both (default 1)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    threads_env = {"OMP_NUM_THREADS": str(args.threads), "MKL_NUM_THREADS": str(args.threads)}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        csv = write_caption_csv(tmp / "data", n_samples=args.samples)
        model_dir = tmp / "model"
        model_dir.mkdir()
        (model_dir / "open_clip_config.json").write_text(json.dumps({"model_cfg": json.loads(TINY_CONFIG.read_text())}))
        spec = RunSpec(name="bench", model=str(TINY_CONFIG), data="toy", train_data=str(csv), dataset_type="csv",
                       samples_per_epoch=args.samples, epochs=args.epochs, lr=1.0e-3, warmup_steps=2,
                       batch_size_per_gpu=args.batch, device="cpu", precision="fp32", workers_per_gpu=0,
                       log_every_n_steps=1)
        plain_before = plain_loop(csv, model_dir, batch=args.batch, epochs=args.epochs, lr=spec.lr)
        result = run_local(spec, tmp / "out", env=threads_env)
        plain_after = plain_loop(csv, model_dir, batch=args.batch, epochs=args.epochs, lr=spec.lr)
    if result.state != "finished" or result.samples_per_sec is None:
        raise SystemExit(f"executor run did not finish: {result}")
    plain = (plain_before + plain_after) / 2
    ratio = result.samples_per_sec / plain
    print(f"tiny ViT CLIP, batch {args.batch}, fp32, CPU ({torch.get_num_threads()} threads), "
          f"{args.epochs} epochs x {args.samples // args.batch} steps")
    print(f"plain open_clip loop : {plain_before:8.1f} then {plain_after:8.1f} samples/s (mean {plain:.1f})")
    print(f"local executor       : {result.samples_per_sec:8.1f} samples/s (open_clip_train log, median)")
    print(f"ratio executor/plain : {ratio:.3f} (target >= 0.95)")


if __name__ == "__main__":
    main()
