"""Figures of the chapter "How sure are these laws?": Figure 1 panels and the Figure 8
extrapolation redrawn with bootstrap prediction bands."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from repro.figures import style
from repro.scaling.backtest import GROUPS, run_arrays
from repro.scaling.paper_fit import binned_line_fit
from repro.scaling.uncertainty import bootstrap_fits


#: The panels of the chapter's band figure: Figure 1's four datasets (PAPER.md, Figure 1).
BAND_DATASETS = ("imagenet1k", "imagenet_robustness", "mscoco_captions", "flickr30k")


def compute_vs_error_bands(rows: pd.DataFrame, downstream_datasets: Sequence[str], *, n_resamples: int = 1000,
                           seed: int = 0, extend_to_log10: float = 13.6) -> Figure:
    """Figure 1 panels: LAION runs, the paper fit and its 95% bootstrap band, extended to ``extend_to_log10``
    (Figure 8's range: the band is dashed-edged beyond the data)."""
    fig, axes = style.new_figure(1, len(downstream_datasets))
    with style.context():
        for ax, ds in zip(axes, downstream_datasets):
            x, y = run_arrays(rows, ds, GROUPS["LAION"])
            fit = binned_line_fit(x, y)
            boot = bootstrap_fits(x, y, n_resamples=n_resamples, seed=seed)
            grid = np.linspace(x.min(), extend_to_log10, 80)
            lo, hi = boot.interval(grid, level=0.95)
            ax.scatter(10 ** x, 10 ** y, s=12, color="0.4", label="OpenCLIP runs")
            ax.plot(10 ** grid, fit.predict(10 ** grid), color=style.FIT_COLORS["openclip"], label="paper fit")
            inside = grid <= x.max()
            ax.fill_between(10 ** grid[inside], lo[inside], hi[inside], color=style.FIT_COLORS["openclip"], alpha=0.25,
                            label="95% bootstrap band")
            ax.fill_between(10 ** grid[~inside], lo[~inside], hi[~inside], color=style.FIT_COLORS["openclip"],
                            alpha=0.12, label="extrapolated")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_title(ds)
            ax.set_xlabel("total compute (GMACs)")
            ax.set_ylabel("error rate")
        axes[0].legend()
    return fig
