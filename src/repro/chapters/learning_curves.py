"""Chapter "Learning curves" (``book/notebooks/learning_curves.md``): ImageNet zero-shot accuracy
during training for each of the 29 runs (not a figure of the paper; the authors' notebook shows it).

The join of the learning curves with the run table is :func:`repro.data.learning_curves.learning_curves`;
this module compares each curve's end with the final evaluation, builds the report rows and the
glue values, and hands the figures drawn by :mod:`repro.figures`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from IPython.display import HTML
from matplotlib.figure import Figure

from repro.data import load_learning_curves, load_models_info, load_results
from repro.data.learning_curves import learning_curves, run_label
from repro.figures import show_plotly
from repro.figures.explorers import learning_curve_explorer
from repro.figures.learning_curves import learning_curves_figure
from repro.report import ReportRow, compare

ITEM = "learning-curves"


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
    return [compare(ITEM, f"imagenet1k_acc1_last_epoch_{label}", value)
            for label, value in zip(run_label(last), last["acc1_percent"])]


def glue_values(curves: pd.DataFrame, final: pd.DataFrame) -> dict[str, float]:
    """Numbers the chapter's prose quotes: the runs drawn (``n_runs``) and the largest gap between a
    curve's last point and the final evaluation (``final_max_abs_diff``, points)."""
    return {"n_runs": float(curves["name"].nunique()),
            "final_max_abs_diff": float(final["difference"].abs().max())}


@dataclass(frozen=True)
class Page:
    """What the chapter shows: the joined curves and their ends beside the final evaluation."""

    curves: pd.DataFrame
    final: pd.DataFrame

    def report_rows(self) -> list[ReportRow]:
        """:func:`report_rows` of the curves."""
        return report_rows(self.curves)

    def glue_values(self) -> dict[str, float]:
        """:func:`glue_values` of the page."""
        return glue_values(self.curves, self.final)


def compute() -> Page:
    """The published learning curves joined to the run table, and their ends beside ZS."""
    curves = learning_curves(load_learning_curves(), load_models_info())
    return Page(curves, final_vs_results(curves, load_results()))


def figure(page: Page, x_axis: str = "samples_seen") -> Figure:
    """One panel per architecture (:func:`repro.figures.learning_curves.learning_curves_figure`)."""
    return learning_curves_figure(page.curves, x_axis=x_axis)


def explorer(page: Page, x_axis: str = "samples_seen") -> HTML:
    """The interactive explorer (:func:`repro.figures.explorers.learning_curve_explorer`), as HTML
    that relies on the page's plotly.js."""
    return show_plotly(learning_curve_explorer(page.curves, x_axis=x_axis))
