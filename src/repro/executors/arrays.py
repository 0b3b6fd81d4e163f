"""Arrays of independent tasks (one command each) and the executors that start them.

The evaluation of every checkpoint on every dataset (:mod:`repro.evaluate.jobs`) is such an array;
so is a miniature study run on a cluster (:mod:`repro.mini.study`)::

    from repro.executors.arrays import ArrayOptions, Task, get_array_executor
    executor = get_array_executor("slurm", ArrayOptions())
    result = executor.submit_array([Task(("repro", "eval", ...)), ...], "runs/eval_jobs", name="eval")
    result.job_ids                       # one SLURM job id per array

:meth:`ArrayExecutor.submit_array` writes one job script per task (``jobs/job_NNNNN.sh``) and
starts them: in turn on this machine (``local``), as ``#SBATCH --array`` scripts (``slurm``) or as
submitit job arrays (``submitit``). SLURM refuses an array whose indices reach the cluster's
``MaxArraySize`` (1001 by default, while the paper's evaluation spec is 1,216 tasks), so both
scheduler executors split the tasks into arrays of at most that many tasks, read from
``scontrol show config`` (:func:`repro.executors.scheduler.max_array_size`).
"""

from __future__ import annotations

import logging
import re
import shlex
import stat
import subprocess
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Literal

from repro.errors import SpecError
from repro.executors import scheduler

log = logging.getLogger(__name__)

#: Time limit of a job when none is given (longer runs continue in chained or requeued jobs).
DEFAULT_JOB_TIME = "24:00:00"


@dataclass(frozen=True)
class SlurmOptions:
    """Cluster-specific job settings (nothing here changes what a job computes)."""

    time: str | None = None         # per job; None: DEFAULT_JOB_TIME for a run, the partition's default for arrays
    partition: str | None = None
    account: str | None = None
    cpus_per_task: int | None = None  # default: from the spec and the node (see repro.launch.slurm)
    python: str = "python"          # interpreter on the compute nodes
    setup: Sequence[str] = ()       # shell lines run first (module load, venv activation), also in array tasks
    extra: Mapping[str, str] = field(default_factory=dict)  # more #SBATCH --key=value directives, in order


def sbatch_directives(pairs: Sequence[str]) -> dict[str, str]:
    """``--sbatch KEY=VALUE`` flags of the commands as :attr:`SlurmOptions.extra` (``--KEY`` is
    accepted for ``KEY``).

    Parameters
    ----------
    pairs : Sequence[str]
        The flags' values, in order.

    Raises
    ------
    SpecError
        A value without ``=`` or without a key.
    """
    options = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise SpecError(f"--sbatch {pair!r}: expected KEY=VALUE, e.g. partition=booster")
        options[key.strip().lstrip("-")] = value
    return options


@dataclass(frozen=True)
class ArrayOptions:
    """What an array executor reads: the SLURM settings and submitit's cluster."""

    cluster: str | None = None      # submitit: None = SLURM when available, "local", "debug"
    slurm: SlurmOptions = SlurmOptions()
    max_array_size: int | None = None  # None: the cluster's MaxArraySize (scontrol show config)


@dataclass(frozen=True)
class Task:
    """One task of an array: a command, run by bash from the submitting folder's job script."""

    argv: tuple[str, ...]


ArrayState = Literal["written", "submitted", "finished", "failed"]


@dataclass(frozen=True)
class ArrayResult:
    """What :meth:`ArrayExecutor.submit_array` did."""

    scripts: tuple[Path, ...]            # jobs/job_NNNNN.sh, one per task, in task order
    launcher: Path | None                # the script that starts them all (submit.sh, run_all.sh); None for submitit
    state: ArrayState                    # written: dry run; finished/failed: local; submitted: a scheduler
    job_ids: tuple[str, ...] = ()        # scheduler job ids (slurm: one per array)
    returncodes: tuple[int, ...] = ()    # local: each task's exit code


def make_executable(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` and add execute permission (user and group)."""
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP)
    return path


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


def write_task_scripts(tasks: Sequence[Task], out: str | Path, *, setup: Sequence[str] = ()) -> list[Path]:
    """One bash script per task, ``<out>/jobs/job_NNNNN.sh``: ``setup`` lines, then ``exec`` of the
    task's command with every word passed through ``shlex.quote``."""
    jobs = Path(out) / "jobs"
    jobs.mkdir(parents=True, exist_ok=True)
    prelude = "\n".join(setup).rstrip()
    prelude = prelude + "\n" if prelude else ""
    return [make_executable(jobs / f"job_{index:05d}.sh",
                            "#!/bin/bash\nset -euo pipefail\n" + prelude + "exec " + shlex.join(task.argv) + "\n")
            for index, task in enumerate(tasks)]


def run_scripts(scripts: Sequence[Path], logs_dir: str | Path) -> list[int]:
    """Run job scripts one after another with bash, each logging to ``<logs>/<script stem>.out``;
    returns their exit codes (a failed script does not stop the next)."""
    logs_dir = Path(logs_dir)
    logs_dir.mkdir(parents=True, exist_ok=True)
    codes = []
    for number, script in enumerate(scripts, start=1):
        with (logs_dir / f"{script.stem}.out").open("wb") as output:
            code = subprocess.run(["bash", str(script)], stdout=output, stderr=subprocess.STDOUT).returncode
        codes.append(code)
        log.info("[%d/%d] %s: exit code %d", number, len(scripts), script.name, code)
    return codes


def chunks(n_tasks: int, array_size: int) -> list[range]:
    """Task indices split into consecutive arrays of at most ``array_size`` tasks."""
    if array_size < 1:
        raise SpecError(f"array_size must be >= 1, got {array_size}")
    return [range(start, min(n_tasks, start + array_size)) for start in range(0, n_tasks, array_size)]


def write_array(scripts: Sequence[Path], out: str | Path, *, name: str, options: SlurmOptions = SlurmOptions(),
                array_size: int = scheduler.DEFAULT_MAX_ARRAY_SIZE) -> list[Path]:
    """SLURM arrays that run the task scripts ``scripts`` (named ``job_NNNNN.sh`` by their index), and
    ``submit.sh``.

    Writes ``<out>/<name>_array_K.sbatch`` (at most ``array_size`` tasks each; task ``i`` of array
    ``K`` runs script ``K * array_size + i``, logging to ``<out>/logs/%A_%a.out``) and
    ``<out>/submit.sh`` (``sbatch`` of each array). Directives: ``--job-name=repro-<name>``,
    ``--output``, then ``options``' time, partition and account where given, then ``options.extra``.
    Returns the array scripts.

    Parameters
    ----------
    scripts : Sequence[Path]
        The task scripts, all in one folder.
    out : str or Path
        Where the array scripts and logs go.
    name : str
        Names the jobs (``repro-<name>``) and the array scripts.
    options : SlurmOptions
        Time, partition, account and more directives.
    array_size : int
        Tasks per array at most: the cluster's ``MaxArraySize`` (SLURM's default 1001).
    """
    out = Path(out)
    (out / "logs").mkdir(parents=True, exist_ok=True)
    directives = {"job-name": f"repro-{name}", "output": str(out.resolve() / "logs" / "%A_%a.out")}
    for key in ("time", "partition", "account"):
        if getattr(options, key):
            directives[key] = getattr(options, key)
    directives.update(options.extra)
    header = "".join(f"#SBATCH --{key}={shlex.quote(str(value))}\n" for key, value in directives.items())
    jobs_dir = {script.resolve().parent for script in scripts}
    if len(jobs_dir) > 1:
        raise SpecError(f"array tasks must share one folder, got {sorted(map(str, jobs_dir))}")
    arrays = []
    for k, indices in enumerate(chunks(len(scripts), array_size)):
        arrays.append(make_executable(out / f"{name}_array_{k}.sbatch", (
            "#!/bin/bash\n" + header + f"#SBATCH --array=0-{len(indices) - 1}\n"
            "set -euo pipefail\n"
            f"index=$(( SLURM_ARRAY_TASK_ID + {indices.start} ))\n"
            f"exec bash {shlex.quote(str(next(iter(jobs_dir))))}/job_$(printf %05d \"$index\").sh\n"
        )))
    make_executable(out / "submit.sh", "#!/bin/bash\nset -euo pipefail\n"
                    + "".join(f"sbatch {shlex.quote(str(p.resolve()))}\n" for p in arrays))
    return arrays


def submit_arrays(arrays: Sequence[Path], *, sbatch: str = "sbatch") -> list[str]:
    """``sbatch --parsable`` each array script; returns the job ids (a refusal raises
    :class:`repro.errors.SchedulerError` naming the array script and sbatch's message)."""
    job_ids = [scheduler.sbatch(path, what=f"array {Path(path).stem}", command=sbatch) for path in arrays]
    log.info("submitted %d array(s) as job(s) %s", len(arrays), ", ".join(job_ids))
    return job_ids


def run_script(script: str) -> int:
    """A submitit array task: run one job script with bash (raises if it fails)."""
    subprocess.run(["bash", script], check=True)
    return 0


def submitit_parameters(options: SlurmOptions, *, name: str, timeout_min: int) -> dict:
    """submitit's ``update_parameters`` for ``options``: partition, account, setup lines and the
    extra directives go through submitit's own ``slurm_partition``, ``slurm_account``,
    ``slurm_setup`` and ``slurm_additional_parameters`` (submitit ignores those on other clusters)."""
    parameters: dict = {"name": name, "timeout_min": timeout_min}
    if options.partition:
        parameters["slurm_partition"] = options.partition
    if options.account:
        parameters["slurm_account"] = options.account
    if options.setup:
        parameters["slurm_setup"] = list(options.setup)
    if options.extra:
        parameters["slurm_additional_parameters"] = {key.replace("-", "_"): value
                                                     for key, value in options.extra.items()}
    return parameters


def submit_submitit_array(scripts: Sequence[Path], folder: str | Path, *, name: str, cluster: str | None = None,
                          timeout_min: int = 24 * 60, options: SlurmOptions = SlurmOptions(),
                          array_size: int | None = None) -> list:
    """Submit the job scripts as submitit job arrays of at most ``array_size`` tasks (default: the
    cluster's ``MaxArraySize`` on SLURM); returns the ``submitit.Job`` list, in task order."""
    import submitit

    executor = submitit.AutoExecutor(folder=Path(folder), cluster=cluster)
    executor.update_parameters(**submitit_parameters(options, name=f"repro-{name}", timeout_min=timeout_min))
    if array_size is None:
        array_size = scheduler.max_array_size() if executor.cluster == "slurm" else max(1, len(scripts))
    paths = [str(Path(s).resolve()) for s in scripts]
    jobs = []
    for indices in chunks(len(paths), array_size):
        jobs += executor.map_array(run_script, paths[indices.start:indices.stop])
    log.info("submitted %d task(s) with submitit (%s)", len(jobs), executor.cluster)
    return jobs


class ArrayExecutor(ABC):
    """Starts arrays of independent tasks; looked up by :attr:`name` in :data:`ARRAY_EXECUTORS`."""

    name: ClassVar[str]

    def __init__(self, options: ArrayOptions = ArrayOptions()):
        self.options = options

    def submit_array(self, tasks: Sequence[Task], out: str | Path, *, name: str,
                     dry_run: bool = False) -> ArrayResult:
        """Write one job script per task under ``out/jobs`` and start them (or, with ``dry_run``,
        write what starts them). ``name`` names the jobs (``repro-<name>``) and the array scripts."""
        out = Path(out)
        scripts = write_task_scripts(tasks, out, setup=self.options.slurm.setup)
        return self.run_array(scripts, out, name=name, dry_run=dry_run)

    @abstractmethod
    def run_array(self, scripts: list[Path], out: Path, *, name: str, dry_run: bool) -> ArrayResult:
        """Start the job scripts (see :meth:`submit_array`)."""

    def array_size(self, dry_run: bool) -> int:
        """Tasks per array: the options' value, else the cluster's ``MaxArraySize`` (SLURM's default
        in a dry run, which must not need a scheduler)."""
        if self.options.max_array_size is not None:
            return self.options.max_array_size
        return scheduler.DEFAULT_MAX_ARRAY_SIZE if dry_run else scheduler.max_array_size()


class LocalArrays(ArrayExecutor):
    """The job scripts in turn, on this machine."""

    name = "local"

    def run_array(self, scripts: list[Path], out: Path, *, name: str, dry_run: bool) -> ArrayResult:
        logs = (out / "logs").resolve()
        jobs = (out / "jobs").resolve()
        launcher = make_executable(out / "run_all.sh", (
            "#!/bin/bash\nset -uo pipefail\n"
            f"mkdir -p {shlex.quote(str(logs))}\nstatus=0\n"
            f"for script in {shlex.quote(str(jobs))}/job_*.sh; do\n"
            f"  bash \"$script\" > {shlex.quote(str(logs))}/\"$(basename \"$script\" .sh)\".out 2>&1 || status=1\n"
            "done\nexit \"$status\"\n"))
        if dry_run:
            return ArrayResult(tuple(scripts), launcher, "written")
        codes = run_scripts(scripts, logs)
        return ArrayResult(tuple(scripts), launcher, "finished" if not any(codes) else "failed",
                           returncodes=tuple(codes))


class SlurmArrays(ArrayExecutor):
    """``#SBATCH --array`` scripts, split at the cluster's ``MaxArraySize``, and ``submit.sh``."""

    name = "slurm"

    def run_array(self, scripts: list[Path], out: Path, *, name: str, dry_run: bool) -> ArrayResult:
        arrays = write_array(scripts, out, name=name, options=self.options.slurm, array_size=self.array_size(dry_run))
        if dry_run:
            return ArrayResult(tuple(scripts), out / "submit.sh", "written")
        return ArrayResult(tuple(scripts), out / "submit.sh", "submitted", job_ids=tuple(submit_arrays(arrays)))


class SubmititArrays(ArrayExecutor):
    """submitit job arrays (split at the cluster's ``MaxArraySize`` on SLURM)."""

    name = "submitit"

    def run_array(self, scripts: list[Path], out: Path, *, name: str, dry_run: bool) -> ArrayResult:
        if dry_run:
            return ArrayResult(tuple(scripts), None, "written")
        jobs = submit_submitit_array(scripts, out / "submitit", name=name, cluster=self.options.cluster,
                                     timeout_min=time_limit_minutes(self.options.slurm.time or DEFAULT_JOB_TIME),
                                     options=self.options.slurm, array_size=self.options.max_array_size)
        return ArrayResult(tuple(scripts), None, "submitted", job_ids=tuple(str(job.job_id) for job in jobs))


#: The array executors by name.
ARRAY_EXECUTORS: dict[str, type[ArrayExecutor]] = {cls.name: cls for cls in (LocalArrays, SlurmArrays, SubmititArrays)}


def get_array_executor(name: str, options: ArrayOptions = ArrayOptions()) -> ArrayExecutor:
    """The array executor registered as ``name``, with ``options``."""
    if name not in ARRAY_EXECUTORS:
        raise SpecError(f"unknown array executor {name!r}; known: {', '.join(ARRAY_EXECUTORS)}")
    return ARRAY_EXECUTORS[name](options)
