"""``repro mini``: run the miniature study of one profile and print its fit.

    repro mini                         # the laptop grid (<= 30 min on 2 CPU cores)
    repro mini --profile isoflop       # the isoFLOP study, v1 (<= 30 min on 2 CPU cores)
    repro mini --profile isoflop-v2    # v2: 5 budgets, 3 seeds, a fixed analysis plan (<= 45 min)
    repro mini --profile wsd-v2        # one warmup-stable-decay run for all of isoflop-v2's budgets (XS, S)
    repro mini --profile smoke         # CI: the whole loop in <= 3 min (smoke-isoflop: the isoFLOP loop)
    repro mini --profile gpu           # a larger grid for one GPU
    repro mini --profile gpu --executor slurm --partition gpu   # the same grid as a SLURM array

This module parses the flags and prints; :func:`repro.mini.study.run_study` does the work (for a
WSD profile, :func:`repro.mini.wsd.run_wsd`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from repro.errors import FitError, ReproError
from repro.executors.arrays import ArrayOptions, SlurmOptions
from repro.mini.analysis import summary_table
from repro.mini.profiles import PROFILES
from repro.mini.study import DATA_PATHS, RESULTS_ROOT, STUDY_EXECUTORS, WORK_ROOT, run_study
from repro.mini.wsd import PROFILES as WSD_PROFILES, run_wsd


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="repro mini", description=__doc__.splitlines()[0])
    p.add_argument("--profile", choices=sorted({**PROFILES, **WSD_PROFILES}), default="laptop",
                   help="which study: laptop (default), isoflop-v2 (the isoFLOP study with seeds and a plan), "
                        "isoflop (its first version), wsd-v2 (isoflop-v2's XS and S cells, one warmup-stable-decay "
                        "run per size and seed for all budgets), smoke, smoke-isoflop, smoke-isoflop-v2 and "
                        "smoke-wsd-v2 (CI), isoflop-v2-warmup (v2's XS and S runs with the short warm-up of WSD), gpu")
    p.add_argument("--jobs", type=int, default=None,
                   help="runs at a time, one process and one thread each (default: the number of cores on a CPU)")
    p.add_argument("--results-root", type=Path, default=RESULTS_ROOT,
                   help="results.csv, provenance.json and loss_curves.csv go to RESULTS_ROOT/PROFILE/")
    p.add_argument("--work-root", type=Path, default=WORK_ROOT,
                   help="datasets, task shards and checkpoints (keep it git-ignored)")
    p.add_argument("--executor", choices=STUDY_EXECUTORS, default="local",
                   help="local: this machine (default); slurm: one SLURM array, a task per run; submitit: a submitit "
                        "job array. The rows are the same whichever runs them")
    p.add_argument("--partition", help="slurm, submitit: partition")
    p.add_argument("--time", help="slurm, submitit: time limit per task")
    p.add_argument("--setup", action="append", default=[], metavar="LINE",
                   help="slurm, submitit: shell line run first in each task, e.g. 'source venv/bin/activate'")
    p.add_argument("--data-path", choices=DATA_PATHS, default=None,
                   help="default: the profile's (arrays for isoflop-v2, csv for the v1 profiles). csv: PNG files and "
                        "csv rows; arrays: array shards read in whole batches (same rows, images and tokens; crops "
                        "drawn per batch)")
    p.add_argument("--force-dirty", action="store_true",
                   help="write committed results even from a working tree with uncommitted changes (recorded as forced)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; ``argv[0]`` is the subcommand name ``mini`` (as :mod:`repro.cli` passes it)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "mini":
        argv = argv[1:]
    args = parser().parse_args(argv)
    try:
        if args.profile in WSD_PROFILES:
            return _wsd(args)
        options = ArrayOptions(slurm=SlurmOptions(partition=args.partition, time=args.time, setup=tuple(args.setup)))
        result = run_study(args.profile, results_root=args.results_root, work_root=args.work_root,
                           force_dirty=args.force_dirty, jobs=args.jobs, executor=args.executor, options=options,
                           data_path=args.data_path)
        print(f"mini {result.profile}: {result.trained} trained, {result.evaluated} evaluated, {result.skipped} "
              f"skipped in {result.wall_s:.0f} s ({result.wall_s / 60:.1f} min, {result.jobs} at a time) "
              f"-> {result.results_path}")
        try:
            print(summary_table(result.rows).to_string(index=False))
        except FitError as err:   # e.g. every run of a tiny profile still at chance: the runs are recorded
            print(f"mini {result.profile}: no frontier fit of these results ({err})")
    except ReproError as err:
        print(f"repro mini: error: {err}", file=sys.stderr)
        return 1
    return 0


def _wsd(args: argparse.Namespace) -> int:
    """``repro mini --profile wsd-...``: trunks and branches on this machine."""
    if args.executor != "local" or args.data_path not in (None, "arrays"):
        print(f"repro mini: error: profile {args.profile} runs on this machine (--executor local) from array shards "
              "(--data-path arrays): its branches resume from their trunk's checkpoints", file=sys.stderr)
        return 2
    result = run_wsd(args.profile, results_root=args.results_root, work_root=args.work_root,
                     force_dirty=args.force_dirty, jobs=args.jobs)
    print(f"mini {result.profile}: {result.branches} branch(es) trained and evaluated, {result.skipped} skipped in "
          f"{result.wall_s:.0f} s ({result.wall_s / 60:.1f} min) -> {result.heldout_path}")
    if len(result.rows):
        table = result.rows.groupby(["budget_gmacs", "arch"])["contrastive_loss"].agg(["mean", "std", "count"])
        print(table.round(4).to_string())
    return 0
