"""SLURM executors: generated sbatch scripts with srun, or submitit.

**sbatch scripts** (:func:`sbatch_script`) follow open_clip's README for SLURM: one task per
GPU (``--ntasks-per-node`` = GPUs per node), ``MASTER_ADDR`` set to the first node, and
``srun python -m open_clip_train.main ...``; open_clip_train takes its rank and world size from
``SLURM_PROCID``/``SLURM_NTASKS``. Every value in the script passes through ``shlex.quote``.
Jobs are named after the run directory and carry ``--dependency=singleton``, so submitting the
same script again (``--chain N``) queues a continuation that resumes the run (``--resume
latest``) when the previous job hits its time limit: the paper's longest runs took up to 319
hours (Table 18), far beyond a typical 24-hour limit.

**submitit** (:func:`submit_submitit`) submits a Python function that exports the distributed
environment (``submitit.helpers.TorchDistributedEnvironment``) and calls open_clip_train's
``main(argv)`` in the job's process. ``cluster="local"`` runs it on this machine (the tests).
"""

from __future__ import annotations

import logging
import math
import shlex
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from repro.errors import SpecError
from repro.launch.argv import DATA_DIR_TOKEN, REQUIRE_DATA_DIR, TRAIN_MODULE, shell_join
from repro.launch.local import RunResult, result_of, train_command
from repro.launch.rundir import RunDir
from repro.launch.spec import RunSpec, derived_comment

log = logging.getLogger(__name__)

#: Port of the rendezvous on the first node (open_clip's README uses 12802).
MASTER_PORT = 12802


@dataclass(frozen=True)
class SlurmOptions:
    """Cluster-specific job settings (nothing here changes what a run computes)."""

    time: str = "24:00:00"          # per job; longer runs continue in chained jobs
    partition: str | None = None
    account: str | None = None
    cpus_per_task: int | None = None  # default: the spec's workers per GPU + 2
    python: str = "python"          # interpreter on the compute nodes
    setup: Sequence[str] = ()       # shell lines run before srun (module load, venv activation)


def script_path(spec: RunSpec, out_dir: str | Path) -> Path:
    """Where the run's sbatch script is written: ``<out>/<run_dir_name>.sbatch``."""
    return Path(out_dir).resolve() / f"{spec.run_dir_name}.sbatch"


def sbatch_script(spec: RunSpec, out_dir: str | Path, *, options: SlurmOptions = SlurmOptions(),
                  data_dir: str | Path | None = None, train_data: Mapping[str, str] | None = None) -> str:
    """The sbatch script of one run (a string; :func:`write_sbatch` writes it)."""
    run_dir = RunDir.for_spec(spec, out_dir)
    tasks_per_node = min(spec.gpus, spec.gpus_per_node)
    if spec.gpus % tasks_per_node:
        raise SpecError(f"run '{spec.name}': {spec.gpus} GPUs do not fill nodes of {spec.gpus_per_node}")
    cpus = options.cpus_per_task if options.cpus_per_task is not None else spec.workers_per_gpu + 2
    command = train_command(spec, run_dir, data_dir=DATA_DIR_TOKEN if data_dir is None else data_dir,
                            train_data=train_data, python=options.python)
    uses_data_dir = any(DATA_DIR_TOKEN in word for word in command)
    q = shlex.quote
    directives = {
        "job-name": run_dir.name,
        "nodes": str(spec.nodes),
        "ntasks-per-node": str(tasks_per_node),
        "gpus-per-node": str(tasks_per_node),
        "cpus-per-task": str(cpus),
        "time": options.time,
        "output": str(run_dir.out_dir / f"{run_dir.name}.slurm-%j.out"),
        # a resubmitted script waits for the running job of the same name, then resumes it
        "dependency": "singleton",
    }
    if options.partition:
        directives["partition"] = options.partition
    if options.account:
        directives["account"] = options.account
    lines = ["#!/bin/bash"]
    lines += [f"#SBATCH --{key}={q(value)}" for key, value in directives.items()]
    lines += [
        f"# {spec.name}: {spec.model} on {spec.data}, {spec.samples_seen_label or 'custom'} samples seen",
        *derived_comment(spec, indent="").rstrip("\n").splitlines(),
        "set -euo pipefail",
        *([REQUIRE_DATA_DIR] if uses_data_dir else []),
        *options.setup,
        f"mkdir -p {q(str(run_dir.path))}",
        f"cd {q(str(run_dir.path))}",
        f"export MASTER_PORT={MASTER_PORT}",
        'MASTER_ADDR="$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)"',
        "export MASTER_ADDR",
        # one task per GPU; --cpu-bind/--accel-bind as in open_clip's SLURM example
        "srun --cpu-bind=v --accel-bind=gn " + shell_join(command),
    ]
    return "\n".join(lines) + "\n"


def write_sbatch(spec: RunSpec, out_dir: str | Path, **kwargs) -> Path:
    """Write the run's sbatch script into ``out_dir`` and return its path."""
    path = script_path(spec, out_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(sbatch_script(spec, out_dir, **kwargs))
    path.chmod(0o755)
    return path


def submit_sbatch(spec: RunSpec, out_dir: str | Path, *, chain: int = 1, sbatch: str = "sbatch",
                  **kwargs) -> RunResult:
    """Write the script and submit it ``chain`` times (continuations wait via singleton).

    A finished run is skipped. Returns ``submitted`` with the job id(s).
    """
    run_dir = RunDir.for_spec(spec, out_dir)
    if run_dir.state() == "finished":
        log.info("run %s: finished already, skipped", run_dir.name)
        return result_of(run_dir, "skipped")
    path = write_sbatch(spec, out_dir, **kwargs)
    run_dir.prepare()
    job_ids = []
    for _ in range(chain):
        try:
            done = subprocess.run([sbatch, "--parsable", str(path)], check=True, capture_output=True, text=True)
        except (OSError, subprocess.CalledProcessError) as err:
            stderr = getattr(err, "stderr", "") or ""
            raise RuntimeError(f"run {run_dir.name}: '{sbatch} {path}' failed: {err} {stderr.strip()}") from err
        job_ids.append(done.stdout.strip().split(";")[0])
    run_dir.write_status("submitted", executor="slurm", job_ids=job_ids, script=str(path))
    log.info("run %s: submitted as job(s) %s", run_dir.name, ", ".join(job_ids))
    return result_of(run_dir, "submitted", job_id=",".join(job_ids))


def train_in_job(argv: Sequence[str]) -> int:
    """The submitit job's function: export the distributed environment, run open_clip_train."""
    import submitit
    from open_clip_train.main import main as open_clip_main

    submitit.helpers.TorchDistributedEnvironment().export()
    return open_clip_main(list(argv)) or 0


def submit_submitit(spec: RunSpec, out_dir: str | Path, *, cluster: str | None = None,
                    timeout_min: int = 24 * 60, slurm_partition: str | None = None,
                    data_dir: str | Path | None = None, train_data: Mapping[str, str] | None = None,
                    workers_per_gpu: int | None = None):
    """Submit one run through submitit; returns the ``submitit.Job`` (``None`` if finished).

    Parameters
    ----------
    cluster : str, optional
        submitit's cluster: ``None`` picks SLURM when available; ``"local"`` runs the job in a
        subprocess on this machine; ``"debug"`` in this process.
    timeout_min : int
        Job time limit in minutes (chain jobs for longer runs: they resume).
    """
    import submitit

    run_dir = RunDir.for_spec(spec, out_dir)
    if run_dir.state() == "finished":
        log.info("run %s: finished already, skipped", run_dir.name)
        return None
    command = train_command(spec, run_dir, data_dir=data_dir, train_data=train_data, workers_per_gpu=workers_per_gpu)
    argv = command[command.index(TRAIN_MODULE) + 1:]
    run_dir.prepare()
    executor = submitit.AutoExecutor(folder=run_dir.path / "submitit", cluster=cluster)
    tasks_per_node = min(spec.gpus, spec.gpus_per_node)
    parameters = {"name": run_dir.name, "timeout_min": timeout_min, "nodes": spec.nodes,
                  "tasks_per_node": tasks_per_node,
                  "cpus_per_task": (spec.workers_per_gpu if workers_per_gpu is None else workers_per_gpu) + 2}
    if spec.device == "cuda":
        parameters["gpus_per_node"] = tasks_per_node
    if slurm_partition:
        parameters["slurm_partition"] = slurm_partition
    executor.update_parameters(**parameters)
    job = executor.submit(train_in_job, argv)
    run_dir.write_command(command)
    run_dir.write_status("submitted", executor=f"submitit:{executor.cluster}", job_ids=[str(job.job_id)])
    log.info("run %s: submitted with submitit (%s) as job %s", run_dir.name, executor.cluster, job.job_id)
    return job


def hours_needed(spec: RunSpec, samples_per_sec: float) -> float:
    """Wall-clock hours of a run at a given total throughput (samples_seen / samples_per_sec)."""
    return spec.samples_seen / samples_per_sec / 3600


def chain_length(spec: RunSpec, samples_per_sec: float, *, job_hours: float = 24.0) -> int:
    """Jobs of ``job_hours`` needed to finish a run at ``samples_per_sec``."""
    return max(1, math.ceil(hours_needed(spec, samples_per_sec) / job_hours))
