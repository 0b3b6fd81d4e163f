"""Training throughput (samples/s) read from open_clip_train's own log (``out.log``).

open_clip_train logs, every ``--log-every-n-steps`` steps and at the end of each epoch, a line::

    Train Epoch: 0 [ 640/2000 (32%)] Data (t): 0.004 Batch (t): 0.152, 421.05/s, 421.05/s/gpu LR: ...

where the samples/s is ``batch_size x world_size / (time of the last step)``, data loading
included. :func:`steady_state` takes the median over logged steps, leaving out the first step
of every epoch (it pays for data-loader start-up and, after a resume, process start-up).
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from repro.errors import SchemaError

_LINE = re.compile(
    r"Train Epoch: (?P<epoch>\d+) \[\s*(?P<samples>\d+)/(?P<samples_per_epoch>\d+) \((?P<percent>\d+)%\)\] "
    r"Data \(t\): (?P<data_time_s>[\d.]+) Batch \(t\): (?P<batch_time_s>[\d.]+), "
    r"(?P<samples_per_sec>[\d.eE+-]+)/s, (?P<samples_per_sec_per_gpu>[\d.eE+-]+)/s/gpu"
)
LOG_COLUMNS = ("epoch", "samples", "samples_per_epoch", "percent", "data_time_s", "batch_time_s",
               "samples_per_sec", "samples_per_sec_per_gpu")


@dataclass(frozen=True)
class Throughput:
    """Steady-state training speed of one run."""

    samples_per_sec: float          # all GPUs together (median over logged steps)
    samples_per_sec_per_gpu: float  # one GPU / process
    n_steps: int                    # logged steps the median is taken over


def parse_log(path: str | Path) -> pd.DataFrame:
    """The ``Train Epoch`` lines of an open_clip_train log, one row each (columns LOG_COLUMNS)."""
    rows = []
    for line in Path(path).read_text(errors="replace").splitlines():
        match = _LINE.search(line)
        if match:
            rows.append({k: float(v) if "." in v or "e" in v else int(v) for k, v in match.groupdict().items()})
    return pd.DataFrame(rows, columns=list(LOG_COLUMNS))


def steady_state(log: pd.DataFrame, *, source: str = "<log>") -> Throughput:
    """Median samples/s over logged steps, leaving out each epoch's first step.

    Raises
    ------
    SchemaError
        No step is left to measure (the run logged nothing after its first steps).
    """
    # an epoch's first logged step has the smallest sample count (twice if a resume repeated it)
    first_steps = log["samples"] == log.groupby("epoch")["samples"].transform("min")
    kept = log[~first_steps]
    if kept.empty:
        raise SchemaError(f"{source}: no training step after the first of an epoch was logged; "
                          "lower --log-every-n-steps or train longer to measure throughput")
    return Throughput(
        samples_per_sec=float(statistics.median(kept["samples_per_sec"])),
        samples_per_sec_per_gpu=float(statistics.median(kept["samples_per_sec_per_gpu"])),
        n_steps=len(kept),
    )


def run_throughput(log_file: str | Path) -> Throughput:
    """Steady-state throughput of a run from its ``out.log``."""
    return steady_state(parse_log(log_file), source=str(log_file))
