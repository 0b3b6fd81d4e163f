"""The training chapter (``book/notebooks/training.md``): the paper's 29 runs as the launch specs
``repro train`` runs, their derived totals and resources, and each run's exact command.

The specs come from :func:`repro.launch.paper_grid.paper_specs`, which refuses any disagreement
with Table 18 on lr, warm-up, GPUs, per-GPU and global batch. Hours and GPU-hours recomputed from
the specs are shown beside Table 18's, and the page's prose counts how many round to the printed
hour; the reproduction report's rows of Table 18 are the setup chapter's (one check of each
printed number), so this page saves none.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from repro.data import load_models_info, load_reported
from repro.launch import RunDir, load_grid, train_command
from repro.launch.argv import DATA_DIR_TOKEN, shell_join
from repro.launch.paper_grid import paper_specs
from repro.launch.spec import RunSpec


def specs_table(specs: Sequence[RunSpec]) -> pd.DataFrame:
    """One row per run: the hyper-parameters and derived totals, for the book's table."""
    return pd.DataFrame([{
        "name": s.name, "model": s.model, "data": s.data, "samples_seen_label": s.samples_seen_label,
        "samples_seen": s.samples_seen, "epochs": s.epochs, "samples_per_epoch": s.samples_per_epoch,
        "lr": s.lr, "warmup_steps": s.warmup_steps, "batch_size_per_gpu": s.batch_size_per_gpu, "gpus": s.gpus,
        "global_batch_size": s.global_batch_size, "precision": s.precision, "resampled": s.dataset_resampled,
        "grad_checkpointing": s.grad_checkpointing,
    } for s in specs])


def resources_table(specs: Sequence[RunSpec] | None = None) -> pd.DataFrame:
    """The 29 runs with hours and GPU-hours recomputed from INFO's recorded throughput.

    hours = samples_seen / samples_per_sec / 3600 (samples_per_sec: INFO's measured throughput
    of the whole job), gpu_hours = hours x GPUs; Table 18's printed values beside them
    (``paper_global_batch``, ``paper_hours``, ``paper_gpu_hours``), in Table 18's order.
    """
    specs = paper_specs() if specs is None else list(specs)
    info = load_models_info()
    info = info.set_index(info["name"].str.removesuffix(".pt"))
    table18 = load_reported("table18")
    frame = specs_table(specs)
    frame["samples_per_sec"] = [float(info.loc[s.name, "samples_per_sec"]) for s in specs]
    frame["hours"] = frame["samples_seen"] / frame["samples_per_sec"] / 3600
    frame["gpu_hours"] = frame["hours"] * frame["gpus"]
    frame["paper_global_batch"] = table18["global_batch"].to_numpy()
    frame["paper_hours"] = table18["hours"].to_numpy()
    frame["paper_gpu_hours"] = table18["gpu_hours"].to_numpy()
    return frame


def glue_values(resources: pd.DataFrame) -> dict[str, float]:
    """Plain values for the prose of the training page (:func:`repro.report.glue_all`).

    Parameters
    ----------
    resources : DataFrame
        :func:`resources_table` of the grid (one row per run).

    Returns
    -------
    dict
        ``n_runs``; ``n_compared`` (global batch, hours and GPU-hours of every run: 3 per run) and
        ``n_agree`` (those equal to Table 18's: the batch exactly, hours and GPU-hours rounded to
        the printed hour); ``total_gpu_hours`` (ours) and ``paper_total_gpu_hours`` (Table 18's),
        all floats.
    """
    agree = ((resources["global_batch_size"] == resources["paper_global_batch"]).sum()
             + (resources["hours"].round() == resources["paper_hours"]).sum()
             + (resources["gpu_hours"].round() == resources["paper_gpu_hours"]).sum())
    return {
        "n_runs": float(len(resources)),
        "n_compared": float(3 * len(resources)),
        "n_agree": float(agree),
        "total_gpu_hours": float(resources["gpu_hours"].sum()),
        "paper_total_gpu_hours": float(resources["paper_gpu_hours"].sum()),
    }


def resources_display(resources: pd.DataFrame) -> pd.DataFrame:
    """The page's view of :func:`resources_table`: without the run name, hours to one decimal,
    GPU-hours and samples/s to whole numbers."""
    return resources.drop(columns=["name"]).round({"hours": 1, "gpu_hours": 0, "samples_per_sec": 0})


def commands_table(specs: Sequence[RunSpec] | None = None, *, out_dir: str | Path = "OUT") -> pd.DataFrame:
    """Each run's exact open_clip_train command (one process; ``$DATA_DIR`` left for the shell)."""
    specs = paper_specs() if specs is None else list(specs)
    out = Path(out_dir)
    commands = []
    for spec in specs:
        run_dir = RunDir(out, spec)  # not resolved: the command reads as written for OUT
        commands.append(shell_join(train_command(spec, run_dir, data_dir=DATA_DIR_TOKEN)))
    return pd.DataFrame({"name": [s.name for s in specs], "command": commands})


def commands_display(specs: Sequence[RunSpec], *, out_dir: str | Path = "OUT"):
    """:func:`commands_table` styled for the page (no index column)."""
    return commands_table(specs, out_dir=out_dir).style.hide(axis="index")


def load_specs(grid: str | Path) -> list[RunSpec]:
    """The page's ``grid`` parameter as run specs (:func:`repro.launch.load_grid`: ``"paper"`` or a
    grid YAML path)."""
    return load_grid(grid)
