"""Chapter "Linear probing" (``book/notebooks/linear_probe.md``): Figures 2 and 3 and Table 5,
recomputed from the authors' raw probe runs (``repro.data.load_linear_probe``).

The published file holds every run of the sweep (learning rate {0.1, 0.01, 0.001} x epochs
{10, 20, 40}) per (model, pretrained checkpoint, dataset, k). The paper reports, per (model,
checkpoint, dataset, k), the best ``lp_acc1`` over that sweep (the authors'
``probe_benchmark/generate_table.py`` takes ``lp_acc1.max()``); VTAB is the mean of those best
accuracies over the 19 VTAB tasks with full training data (k = -1).

The probed checkpoints are OpenCLIP's public releases, not the scaling-law runs of the results
CSV: B/32 and L/14 at 13B samples on LAION-400M are the older ``laion400m_e32`` models
(the notes of the package data ``repro/data/reported``). The figures are drawn by
:func:`repro.figures.linear_probe.probe_vs_compute`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from repro.constants import OPENAI_UPSTREAM
from repro.data import load_linear_probe, load_reported
from repro.errors import DataNotFoundError, FitError, SchemaError
from repro.figures.linear_probe import probe_vs_compute
from repro.report import ReportRow, compare
from repro.scaling.paper_fit import PowerLawFit, plain_line_fit

#: the 19 VTAB tasks of the probe study, as the raw file names them (``vtab_svhn`` has an
#: underscore there; the authors' table script for Table 5 lists it so)
VTAB_TASKS = (
    "vtab/caltech101", "vtab/cifar10", "vtab/cifar100", "vtab/clevr_count_all", "vtab/clevr_closest_object_distance",
    "vtab/diabetic_retinopathy", "vtab/dmlab", "vtab/dsprites_label_orientation", "vtab/dsprites_label_x_position",
    "vtab/dtd", "vtab/eurosat", "vtab/kitti_closest_vehicle_distance", "vtab/flowers", "vtab/pets", "vtab/pcam",
    "vtab/resisc45", "vtab/smallnorb_label_azimuth", "vtab/smallnorb_label_elevation", "vtab_svhn",
)
#: k = -1 means the full training set (the raw file's convention)
FULL = -1
#: Figure 2's panels: (dataset, k), rows ImageNet then CIFAR-100, columns 10-shot, 25-shot, full
FIG2_PANELS = tuple((dataset, k) for dataset in ("imagenet1k-unverified", "cifar100") for k in (10, 25, FULL))
#: the pseudo-dataset name under which :func:`vtab_mean` stores the 19-task mean
VTAB = "vtab"
#: Figure 3's panel, and one panel per VTAB task (full data) for the per-task view
VTAB_PANEL = (VTAB, FULL)
VTAB_TASK_PANELS = tuple((task, FULL) for task in VTAB_TASKS)
#: every panel whose lines the book reports (Figures 2 and 3)
ALL_PANELS = FIG2_PANELS + (VTAB_PANEL,)
#: the sweep every (model, checkpoint, dataset, k) was probed with (3 learning rates x 3 epoch counts)
SWEEP_SIZE = 9

#: Table 5's rows -> the probed checkpoint (model, pretrained tag). B/32 on LAION-2B at 34B is
#: ``laion2b_s34b_b79k``: the file also holds the older ``laion2b_e16`` (VTAB 71.43, not the
#: printed 71.53), which the figures keep as a point and the table does not use.
TABLE5_CHECKPOINTS = {
    ("B/32", "13B", "CLIP-WIT"): ("ViT-B-32", "openai"),
    ("B/32", "13B", "LAION-400M"): ("ViT-B-32", "laion400m_e32"),
    ("B/32", "34B", "LAION-2B"): ("ViT-B-32", "laion2b_s34b_b79k"),
    ("B/16", "13B", "CLIP-WIT"): ("ViT-B-16", "openai"),
    ("B/16", "13B", "LAION-400M"): ("ViT-B-16", "laion400m_e32"),
    ("L/14", "13B", "CLIP-WIT"): ("ViT-L-14", "openai"),
    ("L/14", "13B", "LAION-400M"): ("ViT-L-14", "laion400m_e32"),
    ("L/14", "34B", "LAION-2B"): ("ViT-L-14", "laion2b_s32b_b82k"),
    ("H/14", "34B", "LAION-2B"): ("ViT-H-14", "laion2b_s32b_b79k"),
    ("g/14", "13B", "LAION-2B"): ("ViT-g-14", "laion2b_s12b_b42k"),
}
#: Table 5's columns -> (dataset, k)
TABLE5_COLUMNS = {
    "VTAB (19, full)": (VTAB, FULL),
    "IN 10-shot": ("imagenet1k-unverified", 10),
    "IN 25-shot": ("imagenet1k-unverified", 25),
    "IN full": ("imagenet1k-unverified", FULL),
    "C100 10-shot": ("cifar100", 10),
    "C100 25-shot": ("cifar100", 25),
    "C100 full": ("cifar100", FULL),
}
_KEYS = ["model", "pretrained", "dataset", "fewshot_k"]
_CARRIED = ["upstream_dataset", "samples_seen_pretty", "gmacs_total"]


def read_probe_runs(path: str | Path) -> pd.DataFrame:
    """Probe runs from a JSON file in the layout of the authors' ``scaling_experiment_data2.json``
    (a list of records with model, pretrained, dataset, fewshot_k, lr, epochs, lp_acc1,
    gmacs_total, upstream_dataset, samples_seen_pretty)."""
    path = Path(path)
    if not path.is_file():
        raise DataNotFoundError(f"{path}: no such probe-runs file")
    try:
        runs = pd.DataFrame.from_records(json.loads(path.read_text()))
    except (json.JSONDecodeError, TypeError) as err:
        raise SchemaError(f"{path}: not a JSON list of probe-run records ({err})") from err
    missing = [c for c in _KEYS + _CARRIED + ["lr", "epochs", "lp_acc1"] if c not in runs.columns]
    if missing:
        raise SchemaError(f"{path}: missing column(s) {', '.join(missing)}")
    return runs


def best_over_sweep(runs: pd.DataFrame | None = None) -> pd.DataFrame:
    """The best ``lp_acc1`` over the lr x epochs sweep, per (model, pretrained, dataset, fewshot_k).

    Parameters
    ----------
    runs : DataFrame, optional
        Raw probe runs (``repro.data.load_linear_probe()``, the default).

    Returns
    -------
    DataFrame
        One row per (model, pretrained, dataset, fewshot_k) with ``lp_acc1`` (the best, a fraction),
        ``best_lr``, ``best_epochs``, ``n_runs`` (runs in the sweep, 9) and the model's ``upstream_dataset``,
        ``samples_seen_pretty`` and ``gmacs_total``.
    """
    runs = load_linear_probe() if runs is None else runs
    if runs.empty:
        raise SchemaError("linear-probe runs: the table is empty")
    best_index = runs.groupby(_KEYS)["lp_acc1"].idxmax()
    best = runs.loc[best_index, _KEYS + _CARRIED + ["lp_acc1", "lr", "epochs"]]
    best = best.rename(columns={"lr": "best_lr", "epochs": "best_epochs"})
    best["n_runs"] = runs.groupby(_KEYS).size().loc[list(map(tuple, best[_KEYS].to_numpy()))].to_numpy()
    return best.reset_index(drop=True)


def vtab_mean(best: pd.DataFrame | None = None) -> pd.DataFrame:
    """The VTAB score of each probed model: mean of the 19 tasks' best full-data accuracy.

    Rows come back in :func:`best_over_sweep`'s layout with ``dataset = "vtab"`` and
    ``fewshot_k = -1``; ``n_runs`` is there the number of tasks averaged (19). A model missing any of the 19 tasks is refused (its mean would not be
    the paper's VTAB).
    """
    best = best_over_sweep() if best is None else best
    tasks = best[best["dataset"].isin(VTAB_TASKS) & (best["fewshot_k"] == FULL)]
    counts = tasks.groupby(["model", "pretrained"])["dataset"].nunique()
    incomplete = counts[counts != len(VTAB_TASKS)]
    if not incomplete.empty:
        raise SchemaError(f"linear-probe runs: {len(VTAB_TASKS)} VTAB tasks needed per model; "
                          f"{dict(incomplete)} have fewer")
    mean = tasks.groupby(["model", "pretrained"]).agg(
        lp_acc1=("lp_acc1", "mean"), **{c: (c, "first") for c in _CARRIED}).reset_index()
    return mean.assign(dataset=VTAB, fewshot_k=FULL, n_runs=tasks.groupby(["model", "pretrained"]).size().to_numpy())


def probe_scores(runs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every score the figures and Table 5 use: :func:`best_over_sweep` plus the VTAB means,
    with ``error`` = 1 - lp_acc1."""
    best = best_over_sweep(runs)
    scores = pd.concat([best, vtab_mean(best)], ignore_index=True)
    return scores.assign(error=1 - scores["lp_acc1"], arch=scores["model"])


def panel(scores: pd.DataFrame, dataset: str, fewshot_k: int) -> pd.DataFrame:
    """The points of one figure panel: one per probed checkpoint."""
    chosen = scores[(scores["dataset"] == dataset) & (scores["fewshot_k"] == fewshot_k)]
    if chosen.empty:
        raise FitError(f"no linear-probe scores for dataset {dataset!r} with k={fewshot_k}")
    return chosen


def fit_panel(points: pd.DataFrame) -> dict[str, PowerLawFit]:
    """The two lines of a panel: OpenCLIP (every LAION checkpoint) and OpenAI, each a plain
    least-squares line in log10 compute - log10 error.

    Notes
    -----
    The authors' probe figures (CLIP_benchmark ``probe_benchmark/scaling_plot.py``) fit one
    plain line through all points of a group, not the binned frontier that the zero-shot
    figures and the caption of Figure 2 describe. We fit E = beta C^alpha as the paper's axes
    show it.
    """
    openai = points["upstream_dataset"] == OPENAI_UPSTREAM
    fits = {}
    for who, chosen in (("openclip", points[~openai]), ("openai", points[openai])):
        fits[who] = plain_line_fit(np.log10(chosen["gmacs_total"].to_numpy()), np.log10(chosen["error"].to_numpy()))
    return fits


def panel_fits(scores: pd.DataFrame, panels: tuple[tuple[str, int], ...]) -> pd.DataFrame:
    """alpha, beta and point count of both lines of each panel, one row per (panel, who)."""
    records = []
    for dataset, k in panels:
        for who, fit in fit_panel(panel(scores, dataset, k)).items():
            records.append({"dataset": dataset, "fewshot_k": k, "who": who, "alpha": fit.alpha, "beta": fit.beta,
                            "n_points": fit.n_points})
    return pd.DataFrame.from_records(records)


def all_panel_fits(scores: pd.DataFrame, panels: tuple[tuple[str, int], ...] = ALL_PANELS
                   ) -> dict[tuple[str, int], dict[str, PowerLawFit]]:
    """:func:`fit_panel` for each panel, keyed by (dataset, k) as the figure functions take them."""
    return {key: fit_panel(panel(scores, *key)) for key in panels}


def _panel_name(dataset: str, fewshot_k: int) -> str:
    short = {"imagenet1k-unverified": "imagenet", VTAB: "vtab"}.get(dataset, dataset.replace("/", "_"))
    return f"{short}_{'full' if fewshot_k == FULL else fewshot_k}"


def fit_report_rows(fits: dict[tuple[str, int], dict[str, PowerLawFit]]) -> list[ReportRow]:
    """alpha of both lines of each panel (the paper prints none: status ``reproduced``)."""
    rows = []
    for (dataset, k), pair in fits.items():
        item = "fig3" if dataset == VTAB or dataset in VTAB_TASKS else "fig2"
        rows += [compare(item, f"alpha_{who}_{_panel_name(dataset, k)}", fit.alpha) for who, fit in pair.items()]
    return rows


def glue_values(cells: pd.DataFrame, fits: dict[tuple[str, int], dict[str, PowerLawFit]]) -> dict[str, float]:
    """Plain floats for the page's prose: every panel's alphas and Table 5's agreement."""
    values = {f"alpha_{who}_{_panel_name(*key)}": float(fit.alpha) for key, pair in fits.items()
              for who, fit in pair.items()}
    values["table05_cells"] = float(len(cells))
    values["table05_max_abs_diff"] = float(cells["difference"].abs().max())
    return values


def best_settings(scores: pd.DataFrame) -> pd.DataFrame:
    """How often each (learning rate, epochs) of the sweep gave the best probe, over the probes
    the figures use (ImageNet and CIFAR-100 at every k, the VTAB tasks with full data)."""
    single = scores[(scores["dataset"] != VTAB) & ~(scores["dataset"].isin(VTAB_TASKS) & (scores["fewshot_k"] != FULL))]
    group = np.where(single["dataset"].isin(VTAB_TASKS), "VTAB tasks (full)", single["dataset"])
    single = single.assign(group=group, best_epochs=single["best_epochs"].astype(int))
    return single.groupby(["group", "best_lr", "best_epochs"]).size().unstack("best_epochs", fill_value=0)


def table5(scores: pd.DataFrame | None = None) -> pd.DataFrame:
    """Table 5 cell by cell: our best-over-sweep accuracy (%) beside the printed one.

    Returns
    -------
    DataFrame
        70 rows (10 checkpoints x 7 columns): ``Model``, ``Samples``, ``Dataset``, ``column``,
        ``model``, ``pretrained``, ``reproduced`` (%), ``paper`` (%), ``difference`` (points).
    """
    scores = probe_scores() if scores is None else scores
    reported = load_reported("table05")
    indexed = scores.set_index(["model", "pretrained", "dataset", "fewshot_k"])["lp_acc1"]
    records = []
    for _, row in reported.iterrows():
        key = (row["Model"], row["Samples"], row["Dataset"])
        if key not in TABLE5_CHECKPOINTS:
            raise SchemaError(f"table05: row {key} has no probed checkpoint in TABLE5_CHECKPOINTS")
        model, pretrained = TABLE5_CHECKPOINTS[key]
        for column, (dataset, k) in TABLE5_COLUMNS.items():
            try:
                ours = 100 * float(indexed.loc[(model, pretrained, dataset, k)])
            except KeyError:
                raise SchemaError(f"linear-probe runs: no score for {model} {pretrained} {dataset} k={k} "
                                  f"(Table 5 row {key}, column {column!r})") from None
            paper = float(row[column])
            records.append({"Model": key[0], "Samples": key[1], "Dataset": key[2], "column": column,
                            "model": model, "pretrained": pretrained, "reproduced": ours, "paper": paper,
                            "difference": ours - paper})
    return pd.DataFrame.from_records(records)


def table5_wide(cells: pd.DataFrame, *, value: Literal["reproduced", "paper", "difference"] = "reproduced") -> pd.DataFrame:
    """Table 5 in the paper's layout (rows = checkpoints, columns = the 7 probes) for one value."""
    wide = cells.pivot_table(index=["Model", "Samples", "Dataset"], columns="column", values=value, sort=False)
    return wide[list(TABLE5_COLUMNS)]


def table5_report_rows(cells: pd.DataFrame | None = None) -> list[ReportRow]:
    """The 70 report rows of Table 5 (percent, two decimals as printed)."""
    cells = table5() if cells is None else cells
    return [compare("table05", f"{c.column} {c.Model} {c.Samples} {c.Dataset}", c.reproduced, c.paper, decimals=2)
            for c in cells.itertuples(index=False)]


@dataclass(frozen=True)
class Page:
    """Everything the page shows, computed once.

    Attributes
    ----------
    scores : DataFrame
        :func:`probe_scores` of the probe runs.
    fits : dict
        :func:`all_panel_fits`: (dataset, k) -> both lines of the panel.
    cells : DataFrame
        :func:`table5`, cell by cell beside the printed values.
    """

    scores: pd.DataFrame = field(repr=False)
    fits: dict[tuple[str, int], dict[str, PowerLawFit]] = field(repr=False)
    cells: pd.DataFrame = field(repr=False)

    def report_rows(self) -> list[ReportRow]:
        """Table 5's 70 cells and every panel's exponents."""
        return table5_report_rows(self.cells) + fit_report_rows(self.fits)

    def glue_values(self) -> dict[str, float]:
        """:func:`glue_values` of the page."""
        return glue_values(self.cells, self.fits)


def compute(probe_file: str | Path = "") -> Page:
    """The page for the notebook's parameter: the authors' probe runs, or ``probe_file``
    (:func:`read_probe_runs`) when given."""
    runs = read_probe_runs(probe_file) if probe_file else load_linear_probe()
    scores = probe_scores(runs)
    return Page(scores, all_panel_fits(scores), table5(scores))


def figure(page: Page, panels: Sequence[tuple[str, int]], *, with_fits: bool = True, n_cols: int = 3) -> Figure:
    """Compute vs probe error for ``panels``, with the fitted lines unless ``with_fits`` is False."""
    return probe_vs_compute(page.scores, panels, fits=page.fits if with_fits else None, n_cols=n_cols)

