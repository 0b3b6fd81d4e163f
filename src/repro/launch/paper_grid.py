"""Derive the paper's 29 run specs from INFO and Table 18, and write ``runs/paper/grid.yaml``.

Each run's model, data, lr, warm-up, GPUs, per-GPU batch, epochs and samples per epoch come from
INFO (``trained_models_info.csv``, :func:`repro.data.load_models_info`); Table 18
(:func:`repro.data.load_reported`) is checked to agree on every one of them, so a transcription
error in either surfaces here. Regenerate the committed YAML with::

    python -m repro.launch.paper_grid runs/paper/grid.yaml
"""

from __future__ import annotations

import dataclasses
import math
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

from repro.data import load_models_info, load_reported
from repro.errors import SchemaError
from repro.launch.grid import grid_path
from repro.launch.spec import RunSpec, derived_comment

#: Unique samples per dataset, to write a default shard pattern. 80M and 400M: the largest
#: samples_per_epoch INFO gives for a run without resampling; 2B: LAION-2B-en (2.32 B pairs).
DATASET_SAMPLES = {"LAION-80M": 80_000_415, "LAION-400M": 413_000_000, "LAION-2B": 2_320_000_000}

#: img2dataset's default shard size; the shard pattern is a default for a user's own download,
#: overridden with ``repro train --train-data LAION-400M=PATTERN``.
SAMPLES_PER_SHARD = 10_000

#: Towers trained in bfloat16 after fp16 loss spikes, with gradient checkpointing so the per-GPU
#: batch of Table 18 fits in an A100's 40 GB (the paper's training details, beside Table 18).
LARGE_MODELS = ("ViT-L-14", "ViT-H-14", "ViT-g-14")

#: Keys shared by the 29 runs, written once under ``defaults`` in the YAML.
SHARED = {
    "gpus_per_node": 4,
    "weight_decay": 0.2,
    "beta1": 0.9,
    "beta2": 0.98,
    "eps": 1.0e-6,
    "local_loss": True,
    "gather_with_grad": True,
    "dataset_type": "webdataset",
    "device": "cuda",
    "save_frequency_epochs": 1,
    "workers_per_gpu": 8,
    "log_every_n_steps": 100,
    "seed": 0,
}


RUN_DEFAULTS = {f.name: f.default for f in dataclasses.fields(RunSpec)}


def _warmup_steps(label: str) -> int:
    # Table 18 prints warm-up as "2K" / "10K"
    return int(float(label.rstrip("K")) * 1000)


def _shard_pattern(data: str) -> str:
    last = math.ceil(DATASET_SAMPLES[data] / SAMPLES_PER_SHARD) - 1
    folder = data.lower().replace("-", "")
    digits = max(5, len(str(last)))  # img2dataset names shards 00000.tar, 00001.tar, ...
    return f"${{data_dir}}/{folder}/{{{0:0{digits}d}..{last:0{digits}d}}}.tar"


def paper_specs() -> list[RunSpec]:
    """The 29 run specs, in Table 18's order, checked against Table 18.

    Raises
    ------
    SchemaError
        INFO and Table 18 disagree on a run's lr, warm-up, GPUs, per-GPU or global batch.
    """
    info = load_models_info()
    table18 = load_reported("table18")
    specs = []
    for number, row in enumerate(table18.itertuples(index=False), start=1):
        arch = row.model.replace("/", "-")
        data_short = row.pretraining_data.removeprefix("LAION-")
        match = info[(info.arch == arch) & (info.data == data_short) & (info.samples_seen_pretty == row.samples_seen)]
        if len(match) != 1:
            raise SchemaError(f"Table 18 row {number} ({row.model}, {row.pretraining_data}, {row.samples_seen}): "
                              f"{len(match)} matching INFO rows, expected 1")
        run = match.iloc[0]
        large = arch in LARGE_MODELS
        spec = RunSpec(
            name=str(run["name"]).removesuffix(".pt"),
            model=arch,
            data=row.pretraining_data,
            train_data=_shard_pattern(row.pretraining_data),
            samples_per_epoch=int(run.samples_per_epoch),
            epochs=int(run.epochs),
            samples_seen_label=row.samples_seen,
            lr=float(run.lr),
            warmup_steps=int(run.warmup),
            batch_size_per_gpu=int(run.local_bs),
            gpus=int(run.gpus),
            precision="amp_bfloat16" if large else "amp",
            dataset_resampled=row.pretraining_data == "LAION-2B",
            grad_checkpointing=large,
            **SHARED,
        )
        checks = {
            "lr": (spec.lr, float(row.lr)),
            "warmup_steps": (spec.warmup_steps, _warmup_steps(row.warmup_steps)),
            "gpus": (spec.gpus, int(row.gpus)),
            "batch_size_per_gpu": (spec.batch_size_per_gpu, int(row.local_batch)),
            "global_batch_size": (spec.global_batch_size, int(row.global_batch)),
        }
        for key, (ours, printed) in checks.items():
            if not math.isclose(ours, printed):
                raise SchemaError(f"Table 18 row {number} ({spec.name}): {key} is {printed} in Table 18 "
                                  f"but {ours} in INFO")
        specs.append(spec)
    return specs


def grid_yaml(specs: Sequence[RunSpec]) -> str:
    """The grid file: shared defaults, then one block per run with its derived totals as comments."""
    lines = [
        "# The paper's 29 training runs (Cherti et al. 2023, Table 18), one OpenCLIP run each.",
        "# Generated by `python -m repro.launch.paper_grid runs/paper/grid.yaml` from INFO",
        "# (trained_models_info.csv) and checked against Table 18; edit the generator, not this file.",
        "# train_data: a default shard pattern (img2dataset, 10,000 samples per shard) under ${data_dir};",
        "# point it at your shards with `repro train --data-dir DIR` or `--train-data LAION-400M=PATTERN`.",
        "defaults:",
        "  # AdamW beta2 0.98, weight decay 0.2, sharded loss with gathered gradients (the paper's recipe)",
    ]
    lines += ["  " + line for line in yaml.safe_dump(SHARED, sort_keys=False).splitlines()]
    lines.append("runs:")
    for spec in specs:
        # a run lists only what differs from the defaults (nanoGPT's config files), plus precision
        entry = {k: v for k, v in spec.to_dict().items()
                 if k not in SHARED and (k == "precision" or v != RUN_DEFAULTS.get(k, object()))}
        body = yaml.safe_dump(entry, sort_keys=False, width=200).splitlines()
        lines.append(f"  - {body[0]}")
        lines += [f"    {line}" for line in body[1:]]
        if spec.precision != "amp":
            lines.append("    # bfloat16 and gradient checkpointing: fp16 loss spikes on the large towers (the paper's training details)")
        if spec.dataset_resampled:
            lines.append("    # LAION-2B: resampled shards, no epoch boundaries (the paper's training details)")
        lines += derived_comment(spec, indent="    ").rstrip("\n").splitlines()
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Write the grid YAML to the path given (default ``runs/paper/grid.yaml``)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    out = Path(argv[0]) if argv else grid_path("paper")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(grid_yaml(paper_specs()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
