"""Tables 1, 16, 17 and 19-24 recomputed from the published zero-shot results (ZS), each beside
the numbers the paper prints (PAPER.md, "Items": Table 1, Tables 16, 19-24, Table 17).

Every cell is the ZS value of one (model, samples seen, upstream dataset, downstream dataset) in
percent; the paper prints Tables 16 and 19-24 with two decimals and Table 1 with one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from repro.constants import display_name
from repro.report import ReportRow, compare
from repro.data import load_reported
from repro.constants import OPENAI_UPSTREAM
from repro.errors import SchemaError

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

#: The 35 zero-shot classification sets of VTAB+ (Table 26), as named in zeroshot_results.csv.
#: Everything that is not an aggregate (vtab, vtab+, imagenet_robustness), a retrieval set, or the
#: multilabel VOC entry (the paper's VTAB+ uses VOC2007 classification accuracy).
VTAB_PLUS_TASKS: tuple[str, ...] = (
    "imagenet1k", "imagenetv2", "imagenet-r", "imagenet_sketch", "objectnet", "imagenet-a",
    "vtab/cifar10", "vtab/cifar100", "mnist", "vtab/flowers", "cars", "vtab/svhn", "fer2013",
    "renderedsst2", "vtab/pets", "vtab/caltech101", "voc2007", "sun397", "fgvc_aircraft", "country211",
    "vtab/dtd", "gtsrb", "stl10", "vtab/diabetic_retinopathy", "vtab/eurosat", "vtab/resisc45",
    "vtab/pcam", "vtab/clevr_count_all", "vtab/clevr_closest_object_distance",
    "vtab/dsprites_label_orientation", "vtab/dsprites_label_x_position", "vtab/smallnorb_label_elevation",
    "vtab/smallnorb_label_azimuth", "vtab/dmlab", "vtab/kitti_closest_vehicle_distance",
)

#: Table 26's names of the 35 sets (the paper's row labels of Table 17), same order.
VTAB_PLUS_TASK_NAMES: tuple[str, ...] = (
    "ImageNet", "ImageNet-v2", "ImageNet-R", "ImageNet-Sketch", "ObjectNet", "ImageNet-A", "CIFAR-10",
    "CIFAR-100", "MNIST", "Flowers102", "Stanford Cars", "SVHN", "FER2013", "RenderedSST2", "Pets",
    "Caltech-101", "VOC2007-Cl", "SUN397", "FGVC Aircraft", "Country211", "DTD", "GTSRB", "STL10",
    "Retinopathy", "EuroSAT", "RESISC45", "PCAM", "CLEVR Counts", "CLEVR Dist", "dSprites Orient",
    "dSprites pos", "SmallNORB Elev", "SmallNORB Azim", "DMLab", "KITTI Dist",
)

UPSTREAM_ORDER = ("LAION-80M", "LAION-400M", "LAION-2B")
SAMPLES_ORDER = ("3B", "13B", "34B")



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
    upstream_rank = {u: i for i, u in enumerate(UPSTREAM_ORDER)}
    frame = frame.assign(_u=frame["pretraining_data"].map(lambda u: upstream_rank.get(u, len(upstream_rank))))
    frame = frame.sort_values(["gmacs", "model", "samples", "_u", "pretraining_data"], kind="stable")
    return frame.drop(columns=["gmacs", "samples", "_u"]).reset_index(drop=True)


def _grid_spec(table: str) -> GridTable:
    try:
        return GRID_TABLES[table]
    except KeyError:
        raise ValueError(f"table must be one of {', '.join(GRID_TABLES)}, got {table!r}") from None


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
    columns = [u for u in UPSTREAM_ORDER if u in wide.columns] + [u for u in wide.columns if u not in UPSTREAM_ORDER]
    models = list(dict.fromkeys(comparison["model"]))
    order = sorted(wide.index, key=lambda key: (models.index(key[0]),
                                                SAMPLES_ORDER.index(key[1]) if key[1] in SAMPLES_ORDER else 99))
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



def glue_values(rows: pd.DataFrame) -> dict[str, float]:
    """Numbers the zero-shot chapter quotes in its prose, as plain floats (for ``myst_nb.glue``):
    Table 1's cells (``t1_<metric>_<L14wit|L14laion|H14laion>``) and, per grid, the cells compared
    and the largest absolute difference (``<table>_cells``, ``<table>_max_abs_diff``)."""
    keys = {("ViT-L/14", "CLIP-WIT"): "L14wit", ("ViT-L/14", "LAION-2B"): "L14laion", ("ViT-H/14", "LAION-2B"): "H14laion"}
    values: dict[str, float] = {}
    for r in table01_comparison(rows).itertuples(index=False):
        values[f"t1_{r.metric}_{keys.get((r.model, r.pretraining_data), r.model)}"] = float(r.ours)
    summary = grid_summary(rows)
    for r in summary.itertuples(index=False):
        values[f"{r.table}_cells"] = float(r.cells)
        values[f"{r.table}_exact"] = float(r.exact)
        values[f"{r.table}_max_abs_diff"] = float(r.max_abs_difference)
    values["grid_cells"] = float(summary["cells"].sum())
    values["grid_exact"] = float(summary["exact"].sum())
    return values
