"""ImageNet zero-shot accuracy during training for each of the 29 runs (LC; PAPER.md, "Learning
curves": not a paper figure, the authors' notebook shows it).

LC gives top-1 per (run, epoch); INFO gives what turns an epoch into samples seen and optimiser
steps: ``samples_seen = epoch x samples_per_epoch`` and ``step = samples_seen / global batch``,
with global batch = ``local_bs x gpus``.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from repro.report import ReportRow, compare
from repro.errors import SchemaError
from repro.constants import display_name

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
    """``ViT-B/32 400M 13B`` per row: architecture, data and samples-seen budget of the run."""
    return frame["model"] + " " + frame["data"].astype(str) + " " + frame["samples_seen_pretty"]


def final_vs_results(curves: pd.DataFrame, results: pd.DataFrame) -> pd.DataFrame:
    """The last evaluated epoch of each run beside the run's ImageNet top-1 in ZS (percent).

    ``complete`` says whether LC reaches the run's final epoch (a few runs miss intermediate
    epochs in LC); ``difference`` = LC - ZS in points. The two evaluations differ
    (open_clip's in-training ImageNet zero-shot vs CLIP_benchmark afterwards), so small gaps are
    expected even on the final epoch.
    """
    last = curves.sort_values("epoch").groupby("name", sort=False).last()
    zs = results[(results["downstream_dataset"] == "imagenet1k") & (results["name"] != "openai")]
    zs = zs.set_index("name")["acc1"] * 100.0
    out = pd.DataFrame({"run": run_label(last.reset_index()).to_numpy(), "last_epoch": last["epoch"].to_numpy(),
                        "epochs": last["epochs"].to_numpy(), "lc_acc1": last["acc1_percent"].to_numpy(),
                        "zs_acc1": zs.reindex(last.index).to_numpy()}, index=last.index)
    out["complete"] = out["last_epoch"] == out["epochs"]
    out["difference"] = out["lc_acc1"] - out["zs_acc1"]
    return out.reset_index(drop=True).sort_values("run").reset_index(drop=True)


def report_rows(curves: pd.DataFrame) -> list[ReportRow]:
    """One row per run: the final logged ImageNet top-1 of LC (no paper value: the paper prints
    no learning curves)."""
    last = curves.sort_values("epoch").groupby("name", sort=False).last().reset_index()
    return [compare("learning-curves", f"imagenet1k_acc1_last_epoch_{label}", value)
            for label, value in zip(run_label(last), last["acc1_percent"])]
