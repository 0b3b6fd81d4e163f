"""Figure 8: predicted zero-shot performance of larger models trained longer (Figure 8 and Table 4)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from repro.constants import SAMPLES_SEEN_AXIS_TITLE, display_name
from repro.figures import style
from repro.scaling.extrapolation import FIGURE8_ARCHS, ExtrapolationFit

TITLES = {"imagenet1k": "ImageNet zero-shot top-1 %", "mscoco_captions": "MS-COCO image retrieval Recall@5 %"}


def extrapolation_figure(grid: pd.DataFrame, fits: Mapping[str, ExtrapolationFit], *,
                         archs: Sequence[str] = FIGURE8_ARCHS,
                         n_points: int = 120) -> Figure:
    """Predicted performance vs samples seen, one panel per target, one curve per architecture.

    Parameters
    ----------
    grid : DataFrame
        :func:`repro.scaling.extrapolation.extrapolation_grid`: the cells (drawn as dots), their
        ``gmacs_per_sample`` and the ``measured`` LAION-2B runs (drawn as stars).
    fits : mapping
        :func:`repro.scaling.extrapolation.extrapolation_fits`, per downstream dataset.
    archs : sequence of str
        Architectures to draw (Figure 8 draws H/14, g/14 and G/14).

    Notes
    -----
    As in the paper: the law's curve is solid where the compute lies inside the range of the runs
    it was fitted on and dashed outside it; measured points are stars.
    """
    datasets = [d for d in fits if d in set(grid["downstream_dataset"])]
    with style.context():
        fig, axes = style.new_figure(1, len(datasets))
        for ax, dataset in zip(axes, datasets):
            law = fits[dataset]
            panel = grid[(grid["downstream_dataset"] == dataset) & grid["arch"].isin(archs)]
            for arch in archs:
                cells = panel[panel["arch"] == arch]
                if cells.empty:
                    continue
                color = style.arch_color(arch)
                samples = np.logspace(np.log10(cells["samples_seen"].min()), np.log10(cells["samples_seen"].max()),
                                      n_points)
                compute = cells["gmacs_per_sample"].iloc[0] * samples
                predicted = law.predict_percent(compute)
                inside = law.inside(compute)
                ax.plot(np.where(inside, samples, np.nan), predicted, color=color, linestyle="-", linewidth=1.6)
                ax.plot(np.where(inside, np.nan, samples), predicted, color=color, linestyle="--", linewidth=1.6)
                ax.scatter(cells["samples_seen"], cells["predicted"], color=color, s=18, zorder=3)
                for samples_seen, value in zip(cells["samples_seen"], cells["predicted"]):
                    ax.annotate(f"{value:.2f}", (samples_seen, value), textcoords="offset points", xytext=(0, 5),
                                ha="center", fontsize=6, color=color)
                measured = cells.dropna(subset=["measured"])
                ax.scatter(measured["samples_seen"], measured["measured"], marker="*", s=style.OPENAI_STAR_SIZE,
                           color=color, edgecolor="black", linewidth=0.6, zorder=4)
            ax.set_xscale("log")
            ax.set_xlabel(SAMPLES_SEEN_AXIS_TITLE)
            ax.set_ylabel(TITLES.get(dataset, dataset))
            ax.set_title(TITLES.get(dataset, dataset).replace(" %", ""))
            ticks = panel.drop_duplicates("samples_seen_pretty")
            ax.set_xticks(ticks["samples_seen"], ticks["samples_seen_pretty"])
            ax.minorticks_off()
            handles = [Line2D([], [], color=style.arch_color(a), linewidth=1.6) for a in archs]
            labels = [display_name(a) for a in archs]
            handles += [Line2D([], [], color="grey", linestyle="-"), Line2D([], [], color="grey", linestyle="--"),
                        Line2D([], [], marker="*", linestyle="", color="grey", markeredgecolor="black", markersize=10)]
            labels += ["inside the fitted compute range", "extrapolated", "measured (LAION-2B)"]
            ax.legend(handles, labels, loc="lower right")
    return fig
