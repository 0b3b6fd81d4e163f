"""Chapter "Zero-shot classification and retrieval: the tables" (``book/notebooks/zeroshot.md``):
Tables 1, 16, 17 and 19-24 recomputed from the published zero-shot results (ZS), each beside the
numbers the paper prints; the bottleneck claims of Sec. 4 on the same grids; the per-dataset scaling
explorer; and Figure 12 (OpenAI's ResNet CLIP models added to the ImageNet and MS-COCO plots).

Every cell is the ZS value of one (model, samples seen, upstream dataset, downstream dataset) in
percent; the paper prints Tables 16 and 19-24 with two decimals and Table 1 with one.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from IPython.display import HTML
from matplotlib.figure import Figure

from repro.constants import (
    BUDGET_LABELS,
    LAION_UPSTREAMS,
    OPENAI_SAMPLES_SEEN,
    OPENAI_UPSTREAM,
    VTAB_PLUS_TASKS,
    display_name,
)
from repro.data import load_arch, load_reported, load_results, load_source, read_results
from repro.errors import FitError, ParameterError, SchemaError
from repro.figures import compute_vs_error, show_plotly
from repro.figures import bottleneck as bottleneck_figures
from repro.figures.explorers import scaling_explorer
from repro.report import ReportRow, Text, compare, measured
from repro.scaling import verdicts
from repro.scaling.extrapolation import gmacs_per_sample
from repro.scaling.paper_fit import PowerLawFit, fit_openai_law, fit_paper_law

#: decimals the paper prints in Tables 16, 19-24 (zero-shot grids) and Table 1
GRID_DECIMALS = 2
TABLE01_DECIMALS = 1


@dataclass(frozen=True)
class GridTable:
    """One zero-shot grid of the appendix: which results column of which downstream entry."""

    table: str               # "table16", "table19", ...
    downstream_dataset: str  # entry of zeroshot_results.csv
    metric: str              # results column
    title: str


#: The appendix grids (Tables 16, 19-24), in the order the paper prints them.
GRID_TABLES: dict[str, GridTable] = {
    t.table: t for t in (
        GridTable("table16", "vtab+", "acc1", "VTAB+ (mean over 35 tasks), zero-shot top-1 %"),
        GridTable("table19", "imagenet1k", "acc1", "ImageNet zero-shot top-1 %"),
        GridTable("table20", "imagenet_robustness", "acc1",
                  "ImageNet robustness (mean of V2, R, Sketch, ObjectNet, A), zero-shot top-1 %"),
        GridTable("table21", "mscoco_captions", "image_retrieval_recall@5", "MS-COCO image retrieval Recall@5 %"),
        GridTable("table22", "mscoco_captions", "text_retrieval_recall@5", "MS-COCO text retrieval Recall@5 %"),
        GridTable("table23", "flickr30k", "image_retrieval_recall@5", "Flickr30K image retrieval Recall@5 %"),
        GridTable("table24", "flickr30k", "text_retrieval_recall@5", "Flickr30K text retrieval Recall@5 %"),
    )
}

#: Table 26's names of the 35 sets (the paper's row labels of Table 17), same order.
VTAB_PLUS_TASK_NAMES: tuple[str, ...] = (
    "ImageNet", "ImageNet-v2", "ImageNet-R", "ImageNet-Sketch", "ObjectNet", "ImageNet-A", "CIFAR-10",
    "CIFAR-100", "MNIST", "Flowers102", "Stanford Cars", "SVHN", "FER2013", "RenderedSST2", "Pets",
    "Caltech-101", "VOC2007-Cl", "SUN397", "FGVC Aircraft", "Country211", "DTD", "GTSRB", "STL10",
    "Retinopathy", "EuroSAT", "RESISC45", "PCAM", "CLEVR Counts", "CLEVR Dist", "dSprites Orient",
    "dSprites pos", "SmallNORB Elev", "SmallNORB Azim", "DMLab", "KITTI Dist",
)




def _cell(rows: pd.DataFrame, model: str, samples_seen: str, upstream: str, downstream: str, metric: str) -> float:
    chosen = rows[(rows["arch"].map(display_name) == model) & (rows["samples_seen_pretty"] == samples_seen)
                  & (rows["upstream_dataset"] == upstream) & (rows["downstream_dataset"] == downstream)]
    if len(chosen) != 1:
        raise SchemaError(f"zero-shot results: expected one row for {model} / {samples_seen} / {upstream} / "
                          f"{downstream}, got {len(chosen)}")
    return float(100.0 * chosen[metric].iloc[0])


def zeroshot_grid(rows: pd.DataFrame, table: str) -> pd.DataFrame:
    """One appendix grid recomputed from ``rows``, long form, in percent.

    Parameters
    ----------
    rows : DataFrame
        Rows of the results schema (the paper's or ours).
    table : str
        One of :data:`GRID_TABLES` (``"table16"``, ``"table19"`` ... ``"table24"``).

    Returns
    -------
    DataFrame
        Columns ``model, samples_seen, pretraining_data, ours`` for every OpenCLIP run (not the
        CLIP-WIT models, which the grids do not list), ordered as the paper prints them.
    """
    spec = _grid_spec(table)
    chosen = rows[(rows["downstream_dataset"] == spec.downstream_dataset) & (rows["upstream_dataset"] != OPENAI_UPSTREAM)]
    if chosen.empty:
        raise SchemaError(f"{table}: no OpenCLIP rows for downstream dataset '{spec.downstream_dataset}'")
    frame = pd.DataFrame({
        "model": chosen["arch"].map(display_name).to_numpy(),
        "samples_seen": chosen["samples_seen_pretty"].to_numpy(),
        "pretraining_data": chosen["upstream_dataset"].to_numpy(),
        "ours": 100.0 * chosen[spec.metric].to_numpy(dtype=float),
        "gmacs": chosen["gmacs"].to_numpy(dtype=float),
        "samples": chosen["samples_seen"].to_numpy(dtype=float),
    })
    upstream_rank = {u: i for i, u in enumerate(LAION_UPSTREAMS)}
    frame = frame.assign(_u=frame["pretraining_data"].map(lambda u: upstream_rank.get(u, len(upstream_rank))))
    frame = frame.sort_values(["gmacs", "model", "samples", "_u", "pretraining_data"], kind="stable")
    return frame.drop(columns=["gmacs", "samples", "_u"]).reset_index(drop=True)


def _grid_spec(table: str) -> GridTable:
    try:
        return GRID_TABLES[table]
    except KeyError:
        raise ParameterError(f"table must be one of {', '.join(GRID_TABLES)}, got {table!r}") from None


def grid_comparison(rows: pd.DataFrame, table: str) -> pd.DataFrame:
    """:func:`zeroshot_grid` beside the paper's printed cells: columns ``model, samples_seen,
    pretraining_data, ours, paper, difference`` (percentage points; ours - paper).

    Notes
    -----
    Cells are matched on (model, samples seen, pretraining data); a cell the paper prints but
    ``rows`` lacks (e.g. the miniature study) gets ``ours = NaN``, and a run the paper does not
    print gets ``paper = NaN``.
    """
    spec = _grid_spec(table)
    paper = load_reported("zeroshot_grids")
    paper = paper[paper["table"] == table][["model", "samples_seen", "pretraining_data", "value_percent"]]
    paper = paper.rename(columns={"value_percent": "paper"})
    ours = zeroshot_grid(rows, spec.table)
    ours = ours.assign(_order=np.arange(len(ours)))
    merged = ours.merge(paper, on=["model", "samples_seen", "pretraining_data"], how="outer", sort=False)
    # keep the paper's row order (architectures by GMACs); cells only the paper has go last
    merged = merged.sort_values("_order", kind="stable", na_position="last").drop(columns="_order")
    merged["difference"] = merged["ours"] - merged["paper"]
    return merged.reset_index(drop=True)


def grid_pivot(comparison: pd.DataFrame, *, decimals: int = GRID_DECIMALS) -> pd.DataFrame:
    """The grid laid out as the paper prints it: one row per (model, samples seen), one column per
    pretraining set, each cell ``"ours (paper)"`` or just ``"ours"`` where the two agree when rounded."""
    def cell(row: pd.Series) -> str:
        ours, paper = row["ours"], row.get("paper", np.nan)
        if pd.isna(ours):
            return f"— ({paper:.{decimals}f})"
        text = f"{ours:.{decimals}f}"
        if pd.notna(paper) and round(ours, decimals) != round(paper, decimals):
            text += f" (paper {paper:.{decimals}f})"
        return text

    shown = comparison.assign(cell=comparison.apply(cell, axis=1))
    wide = shown.pivot(index=["model", "samples_seen"], columns="pretraining_data", values="cell")
    columns = [u for u in LAION_UPSTREAMS if u in wide.columns] + [u for u in wide.columns if u not in LAION_UPSTREAMS]
    models = list(dict.fromkeys(comparison["model"]))
    order = sorted(wide.index, key=lambda key: (models.index(key[0]),
                                                BUDGET_LABELS.index(key[1]) if key[1] in BUDGET_LABELS else 99))
    return wide.loc[order, columns].fillna("")


def grid_report_rows(rows: pd.DataFrame, tables: Sequence[str] = tuple(GRID_TABLES)) -> list[ReportRow]:
    """One report row per printed cell of the grids (7 tables x 29 runs = 203 for the paper's results)."""
    report: list[ReportRow] = []
    for table in tables:
        comparison = grid_comparison(rows, table).dropna(subset=["ours"])
        spec = GRID_TABLES[table]
        for record in comparison.itertuples(index=False):
            quantity = f"{spec.downstream_dataset}_{spec.metric}_{record.model}_{record.samples_seen}_{record.pretraining_data}"
            report.append(compare(table, quantity, record.ours, record.paper, decimals=GRID_DECIMALS))
    return report


def grid_summary(rows: pd.DataFrame, tables: Sequence[str] = tuple(GRID_TABLES)) -> pd.DataFrame:
    """Per grid: cells compared, how many agree exactly / within one unit of the last printed digit,
    and the largest absolute difference (percentage points)."""
    records = []
    for table in tables:
        comparison = grid_comparison(rows, table).dropna(subset=["ours", "paper"])
        exact = (comparison["ours"].round(GRID_DECIMALS) == comparison["paper"].round(GRID_DECIMALS))
        within = comparison["difference"].abs() <= 10.0 ** -GRID_DECIMALS * (1 + 1e-9)
        records.append({"table": table, "title": GRID_TABLES[table].title, "cells": len(comparison),
                        "exact": int(exact.sum()), "within_rounding": int((within & ~exact).sum()),
                        "differ": int((~within & ~exact).sum()),
                        "max_abs_difference": float(comparison["difference"].abs().max())})
    return pd.DataFrame(records)


# --- Table 1 ---------------------------------------------------------------------------------------

#: Table 1's columns: reported column -> (downstream dataset, results column)
TABLE01_COLUMNS = {
    "imagenet_top1": ("imagenet1k", "acc1"),
    "vtab_plus_mean35": ("vtab+", "acc1"),
    "mscoco_image_retrieval_r5": ("mscoco_captions", "image_retrieval_recall@5"),
}


def table01_comparison(rows: pd.DataFrame) -> pd.DataFrame:
    """Table 1 (CLIP L/14 on WIT vs OpenCLIP L/14 and H/14 on LAION-2B, 34B), ours beside the paper's.

    Returns
    -------
    DataFrame
        One row per (model, metric): ``model, pretraining_data, samples_seen, metric, ours, paper,
        difference`` in percent; the paper prints one decimal.
    """
    paper = load_reported("table01")
    records = []
    for entry in paper.itertuples(index=False):
        for column, (downstream, metric) in TABLE01_COLUMNS.items():
            ours = _cell(rows, entry.model, entry.samples_seen, entry.pretraining_data, downstream, metric)
            printed = float(getattr(entry, column))
            records.append({"model": entry.model, "pretraining_data": entry.pretraining_data,
                            "samples_seen": entry.samples_seen, "metric": column, "ours": ours,
                            "paper": printed, "difference": ours - printed})
    return pd.DataFrame(records)


def table01_wide(comparison: pd.DataFrame) -> pd.DataFrame:
    """Table 1 as printed (one row per model, one column per metric) with ours, rounded as the paper."""
    shown = comparison.assign(cell=[f"{o:.{TABLE01_DECIMALS}f} (paper {p:.{TABLE01_DECIMALS}f})"
                                    for o, p in zip(comparison["ours"], comparison["paper"])])
    wide = shown.pivot(index=["model", "pretraining_data", "samples_seen"], columns="metric", values="cell")
    return wide[list(TABLE01_COLUMNS)]


def table01_report_rows(rows: pd.DataFrame) -> list[ReportRow]:
    """The 9 cells of Table 1 as report rows (one printed decimal)."""
    return [compare("table01", f"{r.metric}_{r.model}_{r.pretraining_data}_{r.samples_seen}", r.ours, r.paper,
                    decimals=TABLE01_DECIMALS)
            for r in table01_comparison(rows).itertuples(index=False)]


# --- Table 17 --------------------------------------------------------------------------------------

def table17(rows: pd.DataFrame, *, upstream_dataset: str = "LAION-2B") -> pd.DataFrame:
    """Per-task zero-shot top-1 (%) of the VTAB+ suite for every run on ``upstream_dataset``
    (Table 17: 35 rows + their mean; one column per model and samples seen).

    The last row, ``VTAB+ (mean of 35)``, is the plain mean of the 35 rows above it; the published
    ``vtab+`` entry of ZS is the same mean (checked by :func:`table17_mean_check`).
    """
    chosen = rows[(rows["upstream_dataset"] == upstream_dataset) & rows["downstream_dataset"].isin(VTAB_PLUS_TASKS)]
    if chosen.empty:
        raise SchemaError(f"table17: no rows of the 35 VTAB+ tasks for upstream dataset '{upstream_dataset}'")
    chosen = chosen.assign(column=chosen["arch"].map(display_name) + " " + chosen["samples_seen_pretty"],
                           acc1_percent=100.0 * chosen["acc1"])
    wide = chosen.pivot(index="downstream_dataset", columns="column", values="acc1_percent")
    missing = [t for t in VTAB_PLUS_TASKS if t not in wide.index]
    if missing:
        raise SchemaError(f"table17: {upstream_dataset} runs lack VTAB+ task(s) {', '.join(missing)}")
    order = chosen.drop_duplicates("column").sort_values(["gmacs", "samples_seen"], kind="stable")["column"]
    wide = wide.loc[list(VTAB_PLUS_TASKS), list(order)]
    wide.index = pd.Index(VTAB_PLUS_TASK_NAMES, name="task")
    wide.loc["VTAB+ (mean of 35)"] = wide.mean(axis=0)
    return wide


def table17_mean_check(rows: pd.DataFrame, *, upstream_dataset: str = "LAION-2B") -> pd.DataFrame:
    """Table 17's mean row (mean of the 35 per-task accuracies) beside the published ``vtab+``
    entry and the paper's Table 16 cell of the same run: ``column, mean_of_35, zs_vtab_plus, paper``."""
    means = table17(rows, upstream_dataset=upstream_dataset).loc["VTAB+ (mean of 35)"]
    grid = grid_comparison(rows, "table16")
    grid = grid[grid["pretraining_data"] == upstream_dataset]
    grid = grid.assign(column=grid["model"] + " " + grid["samples_seen"]).set_index("column")
    return pd.DataFrame({"mean_of_35": means, "zs_vtab_plus": grid["ours"].reindex(means.index),
                         "paper": grid["paper"].reindex(means.index)})


def table17_report_rows(rows: pd.DataFrame, *, upstream_dataset: str = "LAION-2B") -> list[ReportRow]:
    """Every cell of Table 17 as a report row. The paper's per-task cells are not in the
    transcribed reported numbers, so those rows carry no paper value; the mean row is compared with
    the paper's VTAB+ value of the same run (Table 16, two decimals)."""
    table = table17(rows, upstream_dataset=upstream_dataset)
    report = [compare("table17", f"acc1_{task}_{column}", table.loc[task, column])
              for task in table.index[:-1] for column in table.columns]
    check = table17_mean_check(rows, upstream_dataset=upstream_dataset)
    report += [compare("table17", f"vtab+_mean35_{column}", r.mean_of_35, r.paper, decimals=GRID_DECIMALS)
               for column, r in check.iterrows()]
    return report



def tables_glue_values(rows: pd.DataFrame) -> dict[str, float]:
    """Numbers the zero-shot chapter quotes in its prose, as plain floats (for ``myst_nb.glue``):
    Table 1's cells (``t1_<metric>_<L14wit|L14laion|H14laion>``) and their number, and, per grid, the cells compared
    and the largest absolute difference (``<table>_cells``, ``<table>_max_abs_diff``)."""
    keys = {("ViT-L/14", "CLIP-WIT"): "L14wit", ("ViT-L/14", "LAION-2B"): "L14laion", ("ViT-H/14", "LAION-2B"): "H14laion"}
    values: dict[str, float] = {}
    table01 = table01_comparison(rows)
    for r in table01.itertuples(index=False):
        values[f"t1_{r.metric}_{keys.get((r.model, r.pretraining_data), r.model)}"] = float(r.ours)
    values["table01_cells"] = float(len(table01))
    summary = grid_summary(rows)
    for r in summary.itertuples(index=False):
        values[f"{r.table}_cells"] = float(r.cells)
        values[f"{r.table}_exact"] = float(r.exact)
        values[f"{r.table}_max_abs_diff"] = float(r.max_abs_difference)
    values["grid_cells"] = float(summary["cells"].sum())
    values["grid_exact"] = float(summary["exact"].sum())
    return values


# --- Sec. 4: the bottleneck claims ------------------------------------------------------------------
#
# The paper observes that scaling one factor helps little while another one limits: B/32 and B/16
# trained for 3B or 13B samples gain little from LAION-2B over LAION-400M, while at 34B samples the
# larger set helps; and L/14 on LAION-400M barely improves retrieval from 13B to 34B samples. The
# same grids as Tables 16, 19-24 give the gains in percentage points, and each claim is stated as an
# inequality between them, checked per measure.

#: The measures of the appendix grids, by short name (Tables 16, 19-24)
MEASURES = {
    "VTAB+": "table16", "ImageNet": "table19", "Robustness": "table20",
    "COCO image R@5": "table21", "COCO text R@5": "table22",
    "Flickr image R@5": "table23", "Flickr text R@5": "table24",
}
RETRIEVAL_MEASURES = ("COCO image R@5", "COCO text R@5", "Flickr image R@5", "Flickr text R@5")
SMALL_MODELS = ("ViT-B/32", "ViT-B/16")


def _long(rows: pd.DataFrame, measures: Sequence[str]) -> pd.DataFrame:
    parts = [zeroshot_grid(rows, MEASURES[m]).assign(measure=m) for m in measures]
    return pd.concat(parts, ignore_index=True)


def _gains(rows: pd.DataFrame, measures: Sequence[str], *, held: str, varied: str, order: Sequence[str],
           steps: Sequence[tuple[str, str, str]]) -> pd.DataFrame:
    """Performance (%) per value of ``varied`` (columns, in ``order``) for each (measure, model,
    ``held``), and a ``gain <name>`` column (to - from, percentage points) per step."""
    wide = _long(rows, measures).pivot_table(index=["measure", "model", held], columns=varied, values="ours",
                                             sort=False)
    wide = wide[[v for v in order if v in wide.columns]].dropna()
    for name, start, end in steps:
        wide[f"gain {name}"] = wide[end] - wide[start]
    return wide


def data_scaling_gains(rows: pd.DataFrame, measures: Sequence[str] = tuple(MEASURES)) -> pd.DataFrame:
    """Performance (%) on LAION-80M / 400M / 2B per (measure, model, samples seen), and the gains
    ``400M->2B`` and ``80M->400M`` in percentage points; runs with one dataset only are dropped."""
    return _gains(rows, measures, held="samples_seen", varied="pretraining_data", order=LAION_UPSTREAMS,
                  steps=(("80M->400M", "LAION-80M", "LAION-400M"), ("400M->2B", "LAION-400M", "LAION-2B")))


def samples_scaling_gains(rows: pd.DataFrame, measures: Sequence[str] = tuple(MEASURES)) -> pd.DataFrame:
    """Performance (%) at 3B / 13B / 34B samples seen per (measure, model, pretraining data), and
    the gains ``3B->13B`` and ``13B->34B`` in percentage points."""
    return _gains(rows, measures, held="pretraining_data", varied="samples_seen", order=BUDGET_LABELS,
                  steps=(("3B->13B", "3B", "13B"), ("13B->34B", "13B", "34B")))


#: Test queries per measure: ImageNet's validation set; MS-COCO 5k test (5,000 images, 25,000
#: captions) and Flickr30K test (1,000 images, 5,000 captions): image retrieval queries with each
#: caption, text retrieval with each image. VTAB+ and the robustness mean average several test
#: sets, so their binomial term is left out (it is small beside the run-to-run term).
TEST_QUERIES = {"ImageNet": 50_000, "COCO image R@5": 25_000, "COCO text R@5": 5_000,
                "Flickr image R@5": 5_000, "Flickr text R@5": 1_000}


@lru_cache(maxsize=None)
def repeat_noise_pp() -> float:
    """The run-to-run noise of one training run (points): the gap between the two identical runs
    of Table 14 over sqrt(2) (two runs differ by sqrt(2) times one run's standard deviation)."""
    repeat = load_reported("table13_15")
    trials = repeat.loc[repeat["table"] == "table14", "imagenet_top1"].to_numpy(dtype=float)
    if len(trials) < 2:
        raise SchemaError("table13_15: Table 14 needs two repeated runs to give the run-to-run noise")
    return float(np.ptp(trials) / np.sqrt(2))


def contrast_se(accuracies_pct: Sequence[float], weights: Sequence[float], n_queries: int | None,
                run_sd_pp: float) -> float:
    """Standard error (points) of a contrast ``sum(w_i * acc_i)`` of single runs: per run a
    binomial term ``acc (100 - acc) / n`` (when the test size ``n`` is known) plus the run-to-run
    variance ``run_sd_pp ** 2``, runs independent.

    Parameters
    ----------
    accuracies_pct : sequence of float
        Each run's accuracy or recall (%).
    weights : sequence of float
        The contrast's weight of each run.
    n_queries : int, optional
        Test queries of the measure (:data:`TEST_QUERIES`); None leaves the binomial term out.
    run_sd_pp : float
        Standard deviation of one run from training noise (:func:`repeat_noise_pp`).
    """
    acc = np.asarray(accuracies_pct, dtype=float)
    w = np.asarray(weights, dtype=float)
    if acc.shape != w.shape:
        raise SchemaError(f"contrast_se: {len(acc)} accuracies against {len(w)} weights")
    binomial = acc * (100 - acc) / n_queries if n_queries else np.zeros_like(acc)
    return float(np.sqrt(np.sum(w ** 2 * (binomial + run_sd_pp ** 2))))


def bottleneck_claims(rows: pd.DataFrame, measures: Sequence[str] = tuple(MEASURES)) -> pd.DataFrame:
    """The three claims, one row per (claim, measure), with the numbers that decide them.

    Columns: ``claim``, ``measure``, ``compared`` (what is compared with what), ``value`` and
    ``reference`` (percentage points), ``contrast`` (the claim's margin, positive when it points
    the claimed way), ``se`` (its standard error, :func:`contrast_se`: binomial test noise plus the
    run-to-run noise of Table 14), ``z`` = contrast / se, ``points_claimed_way`` (contrast > 0) and
    ``holds`` (z >= :data:`repro.scaling.verdicts.Z_FINDING`: beyond noise).

    * **A**, data bottleneck of small models: the mean 400M->2B gain of B/32 and B/16 at 3B and
      13B samples (``value``) is smaller than their mean gain at 34B (``reference``).
    * **B**, at 34B samples LAION-2B helps: the smallest 400M->2B gain of B/32 and B/16 at 34B
      (``value``) is positive (``reference`` = 0).
    * **C**, L/14 on LAION-400M stalls on retrieval: its 13B->34B gain (``value``) is smaller than
      the same gain of L/14 on LAION-2B (``reference``); retrieval measures only.
    """
    run_sd = repeat_noise_pp()
    data = data_scaling_gains(rows, measures).reset_index()
    small = data[data["model"].isin(SMALL_MODELS)]
    samples = samples_scaling_gains(rows, [m for m in measures if m in RETRIEVAL_MEASURES]).reset_index()
    records = []

    def record(claim, measure, compared, value, reference, accuracies, weights):
        contrast = reference - value if claim != "B" else value
        se = contrast_se(accuracies, weights, TEST_QUERIES.get(measure), run_sd)
        records.append({"claim": claim, "measure": measure, "compared": compared, "value": float(value),
                        "reference": float(reference), "contrast": float(contrast), "se": se,
                        "z": float(contrast / se), "points_claimed_way": bool(contrast > 0),
                        "holds": bool(contrast / se >= verdicts.Z_FINDING)})

    for measure in measures:
        in_measure = small[small["measure"] == measure]
        early = in_measure[in_measure["samples_seen"].isin(("3B", "13B"))]
        late = in_measure[in_measure["samples_seen"] == "34B"]
        if len(early) and len(late):
            # contrast = mean(late gains) - mean(early gains): each gain is 2B - 400M of one (model, budget)
            acc = [*early["LAION-2B"], *early["LAION-400M"], *late["LAION-2B"], *late["LAION-400M"]]
            w = ([-1 / len(early)] * len(early) + [1 / len(early)] * len(early)
                 + [1 / len(late)] * len(late) + [-1 / len(late)] * len(late))
            record("A", measure, "mean 400M->2B gain of B/32, B/16 at 3B+13B vs at 34B",
                   early["gain 400M->2B"].mean(), late["gain 400M->2B"].mean(), acc, w)
            smallest = late.loc[late["gain 400M->2B"].idxmin()]
            record("B", measure, "smallest 400M->2B gain of B/32, B/16 at 34B vs 0", smallest["gain 400M->2B"], 0.0,
                   [smallest["LAION-2B"], smallest["LAION-400M"]], [1, -1])
        l14 = samples[(samples["measure"] == measure) & (samples["model"] == "ViT-L/14")].set_index("pretraining_data")
        if {"LAION-400M", "LAION-2B"} <= set(l14.index):
            a, b = l14.loc["LAION-400M"], l14.loc["LAION-2B"]
            record("C", measure, "13B->34B gain of L/14 on LAION-400M vs on LAION-2B",
                   a["gain 13B->34B"], b["gain 13B->34B"], [a["34B"], a["13B"], b["34B"], b["13B"]], [-1, 1, 1, -1])
    return pd.DataFrame(records)


def claims_summary(claims: pd.DataFrame) -> pd.DataFrame:
    """Per claim: on how many measures it holds beyond noise (z >= 2), on how many it only points
    the claimed way, and which measures break it (point the other way)."""
    grouped = claims.groupby("claim")
    return pd.DataFrame({
        "measures": grouped.size(),
        "holds on": grouped["holds"].sum().astype(int),
        "points the claimed way": grouped["points_claimed_way"].sum().astype(int),
        "fails on": grouped.apply(lambda g: ", ".join(g.loc[~g["points_claimed_way"], "measure"]) or "-",
                                  include_groups=False),
    })


def claim_verdicts(claims: pd.DataFrame) -> dict[str, str]:
    """Per claim, :func:`repro.scaling.verdicts.holds_sentence` of its contrasts."""
    return {claim: verdicts.holds_sentence(claim, list(zip(g["measure"], g["contrast"], g["se"])))
            for claim, g in claims.groupby("claim")}


def claims_report_rows(rows: pd.DataFrame) -> list[ReportRow]:
    """Per bottleneck claim (item "bottleneck"), measured rows: the measures it is checked on, on
    how many it points the claimed way and on how many it holds beyond noise (z >= 2)."""
    out = []
    for claim, r in claims_summary(bottleneck_claims(rows)).iterrows():
        out += [measured("bottleneck", f"claim_{claim}_measures", r["measures"]),
                measured("bottleneck", f"claim_{claim}_points_claimed_way", r["points the claimed way"]),
                measured("bottleneck", f"claim_{claim}_holds_beyond_noise", r["holds on"],
                         explanation=f"margin at least {verdicts.Z_FINDING:g} standard errors (binomial test noise "
                                     "and Table 14's run-to-run noise)")]
    return out


# --- Figure 12: OpenAI's ResNet CLIP models ----------------------------------------------------------
#
# The published zero-shot results (ZS) hold only the three OpenAI ViTs; ARCH holds the ResNets'
# GMACs. The ResNet points therefore need an evaluation run of this project (``repro eval``, OpenAI
# weights through open_clip, CLIP_benchmark on imagenet1k and mscoco_captions); these functions
# write those commands and, given the resulting rows, join them to ZS for the figure.

#: The OpenAI ResNet CLIP models of Figure 12 (open_clip names; pretrained tag "openai")
RESNETS = ("RN50", "RN101", "RN50x4", "RN50x16")
#: The two panels of Figure 12
FIG12_DATASETS = ("imagenet1k", "mscoco_captions")
#: Where the commands below write the ResNet rows (a results registry in the ZS schema)
DEFAULT_RESULTS = "runs/paper/fig12_resnets.csv"


def resnet_status(arch_table: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """Per ResNet: GMACs per sample (ARCH), total compute at the OpenAI count of 12.8B samples,
    and whether zero-shot rows for the two panels are present in ``rows``."""
    per_sample = gmacs_per_sample(arch_table, RESNETS)
    present = rows[(rows["upstream_dataset"] == OPENAI_UPSTREAM) & rows["downstream_dataset"].isin(FIG12_DATASETS)]
    return pd.DataFrame([{"model": arch, "gmacs_per_sample": per_sample[arch],
                          "gmacs_total": per_sample[arch] * OPENAI_SAMPLES_SEEN,
                          "zero_shot_rows": int((present["arch"] == arch).sum())} for arch in RESNETS])


def evaluation_commands(arch_table: pd.DataFrame, *, results: str = DEFAULT_RESULTS,
                        dataset_root: str = "data/clip_benchmark") -> list[str]:
    """The ``repro eval`` command per ResNet that produces Figure 12's missing points.

    Each evaluates OpenAI's weights (open_clip pretrained tag ``openai``) on imagenet1k and
    mscoco_captions with CLIP_benchmark and merges rows of the results schema into ``results``,
    labelled as the paper counts OpenAI models: CLIP-WIT, 12.8B samples seen, GMACs from ARCH.
    """
    per_sample = gmacs_per_sample(arch_table, RESNETS)
    commands = []
    for arch in RESNETS:
        argv = ["repro", "eval", "--model", arch, "--pretrained", "openai",
                "--datasets", ",".join(FIG12_DATASETS), "--dataset-root", dataset_root,
                "--dataset-format", "native", "--results", results, "--arch", arch, "--upstream", OPENAI_UPSTREAM, "--samples-seen", f"{OPENAI_SAMPLES_SEEN:.0f}",
                "--samples-seen-pretty", "13B", "--gmacs", f"{per_sample[arch]:g}", "--name", "openai"]
        commands.append(shlex.join(argv))
    return commands


def fig12_rows(rows: pd.DataFrame, arch_table: pd.DataFrame, resnet_results: str | Path = "") -> pd.DataFrame:
    """The rows Figure 12 draws: ``rows`` plus the ResNets of ``resnet_results`` when a file is
    given (:func:`with_resnets`), else ``rows`` unchanged (the ResNet points are then missing)."""
    return with_resnets(rows, resnet_results, arch_table) if resnet_results else rows


def with_resnets(rows: pd.DataFrame, resnet_results: str | Path, arch_table: pd.DataFrame) -> pd.DataFrame:
    """ZS plus the ResNet rows of ``resnet_results`` (a results CSV in the ZS schema).

    Raises
    ------
    SchemaError
        If the file has no ResNet rows for the two panels, or a row's GMACs per sample differ from
        ARCH by more than 1% (the compute axis would be wrong).
    """
    extra = read_results(resnet_results)
    extra = extra[extra["arch"].isin(RESNETS) & extra["downstream_dataset"].isin(FIG12_DATASETS)]
    if extra.empty:
        raise SchemaError(f"{resnet_results}: no rows of {', '.join(RESNETS)} on {', '.join(FIG12_DATASETS)}; "
                          f"produce them with the commands of repro.chapters.zeroshot.evaluation_commands")
    per_sample = gmacs_per_sample(arch_table, sorted(set(extra["arch"])))
    for i, row in extra.iterrows():
        expected = per_sample[row["arch"]]
        if abs(row["gmacs"] - expected) > 0.01 * expected:
            raise SchemaError(f"{resnet_results}: row {i + 2}, column 'gmacs': {row['gmacs']!r} for {row['arch']}, "
                              f"ARCH gives {expected!r}")
    return pd.concat([rows[~rows["arch"].isin(RESNETS)], extra], ignore_index=True)


def fig12_fits(rows: pd.DataFrame) -> dict[str, dict[str, PowerLawFit]]:
    """Per panel: the OpenCLIP fit (binned frontier, LAION runs) and the OpenAI fit (plain line
    through every CLIP-WIT model in ``rows``: the three ViTs, plus the ResNets when present)."""
    return {d: {"openclip": fit_paper_law(rows, d, upstreams=LAION_UPSTREAMS), "openai": fit_openai_law(rows, d)}
            for d in FIG12_DATASETS}


def fig12_figure(rows: pd.DataFrame, arch_table: pd.DataFrame, resnet_results: str | Path = "") -> Figure:
    """Figure 12: :func:`repro.figures.compute_vs_error` of :data:`FIG12_DATASETS` on
    :func:`fig12_rows` (the ResNet rows of ``resnet_results`` added, if any) with :func:`fig12_fits`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    joined = fig12_rows(rows, arch_table, resnet_results)
    return compute_vs_error(joined, FIG12_DATASETS, fits=fig12_fits(joined))


# --- The per-dataset scaling explorer ---------------------------------------------------------------

def _fit_or_none(fit_function, *args, **kwargs) -> PowerLawFit | None:
    try:
        return fit_function(*args, **kwargs)
    except FitError:
        return None


def explorer_fits(rows: pd.DataFrame, downstream_datasets: Sequence[str] | None = None
                  ) -> dict[str, dict[str, PowerLawFit | None]]:
    """The fits the scaling explorer draws, per downstream dataset: the paper's OpenCLIP fit
    (binned frontier over every non-OpenAI upstream pooled) and the OpenAI fit (plain line through
    the CLIP-WIT models, where there are at least two); None where a fit is impossible.

    Parameters
    ----------
    rows : DataFrame
        Rows of the results schema.
    downstream_datasets : sequence of str, optional
        The explorer's entries, in order; default every downstream dataset of ``rows``, sorted.
    """
    datasets = list(downstream_datasets) if downstream_datasets is not None else sorted(rows["downstream_dataset"].unique())
    unknown = [d for d in datasets if d not in set(rows["downstream_dataset"])]
    if unknown:
        raise ParameterError(f"scaling explorer: downstream dataset(s) {', '.join(unknown)} not in the results")
    laion = tuple(u for u in dict.fromkeys(rows["upstream_dataset"]) if u != OPENAI_UPSTREAM)
    fits = {}
    for dataset in datasets:
        panel = rows[rows["downstream_dataset"] == dataset]
        has_openai = (panel["upstream_dataset"] == OPENAI_UPSTREAM).sum() >= 2
        fits[dataset] = {"openclip": _fit_or_none(fit_paper_law, rows, dataset, upstreams=laion) if laion else None,
                         "openai": _fit_or_none(fit_openai_law, rows, dataset) if has_openai else None}
    return fits


def explorer(rows: pd.DataFrame, *, initial: str = "imagenet1k") -> HTML:
    """The scaling explorer of every downstream dataset of ``rows`` (:func:`explorer_fits`), as
    HTML that relies on the page's plotly.js."""
    return show_plotly(scaling_explorer(rows, explorer_fits(rows), initial=initial))


# --- The page ---------------------------------------------------------------------------------------

def glue_values(rows: pd.DataFrame) -> dict[str, float]:
    """Numbers the zero-shot chapter quotes in its prose, as plain floats (for ``myst_nb.glue``):
    :func:`tables_glue_values`, the size of Table 17 (``table17_tasks``, ``table17_runs``), the
    downstream datasets of the explorer on the published results (``n_downstream``) and, per
    bottleneck claim, on how many measures it holds (``claim_<A|B|C>_holds``, ``claim_<A|B|C>_measures``)."""
    values = tables_glue_values(rows)
    table = table17(rows)
    values["table17_tasks"] = float(len(table) - 1)
    values["table17_runs"] = float(table.shape[1])
    values["n_downstream"] = float(rows["downstream_dataset"].nunique())
    claims = bottleneck_claims(rows)
    summary = claims_summary(claims)
    for claim, r in summary.iterrows():
        values[f"claim_{claim}_holds"] = float(r["holds on"])
        values[f"claim_{claim}_points"] = float(r["points the claimed way"])
        values[f"claim_{claim}_measures"] = float(r["measures"])
    for claim, sentence in claim_verdicts(claims).items():
        values[f"claim_{claim}_verdict"] = Text(sentence)
    values["repeat_noise_pp"] = repeat_noise_pp()
    values["z_finding"] = verdicts.Z_FINDING
    values["table01_claim_verdict"] = Text(table01_claim_verdict(values))
    return values


#: Table 1's claim, measure by measure: (glue metric, name, test queries key of :data:`TEST_QUERIES`).
TABLE01_CLAIM = (("imagenet_top1", "ImageNet", "ImageNet"), ("vtab_plus_mean35", "VTAB+", "VTAB+"),
                 ("mscoco_image_retrieval_r5", "MS-COCO image R@5", "COCO image R@5"))


def table01_claim_verdict(values: dict[str, float]) -> str:
    """Table 1's claim (H/14 on LAION-2B beats OpenAI's L/14) measure by measure, each margin a
    difference of two single runs with :func:`contrast_se` (binomial + run-to-run noise), said by
    :func:`repro.scaling.verdicts.holds_sentence`."""
    run_sd = repeat_noise_pp()
    contrasts = []
    for metric, name, queries in TABLE01_CLAIM:
        h14, l14 = values[f"t1_{metric}_H14laion"], values[f"t1_{metric}_L14wit"]
        contrasts.append((name, h14 - l14, contrast_se([h14, l14], [1, -1], TEST_QUERIES.get(queries), run_sd)))
    return verdicts.holds_sentence("The claim", contrasts)


@dataclass(frozen=True)
class Page:
    """What the chapter shows: the published results (the tables compare them with the paper),
    the explorer's results (the ``results_source`` parameter) and ARCH."""

    rows: pd.DataFrame
    explorer_rows: pd.DataFrame
    arch_table: pd.DataFrame

    def report_rows(self) -> list[ReportRow]:
        """Table 1's cells, every printed cell of the grids, Table 17, and the bottleneck claims'
        counts (:func:`claims_report_rows`)."""
        return (table01_report_rows(self.rows) + grid_report_rows(self.rows) + table17_report_rows(self.rows)
                + claims_report_rows(self.rows))

    def glue_values(self) -> dict[str, float]:
        """:func:`glue_values` of the published results."""
        return glue_values(self.rows)


def compute(results_source: str = "paper", extra_results: str = "") -> Page:
    """The published results, the explorer's results (``results_source`` plus ``extra_results``)
    and ARCH."""
    return Page(load_results(), load_source(results_source, extra_results), load_arch())


def data_gain_figure(rows: pd.DataFrame) -> Figure:
    """The gain from LAION-400M to LAION-2B per architecture and samples seen
    (:func:`repro.figures.bottleneck.data_gain_figure` of :func:`data_scaling_gains`)."""
    return bottleneck_figures.data_gain_figure(data_scaling_gains(rows))


def samples_gain_figure(rows: pd.DataFrame) -> Figure:
    """The gain from 13B to 34B samples of L/14 per pretraining set
    (:func:`repro.figures.bottleneck.samples_gain_figure` of :func:`samples_scaling_gains`)."""
    return bottleneck_figures.samples_gain_figure(samples_scaling_gains(rows))


def evaluation_script(arch_table: pd.DataFrame) -> str:
    """:func:`evaluation_commands`, one per line."""
    return "\n".join(evaluation_commands(arch_table))
