"""``repro train``: launch a grid of runs with an executor of :data:`repro.launch.executors.EXECUTORS`
(local, torchrun, slurm, submitit). This module parses the flags; the executors do the work.

Examples::

    repro train --grid paper --executor slurm --dry-run --out runs/paper/launch   # 29 sbatch scripts
    repro train --grid paper --executor slurm --out /scratch/clip --data-dir /data/laion \\
        --only Model-B-32_Data-80M_Samples-3B_lr-5e-4_bs-32k --chain 2
    repro train --grid runs/mini/grid.yaml --executor local --out runs/mini/out
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from repro.errors import ReproError, SpecError
from repro.executors import scheduler
from repro.launch.executors import EXECUTORS, LaunchOptions, get_executor
from repro.launch.grid import load_grid
from repro.launch.rundir import RunDir
from repro.executors.arrays import SlurmOptions, sbatch_directives
from repro.launch.slurm import TRAINING_JOB_TIME


def _train_data(values: Sequence[str]) -> dict[str, str]:
    mapping = {}
    for value in values:
        label, sep, pattern = value.partition("=")
        if not sep or not label or not pattern:
            raise argparse.ArgumentTypeError(f"--train-data {value!r}: expected LABEL=PATTERN, "
                                             "e.g. LAION-400M=/data/laion400m/{00000..41399}.tar")
        mapping[label] = pattern
    return mapping


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="repro train", description="Launch training runs from a grid of run specs.")
    p.add_argument("--grid", default="paper", help="grid name under runs/ (default: paper) or a grid YAML path")
    p.add_argument("--only", action="append", default=[], metavar="NAME", help="run only this run (repeatable)")
    p.add_argument("--executor", choices=list(EXECUTORS), default="local")
    p.add_argument("--out", type=Path, required=True, help="folder of run directories (and launch scripts)")
    p.add_argument("--data-dir", type=Path, help="replaces ${data_dir} in the specs' train_data")
    p.add_argument("--train-data", action="append", default=[], metavar="LABEL=PATTERN",
                   help="data label (LAION-400M) or run name -> shards/CSV, overriding the spec (repeatable)")
    p.add_argument("--dry-run", action="store_true", help="write one launch script per run, start nothing")
    p.add_argument("--workers", type=int, help="data-loader workers per GPU (overrides the specs)")
    p.add_argument("--nproc-per-node", type=int, help="torchrun: processes (default: the spec's GPUs)")
    p.add_argument("--time", default=TRAINING_JOB_TIME, help="slurm: time limit per job")
    p.add_argument("--partition", help="slurm: partition")
    p.add_argument("--account", help="slurm: account")
    p.add_argument("--setup", action="append", default=[], metavar="LINE",
                   help="slurm: shell line run before srun, e.g. 'source venv/bin/activate' (repeatable)")
    p.add_argument("--python", default="python", help="slurm: the interpreter on the compute nodes")
    p.add_argument("--sbatch", action="append", default=[], metavar="KEY=VALUE",
                   help="slurm, submitit: one more #SBATCH --KEY=VALUE directive (repeatable)")
    p.add_argument("--chain", type=int, default=1,
                   help="slurm: jobs submitted per run (each resumes the last); submitit: requeues at most CHAIN-1")
    p.add_argument("--wait", action="store_true",
                   help="slurm, submitit: wait for the submitted jobs, printing each state change "
                        "(pending, running, done, failed, with the log); exit non-zero when a run did not finish")
    p.add_argument("--wait-timeout", type=float, default=24 * 3600.0, metavar="SECONDS",
                   help="with --wait: give up after this many seconds (default: a day)")
    return p


def wait_for_runs(submitted: Sequence[tuple[str, RunDir, str]], *, timeout_s: float, out=print) -> int:
    """Wait for submitted runs' jobs and print their states; the number of runs that did not finish.

    Parameters
    ----------
    submitted : Sequence[tuple[str, RunDir, str]]
        (run name, run directory, comma-separated job ids) of each submitted run.
    timeout_s : float
        Give up after this many seconds (:class:`repro.errors.SchedulerError`).
    out : callable
        Prints one line.
    """
    owner = {job_id: name for name, _, ids in submitted for job_id in ids.split(",")}

    def changed(state: scheduler.JobState) -> None:
        name = owner.get(state.job_id.split("_")[0], "?")
        out(f"run {name}: job {state.job_id} {state.group} ({state.state}); log {state.log_path}")

    states = scheduler.wait(list(owner), timeout_s=timeout_s, on_change=changed)
    unfinished = 0
    for name, run_dir, ids in submitted:
        if run_dir.state() == "finished":
            out(f"run {name}: done ({len(run_dir.checkpoints())} checkpoints) in {run_dir.path}")
            continue
        unfinished += 1
        failed = [states[i] for i in ids.split(",") if i in states and states[i].group == "failed"]
        line = failed[-1].describe(f"run {name}") if failed else f"run {name}: not finished; see {run_dir.path}"
        print(f"repro train: error: {line}", file=sys.stderr)
    return unfinished


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; ``argv[0]`` is the subcommand name ``"train"``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "train":
        argv = argv[1:]
    args = parser().parse_args(argv)
    try:
        train_data = _train_data(args.train_data)
        extra = sbatch_directives(args.sbatch)
    except (argparse.ArgumentTypeError, SpecError) as err:
        parser().error(str(err))
    options = LaunchOptions(
        data_dir=args.data_dir, train_data=train_data, workers_per_gpu=args.workers,
        nproc_per_node=args.nproc_per_node, chain=args.chain,
        slurm=SlurmOptions(time=args.time, partition=args.partition, account=args.account, setup=tuple(args.setup),
                           python=args.python, extra=extra),
    )
    try:
        executor = get_executor(args.executor, options)
        specs = load_grid(args.grid, only=args.only or None)
        if args.dry_run:
            executor.submit(specs, args.out, dry_run=True)
            print(f"wrote {len(specs)} {args.executor} launch script(s) to {args.out.resolve()}; nothing started")
            return 0
        args.out.mkdir(parents=True, exist_ok=True)
        failed = 0
        submitted = []
        for number, spec in enumerate(specs, start=1):
            print(f"[{number}/{len(specs)}] {spec.name}: {args.executor} ...", flush=True)
            result = executor.launch(spec, args.out)
            speed = f", {result.samples_per_sec:,.0f} samples/s" if result.samples_per_sec else ""
            job = f", job {result.job_id}" if result.job_id else ""
            print(f"[{number}/{len(specs)}] {spec.name}: {result.state}{job} "
                  f"({result.epochs_completed}/{spec.epochs} epochs{speed})", flush=True)
            failed += result.state in ("failed", "interrupted")
            if result.state == "submitted" and result.job_id:
                submitted.append((spec.name, RunDir.for_spec(spec, args.out), result.job_id))
        if args.wait and submitted:
            failed += wait_for_runs(submitted, timeout_s=args.wait_timeout)
    except ReproError as err:
        print(f"repro train: error: {err}", file=sys.stderr)
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    sys.exit(main())
