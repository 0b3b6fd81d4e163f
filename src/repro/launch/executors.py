"""Executors: one table from a name to a way of starting jobs, one interface for all of them.

``repro train --executor NAME`` and ``repro eval --spec paper --executor NAME`` both look the name
up in :data:`EXECUTORS`::

    from repro.launch.executors import LaunchOptions, Task, get_executor
    executor = get_executor("slurm", LaunchOptions(data_dir="/data/laion", chain=2))
    executor.submit(specs, "runs/paper/out", dry_run=True)        # one sbatch script per run
    executor.submit_array([Task(("repro", "eval", ...)), ...], "runs/paper/eval_jobs", name="eval",
                          dry_run=True)                           # SLURM arrays of job scripts

Two kinds of jobs go through the same executors:

* **training runs** (:class:`~repro.launch.spec.RunSpec`): :meth:`Executor.submit` gives each run
  a directory (:class:`~repro.launch.rundir.RunDir`); a finished run is skipped and a partial one
  resumes (``--resume latest``), whatever the executor;
* **arrays of tasks** (:class:`~repro.executors.arrays.Task`, one command each, independent of
  each other): :meth:`Executor.submit_array` hands them to the array executor of the same name in
  :mod:`repro.executors.arrays` (in turn here, SLURM arrays split at the cluster's
  ``MaxArraySize``, submitit job arrays). The evaluation of every checkpoint on every dataset is
  such an array (:mod:`repro.evaluate.jobs`).

With ``dry_run=True`` an executor writes its scripts and starts nothing.

============  ===============================================  ======================================
name          a training run                                   an array of tasks
============  ===============================================  ======================================
local         one process here (:mod:`~repro.launch.local`)    the job scripts in turn, here
torchrun      one process per GPU of this node                 refused: a training launcher only
              (:mod:`~repro.launch.torchrun`)
slurm         an sbatch script with srun, chained jobs         ``#SBATCH --array`` scripts
              (:mod:`~repro.launch.slurm`)
submitit      open_clip_train's ``main`` in a submitit job     a submitit job array
============  ===============================================  ======================================
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from repro.errors import SpecError
from repro.executors.arrays import (ArrayOptions, ArrayResult, SlurmOptions, Task, get_array_executor,
                                    time_limit_minutes)
from repro.launch.argv import DATA_DIR_TOKEN
from repro.launch.local import RunResult, run_local, train_command, write_launch_script
from repro.launch.rundir import RunDir
from repro.launch.slurm import TRAINING_JOB_TIME, submit_sbatch, submit_submitit, write_sbatch
from repro.launch.spec import RunSpec
from repro.launch.torchrun import run_torchrun, torchrun_command

__all__ = ["EXECUTORS", "ArrayResult", "Executor", "LaunchOptions", "Task", "get_executor"]


@dataclass(frozen=True)
class LaunchOptions:
    """How to launch, for every executor (each reads the fields that concern it).

    Nothing here changes what a run computes: the run spec does.
    """

    data_dir: str | Path | None = None           # replaces ${data_dir} in the specs' train_data
    train_data: Mapping[str, str] = field(default_factory=dict)  # data label or run name -> shards/CSV
    workers_per_gpu: int | None = None           # data-loader workers per GPU (overrides the specs)
    nproc_per_node: int | None = None            # torchrun: processes (default: the spec's GPUs)
    chain: int = 1                               # slurm, submitit: jobs per run at most (each resumes the last)
    cluster: str | None = None                   # submitit: None = SLURM when available, "local", "debug"
    slurm: SlurmOptions = SlurmOptions()         # time, partition, account, setup lines, more directives
    max_array_size: int | None = None            # arrays: None = the cluster's MaxArraySize


class Executor(ABC):
    """Starts training runs and arrays of tasks; subclasses are looked up by :attr:`name` in
    :data:`EXECUTORS`."""

    name: ClassVar[str]

    def __init__(self, options: LaunchOptions = LaunchOptions()):
        self.options = options

    # -- training runs ---------------------------------------------------------------------------
    @abstractmethod
    def write_script(self, spec: RunSpec, out: Path) -> Path:
        """Write the launch script of one run into ``out`` (a dry run); start nothing."""

    @abstractmethod
    def launch(self, spec: RunSpec, out: Path) -> RunResult:
        """Start (or submit) one run; skipped if finished, resumed if partial."""

    def submit(self, specs: Sequence[RunSpec], out: str | Path, *, dry_run: bool = False) -> list[RunResult]:
        """Launch every run in turn, or with ``dry_run`` write their launch scripts (state ``written``)."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        if dry_run:
            results = []
            for spec in specs:
                self.write_script(spec, out)
                results.append(RunResult(spec.name, RunDir.for_spec(spec, out).path, "written"))
            return results
        return [self.launch(spec, out) for spec in specs]

    # -- arrays of tasks -------------------------------------------------------------------------
    def submit_array(self, tasks: Sequence[Task], out: str | Path, *, name: str,
                     dry_run: bool = False) -> ArrayResult:
        """Write one job script per task under ``out/jobs`` and start them (or, with ``dry_run``,
        write what starts them), with the array executor of this name
        (:mod:`repro.executors.arrays`). ``name`` names the jobs and the array scripts."""
        options = ArrayOptions(cluster=self.options.cluster, slurm=self.options.slurm,
                               max_array_size=self.options.max_array_size)
        return get_array_executor(self.name, options).submit_array(tasks, out, name=name, dry_run=dry_run)

    def _data_dir(self) -> str | Path:
        """The data folder in a written script: the given one, or ``$DATA_DIR`` read at run time."""
        return DATA_DIR_TOKEN if self.options.data_dir is None else self.options.data_dir


class LocalExecutor(Executor):
    """One process on this machine (a CPU, or one GPU); array tasks run in turn."""

    name = "local"

    def write_script(self, spec: RunSpec, out: Path) -> Path:
        run_dir = RunDir.for_spec(spec, out)
        command = train_command(spec, run_dir, data_dir=self._data_dir(), train_data=self.options.train_data,
                                workers_per_gpu=self.options.workers_per_gpu)
        return write_launch_script(run_dir, command, out)

    def launch(self, spec: RunSpec, out: Path) -> RunResult:
        return run_local(spec, out, data_dir=self.options.data_dir, train_data=self.options.train_data,
                         workers_per_gpu=self.options.workers_per_gpu)


class TorchrunExecutor(Executor):
    """torchrun on this node: one process per GPU (PyTorch DDP)."""

    name = "torchrun"

    def write_script(self, spec: RunSpec, out: Path) -> Path:
        run_dir = RunDir.for_spec(spec, out)
        command = torchrun_command(spec, run_dir, nproc_per_node=self.options.nproc_per_node,
                                   data_dir=self._data_dir(), train_data=self.options.train_data,
                                   workers_per_gpu=self.options.workers_per_gpu)
        return write_launch_script(run_dir, command, out)

    def launch(self, spec: RunSpec, out: Path) -> RunResult:
        return run_torchrun(spec, out, nproc_per_node=self.options.nproc_per_node, data_dir=self.options.data_dir,
                            train_data=self.options.train_data, workers_per_gpu=self.options.workers_per_gpu)

    def submit_array(self, tasks: Sequence[Task], out: str | Path, *, name: str,
                     dry_run: bool = False) -> ArrayResult:
        """Refused: torchrun starts distributed training runs only."""
        raise SpecError("the torchrun executor starts distributed training runs; run an array of tasks with "
                        f"one of {', '.join(n for n in EXECUTORS if n != self.name)}")


class SlurmExecutor(Executor):
    """sbatch: one script per run (srun, one task per GPU), ``chain`` jobs per run; arrays of tasks."""

    name = "slurm"

    def write_script(self, spec: RunSpec, out: Path) -> Path:
        return write_sbatch(spec, out, options=self.options.slurm, data_dir=self.options.data_dir,
                            train_data=self.options.train_data)

    def launch(self, spec: RunSpec, out: Path) -> RunResult:
        return submit_sbatch(spec, out, chain=self.options.chain, options=self.options.slurm,
                             data_dir=self.options.data_dir, train_data=self.options.train_data)


class SubmititExecutor(Executor):
    """submitit: open_clip_train's ``main`` in the job's process; arrays as submitit job arrays.

    A dry run writes the sbatch script the ``slurm`` executor would submit (submitit writes its own
    at submission).
    """

    name = "submitit"

    def _timeout_min(self) -> int:
        return time_limit_minutes(self.options.slurm.time or TRAINING_JOB_TIME)

    def write_script(self, spec: RunSpec, out: Path) -> Path:
        return write_sbatch(spec, out, options=self.options.slurm, data_dir=self.options.data_dir,
                            train_data=self.options.train_data)

    def launch(self, spec: RunSpec, out: Path) -> RunResult:
        job = submit_submitit(spec, out, cluster=self.options.cluster, timeout_min=self._timeout_min(),
                              options=self.options.slurm, chain=self.options.chain, data_dir=self.options.data_dir,
                              train_data=self.options.train_data, workers_per_gpu=self.options.workers_per_gpu)
        run_dir = RunDir.for_spec(spec, out)
        return RunResult(spec.name, run_dir.path, "skipped" if job is None else "submitted",
                         job_id=None if job is None else str(job.job_id))


#: The executors by name: ``--executor`` of ``repro train`` and ``repro eval``.
EXECUTORS: dict[str, type[Executor]] = {cls.name: cls for cls in (LocalExecutor, TorchrunExecutor, SlurmExecutor,
                                                                    SubmititExecutor)}


def get_executor(name: str, options: LaunchOptions = LaunchOptions()) -> Executor:
    """The executor registered as ``name`` in :data:`EXECUTORS`, with ``options``."""
    if name not in EXECUTORS:
        raise SpecError(f"unknown executor {name!r}; known: {', '.join(EXECUTORS)}")
    return EXECUTORS[name](options)
