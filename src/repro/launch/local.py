"""Local executor: one open_clip_train process on this machine (a CPU, or one GPU).

This is the Python API the miniature study calls for its grid::

    from repro.launch import RunSpec, run_local
    result = run_local(spec, out_dir)          # trains, or resumes, or skips if finished
    result.state                               # "finished", "skipped", "failed" or "interrupted"
    result.run_dir / "checkpoints"             # epoch_<N>.pt, open_clip_train's format
    result.samples_per_sec                     # steady-state throughput from out.log

``run_local`` is idempotent: a finished run (its last checkpoint exists) is skipped without
starting a process, and a run that was interrupted (killed, timed out, machine lost) resumes
from its newest checkpoint, because the command always carries ``--resume latest``. On a CPU
give the spec ``device="cpu", precision="fp32"`` (amp is about 10x slower there, measured on a
2-core CPU). :mod:`repro.launch.executors` wraps this module as the ``local`` executor.
"""

from __future__ import annotations

import logging
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from repro.errors import SchemaError
from repro.launch.argv import DATA_DIR_TOKEN, REQUIRE_DATA_DIR, TRAIN_MODULE, model_argument, resolve_train_data, \
    shell_join, to_argv
from repro.launch.rundir import RunDir
from repro.launch.spec import RunSpec
from repro.launch.throughput import run_throughput

log = logging.getLogger(__name__)

ResultState = Literal["finished", "skipped", "failed", "interrupted", "submitted", "written"]


@dataclass(frozen=True)
class RunResult:
    """What one launch did."""

    name: str                        # the spec's name
    run_dir: Path                    # <out>/<spec.run_dir_name>
    state: ResultState               # skipped: was already finished; written: dry run
    returncode: int | None = None    # of the training process; negative = killed by that signal
    epochs_completed: int = 0        # newest checkpoint's epoch
    samples_per_sec: float | None = None  # steady-state, from open_clip_train's log
    wall_s: float = 0.0              # seconds this launch took
    job_id: str | None = None        # SLURM job id, for submitted runs


def train_command(spec: RunSpec, run_dir: RunDir, *, data_dir: str | Path | None = None,
                  train_data: Mapping[str, str] | None = None, workers_per_gpu: int | None = None,
                  python: str = "python") -> list[str]:
    """``[python, -m, open_clip_train.main, ...]`` for one process of the run."""
    argv = to_argv(
        spec,
        logs_dir=run_dir.out_dir,
        run_name=run_dir.name,
        train_data=resolve_train_data(spec, data_dir=data_dir, train_data=train_data),
        model=model_argument(spec, run_dir.path),
        workers_per_gpu=workers_per_gpu,
    )
    return [python, "-m", TRAIN_MODULE, *argv]


def result_of(run_dir: RunDir, state: ResultState, **fields) -> RunResult:
    """A :class:`RunResult` with the run's checkpoint count and measured throughput filled in."""
    checkpoints = run_dir.checkpoints()
    epochs = int(checkpoints[-1].stem.removeprefix("epoch_")) if checkpoints else 0
    samples_per_sec = None
    if run_dir.log_file.exists():
        try:
            samples_per_sec = run_throughput(run_dir.log_file).samples_per_sec
        except SchemaError:
            samples_per_sec = None  # too few steps logged to measure
    return RunResult(name=run_dir.spec.name, run_dir=run_dir.path, state=state, epochs_completed=epochs,
                     samples_per_sec=samples_per_sec, **fields)


def execute(run_dir: RunDir, command: list[str], *, executor: str, env: Mapping[str, str] | None = None,
            timeout_s: float | None = None) -> RunResult:
    """Run ``command`` for ``run_dir`` to its end, keeping ``status.json`` current.

    Shared by the local and torchrun executors. The process's output goes to ``stdout.log``
    (appended, so a resumed run keeps its history).
    """
    run_dir.write_command(command, env=dict(env or {}))
    start = time.monotonic()
    process_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    with run_dir.stdout_file.open("ab") as stdout:
        process = subprocess.Popen(command, stdout=stdout, stderr=subprocess.STDOUT, env=process_env,
                                   cwd=run_dir.path)
        run_dir.write_status("running", executor=executor, pid=process.pid, command=command)
        log.info("run %s: started (%s, pid %d)", run_dir.name, executor, process.pid)
        try:
            returncode = process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.terminate()
            returncode = process.wait()
        except BaseException:
            # Ctrl-C or an error in the caller: stop the child, keep the run resumable
            process.terminate()
            process.wait()
            run_dir.write_status("interrupted", executor=executor, returncode=process.returncode)
            raise
    wall_s = time.monotonic() - start
    if run_dir.state() == "finished":
        state: ResultState = "finished"
    elif returncode < 0 or returncode in (124, 137, 143):
        state = "interrupted"  # killed by a signal (or a timeout): resumable
    else:
        # open_clip_train reports some failures by printing "Error. ..." and exiting 0
        state = "failed"
    result = result_of(run_dir, state, returncode=returncode, wall_s=wall_s)
    run_dir.write_status(state, executor=executor, returncode=returncode, wall_s=round(wall_s, 1),
                         epochs_completed=result.epochs_completed, samples_per_sec=result.samples_per_sec)
    log.info("run %s: %s after %.0f s (return code %d, %d/%d epochs)", run_dir.name, state, wall_s, returncode,
             result.epochs_completed, run_dir.spec.epochs)
    if state == "failed":
        log.error("run %s failed; see %s", run_dir.name, run_dir.stdout_file)
    return result


def run_local(spec: RunSpec, out_dir: str | Path, *, data_dir: str | Path | None = None,
              train_data: Mapping[str, str] | None = None, workers_per_gpu: int | None = None,
              env: Mapping[str, str] | None = None, timeout_s: float | None = None,
              python: str = sys.executable) -> RunResult:
    """Train one run in one local process, resuming or skipping as its directory says.

    Parameters
    ----------
    spec : RunSpec
        The run. ``spec.gpus`` should be 1 (one process); a CPU needs ``device="cpu"`` and
        ``precision="fp32"``.
    out_dir : str or Path
        Folder holding run directories; this run's is ``out_dir / spec.run_dir_name``.
    data_dir, train_data
        Where the data lives (see :func:`repro.launch.argv.resolve_train_data`).
    workers_per_gpu : int, optional
        Data-loader processes; overrides the spec (0 loads data in the training process).
    env : Mapping[str, str], optional
        Extra environment variables for the process.
    timeout_s : float, optional
        Stop the process (SIGTERM) after this many seconds; the run stays resumable.
    python : str
        Interpreter that runs open_clip_train (default: this one).

    Returns
    -------
    RunResult
        ``skipped`` (already finished, nothing started), ``finished``, ``interrupted``
        (killed or timed out: launch again to resume) or ``failed`` (see ``stdout.log``).
    """
    run_dir = RunDir.for_spec(spec, out_dir)
    if spec.gpus != 1:
        log.warning("run %s: spec asks for %d GPUs; the local executor starts one process, so the global batch "
                    "is %d instead of %d", spec.name, spec.gpus, spec.batch_size_per_gpu, spec.global_batch_size)
    if run_dir.state() == "finished":
        log.info("run %s: finished already, skipped", run_dir.name)
        return result_of(run_dir, "skipped")
    command = train_command(spec, run_dir, data_dir=data_dir, train_data=train_data,
                            workers_per_gpu=workers_per_gpu, python=python)
    run_dir.prepare()
    return execute(run_dir, command, executor="local", env=env, timeout_s=timeout_s)


def write_launch_script(run_dir: RunDir, command: list[str], out_dir: str | Path) -> Path:
    """Write ``<out>/<run_dir_name>.sh``, a bash script that runs ``command`` in the run's directory.

    A command that uses :data:`~repro.launch.argv.DATA_DIR_TOKEN` reads ``$DATA_DIR`` and stops
    when it is unset.
    """
    require = REQUIRE_DATA_DIR + "\n" if any(DATA_DIR_TOKEN in word for word in command) else ""
    path = Path(out_dir).resolve() / f"{run_dir.name}.sh"
    path.write_text(f"#!/bin/bash\nset -euo pipefail\n{require}mkdir -p {shlex.quote(str(run_dir.path))}\n"
                    f"cd {shlex.quote(str(run_dir.path))}\n{shell_join(command)}\n")
    path.chmod(0o755)
    return path
