"""ImageNet zero-shot accuracy during training, per run (LC joined to INFO).

LC gives top-1 per (run, epoch); INFO gives what turns an epoch into samples seen and optimiser
steps: ``samples_seen = epoch x samples_per_epoch`` and ``step = samples_seen / global batch``,
with global batch = ``local_bs x gpus``. Not a figure of the paper: the authors' notebook shows it.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from repro.constants import display_name
from repro.errors import SchemaError

#: The x axes a learning curve can be drawn against
X_AXES = ("epoch", "samples_seen", "step")
XAxis = Literal["epoch", "samples_seen", "step"]


def learning_curves(curves: pd.DataFrame, models_info: pd.DataFrame) -> pd.DataFrame:
    """One row per (run, evaluated epoch) with the run's architecture, data and budget.

    Parameters
    ----------
    curves : DataFrame
        ``repro.data.load_learning_curves()``: ``name, epoch, acc1, acc5``.
    models_info : DataFrame
        ``repro.data.load_models_info()``: ``name, arch, data, samples_seen_pretty,
        samples_per_epoch, local_bs, gpus, epochs``.

    Returns
    -------
    DataFrame
        ``name, arch, model, data, samples_seen_pretty, epoch, epochs, samples_seen, step,
        global_batch_size, acc1_percent, acc5_percent``, sorted by run and epoch.

    Raises
    ------
    SchemaError
        If a run of ``curves`` is not in ``models_info``.
    """
    info = models_info.set_index("name")
    unknown = sorted(set(curves["name"]) - set(info.index))
    if unknown:
        raise SchemaError(f"learning curves: run(s) {', '.join(unknown)} are not in trained_models_info.csv")
    joined = curves.join(info[["arch", "data", "samples_seen_pretty", "samples_per_epoch", "local_bs", "gpus",
                               "epochs"]], on="name")
    global_batch = joined["local_bs"] * joined["gpus"]
    samples_seen = joined["epoch"] * joined["samples_per_epoch"]
    out = pd.DataFrame({
        "name": joined["name"], "arch": joined["arch"], "model": joined["arch"].map(display_name),
        "data": joined["data"], "samples_seen_pretty": joined["samples_seen_pretty"],
        "epoch": joined["epoch"].astype(int), "epochs": joined["epochs"].astype(int),
        "samples_seen": samples_seen.astype(float), "step": (samples_seen / global_batch).round().astype(np.int64),
        "global_batch_size": global_batch.astype(int),
        "acc1_percent": 100.0 * joined["acc1"], "acc5_percent": 100.0 * joined["acc5"],
    })
    return out.sort_values(["name", "epoch"], kind="stable").reset_index(drop=True)


def run_label(frame: pd.DataFrame) -> pd.Series:
    """``ViT-B/32 400M 13B`` per row: architecture, data and samples-seen budget of the run.

    Parameters
    ----------
    frame : DataFrame
        Runs with ``model``, ``data`` and ``samples_seen_pretty`` columns.
    """
    return frame["model"] + " " + frame["data"].astype(str) + " " + frame["samples_seen_pretty"]
