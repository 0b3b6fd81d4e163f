"""A results registry: one CSV in the schema of ``zeroshot_results.csv`` that evaluations merge into.

Merging replaces the rows of the same (model, downstream dataset) and keeps everything else, so a
re-evaluation never duplicates a row. Every write is atomic (a temporary file in the same folder,
then ``os.replace``), and read-modify-write is serialised with a lock file (``filelock``, with a
timeout: a job never waits forever behind a hung one), so SLURM array jobs can
merge into one registry at once and a run that fails half-way leaves the rows it had finished.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
from filelock import FileLock, Timeout

from repro.data.loaders import read_results
from repro.data.schema import RESULTS_COLUMNS, model_id, validate_results
from repro.errors import EvaluationError

#: seconds a merge waits for another job's lock on the registry before it gives up
LOCK_TIMEOUT_S = 600.0


def _key(rows: pd.DataFrame) -> pd.Series:
    return model_id(rows) + "\x00" + rows["downstream_dataset"].astype(str)


def read_registry(path: str | Path) -> pd.DataFrame:
    """The rows of the registry at ``path``, validated; an empty table if the file does not exist yet.

    Parameters
    ----------
    path : str or Path
        The registry CSV.

    Raises
    ------
    SchemaError
        If the file is not a results table in the schema of zeroshot_results.csv (naming the file,
        row and column).
    """
    path = Path(path)
    if not path.exists():
        return pd.DataFrame(columns=list(RESULTS_COLUMNS))
    return read_results(path)


@contextlib.contextmanager
def registry_lock(path: str | Path, *, timeout_s: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold an exclusive lock on ``<path>.lock`` while merging.

    Parameters
    ----------
    path : str or Path
        The registry CSV; the lock is ``<path>.lock`` beside it.
    timeout_s : float
        Seconds to wait for another holder of the lock.

    Raises
    ------
    EvaluationError
        If the lock is still held by another process after ``timeout_s`` (naming the lock file).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = path.with_name(path.name + ".lock")
    try:
        with FileLock(lock, timeout=timeout_s):
            yield
    except Timeout as err:
        raise EvaluationError(f"{lock}: the results registry is locked by another job for more than "
                              f"{timeout_s:g} s; remove the lock file if no job is merging into {path}") from err


def write_atomic(rows: pd.DataFrame, path: str | Path) -> None:
    """Write ``rows`` to ``path`` through a temporary file in the same folder and ``os.replace``.

    Parameters
    ----------
    rows : DataFrame
        The table to write (without its index).
    path : str or Path
        The CSV to replace.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")   # unique per thread and process
    try:
        rows.to_csv(tmp, index=False)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def merge_results(path: str | Path, rows: pd.DataFrame, *, source: str = "new rows") -> pd.DataFrame:
    """Merge ``rows`` into the registry at ``path`` (created if absent) and return the merged table.

    Parameters
    ----------
    path : str or Path
        The registry CSV.
    rows : DataFrame
        New rows in the results schema; each replaces the registry's row of the same model and
        downstream dataset.
    source : str
        Named in errors about ``rows``.

    Raises
    ------
    SchemaError
        If ``rows`` or the existing registry break the schema; the registry is then left as it was.
    """
    path = Path(path)
    new = validate_results(rows, source=source)
    with registry_lock(path):
        existing = read_registry(path)
        kept = existing[~_key(existing).isin(set(_key(new)))] if len(existing) else existing
        parts = [p for p in (kept, new) if len(p)]
        merged = pd.concat(parts, ignore_index=True) if parts else new
        merged = validate_results(merged, source=f"{path} merged with {source}")
        write_atomic(merged, path)
    return merged
