"""The GPU check: the cluster path's three workloads on one CUDA GPU, in at most 8 minutes on an H100.

1. **Training throughput with the paper's recipe.** ViT-B-32, bf16 AMP (``amp_bf16``), the
   paper's per-GPU batch for ViT-B/32 (256, Table 18), AdamW with its beta2 and weight decay, on
   open_clip_train's generated data (``--dataset-type synthetic``), for ``--steps`` optimizer steps,
   through the project's launcher and entry point (``repro.launch.run_local`` ->
   ``python -m repro.executors.openclip``). Samples/s/GPU is the steady-state figure from
   open_clip_train's log (:func:`repro.launch.run_throughput`), printed beside the paper's
   per-GPU rate of every ViT-B/32 run of Table 18: samples seen over GPU hours (an A100 of JUWELS
   Booster, whole jobs with data loading from LAION shards, so an upper bound for the paper is
   not what this compares: it says whether the card trains at the paper's order of rate).
2. **One CLIP_benchmark evaluation on CUDA**: zero-shot classification of the miniature study's
   ``mini_color`` task (written here, synthetic) by the checkpoint of step 3, on the GPU with AMP.
3. **The GPU profile's smallest miniature run**: the ``gpu`` profile's smallest model, data set
   and budget, trained and evaluated by :func:`repro.mini.study.run_study` into a scratch folder.

Usage (nothing is written into the checkout)::

    python benchmarks/gpu_check.py [--steps 300] [--out /tmp/gpu-check] [--json figures.json]

It prints one line per figure and, with ``--json``, writes them (card name included).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import torch

from repro.data import load_reported
from repro.launch import RunSpec, run_local, run_throughput
from repro.launch.rundir import RunDir
from repro.mini import tasks
from repro.mini.profiles import get_profile
from repro.mini.study import grid, run_study, run_spec

#: The paper's per-GPU batch of most ViT-B/32 runs (Table 18, "local batch").
PAPER_BATCH_PER_GPU = 256
_LABELS = {"3B": 3e9, "13B": 13e9, "34B": 34e9}


def paper_rates() -> pd.DataFrame:
    """Per-GPU training rate of each ViT-B/32 run of Table 18: samples seen / (GPU hours x 3600).

    The samples seen are the label's nominal count (3B, 13B, 34B), as Table 18 prints them.
    """
    table = load_reported("table18")
    b32 = table[table["model"] == "ViT-B/32"].copy()
    b32["samples"] = b32["samples_seen"].map(_LABELS)
    b32["samples_per_s_per_gpu"] = b32["samples"] / (b32["gpu_hours"].astype(float) * 3600)
    return b32[["pretraining_data", "samples_seen", "local_batch", "gpus", "samples_per_s_per_gpu"]]


def throughput(out: Path, steps: int) -> dict:
    """Step 1: ViT-B-32, amp_bf16, batch 256 on one GPU, ``steps`` steps of generated data."""
    samples = steps * PAPER_BATCH_PER_GPU
    spec = RunSpec(name="gpu-check-b32", model="ViT-B-32", data="synthetic", train_data="synthetic",
                   dataset_type="synthetic", samples_per_epoch=samples, epochs=1, lr=5e-4, warmup_steps=10,
                   batch_size_per_gpu=PAPER_BATCH_PER_GPU, gpus=1, precision="amp_bf16", device="cuda",
                   workers_per_gpu=4, log_every_n_steps=10)
    start = time.monotonic()
    result = run_local(spec, out / "train", timeout_s=300)
    measured = run_throughput(RunDir.for_spec(spec, out / "train").log_file)
    return {"state": result.state, "steps": steps, "wall_s": round(time.monotonic() - start, 1),
            "samples_per_s_per_gpu": measured.samples_per_sec}


def smallest_mini_run(out: Path) -> tuple[dict, Path, str]:
    """Step 3: the gpu profile's smallest run (model, data, budget), trained and evaluated."""
    profile = get_profile("gpu")
    smallest = (profile.models[0], profile.dataset_sizes[0], profile.samples_seen[0])
    small = dataclasses.replace(profile, name="gpu-check", points=(smallest,), budgets=(0.0,))
    start = time.monotonic()
    result = run_study(small, results_root=out / "results", work_root=out / "work", force_dirty=True, progress=None)
    point = grid(small)[0]
    spec = run_spec(point, small, Path("unused"))
    run_dir = RunDir.for_spec(spec, out / "work" / "runs" / small.name)
    row = result.rows.set_index("downstream_dataset")
    return ({"run": point.name, "wall_s": round(time.monotonic() - start, 1),
             "acc1": {k: float(v) for k, v in row["acc1"].dropna().items()}},
            run_dir.final_checkpoint, f"local-dir:{run_dir.path / 'model'}")


def cuda_evaluation(out: Path, checkpoint: Path, model_ref: str) -> dict:
    """Step 2: CLIP_benchmark's zero-shot classification of ``mini_color`` on CUDA with AMP."""
    import open_clip
    from clip_benchmark.datasets.builder import build_dataset
    from clip_benchmark.metrics import zeroshot_classification

    task_set = tasks.write_tasks(out / "tasks", test_size=2000, probe_train_size=100)
    model, _, preprocess = open_clip.create_model_and_transforms(model_ref, device="cuda")
    open_clip.load_checkpoint(model, str(checkpoint), weights_only=True)
    model.eval()
    name = "mini_color"
    dataset = build_dataset(f"wds/{name}", root=str(task_set.dataset_root(name)), transform=preprocess,
                            split="test", download=False, task="zeroshot_classification")
    loader = torch.utils.data.DataLoader(dataset.batched(500), batch_size=None, shuffle=False, num_workers=2)
    start = time.monotonic()
    metrics = zeroshot_classification.evaluate(model, loader, open_clip.get_tokenizer(model_ref), dataset.classes,
                                               dataset.templates, "cuda", amp=True)
    return {"task": name, "acc1": float(metrics["acc1"]), "wall_s": round(time.monotonic() - start, 1)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=300, help="optimizer steps of the ViT-B-32 throughput run")
    p.add_argument("--out", type=Path, default=None, help="scratch folder (default: a temporary one)")
    p.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = p.parse_args(argv)
    if not torch.cuda.is_available():
        print("gpu_check: no CUDA device here; run it on a machine with one GPU", file=sys.stderr)
        return 1
    out = args.out or Path(tempfile.mkdtemp(prefix="gpu-check-"))
    start = time.monotonic()
    figures: dict = {"card": torch.cuda.get_device_name(0), "torch": torch.__version__}
    figures["train"] = throughput(out, args.steps)
    rates = paper_rates()
    figures["paper_samples_per_s_per_gpu"] = {
        f"{r.pretraining_data} {r.samples_seen} (local batch {r.local_batch}, {r.gpus} GPUs)":
            round(float(r.samples_per_s_per_gpu), 1) for r in rates.itertuples()}
    print(f"{figures['card']}: ViT-B-32 amp_bf16 batch {PAPER_BATCH_PER_GPU}: "
          f"{figures['train']['samples_per_s_per_gpu']:.0f} samples/s/GPU over {args.steps} steps "
          f"(paper, Table 18, ViT-B/32: {rates['samples_per_s_per_gpu'].min():.0f} to "
          f"{rates['samples_per_s_per_gpu'].max():.0f} samples/s/GPU, median "
          f"{rates['samples_per_s_per_gpu'].median():.0f})", flush=True)
    figures["mini"], checkpoint, model_ref = smallest_mini_run(out)
    print(f"smallest gpu-profile mini run {figures['mini']['run']}: {figures['mini']['wall_s']:.0f} s, "
          f"acc1 {figures['mini']['acc1']}", flush=True)
    figures["eval"] = cuda_evaluation(out, checkpoint, model_ref)
    print(f"CLIP_benchmark on CUDA, {figures['eval']['task']}: acc1 {figures['eval']['acc1']:.3f} in "
          f"{figures['eval']['wall_s']:.1f} s", flush=True)
    figures["total_s"] = round(time.monotonic() - start, 1)
    print(f"gpu_check: {figures['total_s']:.0f} s in all")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
