"""Launches: run specs -> open_clip_train, on one CPU, with torchrun, or on SLURM; and arrays of
independent tasks (the evaluation jobs) through the same executors.

Python API (the miniature study builds its runs' arguments and directories with it)::

    from repro.launch import LaunchOptions, RunSpec, get_executor, load_grid, run_local
    spec = RunSpec(name="w32-d2k-s80k", model="path/to/tiny.json", data="synthetic-2k",
                   train_data="/data/mini/train.csv", dataset_type="csv", samples_per_epoch=2000,
                   epochs=40, lr=1e-3, warmup_steps=20, batch_size_per_gpu=256,
                   device="cpu", precision="fp32", workers_per_gpu=0)
    result = run_local(spec, "runs/mini/out")   # idempotent: skips finished, resumes partial runs
    result.state, result.run_dir, result.samples_per_sec

    executor = get_executor("slurm", LaunchOptions(data_dir="/data/laion"))
    executor.submit(load_grid("paper"), "runs/paper/launch", dry_run=True)   # 29 sbatch scripts

Modules: :mod:`~repro.launch.spec` (RunSpec, YAML loading), :mod:`~repro.launch.grid` (grids of
specs, ``runs/<name>/grid.yaml``), :mod:`~repro.launch.argv` (spec -> open_clip_train argv),
:mod:`~repro.launch.rundir` (one directory per run), :mod:`~repro.launch.executors` (the table
name -> executor, for training runs and arrays of tasks) over :mod:`~repro.launch.local`,
:mod:`~repro.launch.torchrun` and :mod:`~repro.launch.slurm`, :mod:`~repro.launch.throughput`
(samples/s from the logs), :mod:`~repro.launch.paper_grid` (the paper's 29 runs),
:mod:`~repro.launch.cli` (``repro train``).
"""

from repro.launch.argv import resolve_train_data, to_argv
from repro.executors.arrays import ArrayResult, Task
from repro.launch.executors import EXECUTORS, Executor, LaunchOptions, get_executor
from repro.launch.grid import load_grid
from repro.launch.local import RunResult, run_local, train_command
from repro.launch.rundir import RunDir
from repro.launch.spec import RunSpec, load_spec, spec_from_mapping
from repro.launch.throughput import Throughput, run_throughput

__all__ = ["EXECUTORS", "ArrayResult", "Executor", "LaunchOptions", "RunDir", "RunResult", "RunSpec", "Task",
           "Throughput", "get_executor", "load_grid", "load_spec", "resolve_train_data", "run_local",
           "run_throughput", "spec_from_mapping", "to_argv", "train_command"]
