"""One plotting style for every figure (STYLE.md §7): colours per architecture, markers per
upstream dataset, marker size by samples seen, and the ``E = β·C^α`` label format. Figure
functions take their look from here and never set fonts or spines themselves."""

from __future__ import annotations

import matplotlib as mpl
from matplotlib.figure import Figure

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
SAMPLES_SEEN_SIZES = {"3B": 40, "13B": 80, "34B": 150}
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


def pretty_arch(arch: str) -> str:
    """``ViT-B-32`` -> ``ViT-B/32`` (the paper's spelling)."""
    head, _, patch = arch.rpartition("-")
    return f"{head}/{patch}" if head.startswith("ViT") and patch.isdigit() else arch


def law_label(beta: float, alpha: float, *, who: str = "") -> str:
    """The paper's legend label ``E = β·C^α`` with the fitted values (mathtext)."""
    prefix = f"{who}: " if who else ""
    return prefix + rf"$E = {beta:.2f}\cdot C^{{{alpha:.3f}}}$"
