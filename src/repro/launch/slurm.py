"""SLURM: generated sbatch scripts with srun, or submitit; and SLURM arrays of independent tasks.

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

**arrays** (:func:`write_array`) run many independent commands (the evaluation of every checkpoint
on every dataset): one ``#SBATCH --array`` script per chunk of at most :data:`ARRAY_SIZE` tasks,
each task running its own job script, and ``submit.sh`` that submits them.

:mod:`repro.launch.executors` wraps these functions as the ``slurm`` and ``submitit`` executors.
"""

from __future__ import annotations

import logging
import re
import shlex
import stat
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from repro.errors import SpecError
from repro.launch.argv import DATA_DIR_TOKEN, REQUIRE_DATA_DIR, TRAIN_MODULE, shell_join
from repro.launch.local import RunResult, result_of, train_command
from repro.launch.rundir import RunDir
from repro.launch.spec import RunSpec, derived_comment

log = logging.getLogger(__name__)

#: Port of the rendezvous on the first node (open_clip's README uses 12802).
MASTER_PORT = 12802
#: Time limit of a training job when none is given (longer runs continue in chained jobs).
TRAINING_JOB_TIME = "24:00:00"
#: SLURM's default MaxArraySize is 1001: arrays are split into chunks of at most this many tasks.
ARRAY_SIZE = 1000


@dataclass(frozen=True)
class SlurmOptions:
    """Cluster-specific job settings (nothing here changes what a run computes)."""

    time: str | None = None         # per job; None: TRAINING_JOB_TIME for a run, the partition's default for arrays
    partition: str | None = None
    account: str | None = None
    cpus_per_task: int | None = None  # default: the spec's workers per GPU + 2
    python: str = "python"          # interpreter on the compute nodes
    setup: Sequence[str] = ()       # shell lines run first (module load, venv activation), also in array tasks
    extra: Mapping[str, str] = field(default_factory=dict)  # more #SBATCH --key=value directives, in order


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
        f"export MASTER_PORT={MASTER_PORT}",
        'MASTER_ADDR="$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)"',
        "export MASTER_ADDR",
        # one task per GPU; --cpu-bind/--accel-bind as in open_clip's SLURM example
        "srun --cpu-bind=v --accel-bind=gn " + shell_join(command),
    ]
    return "\n".join(lines) + "\n"


def write_sbatch(spec: RunSpec, out_dir: str | Path, *, options: SlurmOptions = SlurmOptions(),
                 data_dir: str | Path | None = None, train_data: Mapping[str, str] | None = None) -> Path:
    """Write the run's sbatch script (:func:`sbatch_script`) into ``out_dir`` and return its path."""
    path = script_path(spec, out_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(sbatch_script(spec, out_dir, options=options, data_dir=data_dir, train_data=train_data))
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
    path = write_sbatch(spec, out_dir, options=options, data_dir=data_dir, train_data=train_data)
    run_dir.prepare()
    job_ids = [_sbatch(path, sbatch, what=f"run {run_dir.name}: ") for _ in range(chain)]
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



def time_limit_minutes(time: str) -> int:
    """A SLURM time limit in whole minutes (rounded up), for submitit's ``timeout_min``.

    SLURM's formats: ``M``, ``M:S``, ``H:M:S``, ``D-H``, ``D-H:M``, ``D-H:M:S``.
    """
    match = re.fullmatch(r"(?:(\d+)-)?(\d+(?::\d+){0,2})", time.strip())
    if match is None or (match.group(1) is None and time.count(":") > 2):
        raise SpecError(f"time limit {time!r}: expected one of SLURM's formats, e.g. 24:00:00 or 1-00:00:00")
    parts = [int(x) for x in match.group(2).split(":")]
    if match.group(1) is not None:  # D-H, D-H:M, D-H:M:S
        hours, minutes, seconds = (parts + [0, 0])[:3]
        hours += 24 * int(match.group(1))
    elif len(parts) == 3:
        hours, minutes, seconds = parts
    else:  # M or M:S
        hours, (minutes, seconds) = 0, (parts + [0])[:2]
    return hours * 60 + minutes + (seconds > 0)


def make_executable(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` and add execute permission (user and group)."""
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP)
    return path


def write_array(scripts: Sequence[Path], out: str | Path, *, name: str, options: SlurmOptions = SlurmOptions(),
                array_size: int = ARRAY_SIZE) -> list[Path]:
    """SLURM arrays that run the task scripts ``scripts`` (named ``job_NNNNN.sh`` by their index), and
    ``submit.sh``.

    Writes ``<out>/<name>_array_K.sbatch`` (at most ``array_size`` tasks each; task ``i`` of array
    ``K`` runs script ``K * array_size + i``, logging to ``<out>/logs/%A_%a.out``) and
    ``<out>/submit.sh`` (``sbatch`` of each array). Directives: ``--job-name=repro-<name>``,
    ``--output``, then ``options``' time, partition and account where given, then ``options.extra``.
    Returns the array scripts.
    """
    if array_size < 1:
        raise SpecError(f"array_size must be >= 1, got {array_size}")
    out = Path(out)
    (out / "logs").mkdir(parents=True, exist_ok=True)
    directives = {"job-name": f"repro-{name}", "output": str(out / "logs" / "%A_%a.out")}
    for key in ("time", "partition", "account"):
        if getattr(options, key):
            directives[key] = getattr(options, key)
    directives.update(options.extra)
    header = "".join(f"#SBATCH --{key}={shlex.quote(str(value))}\n" for key, value in directives.items())
    jobs_dir = {script.resolve().parent for script in scripts}
    if len(jobs_dir) > 1:
        raise SpecError(f"array tasks must share one folder, got {sorted(map(str, jobs_dir))}")
    arrays = []
    for k, start in enumerate(range(0, len(scripts), array_size)):
        stop = min(len(scripts), start + array_size) - 1
        arrays.append(make_executable(out / f"{name}_array_{k}.sbatch", (
            "#!/bin/bash\n" + header + f"#SBATCH --array=0-{stop - start}\n"
            "set -euo pipefail\n"
            f"index=$(( SLURM_ARRAY_TASK_ID + {start} ))\n"
            f"exec bash {shlex.quote(str(next(iter(jobs_dir))))}/job_$(printf %05d \"$index\").sh\n"
        )))
    make_executable(out / "submit.sh", "#!/bin/bash\nset -euo pipefail\n"
                    + "".join(f"sbatch {shlex.quote(str(p.resolve()))}\n" for p in arrays))
    return arrays


def submit_arrays(arrays: Sequence[Path], *, sbatch: str = "sbatch") -> list[str]:
    """``sbatch --parsable`` each array script; returns the job ids."""
    job_ids = [_sbatch(path, sbatch) for path in arrays]
    log.info("submitted %d array(s) as job(s) %s", len(arrays), ", ".join(job_ids))
    return job_ids


def _sbatch(path: Path, sbatch: str, *, what: str = "") -> str:
    """``sbatch --parsable PATH``: the job id, or a RuntimeError that names the script and sbatch's message."""
    try:
        done = subprocess.run([sbatch, "--parsable", str(path)], check=True, capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError) as err:
        stderr = getattr(err, "stderr", "") or ""
        raise RuntimeError(f"{what}'{sbatch} {path}' failed: {err} {stderr.strip()}") from err
    return done.stdout.strip().split(";")[0]


def run_script(script: str) -> int:
    """A submitit array task: run one job script with bash (raises if it fails)."""
    subprocess.run(["bash", script], check=True)
    return 0


def submit_submitit_array(scripts: Sequence[Path], folder: str | Path, *, name: str, cluster: str | None = None,
                          timeout_min: int = 24 * 60, slurm_partition: str | None = None) -> list:
    """Submit one submitit job array, a task per job script; returns the ``submitit.Job`` list."""
    import submitit

    executor = submitit.AutoExecutor(folder=Path(folder), cluster=cluster)
    parameters = {"name": f"repro-{name}", "timeout_min": timeout_min}
    if slurm_partition:
        parameters["slurm_partition"] = slurm_partition
    executor.update_parameters(**parameters)
    jobs = executor.map_array(run_script, [str(Path(s).resolve()) for s in scripts])
    log.info("submitted %d task(s) with submitit (%s)", len(jobs), executor.cluster)
    return jobs
