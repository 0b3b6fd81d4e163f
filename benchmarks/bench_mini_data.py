"""Does the miniature study's data path keep up with its models? Prints, per model size, the
in-study training throughput beside the pure step throughput measured in the same run, and
their ratio (target: >= 0.8 for every size).

    python benchmarks/bench_mini_data.py [--samples 2560] [--paths arrays csv] [--models mini-RN-XXS ...]

* pure step: forward + backward + AdamW step of the model on one fixed batch of 64 (fp32, eager,
  one thread): no data at all;
* in-study: one run trained exactly as :func:`repro.mini.study.run_study` trains it (the run
  spec, open_clip_train through :mod:`repro.executors.openclip`, one thread, batch 64) on the
  ``arrays`` path (array shards, :mod:`repro.executors.shards`) and on the ``csv`` path (PNG files
  and csv rows, what the committed results were made with). Its rate is the training loop's
  steady state, from open_clip_train's own ``Batch (t)`` (data loading included, the first step
  left out); ``run`` is samples / wall time of the whole call (start-up and checkpoint included,
  which a short benchmark run overweights); ``loss`` is the run's last logged training loss (same
  seed, same rows in the same batches on both paths; the crops differ, see
  :mod:`repro.executors.shards`).

Where the csv path's time goes (its loader alone, 4,096 samples of a 2,048-pair set, open_clip's
train transform, one thread, the shared 2-core machine at load ~1.3): 729 us per sample against
48 us for the array shards' loader. cProfile of the csv loader (shares of the per-sample
``__getitem__``, 99 % of the loop): crop parameters 16 %, PIL crop + lazy PNG decode + bicubic
resize 21 % (decode 11 %), ``Image.open`` 13 %, ``ToTensor`` 14 %, ``Normalize`` 8 %, tokenising
the caption 21 % (ftfy, regex, BPE), the rest ``Compose`` and collation.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import re
import tempfile
import time
from pathlib import Path

import torch

from repro.mini import datasets, models, shard_data, study
from repro.mini.profiles import get_profile

SIZES = ("mini-RN-XXS", "mini-RN-XS", "mini-RN-S", "mini-RN-M", "mini-RN-L", "mini-RN-XL", "mini-RN-XXL")
BATCH = 64
_LOG = re.compile(r"\[\s*(\d+)/\d+.*?Batch \(t\): ([0-9.]+)")


def pure_step_rate(model_name: str, steps: int) -> float:
    """Samples/s of forward + backward + AdamW on one fixed batch (no data loading)."""
    import open_clip

    config = models.model_config(model_name)
    model = open_clip.CLIP(embed_dim=config["embed_dim"], vision_cfg=config["vision_cfg"], text_cfg=config["text_cfg"])
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.1)
    loss_fn = open_clip.ClipLoss()
    size = config["vision_cfg"]["image_size"]
    images = torch.randn(BATCH, 3, size, size)
    texts = torch.randint(1, 1000, (BATCH, config["text_cfg"]["context_length"]))
    for step in range(steps + 1):
        if step == 1:
            start = time.perf_counter()
        image_features, text_features, logit_scale = model(images, texts)
        loss_fn(image_features, text_features, logit_scale).backward()
        optimizer.step()
        optimizer.zero_grad()
    return steps * BATCH / (time.perf_counter() - start)


def loop_rate(log_file: Path) -> float:
    """The training loop's samples/s from open_clip_train's log, first step left out."""
    points = [(int(m[1]), float(m[2])) for m in _LOG.finditer(log_file.read_text())]
    seconds = sum((b[0] - a[0]) / BATCH * b[1] for a, b in zip(points, points[1:]))
    return (points[-1][0] - points[0][0]) / seconds


def in_study_rate(model_name: str, train_data: Path, samples: int, out: Path) -> tuple[float, float, float]:
    """(loop samples/s, whole-run samples/s, last logged training loss) of one run trained as the
    study trains it (open_clip_train's console output dropped; its out.log is kept)."""
    profile = get_profile("smoke")
    point = study.GridPoint(model_name, 1, samples)
    spec = study.run_spec(point, profile, train_data)
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        run_dir = study._train_in_process(spec, out)
    wall = time.perf_counter() - start
    loss = study.loss_curve(run_dir.log_file)["contrastive_loss"].iloc[-1]
    return loop_rate(run_dir.log_file), samples / wall, float(loss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2560, help="samples per in-study run (multiple of 64)")
    parser.add_argument("--pairs", type=int, default=1024, help="unique pairs of the training set")
    parser.add_argument("--paths", nargs="+", default=["arrays", "csv"], choices=["arrays", "csv"])
    parser.add_argument("--models", nargs="+", default=list(SIZES))
    args = parser.parse_args()
    torch.set_num_threads(1)
    work = Path(tempfile.mkdtemp(prefix="bench_mini_data_"))
    data = {}
    if "csv" in args.paths:
        dataset = datasets.write_train_dataset(args.pairs, work / "data")
        data["csv"] = datasets.write_sample_order(dataset, args.samples, work / "order.csv", seed=0)
    if "arrays" in args.paths:
        shard = shard_data.write_train_shard(args.pairs, work / "data")
        data["arrays"] = shard_data.write_shard_order(shard, args.pairs, args.samples, work / "order.arrays.json",
                                                      seed=0)
    steps = args.samples // BATCH
    header = f"{'model':<12} {'MMACs':>7} {'step/s':>8}"
    for path in args.paths:
        header += f" | {path + ' loop/s':>14} {'ratio':>6} {'run/s':>7} {'loss':>6}"
    print(f"batch {BATCH}, one thread, {args.samples} samples per in-study run, torch {torch.__version__}")
    print(header)
    for name in args.models:
        pure = pure_step_rate(name, steps)
        line = f"{name:<12} {models.gmacs_per_sample(name) * 1e3:>7.3f} {pure:>8,.0f}"
        for path in args.paths:
            loop, run, loss = in_study_rate(name, data[path], args.samples, work / "runs" / path)
            line += f" | {loop:>14,.0f} {loop / pure:>6.2f} {run:>7,.0f} {loss:>6.3f}"
        print(line, flush=True)
    # open_clip_train sets the root logger to INFO, which lets torch print its compile summaries at exit
    logging.disable(logging.INFO)


if __name__ == "__main__":
    main()
