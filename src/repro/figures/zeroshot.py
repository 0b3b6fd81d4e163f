"""Compute vs zero-shot error, the figure family of Figure 1 (Fig. 1a, 1b; also Figure 12)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from repro.constants import COMPUTE_AXIS_TITLE, display_name
from repro.data.schema import error_of
from repro.figures import style
from repro.scaling.paper_fit import PowerLawFit

#: the paper's axis titles per downstream dataset
TITLES = {
    "imagenet1k": "ImageNet",
    "imagenet_robustness": "ImageNet robustness (mean of 5 sets)",
    "mscoco_captions": "MS-COCO image retrieval",
    "flickr30k": "Flickr30K image retrieval",
    "vtab+": "VTAB+ (35 tasks)",
    "vtab": "VTAB (19 tasks)",
}


def _ylabel(downstream_dataset: str, rows: pd.DataFrame) -> str:
    task = rows["task"].iloc[0] if len(rows) else ""
    return "Error rate (100 - Recall@5) %" if task == "zeroshot_retrieval" else "Zero-shot error rate %"


def compute_vs_error(rows: pd.DataFrame, downstream_datasets: Sequence[str], *,
                     fits: Mapping[str, Mapping[str, PowerLawFit]] | None = None,
                     titles: Mapping[str, str] | None = None, label_points: bool = False) -> Figure:
    """Total compute (GMACs) vs error, one panel per downstream dataset, log-log.

    Parameters
    ----------
    rows : DataFrame
        Rows of the results schema (the paper's or ours).
    downstream_datasets : sequence of str
        One panel each, left to right.
    fits : mapping, optional
        ``fits[downstream_dataset]["openclip" | "openai"]`` -> :class:`PowerLawFit`, drawn as lines
        over the compute range of the points they were fitted to, labelled ``E = β·C^α``.
    titles : mapping, optional
        Panel titles by downstream dataset (default: the paper's names, else the dataset's).
    label_points : bool
        Write each point's run name (``name``) beside it.

    Notes
    -----
    As the paper draws it: colour = architecture, marker = upstream dataset, marker size = samples
    seen, OpenAI (CLIP-WIT) models as stars.
    """
    fits = fits or {}
    titles = {**TITLES, **(titles or {})}
    with style.context():
        fig, axes = style.new_figure(1, len(downstream_datasets))
        for ax, dataset in zip(axes, downstream_datasets):
            panel = rows[rows["downstream_dataset"] == dataset]
            error_percent = 100 * error_of(panel)
            for (arch, upstream, pretty), group in panel.groupby(["arch", "upstream_dataset", "samples_seen_pretty"]):
                style.scatter_runs(ax, group["gmacs_total"], error_percent[group.index], color=style.arch_color(arch),
                                   upstream=upstream, samples_seen_pretty=pretty)
            if label_points:
                for index, row in panel.iterrows():
                    ax.annotate(str(row["name"]), (row["gmacs_total"], error_percent[index]), fontsize=7,
                                xytext=(4, 4), textcoords="offset points")
            style.draw_fits(ax, fits.get(dataset, {}))
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel(COMPUTE_AXIS_TITLE)
            ax.set_ylabel(_ylabel(dataset, panel))
            ax.set_title(titles.get(dataset, dataset))
            style.error_ticks(ax)
            if ax.get_legend_handles_labels()[0]:
                ax.legend(loc="lower left")
        fig.legend(_key_handles(rows), _key_labels(rows), loc="outside lower center", ncols=8, frameon=False)
    return fig


def _archs_by_size(rows: pd.DataFrame) -> list[str]:
    return list(rows.groupby("arch")["gmacs"].first().sort_values().index)


def _key_handles(rows: pd.DataFrame) -> list:
    """Legend key shared by all panels: architectures (colour), then upstream datasets (marker)."""
    handles = [Line2D([], [], marker="o", linestyle="", color=style.arch_color(a), markersize=6)
               for a in _archs_by_size(rows)]
    handles += [Line2D([], [], marker=style.upstream_marker(u), linestyle="", color="grey", markersize=7)
                for u in dict.fromkeys(rows["upstream_dataset"])]
    return handles


def _key_labels(rows: pd.DataFrame) -> list[str]:
    return [display_name(a) for a in _archs_by_size(rows)] + list(dict.fromkeys(rows["upstream_dataset"]))


def extra_results_panels(rows: pd.DataFrame, downstream_datasets: Sequence[str], *, source: str) -> Figure:
    """The user's own results (``extra_results``) on datasets that none of Figure 1's panels
    shows: one panel per dataset, titled as such, every point labelled with its run name, no fit.

    Parameters
    ----------
    rows : DataFrame
        The extra results (results schema).
    downstream_datasets : sequence of str
        One panel each, left to right.
    source : str
        Where the results came from (the ``extra_results`` file), named in the figure's title.
    """
    titles = {dataset: f"your runs: {dataset}" for dataset in downstream_datasets}
    fig = compute_vs_error(rows, downstream_datasets, titles=titles, label_points=True)
    fig.suptitle(f"Extra results ({source}) on datasets outside Figure 1's panels")
    return fig
