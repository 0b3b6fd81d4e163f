"""SLURM: generated sbatch scripts with srun, or submitit; and SLURM arrays of independent tasks.

**sbatch scripts** (:func:`sbatch_script`) follow open_clip's README for SLURM: one task per
GPU (``--ntasks-per-node`` = GPUs per node), ``MASTER_ADDR`` set to the first node, and
``srun python -m repro.executors.openclip ...`` (open_clip_train's ``main``, with DDP usable on a
CPU); open_clip_train takes its rank and world size from ``SLURM_PROCID``/``SLURM_NTASKS``. The
script follows the run's device: a CUDA run asks one GPU per task and binds them
(``--gpus-per-node``, ``--accel-bind=gn``), a CPU run asks none (a CPU-only cluster refuses a GPU
request) and sets ``OMP_NUM_THREADS`` to its CPUs per task; the distributed backend is the
device's (:func:`repro.launch.argv.to_argv`: gloo on CPU, nccl on CUDA). CPUs per task are the
data-loader workers plus one (plus two on a GPU), at most the node's CPUs shared by its tasks, so
that a job never asks more than a node has. Every value in the script passes through
``shlex.quote``.
Jobs are named after the run directory and carry ``--dependency=singleton``, so submitting the
same script again (``--chain N``) queues a continuation that resumes the run (``--resume
latest``) when the previous job hits its time limit: the paper's longest runs took up to 319
hours (Table 18), far beyond a typical 24-hour limit.

**submitit** (:func:`submit_submitit`) submits a Python function that exports the distributed
environment (``submitit.helpers.TorchDistributedEnvironment``) and calls open_clip_train's
``main(argv)`` in the job's process. ``cluster="local"`` runs it on this machine (the tests).

:mod:`repro.launch.executors` wraps these functions as the ``slurm`` and ``submitit`` executors;
arrays of independent tasks and the scheduler's commands live in :mod:`repro.executors`.
"""

from __future__ import annotations

import dataclasses
import logging
import shlex
from collections.abc import Mapping
from pathlib import Path

from repro.errors import SpecError
from repro.executors import TRAIN_MODULE, scheduler
from repro.executors.arrays import DEFAULT_JOB_TIME, SlurmOptions, submitit_parameters
from repro.executors.openclip import SubmititTrain
from repro.launch.argv import DATA_DIR_TOKEN, REQUIRE_DATA_DIR, shell_join
from repro.launch.local import RunResult, result_of, train_command
from repro.launch.rundir import RunDir
from repro.launch.spec import RunSpec, derived_comment

log = logging.getLogger(__name__)

#: Port of the rendezvous on the first node (open_clip's README uses 12802); a job adds its id
#: modulo 1000, so that two jobs sharing a node do not meet on one port.
MASTER_PORT = 12802
#: Time limit of a training job when none is given (longer runs continue in chained jobs).
TRAINING_JOB_TIME = DEFAULT_JOB_TIME


def cpus_per_task(spec: RunSpec, options: SlurmOptions = SlurmOptions(), *, node_cpus: int | None = None) -> int:
    """CPUs per task of a run's job: ``options.cpus_per_task`` when given, else the spec's
    data-loader workers plus the training process (plus one more on a GPU, for its feeding), at
    most ``node_cpus`` shared by the run's tasks on a node.

    Parameters
    ----------
    spec : RunSpec
    options : SlurmOptions
    node_cpus : int, optional
        CPUs of one node of the partition (:func:`repro.executors.scheduler.node_cpus`); None: no cap.
    """
    if options.cpus_per_task is not None:
        return options.cpus_per_task
    wanted = spec.workers_per_gpu + (2 if spec.device == "cuda" else 1)
    if node_cpus is None:
        return wanted
    return max(1, min(wanted, node_cpus // min(spec.gpus, spec.gpus_per_node)))


def script_path(spec: RunSpec, out_dir: str | Path) -> Path:
    """Where the run's sbatch script is written: ``<out>/<run_dir_name>.sbatch``."""
    return Path(out_dir).resolve() / f"{spec.run_dir_name}.sbatch"


def sbatch_script(spec: RunSpec, out_dir: str | Path, *, options: SlurmOptions = SlurmOptions(),
                  data_dir: str | Path | None = None, train_data: Mapping[str, str] | None = None,
                  node_cpus: int | None = None) -> str:
    """The sbatch script of one run (a string; :func:`write_sbatch` writes it).

    Parameters
    ----------
    spec : RunSpec
    out_dir : str or Path
        Folder of run directories.
    options : SlurmOptions
        Time, partition, account, setup lines, more directives.
    data_dir, train_data
        Where the data lives (:func:`repro.launch.argv.resolve_train_data`).
    node_cpus : int, optional
        CPUs of a node, to cap the CPUs per task (:func:`cpus_per_task`).
    """
    run_dir = RunDir.for_spec(spec, out_dir)
    tasks_per_node = min(spec.gpus, spec.gpus_per_node)
    if spec.gpus % tasks_per_node:
        raise SpecError(f"run '{spec.name}': {spec.gpus} GPUs do not fill nodes of {spec.gpus_per_node}")
    cpus = cpus_per_task(spec, options, node_cpus=node_cpus)
    gpu = spec.device == "cuda"
    command = train_command(spec, run_dir, data_dir=DATA_DIR_TOKEN if data_dir is None else data_dir,
                            train_data=train_data, python=options.python)
    uses_data_dir = any(DATA_DIR_TOKEN in word for word in command)
    q = shlex.quote
    directives = {
        "job-name": run_dir.name,
        "nodes": str(spec.nodes),
        "ntasks-per-node": str(tasks_per_node),
        **({"gpus-per-node": str(tasks_per_node)} if gpu else {}),
        "cpus-per-task": str(cpus),
        "time": options.time or TRAINING_JOB_TIME,
        "output": str(run_dir.out_dir / f"{run_dir.name}.slurm-%j.out"),
        # a resubmitted script waits for the running job of the same name, then resumes it
        "dependency": "singleton",
    }
    if options.partition:
        directives["partition"] = options.partition
    if options.account:
        directives["account"] = options.account
    directives.update(options.extra)
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
        # a chained continuation of a run that already finished has nothing to do
        f"if [ -f {q(str(run_dir.final_checkpoint))} ]; then echo 'finished already'; exit 0; fi",
        f"export MASTER_PORT=$(( {MASTER_PORT} + ${{SLURM_JOB_ID:-0}} % 1000 ))",
        'MASTER_ADDR="$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)"',
        "export MASTER_ADDR",
        *([] if gpu else ['export OMP_NUM_THREADS="$SLURM_CPUS_PER_TASK"']),
        # one task per GPU; --cpu-bind/--accel-bind as in open_clip's SLURM example (GPU runs only)
        ("srun --cpu-bind=v --accel-bind=gn " if gpu else "srun ") + shell_join(command),
    ]
    return "\n".join(lines) + "\n"


def write_sbatch(spec: RunSpec, out_dir: str | Path, *, options: SlurmOptions = SlurmOptions(),
                 data_dir: str | Path | None = None, train_data: Mapping[str, str] | None = None,
                 node_cpus: int | None = None) -> Path:
    """Write the run's sbatch script (:func:`sbatch_script`) into ``out_dir`` and return its path."""
    path = script_path(spec, out_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(sbatch_script(spec, out_dir, options=options, data_dir=data_dir, train_data=train_data,
                                  node_cpus=node_cpus))
    path.chmod(0o755)
    return path


def submit_sbatch(spec: RunSpec, out_dir: str | Path, *, chain: int = 1, sbatch: str = "sbatch",
                  options: SlurmOptions = SlurmOptions(), data_dir: str | Path | None = None,
                  train_data: Mapping[str, str] | None = None) -> RunResult:
    """Write the script and submit it ``chain`` times (continuations wait via singleton).

    A finished run is skipped. Returns ``submitted`` with the job id(s).
    """
    run_dir = RunDir.for_spec(spec, out_dir)
    if run_dir.state() == "finished":
        log.info("run %s: finished already, skipped", run_dir.name)
        return result_of(run_dir, "skipped")
    path = write_sbatch(spec, out_dir, options=options, data_dir=data_dir, train_data=train_data,
                        node_cpus=scheduler.node_cpus(options.partition))
    run_dir.prepare()
    job_ids = [scheduler.sbatch(path, what=f"run {run_dir.name}", command=sbatch) for _ in range(chain)]
    run_dir.write_status("submitted", executor="slurm", job_ids=job_ids, script=str(path))
    log.info("run %s: submitted as job(s) %s", run_dir.name, ", ".join(job_ids))
    return result_of(run_dir, "submitted", job_id=",".join(job_ids))


def submit_submitit(spec: RunSpec, out_dir: str | Path, *, cluster: str | None = None,
                    timeout_min: int = 24 * 60, options: SlurmOptions = SlurmOptions(), chain: int = 1,
                    data_dir: str | Path | None = None, train_data: Mapping[str, str] | None = None,
                    workers_per_gpu: int | None = None):
    """Submit one run through submitit; returns the ``submitit.Job`` (``None`` if finished).

    Parameters
    ----------
    spec : RunSpec
    out_dir : str or Path
        Folder of run directories.
    cluster : str, optional
        submitit's cluster: ``None`` picks SLURM when available; ``"local"`` runs the job in a
        subprocess on this machine; ``"debug"`` in this process.
    timeout_min : int
        Job time limit in minutes.
    options : SlurmOptions
        Partition, account, setup lines and extra directives, passed as submitit's
        ``slurm_partition``, ``slurm_account``, ``slurm_setup``, ``slurm_additional_parameters``.
    chain : int
        Jobs per run at most, as with sbatch's ``--chain``: a job stopped by its time limit or a
        preemption is requeued by submitit (:class:`repro.executors.openclip.SubmititTrain`'s
        checkpoint hook) up to ``chain - 1`` times (submitit's ``slurm_max_num_timeout``).
    data_dir, train_data, workers_per_gpu
        As :func:`repro.launch.local.run_local`.
    """
    import submitit

    run_dir = RunDir.for_spec(spec, out_dir)
    if run_dir.state() == "finished":
        log.info("run %s: finished already, skipped", run_dir.name)
        return None
    if chain < 1:
        raise SpecError(f"run '{spec.name}': chain must be >= 1, got {chain}")
    command = train_command(spec, run_dir, data_dir=data_dir, train_data=train_data, workers_per_gpu=workers_per_gpu)
    argv = command[command.index(TRAIN_MODULE) + 1:]
    run_dir.prepare()
    executor = submitit.AutoExecutor(folder=run_dir.path / "submitit", cluster=cluster,
                                     slurm_max_num_timeout=chain - 1)
    tasks_per_node = min(spec.gpus, spec.gpus_per_node)
    node_cpus = scheduler.node_cpus(options.partition) if executor.cluster == "slurm" else None
    run_spec = spec if workers_per_gpu is None else dataclasses.replace(spec, workers_per_gpu=workers_per_gpu)
    parameters = {**submitit_parameters(options, name=run_dir.name, timeout_min=timeout_min),
                  "nodes": spec.nodes, "tasks_per_node": tasks_per_node,
                  "cpus_per_task": cpus_per_task(run_spec, options, node_cpus=node_cpus)}
    if spec.device == "cuda":
        parameters["gpus_per_node"] = tasks_per_node
    executor.update_parameters(**parameters)
    job = executor.submit(SubmititTrain(), argv)
    run_dir.write_command(command)
    run_dir.write_status("submitted", executor=f"submitit:{executor.cluster}", job_ids=[str(job.job_id)])
    log.info("run %s: submitted with submitit (%s) as job %s", run_dir.name, executor.cluster, job.job_id)
    return job

