"""Figures of the chapter "How sure are these laws?": Figure 1 panels and the Figure 8
extrapolation redrawn with bootstrap prediction bands (computed by
:func:`repro.scaling.uncertainty.prediction_bands`; this module only draws)."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure

from repro.constants import COMPUTE_AXIS_TITLE
from repro.figures import style
from repro.scaling.uncertainty import PredictionBand


def compute_vs_error_bands(bands: Sequence[PredictionBand]) -> Figure:
    """One panel per band: the LAION runs, the paper fit and its bootstrap band, the band drawn
    lighter beyond the largest run (the extrapolation)."""
    fig, axes = style.new_figure(1, len(bands))
    with style.context():
        for ax, band in zip(axes, bands):
            grid, inside = 10 ** band.grid, band.inside
            color = style.FIT_COLORS["openclip"]
            ax.scatter(10 ** band.log10_compute, 10 ** band.log10_error, s=12, color="0.4", label="OpenCLIP runs")
            ax.plot(grid, band.fit.predict(grid), color=color, label="paper fit")
            ax.fill_between(grid[inside], band.lo[inside], band.hi[inside], color=color, alpha=0.25,
                            label=f"{100 * band.level:.0f}% bootstrap band")
            ax.fill_between(grid[~inside], band.lo[~inside], band.hi[~inside], color=color, alpha=0.12,
                            label="extrapolated")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_title(band.downstream_dataset)
            ax.set_xlabel(COMPUTE_AXIS_TITLE)
            ax.set_ylabel("error rate")
        axes[0].legend()
    return fig
