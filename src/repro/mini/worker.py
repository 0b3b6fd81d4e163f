"""One run of the miniature study as a scheduler's array task:
``python -m repro.mini.worker JOB RESULT`` trains (or resumes, or reuses) and evaluates the pickled
job ``JOB`` (written by :func:`repro.mini.study.run_study` with ``executor="slurm"`` or
``"submitit"``) and pickles its result to ``RESULT``, which the study then records in the
grid's order."""

from __future__ import annotations

import logging
import pickle
import sys
from pathlib import Path

from repro.mini.study import _run_job


def main(argv: list[str] | None = None) -> int:
    """Run one job file and write its result file (written last, atomically: present = done).

    Parameters
    ----------
    argv : list of str, optional
        ``[JOB, RESULT]`` (default: the command line).
    """
    job_file, result_file = map(Path, sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s | %(levelname)s | %(message)s")
    result = _run_job(pickle.loads(job_file.read_bytes()))
    tmp = result_file.with_suffix(".tmp")
    tmp.write_bytes(pickle.dumps(result))
    tmp.replace(result_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
