"""The results schema: the columns of the authors' ``zeroshot_results.csv``, one row per
(model, downstream dataset). The paper's rows and ours (mini study, new evaluations) share it, so
every figure function reads both."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from repro.constants import OPENAI_UPSTREAM

from repro.errors import SchemaError

#: Column order of zeroshot_results.csv; kept exactly, since every figure reads the paper's rows and ours alike.
RESULTS_COLUMNS: tuple[str, ...] = (
    "arch", "samples_seen", "gmacs_total", "gmacs", "upstream_dataset", "downstream_dataset",
    "acc1", "acc5", "mean_per_class_recall", "image_retrieval_recall@5", "text_retrieval_recall@5",
    "mean_average_precision", "task", "samples_seen_pretty", "name",
)
METRIC_COLUMNS: tuple[str, ...] = (
    "acc1", "acc5", "mean_per_class_recall", "image_retrieval_recall@5",
    "text_retrieval_recall@5", "mean_average_precision",
)
STRING_COLUMNS: tuple[str, ...] = (
    "arch", "upstream_dataset", "downstream_dataset", "task", "samples_seen_pretty", "name",
)
TASKS: tuple[str, ...] = ("zeroshot_classification", "zeroshot_retrieval")
RETRIEVAL_DATASETS: tuple[str, ...] = ("mscoco_captions", "flickr30k")
#: The paper's grid: 29 OpenCLIP runs + 3 OpenAI models, 41 downstream entries (MANIFEST.md).
PAPER_N_MODELS = 32
PAPER_N_DOWNSTREAM = 41


def model_id(rows: pd.DataFrame) -> pd.Series:
    """One identifier per model: the checkpoint name, or ``"<arch> openai"`` for the OpenAI models
    (which all carry the name ``openai``).

    Parameters
    ----------
    rows : DataFrame
        Rows of the results schema (``name``, ``arch``).
    """
    openai = rows["name"].astype(str) == "openai"
    return rows["name"].astype(str).where(~openai, rows["arch"].astype(str) + " openai")


def validate_results(rows: pd.DataFrame, *, source: str | Path, paper_grid: bool = False) -> pd.DataFrame:
    """Check a results table against the schema and return it with canonical dtypes.

    Parameters
    ----------
    rows : DataFrame
        A table with the columns of ``zeroshot_results.csv``.
    source : str or Path
        Where the table came from; named in every error.
    paper_grid : bool
        Also require the paper's complete grid: 32 models x 41 downstream datasets.

    Raises
    ------
    SchemaError
        Naming the file, the 1-based data row (as in a spreadsheet: header is row 1) and the column.
    """
    missing = [c for c in RESULTS_COLUMNS if c not in rows.columns]
    if missing:
        raise SchemaError(
            f"{source}: missing column(s) {', '.join(repr(c) for c in missing)}; "
            f"a results table needs the columns of zeroshot_results.csv: {', '.join(RESULTS_COLUMNS)}"
        )
    out = rows.loc[:, list(RESULTS_COLUMNS)].copy()
    for column in ("samples_seen", "gmacs_total", "gmacs", *METRIC_COLUMNS):
        numeric = pd.to_numeric(out[column], errors="coerce")
        bad = numeric.isna() & out[column].notna() & (out[column].astype(str).str.strip() != "")
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise SchemaError(f"{source}: row {i + 2}, column '{column}': {out[column].iloc[i]!r} is not a number")
        out[column] = numeric.astype(float)
    for column in STRING_COLUMNS:
        empty = out[column].isna()
        if empty.any():
            i = int(np.flatnonzero(empty.to_numpy())[0])
            raise SchemaError(f"{source}: row {i + 2}, column '{column}': empty")
        out[column] = out[column].astype(str)
    for column in ("samples_seen", "gmacs", "gmacs_total"):
        bad = ~(out[column] > 0)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise SchemaError(f"{source}: row {i + 2}, column '{column}': {float(out[column].iloc[i])!r} is not a positive number")
    for column in METRIC_COLUMNS:
        values = out[column]
        bad = values.notna() & ((values < 0) | (values > 1))
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise SchemaError(f"{source}: row {i + 2}, column '{column}': {float(values.iloc[i])!r} is not a fraction in [0, 1]")
    product = out["gmacs"] * out["samples_seen"]
    bad = (product - out["gmacs_total"]).abs() > 1e-6 * out["gmacs_total"]
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise SchemaError(
            f"{source}: row {i + 2}, column 'gmacs_total': {float(out['gmacs_total'].iloc[i])!r} != gmacs x samples_seen "
            f"= {float(product.iloc[i])!r}"
        )
    bad = ~out["task"].isin(TASKS)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise SchemaError(f"{source}: row {i + 2}, column 'task': {out['task'].iloc[i]!r} is not one of {TASKS}")
    has_metric = out[list(METRIC_COLUMNS)].notna().any(axis=1)
    if not has_metric.all():
        i = int(np.flatnonzero(~has_metric.to_numpy())[0])
        raise SchemaError(f"{source}: row {i + 2}: every metric column is empty")
    ids = model_id(out)
    duplicated = (ids + "\x00" + out["downstream_dataset"]).duplicated()
    if duplicated.any():
        i = int(np.flatnonzero(duplicated.to_numpy())[0])
        raise SchemaError(
            f"{source}: row {i + 2}: duplicate row for model {ids.iloc[i]!r} on '{out['downstream_dataset'].iloc[i]}'"
        )
    if paper_grid:
        n_models, n_downstream = ids.nunique(), out["downstream_dataset"].nunique()
        if (n_models, n_downstream, len(out)) != (PAPER_N_MODELS, PAPER_N_DOWNSTREAM, PAPER_N_MODELS * PAPER_N_DOWNSTREAM):
            counts = out.groupby(ids)["downstream_dataset"].nunique()
            short = counts[counts < n_downstream]
            detail = f"; models with fewer datasets: {dict(short)}" if len(short) else ""
            raise SchemaError(
                f"{source}: expected the paper's grid of {PAPER_N_MODELS} models x {PAPER_N_DOWNSTREAM} downstream "
                f"datasets = {PAPER_N_MODELS * PAPER_N_DOWNSTREAM} rows, got {n_models} models x {n_downstream} "
                f"datasets in {len(out)} rows{detail}"
            )
    return out


def error_of(rows: pd.DataFrame) -> pd.Series:
    """Error rate E per row (Sec. 4: error = 1 - accuracy, or 1 - Recall@5 for retrieval): 1 - image retrieval R@5 for retrieval,
    1 - mean average precision for voc2007_multilabel, 1 - top-1 accuracy otherwise.

    Parameters
    ----------
    rows : DataFrame
        Rows of the results schema (``downstream_dataset``, ``acc1``, ``image_retrieval_recall@5``,
        ``mean_average_precision``).
    """
    retrieval = rows["task"] == "zeroshot_retrieval"
    multilabel = rows["acc1"].isna() & rows["mean_average_precision"].notna()
    score = rows["acc1"].where(~retrieval, rows["image_retrieval_recall@5"])
    score = score.where(~multilabel, rows["mean_average_precision"])
    return 1.0 - score
