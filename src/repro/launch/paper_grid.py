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

import pandas as pd
import yaml

from repro.constants import DATA_LABELS
from repro.data import load_models_info, load_reported
from repro.errors import SchemaError
from repro.launch.spec import RunSpec, derived_comment

#: Unique samples per dataset, to write a default shard pattern. 80M and 400M: the largest
#: samples_per_epoch INFO gives for a run without resampling; 2B: LAION-2B-en (2.32 B pairs).
DATASET_SAMPLES = {"LAION-80M": 80_000_415, "LAION-400M": 413_000_000, "LAION-2B": 2_320_000_000}

#: img2dataset's default shard size; the shard pattern is a default for a user's own download,
#: overridden with ``repro train --train-data LAION-400M=PATTERN``.
SAMPLES_PER_SHARD = 10_000

#: Towers trained in bfloat16 after fp16 loss spikes, with gradient checkpointing so the per-GPU
#: batch of Table 18 fits in an A100's 40 GB (PAPER.md, "Training recipe").
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
        "  # AdamW beta2 0.98, weight decay 0.2, sharded loss with gathered gradients (PAPER.md, recipe)",
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
            lines.append("    # bfloat16 and gradient checkpointing: fp16 loss spikes on the large towers (PAPER.md)")
        if spec.dataset_resampled:
            lines.append("    # LAION-2B: resampled shards, no epoch boundaries (PAPER.md)")
        lines += derived_comment(spec, indent="    ").rstrip("\n").splitlines()
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Write the grid YAML to the path given (default ``runs/paper/grid.yaml``)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    from repro.launch.grid import grid_path

    out = Path(argv[0]) if argv else grid_path("paper")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(grid_yaml(paper_specs()))
    return 0


def table(specs: Sequence[RunSpec]) -> pd.DataFrame:
    """One row per run: the hyper-parameters and derived totals, for the book's table."""
    return pd.DataFrame([{
        "name": s.name, "model": s.model, "data": s.data, "samples_seen_label": s.samples_seen_label,
        "samples_seen": s.samples_seen, "epochs": s.epochs, "samples_per_epoch": s.samples_per_epoch,
        "lr": s.lr, "warmup_steps": s.warmup_steps, "batch_size_per_gpu": s.batch_size_per_gpu, "gpus": s.gpus,
        "global_batch_size": s.global_batch_size, "precision": s.precision, "resampled": s.dataset_resampled,
        "grad_checkpointing": s.grad_checkpointing,
    } for s in specs])


if __name__ == "__main__":
    sys.exit(main())


def resources_table(specs: Sequence[RunSpec] | None = None) -> pd.DataFrame:
    """The 29 runs with hours and GPU-hours recomputed from INFO's recorded throughput.

    hours = samples_seen / samples_per_sec / 3600 (samples_per_sec: INFO's measured throughput
    of the whole job), gpu_hours = hours x GPUs; Table 18's printed values beside them.
    """
    specs = paper_specs() if specs is None else list(specs)
    info = load_models_info()
    info = info.set_index(info["name"].str.removesuffix(".pt"))
    table18 = load_reported("table18")
    frame = table(specs)
    frame["samples_per_sec"] = [float(info.loc[s.name, "samples_per_sec"]) for s in specs]
    frame["hours"] = frame["samples_seen"] / frame["samples_per_sec"] / 3600
    frame["gpu_hours"] = frame["hours"] * frame["gpus"]
    frame["paper_global_batch"] = table18["global_batch"].to_numpy()
    frame["paper_hours"] = table18["hours"].to_numpy()
    frame["paper_gpu_hours"] = table18["gpu_hours"].to_numpy()
    return frame


def resources_report_rows(resources: pd.DataFrame):
    """Reproduction-report rows: each launch spec's global batch, hours and GPU-hours vs Table 18.

    Quantities are prefixed ``launch_`` (the "setup" section reports the same columns recomputed
    from INFO alone, :func:`repro.paper.resources.table18_report_rows`); these check the specs
    that ``repro train`` launches.
    """
    from repro.report import compare

    explanation = ("hours recomputed from INFO's average samples/s assume a constant throughput; "
                   "Table 18 rounds to whole hours")
    rows = []
    for run in resources.itertuples(index=False):
        rows.append(compare("table18", f"launch_global_batch_{run.name}", run.global_batch_size, run.paper_global_batch,
                            decimals=0))
        for quantity in ("hours", "gpu_hours"):
            ours, paper = getattr(run, quantity), getattr(run, f"paper_{quantity}")
            rows.append(compare("table18", f"launch_{quantity}_{run.name}", ours, paper, decimals=0,
                                explanation=explanation if abs(round(ours) - paper) > 1 else ""))
    return rows


def glue_values(resources: pd.DataFrame, rows: Sequence) -> dict[str, float]:
    """Plain values for the prose of the training page (``repro.report_all``).

    Parameters
    ----------
    resources : DataFrame
        :func:`resources_table` of the grid (one row per run).
    rows : sequence of ReportRow
        :func:`resources_report_rows` of ``resources``.

    Returns
    -------
    dict
        ``n_runs``, ``n_rows`` (report rows), ``n_exact`` (rows "exact" or "within rounding"),
        ``total_gpu_hours`` (ours) and ``paper_total_gpu_hours`` (Table 18's), all floats.
    """
    return {
        "n_runs": float(len(resources)),
        "n_exact": float(sum(r.status in ("exact", "within rounding") for r in rows)),
        "n_rows": float(len(rows)),
        "total_gpu_hours": float(resources["gpu_hours"].sum()),
        "paper_total_gpu_hours": float(resources["paper_gpu_hours"].sum()),
    }


def commands_table(specs: Sequence[RunSpec] | None = None, *, out_dir: str | Path = "OUT") -> pd.DataFrame:
    """Each run's exact open_clip_train command (one process; ``$DATA_DIR`` left for the shell)."""
    from repro.launch.argv import DATA_DIR_TOKEN, shell_join
    from repro.launch.local import train_command
    from repro.launch.rundir import RunDir

    specs = paper_specs() if specs is None else list(specs)
    out = Path(out_dir)
    commands = []
    for spec in specs:
        run_dir = RunDir(out, spec)  # not resolved: the command reads as written for OUT
        commands.append(shell_join(train_command(spec, run_dir, data_dir=DATA_DIR_TOKEN)))
    return pd.DataFrame({"name": [s.name for s in specs], "command": commands})
