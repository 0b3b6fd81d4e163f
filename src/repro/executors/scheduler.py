"""SLURM through its own commands: submit, read the cluster's limits, follow jobs, wait for them.

Every failure a user can act on (sbatch refusing a script, an unknown partition, a failed rank, a
job cancelled or out of time) becomes one :class:`repro.errors.SchedulerError` line that names
what was submitted (the run or array), the script, the job id and the scheduler's message; the
commands turn it into a non-zero exit without a traceback.

Job states come from ``scontrol show job`` (no accounting database needed; a finished job stays
visible for the cluster's ``MinJobAge``) and are grouped as a user reads them: pending, running,
done, failed (:data:`STATE_GROUPS`).
"""

from __future__ import annotations

import logging
import re
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from repro.errors import SchedulerError

log = logging.getLogger(__name__)

#: SLURM's default ``MaxArraySize`` (used when ``scontrol show config`` cannot be read).
DEFAULT_MAX_ARRAY_SIZE = 1001

#: SLURM job states by what they mean to a user.
STATE_GROUPS = {
    "pending": ("PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "SUSPENDED", "RESV_DEL_HOLD"),
    "running": ("RUNNING", "COMPLETING", "STAGE_OUT", "SIGNALING", "RESIZING", "STOPPED"),
    "done": ("COMPLETED",),
    "failed": ("FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "DEADLINE",
               "OUT_OF_MEMORY", "REVOKED", "SPECIAL_EXIT"),
}
_GROUP_OF = {state: group for group, states in STATE_GROUPS.items() for state in states}


@dataclass(frozen=True)
class JobState:
    """One job (or array task) as ``scontrol show job`` reports it."""

    job_id: str          # "123", or "123_4" for an array task
    state: str           # SLURM's state: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT ...
    reason: str          # SLURM's Reason field ("None" when there is none)
    exit_code: str       # "0:0" (return code : signal)
    log_path: str        # StdOut
    script: str          # Command
    restarts: int = 0    # Restarts: times the job was requeued (by scontrol requeue, a preemption, submitit)

    @property
    def group(self) -> str:
        """pending, running, done or failed (an unknown state counts as running)."""
        return _GROUP_OF.get(self.state, "running")

    def describe(self, what: str) -> str:
        """One line for a user: what, the job, its state, the scheduler's reason, script and log."""
        reason = f" ({self.reason})" if self.reason not in ("None", "") else ""
        code = f", exit code {self.exit_code}" if self.state not in ("PENDING", "RUNNING", "COMPLETED") else ""
        return (f"{what}: job {self.job_id} {self.state}{reason}{code}; script {self.script or '?'}; "
                f"log {self.log_path or '?'}")


def _run(command: Sequence[str], *, what: str) -> str:
    """Run a SLURM command; its stdout, or a SchedulerError with its own message."""
    try:
        done = subprocess.run(list(command), check=True, capture_output=True, text=True)
    except FileNotFoundError as err:
        raise SchedulerError(f"{what}: '{command[0]}' not found: is SLURM installed here? "
                             "(scripts/local-slurm.sh start sets up a single-node one)") from err
    except subprocess.CalledProcessError as err:
        message = " ".join((err.stderr or err.stdout or "").split()) or f"exit code {err.returncode}"
        raise SchedulerError(f"{what}: '{' '.join(command)}' failed: {message}") from err
    return done.stdout


def sbatch(script: str | Path, *, what: str, args: Sequence[str] = (), command: str = "sbatch") -> str:
    """``sbatch --parsable [args] SCRIPT``: the job id.

    Parameters
    ----------
    script : str or Path
        The job script.
    what : str
        What the script is, for messages ("run NAME", "array eval_array_0").
    args : Sequence[str]
        More sbatch options before the script.
    command : str
        The sbatch executable.

    Raises
    ------
    SchedulerError
        sbatch refused the script: names ``what``, the script and sbatch's message.
    """
    out = _run([command, "--parsable", *args, str(script)], what=f"{what} (script {script})")
    return out.strip().split(";")[0]


def max_array_size(default: int = DEFAULT_MAX_ARRAY_SIZE) -> int:
    """The cluster's ``MaxArraySize`` from ``scontrol show config`` (``default`` when unreadable).

    Parameters
    ----------
    default : int
        Returned when no scheduler answers (SLURM's own default, 1001).

    An array's task indices must stay below it, so an array holds at most ``MaxArraySize`` tasks
    (indices ``0 .. MaxArraySize - 1``).
    """
    try:
        text = _run(["scontrol", "show", "config"], what="reading the cluster's MaxArraySize")
    except SchedulerError as err:
        log.info("%s; using SLURM's default %d", err, default)
        return default
    match = re.search(r"^MaxArraySize\s*=\s*(\d+)", text, flags=re.M)
    return int(match[1]) if match else default


def node_cpus(partition: str | None = None) -> int | None:
    """CPUs of the smallest node of ``partition`` (the default one when None), from ``sinfo``;
    None when no scheduler answers (a dry run on a machine without SLURM).

    Parameters
    ----------
    partition : str, optional
        The partition the job will run in.
    """
    command = ["sinfo", "-h", "-o", "%c", *(["-p", partition] if partition else [])]
    try:
        text = _run(command, what="reading the nodes' CPUs")
    except SchedulerError:
        return None
    counts = [int(word) for word in text.split() if word.isdigit()]
    return min(counts) if counts else None


_FIELD = re.compile(r"(\w+)=(\S*)")


def _count(text: str) -> int:
    """A count field of ``scontrol`` (0 when absent or not a number)."""
    return int(text) if text.isdigit() else 0


def job_states(job_id: str) -> list[JobState]:
    """Every job of ``job_id`` (one, or an array's tasks) as ``scontrol show job -o`` reports them.

    Parameters
    ----------
    job_id : str
        A job id as sbatch returned it (an array's id stands for all its tasks).

    Raises
    ------
    SchedulerError
        The scheduler does not know the job (purged after ``MinJobAge``, or a wrong id).
    """
    text = _run(["scontrol", "show", "job", "-o", str(job_id)], what=f"job {job_id}")
    states = []
    for line in text.splitlines():
        fields = dict(_FIELD.findall(line))
        if "JobId" not in fields:
            continue
        task = fields.get("ArrayTaskId")
        ident = f"{fields.get('ArrayJobId', fields['JobId'])}_{task}" if task and task != "N/A" else fields["JobId"]
        states.append(JobState(ident, fields.get("JobState", "UNKNOWN"), fields.get("Reason", ""),
                               fields.get("ExitCode", ""), fields.get("StdOut", ""), fields.get("Command", ""),
                               _count(fields.get("Restarts", "0"))))
    return states


def wait(job_ids: Sequence[str], *, timeout_s: float = 3600.0, poll_s: float = 0.5,
         on_change: Callable[[JobState], None] | None = None) -> dict[str, JobState]:
    """Wait until no job of ``job_ids`` is pending or running; the last state of each job.

    Parameters
    ----------
    job_ids : Sequence[str]
        Job ids as sbatch returned them (an array's id stands for all its tasks).
    timeout_s : float
        Give up after this many seconds.
    poll_s : float
        Seconds between two ``scontrol`` calls.
    on_change : callable, optional
        Called with a job's state each time it changes (for progress lines).

    Raises
    ------
    SchedulerError
        Still pending or running after ``timeout_s``.
    """
    current: dict[str, list[JobState]] = {}   # job id -> its records in the last poll
    seen: dict[str, JobState] = {}
    deadline = time.monotonic() + timeout_s
    while True:
        for job_id in job_ids:
            # each poll replaces the job's records: a pending array shows as one record (123_0-3)
            # that splits into a record per task (123_0, ...) as they start
            current[job_id] = job_states(job_id)
            for state in current[job_id]:
                if on_change is not None and seen.get(state.job_id) != state:
                    on_change(state)
                seen[state.job_id] = state
        last = {state.job_id: state for states in current.values() for state in states}
        if last and all(state.group in ("done", "failed") for state in last.values()):
            return last
        if time.monotonic() > deadline:
            waiting = [s.describe("still") for s in last.values() if s.group in ("pending", "running")]
            raise SchedulerError(f"jobs {', '.join(job_ids)} not finished after {timeout_s:.0f} s: {'; '.join(waiting)}")
        time.sleep(poll_s)


def cancel(job_id: str, *, signal: str | None = None) -> None:
    """``scancel [--signal=SIG] JOB``.

    Parameters
    ----------
    job_id : str
        The job (or array) to cancel.
    signal : str, optional
        Send this signal instead of cancelling (``USR1``, ``TERM``).
    """
    _run(["scancel", *([f"--signal={signal}"] if signal else []), str(job_id)], what=f"cancelling job {job_id}")


def requeue(job_id: str) -> None:
    """``scontrol requeue JOB``: stop the running job and queue it again (a preemption).

    Parameters
    ----------
    job_id : str
        The job to requeue.
    """
    _run(["scontrol", "requeue", str(job_id)], what=f"requeueing job {job_id}")


def slurm_version() -> str | None:
    """``sinfo --version`` (``slurm 22.05.8``), or None without SLURM."""
    try:
        return _run(["sinfo", "--version"], what="reading SLURM's version").strip()
    except SchedulerError:
        return None
