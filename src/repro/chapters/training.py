"""The training chapter (``book/notebooks/training.md``): the paper's 29 runs as the launch specs
``repro train`` runs, their derived totals and resources, each run's exact command, and what a real
run on a SLURM scheduler did (the committed record of :mod:`repro.launch.scheduler_run`).

:func:`compute` builds the page (:class:`Page`) from the notebook's parameters; the notebook
publishes it with one call (``repro.book.kernel.publish("training", page)``).

The specs come from :func:`repro.launch.paper_grid.paper_specs`, which refuses any disagreement
with Table 18 on lr, warm-up, GPUs, per-GPU and global batch. Hours and GPU-hours recomputed from
the specs are shown beside Table 18's, and the page's prose counts how many round to the printed
hour; the reproduction report's rows of Table 18 are the setup chapter's (one check of each
printed number). The page's own rows are checks of the scheduler run against targets stated in
advance: the DDP check's bounds (:data:`repro.launch.ddp_check.LOSS_TOLERANCE`,
:data:`~repro.launch.ddp_check.WEIGHT_TOLERANCE`) and the uninterrupted step count of the
preempted run.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from repro.constants import REPO_ROOT, RUNS_DIR
from repro.data import load_models_info, load_reported
from repro.errors import DataNotFoundError, SpecError
from repro.figures.training import ddp_loss_curves
from repro.launch import RunDir, load_grid, train_command
from repro.launch.argv import DATA_DIR_TOKEN, shell_join
from repro.launch.ddp_check import LOSS_TOLERANCE, WEIGHT_TOLERANCE
from repro.launch.paper_grid import paper_specs
from repro.launch.spec import RunSpec
from repro.report import ReportRow, check

#: The committed scheduler run (``python -m repro.launch.scheduler_run --out runs/cluster``).
SCHEDULER_RUN_DIR = RUNS_DIR / "cluster"


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


@dataclass(frozen=True)
class SchedulerRun:
    """The committed record of the real scheduler run (:mod:`repro.launch.scheduler_run`)."""

    record: dict            # record.json: jobs, resumed steps, DDP gaps
    curves: pd.DataFrame    # loss_curves.csv: run, ranks, epoch, loss
    provenance: dict        # provenance.json: commit, machine, SLURM version, node CPUs


def load_scheduler_run(folder: str | Path = SCHEDULER_RUN_DIR) -> SchedulerRun:
    """Read the committed scheduler run from ``folder``.

    Parameters
    ----------
    folder : str or Path
        Holds ``record.json``, ``loss_curves.csv`` and ``provenance.json``; a relative path is
        relative to the repository's root (as the notebook's parameter is written).

    Raises
    ------
    DataNotFoundError
        A file is missing (the message says how to make it).
    """
    folder = Path(folder) if Path(folder).is_absolute() else REPO_ROOT / folder
    files = [folder / name for name in ("record.json", "loss_curves.csv", "provenance.json")]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise DataNotFoundError(f"{', '.join(missing)}: no scheduler run; make it with a running SLURM "
                                f"(sudo scripts/local-slurm.sh start) and 'python -m repro.launch.scheduler_run "
                                f"--out {folder}'")
    return SchedulerRun(json.loads(files[0].read_text()), pd.read_csv(files[1]), json.loads(files[2].read_text()))


def jobs_table(run: SchedulerRun) -> pd.DataFrame:
    """One row per job of the scheduler run: run, first or chained job, job id, final state, exit code."""
    frame = pd.DataFrame(run.record["jobs"])
    return frame[["run", "job", "job_id", "state", "exit_code", "cancelled_by_test"]]


def scheduler_rows(run: SchedulerRun) -> list[ReportRow]:
    """Checks of the scheduler run against targets stated before it: the DDP bounds and the
    preempted run's uninterrupted step count."""
    ddp, resumed = run.record["ddp"], run.record["resumed"]
    total = float(resumed["uninterrupted_steps"])
    return [
        check("training", "ddp 2 ranks vs 1: max |loss difference| over epochs", ddp["loss_gap_max_abs"],
              at_most=LOSS_TOLERANCE, explanation="global contrastive loss of each checkpoint, same batch and seed"),
        check("training", "ddp 2 ranks vs 1: max |weight difference|", ddp["weight_gap_max_abs"],
              at_most=WEIGHT_TOLERANCE, explanation="final weights, float reduction order only"),
        check("training", "preempted run: distinct steps trained", float(resumed["distinct_steps"]),
              at_least=total, at_most=total, explanation="cancelled mid-run, resumed by the chained job"),
    ]


@dataclass(frozen=True)
class Page:
    """What the chapter shows: the grid's specs and resources, and the scheduler run (None when
    the page is asked for none)."""

    specs: list[RunSpec]
    resources: pd.DataFrame
    out_dir: str
    scheduler: SchedulerRun | None

    def report_rows(self) -> list[ReportRow]:
        """The scheduler run's checks (:func:`scheduler_rows`); none without it."""
        return scheduler_rows(self.scheduler) if self.scheduler is not None else []

    def glue_values(self) -> dict[str, float]:
        """:func:`glue_values` of the resources, and the scheduler run's figures."""
        values = glue_values(self.resources)
        if self.scheduler is not None:
            ddp, resumed = self.scheduler.record["ddp"], self.scheduler.record["resumed"]
            values.update(
                ddp_loss_gap=float(ddp["loss_gap_max_abs"]), ddp_weight_gap=float(ddp["weight_gap_max_abs"]),
                ddp_movement=float(ddp["training_movement_max_abs"]), ddp_loss_tolerance=LOSS_TOLERANCE,
                ddp_weight_tolerance=WEIGHT_TOLERANCE, ddp_global_batch=float(ddp["global_batch"]),
                resumed_total_steps=float(resumed["uninterrupted_steps"]),
                resumed_distinct_steps=float(resumed["distinct_steps"]),
                resumed_first_job_steps=float(resumed["steps_first_job"]),
                resumed_second_job_steps=float(resumed["steps_second_job"]),
                resumed_checkpoints_at_cancel=float(resumed["checkpoints_at_cancel"]),
                resumed_from_epoch=float(resumed["resumed_from_epoch"]),
                scheduler_jobs=float(len(self.scheduler.record["jobs"])), scheduler_wall_s=float(self.scheduler.record["wall_s"]),
            )
        return values

    def loss_figure(self) -> Figure:
        """The 1-rank and 2-rank loss curves (:func:`repro.figures.training.ddp_loss_curves`)."""
        if self.scheduler is None:
            raise SpecError("the page was computed without a scheduler run (scheduler_run='')")
        return ddp_loss_curves(self.scheduler.curves)


def compute(grid: str = "paper", out_dir: str = "OUT", scheduler_run: str = "runs/cluster") -> Page:
    """The page for the notebook's parameters.

    Parameters
    ----------
    grid : str
        ``"paper"`` or the path of a grid YAML file (:func:`load_specs`).
    out_dir : str
        Output folder shown in the commands (nothing is written).
    scheduler_run : str
        Folder of the committed scheduler run; ``""`` for none.

    Raises
    ------
    SpecError
        An unknown grid, or a grid file with mistakes.
    DataNotFoundError
        ``scheduler_run`` names a folder without the run's files.
    """
    specs = load_specs(grid)
    return Page(specs, resources_table(specs), out_dir,
                load_scheduler_run(scheduler_run) if scheduler_run else None)
