"""One plotting style for every figure: colours per architecture, markers per
upstream dataset, marker size by samples seen, and the ``E = β·C^α`` label format. Figure
functions take their look from here and never set fonts or spines themselves."""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter
from matplotlib.figure import Figure

from repro.constants import BUDGET_LABELS, OPENAI_UPSTREAM

#: colour per architecture (ViT family by size, ResNets in browns, unknown archs cycle through tab20)
ARCH_COLORS = {
    "ViT-B-32": "#1f77b4",
    "ViT-B-16": "#ff7f0e",
    "ViT-L-14": "#2ca02c",
    "ViT-H-14": "#d62728",
    "ViT-g-14": "#9467bd",
    "ViT-G-14": "#8c564b",
    "RN50": "#bcbd22",
    "RN101": "#17becf",
    "RN50x4": "#7f7f7f",
    "RN50x16": "#e377c2",
}
_FALLBACK = [mpl.colormaps["tab20"](i) for i in range(20)]

#: marker per upstream dataset, as in the authors' notebook (OpenAI models are stars)
UPSTREAM_MARKERS = {"LAION-80M": "v", "LAION-400M": "o", "LAION-2B": "s", "CLIP-WIT": "*"}
_FALLBACK_MARKERS = ["D", "^", "P", "X", "h", "<", ">"]

#: marker area per samples-seen label, as in the authors' notebook
SAMPLES_SEEN_SIZES = dict(zip(BUDGET_LABELS, (40, 80, 150)))
OPENAI_STAR_SIZE = 260

#: line colour of the two fits: OpenCLIP (LAION) and OpenAI (CLIP-WIT)
FIT_COLORS = {"openclip": "#e07b00", "openai": "#1f3f9f"}

RC = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 7,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.5,
    "savefig.dpi": 150,
    "figure.dpi": 100,
}


def new_figure(n_rows: int = 1, n_cols: int = 1, *, panel_size: tuple[float, float] = (4.2, 3.4),
               sharey: bool = False) -> tuple[Figure, list]:
    """A ``Figure`` (no pyplot state) with a grid of axes in the project style; returns (fig, flat axes)."""
    with context():
        fig = Figure(figsize=(panel_size[0] * n_cols, panel_size[1] * n_rows), layout="constrained")
        axes = fig.subplots(n_rows, n_cols, sharey=sharey, squeeze=False)
    return fig, [ax for row in axes for ax in row]


def context():
    """The project's rc settings as a context manager: build a whole figure inside it, since
    matplotlib reads rc settings when each artist is created."""
    return mpl.rc_context(RC)


def arch_color(arch: str) -> tuple | str:
    if arch in ARCH_COLORS:
        return ARCH_COLORS[arch]
    return _FALLBACK[sum(map(ord, arch)) % len(_FALLBACK)]


def upstream_marker(upstream: str) -> str:
    if upstream in UPSTREAM_MARKERS:
        return UPSTREAM_MARKERS[upstream]
    return _FALLBACK_MARKERS[sum(map(ord, upstream)) % len(_FALLBACK_MARKERS)]


def samples_seen_size(samples_seen_pretty: str) -> float:
    return SAMPLES_SEEN_SIZES.get(samples_seen_pretty, 60)



def law_label(beta: float, alpha: float, *, who: str = "") -> str:
    """The paper's legend label ``E = β·C^α`` with the fitted values (mathtext)."""
    prefix = f"{who}: " if who else ""
    return prefix + rf"$E = {beta:.2f}\cdot C^{{{alpha:.3f}}}$"


#: percent ticks of log error axes, picked inside each axis's range
_ERROR_TICKS = np.array([0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 4, 5, 7, 10, 12, 14, 16, 18, 20, 25, 30, 35, 40, 50, 60, 70, 80, 90])


def error_ticks(ax) -> None:
    """Percent ticks of a log error axis, chosen from a fixed list inside the axis range."""
    low, high = ax.get_ylim()
    ticks = _ERROR_TICKS[(_ERROR_TICKS >= low) & (_ERROR_TICKS <= high)]
    ax.yaxis.set_major_locator(FixedLocator(ticks))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def scatter_runs(ax, gmacs_total, error_percent, *, color, upstream: str, samples_seen_pretty: str) -> None:
    """Runs as the paper draws them: marker = upstream dataset, size = samples seen, OpenAI as stars."""
    openai = upstream == OPENAI_UPSTREAM
    ax.scatter(gmacs_total, error_percent, color=color, marker=upstream_marker(upstream),
               s=OPENAI_STAR_SIZE if openai else samples_seen_size(samples_seen_pretty),
               edgecolor="black", linewidth=0.5, zorder=3, alpha=0.9)


def draw_fits(ax, fits) -> None:
    """Fitted laws ``{"openclip" | "openai": PowerLawFit}`` as lines over their fitted compute range,
    labelled ``E = β·C^α``."""
    for who, fit in fits.items():
        grid = np.logspace(*fit.x_range, 50)
        ax.plot(grid, 100 * fit.predict(grid), color=FIT_COLORS[who], linewidth=1.6, zorder=2,
                label=law_label(fit.beta, fit.alpha, who="OpenCLIP" if who == "openclip" else "OpenAI"))
