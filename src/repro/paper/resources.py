"""Training resources: Table 18's derivable columns recomputed from the run table (INFO).

For each of the 29 OpenCLIP runs, ``trained_models_info.csv`` gives the number of GPUs, the
per-GPU batch, the epochs, the samples per epoch and the measured training throughput. From these:

* global batch = gpus x local_bs;
* samples seen = epochs x samples_per_epoch;
* hours = samples seen / samples_per_sec / 3600 (training time at the recorded throughput);
* GPU-hours = hours x gpus.

Table 18's MWh column is not derivable from INFO; its ratio to the printed GPU-hours is
reported (:func:`table18` column ``implied_kw_per_gpu``) so the reader can see which power per
GPU the paper assumed.

:func:`table18` is the library entry point; the book's "Training setup and resources" chapter
and the training chapter both render it.
"""

from __future__ import annotations

import pandas as pd

from repro.constants import DATA_LABELS, display_name
from repro.report import ReportRow, compare
from repro.data import load_models_info, load_reported
from repro.errors import SchemaError

#: INFO's ``data`` -> Table 18's ``pretraining_data``
#: Table 18 prints "3B / 13B / 34B", nominal labels; the runs' true totals differ (PAPER.md,
#: "Training recipe": 2.44-2.56 B, 12.2-13.2 B, 32.0-34.7 B)
_NOMINAL_SAMPLES_SEEN = {"3B": 3e9, "13B": 13e9, "34B": 34e9}


def table18(info: pd.DataFrame | None = None, reported: pd.DataFrame | None = None) -> pd.DataFrame:
    """Table 18 recomputed from INFO, beside the printed values.

    Parameters
    ----------
    info : DataFrame, optional
        The run table (``repro.data.load_models_info()``, the default); any table with its
        columns ``arch``, ``data``, ``samples_seen_pretty``, ``gpus``, ``local_bs``, ``epochs``,
        ``samples_per_epoch``, ``samples_per_sec``, ``lr``, ``warmup`` works (for example our own
        runs' records).
    reported : DataFrame, optional
        Table 18 as printed (``load_reported("table18")``, the default); pass an empty frame to get
        our columns only.

    Returns
    -------
    DataFrame
        One row per run, in Table 18's order when ``reported`` is given: ``model``,
        ``pretraining_data``, ``samples_seen_pretty``, ``gpus``, ``local_batch``, ``lr``,
        ``warmup_steps``, ``global_batch``, ``samples_seen`` (exact count),
        ``samples_per_sec``, ``hours``, ``gpu_hours``; with ``reported``, the printed
        ``paper_global_batch``, ``paper_hours``, ``paper_gpu_hours``, ``paper_mwh``,
        ``paper_gpus``, ``paper_local_batch`` and ``implied_kw_per_gpu`` (printed MWh x 1000 /
        printed GPU-hours).
    """
    info = load_models_info() if info is None else info
    required = ("arch", "data", "samples_seen_pretty", "gpus", "local_bs", "epochs", "samples_per_epoch",
                "samples_per_sec", "lr", "warmup")
    missing = [c for c in required if c not in info.columns]
    if missing:
        raise SchemaError(f"run table: missing column(s) {', '.join(missing)} needed for Table 18")
    if (info["samples_per_sec"] <= 0).any():
        bad = info.index[info["samples_per_sec"] <= 0][0]
        raise SchemaError(f"run table: row {bad + 2}, column 'samples_per_sec': must be > 0, "
                          f"got {info.loc[bad, 'samples_per_sec']!r}")
    ours = pd.DataFrame({
        "model": info["arch"].map(display_name),
        "pretraining_data": info["data"].map(lambda d: DATA_LABELS.get(d, d)),
        "samples_seen_pretty": info["samples_seen_pretty"],
        "gpus": info["gpus"].astype(int),
        "local_batch": info["local_bs"].astype(int),
        "lr": info["lr"].astype(float),
        "warmup_steps": info["warmup"].astype(int),
        "global_batch": (info["gpus"] * info["local_bs"]).astype(int),
        "samples_seen": (info["epochs"] * info["samples_per_epoch"]).astype("int64"),
        "samples_per_sec": info["samples_per_sec"].astype(float),
    })
    ours["hours"] = ours["samples_seen"] / ours["samples_per_sec"] / 3600
    ours["gpu_hours"] = ours["hours"] * ours["gpus"]
    reported = load_reported("table18") if reported is None else reported
    if reported.empty:
        return ours
    printed = reported.rename(columns={"model": "model_printed", "samples_seen": "samples_seen_pretty"}).assign(
        model=lambda t: t["model_printed"].str.removeprefix("ViT-"))
    printed = printed.rename(columns={"global_batch": "paper_global_batch", "hours": "paper_hours",
                                      "gpu_hours": "paper_gpu_hours", "mwh": "paper_mwh", "gpus": "paper_gpus",
                                      "local_batch": "paper_local_batch", "lr": "paper_lr",
                                      "warmup_steps": "paper_warmup"})
    keys = ["model", "pretraining_data", "samples_seen_pretty"]
    merged = printed.merge(ours.assign(model=ours["model"].str.removeprefix("ViT-")), on=keys, how="left",
                           validate="one_to_one", indicator=True)
    unmatched = merged[merged["_merge"] != "both"]
    if not unmatched.empty:
        first = unmatched.iloc[0]
        raise SchemaError(f"Table 18 row ({first['model']}, {first['pretraining_data']}, "
                          f"{first['samples_seen_pretty']}) has no run in the run table")
    merged["model"] = merged["model_printed"]
    merged["implied_kw_per_gpu"] = merged["paper_mwh"] * 1000 / merged["paper_gpu_hours"]
    columns = list(ours.columns) + ["paper_gpus", "paper_local_batch", "paper_lr", "paper_warmup",
                                    "paper_global_batch", "paper_hours", "paper_gpu_hours", "paper_mwh",
                                    "implied_kw_per_gpu"]
    return merged[columns]


def _explain_samples_seen(row: pd.Series) -> str:
    return (f"Table 18 prints the nominal budget '{row['samples_seen_pretty']}'; this run saw "
            f"{row['samples_seen'] / 1e9:.2f} B samples (epochs x samples per epoch in the run table)")


def table18_report_rows(table: pd.DataFrame) -> list[ReportRow]:
    """Report rows of Table 18's derivable columns: global batch, samples seen (billions, against
    the nominal label), hours and GPU-hours, per run."""
    rows = []
    for _, r in table.iterrows():
        run = f"{r['model']} {r['pretraining_data']} {r['samples_seen_pretty']}"
        rows.append(compare("table18", f"global_batch {run}", r["global_batch"], r["paper_global_batch"], decimals=0))
        nominal = _NOMINAL_SAMPLES_SEEN[r["samples_seen_pretty"]] / 1e9
        row = compare("table18", f"samples_seen_billions {run}", r["samples_seen"] / 1e9, nominal, decimals=0)
        if row.status == "differs":
            row = compare("table18", row.quantity, row.reproduced, nominal, decimals=0,
                          explanation=_explain_samples_seen(r))
        rows.append(row)
        for column, paper_column in (("hours", "paper_hours"), ("gpu_hours", "paper_gpu_hours")):
            row = compare("table18", f"{column} {run}", r[column], r[paper_column], decimals=0)
            if row.status == "differs":
                row = compare("table18", row.quantity, row.reproduced, r[paper_column], decimals=0,
                              explanation=_explain_hours(r, column))
            rows.append(row)
    return rows


def _explain_hours(row: pd.Series, column: str) -> str:
    return (f"ours = samples seen / the run table's one recorded throughput ({row['samples_per_sec']:,.0f} samples/s); "
            f"the printed value ({row['paper_' + column]:,.0f}) implies another throughput or duration for this run")


#: Columns of Table 18 shown on the setup page, in display order.
TABLE18_DISPLAY_COLUMNS = ("model", "pretraining_data", "samples_seen_pretty", "gpus", "local_batch", "global_batch",
                           "paper_global_batch", "samples_seen", "samples_per_sec", "hours", "paper_hours",
                           "gpu_hours", "paper_gpu_hours", "paper_mwh", "implied_kw_per_gpu")


def table18_display(table: pd.DataFrame, decimals: int = 2) -> pd.DataFrame:
    """The setup page's view of :func:`table18`: :data:`TABLE18_DISPLAY_COLUMNS`, rounded to ``decimals``."""
    return table[list(TABLE18_DISPLAY_COLUMNS)].round(decimals)
