"""Linear-probe error vs compute, the figure family of Figures 2 and 3 of the paper."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from repro.constants import COMPUTE_AXIS_TITLE, display_name
from repro.figures import style
from repro.scaling.paper_fit import PowerLawFit

#: the one probed architecture Figure 1 does not have (its style fallback colour clashes with H/14)
_EXTRA_COLORS = {"ViT-B-16-plus-240": "#e377c2"}
#: legend order: by GMACs per sample (ARCH)
_ARCH_ORDER = ("ViT-B-32", "ViT-B-16", "ViT-B-16-plus-240", "ViT-L-14", "ViT-H-14", "ViT-g-14", "ViT-G-14")
#: candidate y ticks (percent) of the log error axis, picked inside each panel's range
_DATASET_TITLES = {"imagenet1k-unverified": "ImageNet", "cifar100": "CIFAR-100", "vtab": "VTAB (19 tasks)"}


def _color(arch: str):
    return _EXTRA_COLORS.get(arch) or style.arch_color(arch)


def panel_title(dataset: str, fewshot_k: int) -> str:
    """``ImageNet, 10-shot`` / ``CIFAR-100, full`` / ``VTAB (19 tasks), full``."""
    name = _DATASET_TITLES.get(dataset, dataset.removeprefix("vtab/").replace("vtab_", ""))
    return f"{name}, {'full' if fewshot_k == -1 else f'{fewshot_k}-shot'}"


def probe_vs_compute(scores: pd.DataFrame, panels: Sequence[tuple[str, int]], *,
                     fits: Mapping[tuple[str, int], Mapping[str, PowerLawFit]] | None = None,
                     n_cols: int = 3) -> Figure:
    """Total compute (GMACs) vs linear-probe error (%), one panel per (dataset, k), log-log.

    Parameters
    ----------
    scores : DataFrame
        ``repro.chapters.linear_probe.probe_scores()``: one row per (model, pretrained, dataset,
        fewshot_k) with ``gmacs_total``, ``error``, ``upstream_dataset``, ``samples_seen_pretty``.
    panels : sequence of (dataset, fewshot_k)
        Filled row by row, ``n_cols`` per row.
    fits : mapping, optional
        ``fits[(dataset, k)]["openclip" | "openai"]`` -> :class:`PowerLawFit`, drawn over the
        compute range of the points it was fitted to and labelled ``E = β·C^α``.

    Notes
    -----
    Marks as in Figure 1: colour = architecture, marker = upstream dataset, size = samples seen,
    OpenAI checkpoints as stars.
    """
    fits = fits or {}
    n_rows = -(-len(panels) // n_cols)
    with style.context():
        fig, axes = style.new_figure(n_rows, min(n_cols, len(panels)))
        for ax, (dataset, k) in zip(axes, panels):
            points = scores[(scores["dataset"] == dataset) & (scores["fewshot_k"] == k)]
            for row in points.itertuples(index=False):
                style.scatter_runs(ax, row.gmacs_total, 100 * row.error, color=_color(row.model),
                                   upstream=row.upstream_dataset, samples_seen_pretty=row.samples_seen_pretty)
            style.draw_fits(ax, fits.get((dataset, k), {}))
            ax.set_xscale("log")
            ax.set_yscale("log")
            style.error_ticks(ax)
            ax.set_xlabel(COMPUTE_AXIS_TITLE)
            ax.set_ylabel("Linear-probe error rate %")
            ax.set_title(panel_title(dataset, k))
            if ax.get_legend_handles_labels()[0]:
                ax.legend(loc="lower left")
        for ax in axes[len(panels):]:
            ax.set_visible(False)
        archs = sorted(scores["model"].unique(), key=lambda a: (_ARCH_ORDER.index(a) if a in _ARCH_ORDER else 99, a))
        upstreams = list(dict.fromkeys(scores["upstream_dataset"]))
        handles = [Line2D([], [], marker="o", linestyle="", color=_color(a), markersize=6) for a in archs]
        handles += [Line2D([], [], marker=style.upstream_marker(u), linestyle="", color="grey", markersize=7)
                    for u in upstreams]
        fig.legend(handles, [display_name(a) for a in archs] + upstreams, loc="outside lower center",
                   ncols=min(len(handles), 3 * min(n_cols, len(panels))), frameon=False)
    return fig
