"""Aggregate downstream entries (imagenet_robustness, vtab, vtab+), computed from their
components as the paper did, and checked on the published table.

An aggregate row has, in each classification metric column (acc1, acc5, mean_per_class_recall),
the mean of that column over its components, skipping NaN the way pandas does: acc5 is NaN for
sets with fewer than five classes (KITTI, PCAM, RenderedSST2), and those sets simply drop out of
the acc5 mean (the paper's evaluation protocol, Sec. 3 and Table 26).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from repro.data.schema import RESULTS_COLUMNS, model_id
from repro.evaluate.suite import Suite, SuiteAggregate, load_suite

#: Columns an aggregate row carries (the published aggregate rows have exactly these).
AGGREGATE_METRICS = ("acc1", "acc5", "mean_per_class_recall")
#: Columns that describe the model, copied from its component rows.
MODEL_COLUMNS = ("arch", "samples_seen", "gmacs_total", "gmacs", "upstream_dataset", "samples_seen_pretty", "name")
#: The aggregate check's tolerance on the published table: floating-point rounding, nothing more.
CHECK_TOLERANCE = 1e-6


def aggregate_rows(rows: pd.DataFrame, aggregate: SuiteAggregate) -> pd.DataFrame:
    """Rows of one aggregate for every model that has all its components.

    Parameters
    ----------
    rows : DataFrame
        Results in the schema of zeroshot_results.csv (any number of models).
    aggregate : SuiteAggregate
        The aggregate's name and components.

    Returns
    -------
    DataFrame
        One row per model with every component present, in the results schema; models missing
        a component get no row (a partial mean would not be the paper's quantity).
    """
    parts = rows[rows["downstream_dataset"].isin(aggregate.components)].copy()
    parts["_model"] = model_id(parts)
    counts = parts.groupby("_model")["downstream_dataset"].nunique()
    complete = counts.index[counts == len(aggregate.components)]
    parts = parts[parts["_model"].isin(complete)]
    if parts.empty:
        return pd.DataFrame(columns=list(RESULTS_COLUMNS))
    means = parts.groupby("_model", sort=False)[list(AGGREGATE_METRICS)].mean()  # NaN-skipping
    models = parts.groupby("_model", sort=False)[list(MODEL_COLUMNS)].first()
    out = models.join(means)
    out["downstream_dataset"] = aggregate.name
    out["task"] = "zeroshot_classification"
    for column in RESULTS_COLUMNS:
        if column not in out.columns:
            out[column] = np.nan
    return out.reset_index(drop=True)[list(RESULTS_COLUMNS)]


def add_aggregates(rows: pd.DataFrame, suite: Suite | None = None) -> pd.DataFrame:
    """``rows`` with every aggregate of ``suite`` (default: the paper's) recomputed: existing
    aggregate rows are replaced, models missing a component get none."""
    suite = suite or load_suite("paper")
    names = {a.name for a in suite.aggregates}
    base = rows[~rows["downstream_dataset"].isin(names)]
    parts = [base] + [aggregate_rows(base, a) for a in suite.aggregates]
    parts = [p for p in parts if not p.empty]
    return pd.concat(parts, ignore_index=True)[list(RESULTS_COLUMNS)]


@dataclass(frozen=True)
class AggregateCheck:
    """Recomputed vs published aggregates, per model.

    Attributes
    ----------
    table : DataFrame
        One row per (model, aggregate, metric): published, recomputed, abs_difference.
    max_abs_difference : dict
        Aggregate -> largest absolute difference over models and metrics.
    n_models : int
        Models compared.
    """

    table: pd.DataFrame
    max_abs_difference: dict[str, float]
    n_models: int

    def passed(self, aggregate: str, tolerance: float = CHECK_TOLERANCE) -> bool:
        """Whether every model's recomputed ``aggregate`` equals the published value within ``tolerance``."""
        return self.max_abs_difference[aggregate] <= tolerance


def check_published_aggregates(rows: pd.DataFrame, suite: Suite | None = None) -> AggregateCheck:
    """Recompute each aggregate from its components and compare with the aggregate rows of
    ``rows`` (the published table: ``repro.data.load_results()``), for every model and every
    classification metric column."""
    suite = suite or load_suite("paper")
    names = [a.name for a in suite.aggregates]
    base = rows[~rows["downstream_dataset"].isin(names)]
    recomputed = pd.concat([aggregate_rows(base, a) for a in suite.aggregates], ignore_index=True)
    published = rows[rows["downstream_dataset"].isin(names)]
    key = ["_model", "downstream_dataset"]
    left = published.assign(_model=model_id(published)).set_index(key)[list(AGGREGATE_METRICS)]
    right = recomputed.assign(_model=model_id(recomputed)).set_index(key)[list(AGGREGATE_METRICS)]
    joined = left.add_suffix("_published").join(right.add_suffix("_recomputed"), how="outer")
    records = []
    for metric in AGGREGATE_METRICS:
        part = pd.DataFrame({
            "published": joined[f"{metric}_published"], "recomputed": joined[f"{metric}_recomputed"],
        }).reset_index()
        part["metric"] = metric
        records.append(part)
    table = pd.concat(records, ignore_index=True).rename(columns={"_model": "model", "downstream_dataset": "aggregate"})
    both_nan = table["published"].isna() & table["recomputed"].isna()
    # A value present on one side only is a failure: count it as an infinite difference.
    table["abs_difference"] = (table["published"] - table["recomputed"]).abs().where(~both_nan, 0.0).fillna(np.inf)
    worst = table.groupby("aggregate")["abs_difference"].max()
    return AggregateCheck(table[["model", "aggregate", "metric", "published", "recomputed", "abs_difference"]],
                          {name: float(worst.get(name, np.inf)) for name in names}, int(table["model"].nunique()))


def vtab_alternatives(rows: pd.DataFrame, suite: Suite | None = None) -> pd.DataFrame:
    """Candidate definitions of the published ``vtab`` aggregate and how far each is from it:
    the mean of the 19 ``vtab/*`` rows (acc1, and mean_per_class_recall), and the suite's ``vtab``
    components (CLIP_benchmark's ``vtab`` collection, VTAB-1k's 19 tasks: SUN397 in, CIFAR-10 out).

    Returns one row per candidate: candidate, mean / min / max difference (candidate - published)
    over the models in percentage points, and the largest absolute difference as a fraction."""
    suite = suite or load_suite("paper")
    ids = model_id(rows)
    table = rows.assign(_model=ids).pivot_table(index="_model", columns="downstream_dataset",
                                                values=list(AGGREGATE_METRICS))
    published = table[("acc1", "vtab")]
    vtab_rows = sorted(c for c in rows["downstream_dataset"].unique() if c.startswith("vtab/"))
    components = list({a.name: a for a in suite.aggregates}["vtab"].components)
    candidates = {
        f"mean acc1 of the {len(vtab_rows)} vtab/* rows": table["acc1"][vtab_rows].mean(axis=1),
        f"mean mean_per_class_recall of the {len(vtab_rows)} vtab/* rows":
            table["mean_per_class_recall"][vtab_rows].mean(axis=1),
        "mean acc1 of the suite's vtab: CLIP_benchmark's 'vtab' collection (sun397 in, vtab/cifar10 out)":
            table["acc1"][components].mean(axis=1),
    }
    out = []
    for name, values in candidates.items():
        difference = 100.0 * (values - published)
        out.append({"candidate": name, "mean_difference_points": float(difference.mean()),
                    "min_difference_points": float(difference.min()), "max_difference_points": float(difference.max()),
                    "max_abs_difference": float((values - published).abs().max())})
    return pd.DataFrame(out)
