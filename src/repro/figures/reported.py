"""Error vs pre-training compute drawn from the paper's printed accuracies (Figures 4, 5, 9-11).

Every panel says "from reported values" in its title: the accuracies are the paper's, the
compute axis and the lines are this project's (:mod:`repro.chapters.finetuning`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from repro.constants import display_name
from repro.figures import style
from repro.scaling.paper_fit import PowerLawFit

TASK_TITLES = {"IN": "ImageNet", "robustness": "Robustness (V2, A, R, Sketch)"}


def reported_vs_compute(rows: pd.DataFrame, tasks: Sequence[str], *,
                        fits: Mapping[str, Mapping[str, PowerLawFit]] | None = None, n_cols: int = 3,
                        ylabel: str = "Error rate %") -> Figure:
    """Pre-training compute (GMACs) vs error (%), one panel per task, log-log.

    Parameters
    ----------
    rows : DataFrame
        ``repro.chapters.finetuning.points(...)``: ``task``, ``arch``, ``upstream_dataset``,
        ``samples_seen_pretty``, ``gmacs_total``, ``error``.
    tasks : sequence of str
        One panel each, row by row.
    fits : mapping, optional
        ``fits[task]["openclip" | "openai"]`` -> :class:`PowerLawFit`, drawn over the points' range.
    """
    fits = fits or {}
    n_cols = min(n_cols, len(tasks))
    n_rows = -(-len(tasks) // n_cols)
    with style.context():
        fig, axes = style.new_figure(n_rows, n_cols)
        for ax, task in zip(axes, tasks):
            panel = rows[rows["task"] == task]
            for row in panel.itertuples(index=False):
                style.scatter_runs(ax, row.gmacs_total, 100 * row.error, color=style.arch_color(row.arch),
                                   upstream=row.upstream_dataset, samples_seen_pretty=row.samples_seen_pretty)
            style.draw_fits(ax, fits.get(task, {}))
            ax.set_xscale("log")
            ax.set_yscale("log")
            style.error_ticks(ax)
            ax.set_xlabel("Pre-training compute (GMACs)")
            ax.set_ylabel(ylabel)
            ax.set_title(TASK_TITLES.get(task, task))
            if ax.get_legend_handles_labels()[0]:
                ax.legend(loc="lower left")
        fig.suptitle("Drawn from the paper's reported accuracies; compute and fits by this project", fontsize=9)
        for ax in axes[len(tasks):]:
            ax.set_visible(False)
        archs = list(rows.groupby("arch")["gmacs_per_sample"].first().sort_values().index)
        upstreams = list(dict.fromkeys(rows["upstream_dataset"]))
        handles = [Line2D([], [], marker="o", linestyle="", color=style.arch_color(a), markersize=6) for a in archs]
        handles += [Line2D([], [], marker=style.upstream_marker(u), linestyle="", color="grey", markersize=7)
                    for u in upstreams]
        fig.legend(handles, [display_name(a) for a in archs] + upstreams, loc="outside lower center",
                   ncols=min(len(handles), 3 * n_cols), frameon=False)
    return fig
