"""The training chapter's real scheduler run: a toy grid on SLURM, one job preempted and resumed,
and 2 ranks against 1 at the same global batch, recorded with its provenance.

:func:`scheduler_run` submits, with ``--chain 2`` (two jobs per run, the second waiting for the
first), three tiny CPU runs of the smallest miniature ViT on flat-colour images
(:func:`repro.launch.ddp_check.write_uniform_csv`):

* ``ddp-2rank``: 2 ranks x 8 samples, the paper's sharded loss (``--local-loss --gather-with-grad``),
  4 epochs of one step over the whole 16-image set;
* ``ddp-1rank``: 1 rank x 16 samples, otherwise the same (the reference of the DDP check);
* ``long-2rank``: 2 ranks, 6 epochs of 8 steps; its first job is cancelled by ``scancel`` once it
  has saved ``cancel_after_epochs`` checkpoints and trains the next epoch, so the second job of the
  chain resumes it from its latest checkpoint (``--resume latest``), as after a preemption or a
  time limit.

It waits for every job and records (:class:`SchedulerRecord`): each job's id and final state, the
resumed run's steps per job (from open_clip_train's log, a line per step), and the global
contrastive loss of each checkpoint of the 1-rank and 2-rank runs with their weight gap.
``python -m repro.launch.scheduler_run --out runs/cluster`` writes ``record.json`` and
``loss_curves.csv`` there (committed; refused from a dirty tree), which the training chapter
shows; ``tests/test_cluster_slurm.py`` checks the same record on every CI run.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from repro.data.provenance import require_clean
from repro.errors import ReproError, SchedulerError
from repro.executors import scheduler
from repro.executors.arrays import SlurmOptions
from repro.launch.ddp_check import checkpoint_losses, weight_gap, write_uniform_csv
from repro.launch.executors import LaunchOptions, get_executor
from repro.launch.rundir import RunDir
from repro.launch.spec import RunSpec

#: The miniature study's smallest ViT (a LayerNorm model: no batch statistics that differ per rank).
TINY_CONFIG = Path(__file__).resolve().parents[1] / "mini" / "model_configs" / "mini-ViT-XS.json"

_STEP = re.compile(r"Train Epoch: (\d+) \[\s*(\d+)/")


def logged_steps(log: Path) -> list[tuple[int, int]]:
    """(epoch, samples into the epoch) of every logged step of an ``out.log``, in order (the runs
    here log every step)."""
    return _steps(Path(log).read_text())


def _steps(text: str) -> list[tuple[int, int]]:
    """:func:`logged_steps` of a log's text."""
    return [(int(m[1]), int(m[2])) for m in _STEP.finditer(text)]


def toy_specs(data: Path) -> dict[str, RunSpec]:
    """The three runs (see the module's docstring), their images written under ``data``."""
    small = write_uniform_csv(data / "small", n_samples=16)
    large = write_uniform_csv(data / "large", n_samples=128, seed=1)

    def spec(name: str, csv: Path, *, samples: int, epochs: int, gpus: int = 2, batch: int = 8) -> RunSpec:
        return RunSpec(name=name, model=str(TINY_CONFIG), data="flat-colours", train_data=str(csv),
                       dataset_type="csv", samples_per_epoch=samples, epochs=epochs, lr=1e-3, warmup_steps=1,
                       batch_size_per_gpu=batch, gpus=gpus, device="cpu", precision="fp32", workers_per_gpu=0,
                       log_every_n_steps=1)

    return {"ddp-2rank": spec("ddp-2rank", small, samples=16, epochs=4),
            "ddp-1rank": spec("ddp-1rank", small, samples=16, epochs=4, gpus=1, batch=16),
            "long-2rank": spec("long-2rank", large, samples=128, epochs=6)}


def wait_for_epoch(run_dir: RunDir, epoch: int, *, job_id: str, timeout_s: float) -> None:
    """Return once the run's ``out.log`` shows a step of 0-based epoch ``epoch``: ``epoch``
    checkpoints are saved and the next epoch is under way (the moment to interrupt it mid-epoch).

    Raises
    ------
    SchedulerError
        Not reached in ``timeout_s`` (names the run, the job and the log).
    """
    deadline = time.monotonic() + timeout_s
    while not (run_dir.log_file.exists() and any(e >= epoch for e, _ in logged_steps(run_dir.log_file))):
        if time.monotonic() > deadline:
            raise SchedulerError(f"run {run_dir.name}: job {job_id} did not reach epoch {epoch + 1} in "
                                 f"{timeout_s:.0f} s; log {run_dir.log_file}")
        time.sleep(0.2)


def resumed_steps(run_dir: RunDir) -> dict:
    """How an interrupted run resumed, from its ``out.log`` (a line per step, appended by each job):
    whether a later job resumed and from which epoch, the steps each job logged, the distinct
    steps in all and before the resumed checkpoint, and the epoch of the last checkpoint.

    No epoch before the checkpoint trained twice means ``steps_before_resume ==
    distinct_steps_before_resume``; the run ends as an uninterrupted one when ``distinct_steps``
    is the spec's ``total_steps``.
    """
    text = run_dir.log_file.read_text()
    # open_clip_train logs "=> resuming checkpoint '...' (epoch N)" when a later job resumes
    resume = re.search(r"=> resuming checkpoint .*\(epoch (\d+)\)", text)
    first_part = text[:resume.start()] if resume else text
    steps, steps_first = _steps(text), len(_steps(first_part))
    resumed_from = int(resume[1]) if resume else 0
    before = [s for s in steps if s[0] < resumed_from]
    return {
        "resumed": resume is not None, "resumed_from_epoch": resumed_from,
        "steps_first_job": steps_first, "steps_second_job": len(steps) - steps_first,
        "first_step_after_resume": list(steps[steps_first]) if steps_first < len(steps) else None,
        "distinct_steps": len(set(steps)),
        "steps_before_resume": len(before), "distinct_steps_before_resume": len(set(before)),
        "final_checkpoint_epoch": len(run_dir.checkpoints()),
    }


@dataclass
class SchedulerRecord:
    """What happened on the scheduler (JSON-ready)."""

    jobs: list[dict] = field(default_factory=list)      # run, job id, state, exit code, the job's role
    resumed: dict = field(default_factory=dict)          # the cancelled run's steps, per job and in all
    ddp: dict = field(default_factory=dict)              # weight gap, loss gap, training movement
    wall_s: float = 0.0


def scheduler_run(work: Path, *, cancel_after_epochs: int = 2, timeout_s: float = 900.0,
                  python: str = sys.executable) -> tuple[SchedulerRecord, pd.DataFrame]:
    """Submit the toy grid to the running SLURM, preempt one job, wait, and record what happened.

    Parameters
    ----------
    work : Path
        Scratch folder: data and run directories.
    cancel_after_epochs : int
        The long run's first job is cancelled once this many checkpoints exist and the next
        epoch has begun.
    timeout_s : float
        Give up (SchedulerError) when the jobs take longer.
    python : str
        The interpreter on the node.

    Returns
    -------
    SchedulerRecord, pandas.DataFrame
        The record, and the loss curves (``run``, ``ranks``, ``epoch``, ``loss``).
    """
    start = time.monotonic()
    specs = toy_specs(work / "data")
    out = work / "runs"
    executor = get_executor("slurm", LaunchOptions(chain=2, slurm=SlurmOptions(python=python, time="15:00")))
    submitted = {name: executor.launch(spec, out).job_id.split(",") for name, spec in specs.items()}
    long_dir = RunDir.for_spec(specs["long-2rank"], out)
    deadline = time.monotonic() + timeout_s
    wait_for_epoch(long_dir, cancel_after_epochs, job_id=submitted["long-2rank"][0], timeout_s=timeout_s)
    checkpoints_at_cancel = len(long_dir.checkpoints())
    scheduler.cancel(submitted["long-2rank"][0])
    states = scheduler.wait([i for ids in submitted.values() for i in ids],
                            timeout_s=max(1.0, deadline - time.monotonic()))
    record = SchedulerRecord()
    for name, ids in submitted.items():
        for role, job_id in zip(("first", "chained"), ids):
            state = states[job_id]
            record.jobs.append({"run": name, "job": role, "job_id": job_id, "state": state.state,
                                "exit_code": state.exit_code, "cancelled_by_test": name == "long-2rank" and role == "first"})
    long_spec = specs["long-2rank"]
    record.resumed = {"run": "long-2rank", "epochs": long_spec.epochs, "steps_per_epoch": long_spec.steps_per_epoch,
                      "uninterrupted_steps": long_spec.total_steps, "checkpoints_at_cancel": checkpoints_at_cancel,
                      **resumed_steps(long_dir)}
    two, one = RunDir.for_spec(specs["ddp-2rank"], out), RunDir.for_spec(specs["ddp-1rank"], out)
    curves = []
    for run_dir, ranks in ((two, 2), (one, 1)):
        curve = checkpoint_losses(f"local-dir:{run_dir.path / 'model'}", run_dir.path, run_dir.spec.train_data)
        curves.append(curve.assign(run=run_dir.spec.name, ranks=ranks))
    curves_frame = pd.concat(curves, ignore_index=True)[["run", "ranks", "epoch", "loss"]]
    gap = weight_gap(two.final_checkpoint, one.final_checkpoint)
    moved = weight_gap(two.checkpoints()[0], two.final_checkpoint)
    losses = curves_frame.pivot(index="epoch", columns="ranks", values="loss")
    record.ddp = {"weight_gap_max_abs": gap.max_abs, "weight_gap_max_rel": gap.max_rel, "tensors": gap.n_tensors,
                  "training_movement_max_abs": moved.max_abs,
                  "loss_gap_max_abs": float((losses[2] - losses[1]).abs().max()),
                  "global_batch": specs["ddp-2rank"].global_batch_size, "lr": specs["ddp-2rank"].lr}
    record.wall_s = round(time.monotonic() - start, 1)
    return record, curves_frame


def main(argv: list[str] | None = None) -> int:
    """``python -m repro.launch.scheduler_run --out runs/cluster [--work DIR]``: run and write the record."""
    p = argparse.ArgumentParser(description="The training chapter's real scheduler run (needs a running SLURM).")
    p.add_argument("--out", type=Path, required=True, help="record.json, loss_curves.csv and provenance.json go here")
    p.add_argument("--work", type=Path, default=Path("runs/work/cluster"), help="scratch (git-ignored)")
    p.add_argument("--force-dirty", action="store_true")
    args = p.parse_args(argv)
    try:
        source = require_clean(args.out, force=args.force_dirty)
        record, curves = scheduler_run(args.work.resolve())
    except ReproError as err:
        print(f"scheduler run: error: {err}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "record.json").write_text(json.dumps(asdict(record), indent=2) + "\n")
    curves.to_csv(args.out / "loss_curves.csv", index=False)
    node = scheduler.node_cpus()
    (args.out / "provenance.json").write_text(json.dumps({
        **source, "machine": platform.platform(), "node_cpus": node,
        "slurm": scheduler.slurm_version(), "max_array_size": scheduler.max_array_size()}, indent=2) + "\n")
    print(json.dumps(asdict(record), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
