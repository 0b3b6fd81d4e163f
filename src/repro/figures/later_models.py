"""Figures of the chapter on the models trained since the paper: residuals of the laws against
compute (matplotlib) and an explorer of open_clip's benchmark (plotly, offline). Draw only."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from matplotlib.figure import Figure

from repro.constants import COMPUTE_AXIS_TITLE
from repro.figures import style

#: marker per objective (matplotlib, plotly)
OBJECTIVE_MARKERS = {"CLIP": ("o", "circle"), "CoCa": ("s", "square"), "SigLIP": ("^", "triangle-up"),
                     "CLIPA": ("D", "diamond")}
#: marker edge per image-tower family: open_clip's ViT plain, others outlined thick
TOWER_EDGES = {"ViT": 0.4}
#: data-family colours: tab10 without its grey (kept for the shading), then tab20's light shades
_FAMILY_COLORS = [mpl.colormaps["tab10"](i) for i in range(10) if i != 7] + \
    [mpl.colormaps["tab20"](i) for i in range(1, 20, 2)]


def family_colors(families: Sequence[str]) -> dict[str, tuple]:
    """One colour per data family, in order of appearance."""
    return {f: _FAMILY_COLORS[i % len(_FAMILY_COLORS)] for i, f in enumerate(dict.fromkeys(families))}


def _rgb(color) -> str:
    r, g, b = (int(255 * c) for c in color[:3])
    return f"rgb({r},{g},{b})"


def residual_figure(table: pd.DataFrame, *, title: str, paper_range: tuple[float, float],
                    laws: Mapping[str, str], highlight: str | None = None, highlight_label: str = "") -> Figure:
    """Measured minus forecast (points) against compute, one panel per law.

    Parameters
    ----------
    table : DataFrame
        One row per model: ``gmacs_total``, ``data_family``, ``objective``, ``image_tower`` and
        ``<law>_residual`` for each key of ``laws``.
    title : str
    paper_range : (float, float)
        Compute range of the paper's runs (GMACs), shaded.
    laws : mapping
        Law key -> panel title.
    highlight : str, optional
        A boolean column of ``table``: its true rows are ringed (``highlight_label`` in the legend).
    highlight_label : str
        The legend entry of the ringed points.
    """
    colors = family_colors(table["data_family"])
    fig = Figure(figsize=(6.0 * len(laws), 4.6), layout="constrained")
    axes = fig.subplots(1, len(laws), sharey=True, squeeze=False)[0]
    for ax, (law, name) in zip(axes, laws.items()):
        ax.axvspan(*paper_range, color="0.92", zorder=0, label="compute of the paper's runs")
        ax.axhline(0.0, color="0.3", lw=1)
        for (family, objective, tower), part in table.groupby(["data_family", "objective", "image_tower"], sort=False):
            ax.scatter(part["gmacs_total"], part[f"{law}_residual"], color=colors[family],
                       marker=OBJECTIVE_MARKERS.get(objective, ("X", "x"))[0], s=36,
                       edgecolors="black", linewidths=TOWER_EDGES.get(tower, 1.6), zorder=3)
        if highlight is not None:
            ringed = table[table[highlight].astype(bool)]
            ax.scatter(ringed["gmacs_total"], ringed[f"{law}_residual"], s=150, facecolors="none",
                       edgecolors="black", linewidths=1.2, zorder=4)
        ax.set_xscale("log")
        ax.set_xlabel(COMPUTE_AXIS_TITLE)
        ax.set_title(name)
    axes[0].set_ylabel("measured - forecast (points)")
    handles = [mpl.lines.Line2D([], [], ls="", marker="o", color=c, label=f) for f, c in colors.items()]
    handles += [mpl.lines.Line2D([], [], ls="", marker=m, color="white", markeredgecolor="black", label=o)
                for o, (m, _) in OBJECTIVE_MARKERS.items() if o in set(table["objective"])]
    handles.append(mpl.lines.Line2D([], [], ls="", marker="o", color="white", markeredgecolor="black",
                                    markeredgewidth=1.6, label="thick edge: not open_clip's ViT"))
    if highlight is not None:
        handles.append(mpl.lines.Line2D([], [], ls="", marker="o", markersize=11, markerfacecolor="none",
                                        markeredgecolor="black", label=highlight_label or highlight))
    handles.append(mpl.patches.Patch(color="0.92", label="compute of the paper's runs"))
    fig.legend(handles=handles, loc="outside right center", fontsize="small")
    fig.suptitle(title)
    return fig


def later_models_explorer(data: pd.DataFrame, columns: Sequence[str], *, laws: Mapping[str, object],
                          initial: str = "ImageNet 1k", label: Callable[[str], str] = str) -> go.Figure:
    """Every placed model of open_clip's benchmark on one dataset (dropdown) against compute.

    Parameters
    ----------
    data : DataFrame
        One row per model: ``name``, ``pretrained``, ``gmacs_total``, ``samples_seen``,
        ``data_family``, ``objective`` and a column per dataset in ``columns`` (fractions).
    columns : sequence of str
        The datasets of the dropdown.
    laws : mapping
        Column -> an object with ``predict(gmacs_total)`` (error rate) and ``log10_compute_range``:
        drawn as the paper's law where given.
    initial : str
        The dataset shown first.
    label : callable
        Architecture name -> display name.
    """
    colors = family_colors(data["data_family"])
    families = list(colors)
    fig = go.Figure()
    first = list(columns).index(initial) if initial in columns else 0
    per_column = len(families) + 1
    text = [f"{label(n)} {p}<br>{f}, {o}<br>samples seen {s:.3g}" for n, p, f, o, s in
            zip(data["name"], data["pretrained"], data["data_family"], data["objective"], data["samples_seen"])]
    data = data.assign(_text=text)
    for i, column in enumerate(columns):
        visible = i == first
        for family in families:
            part = data[data["data_family"] == family]
            fig.add_trace(go.Scatter(
                x=part["gmacs_total"], y=100 * part[column], mode="markers", name=family, legendgroup=family,
                showlegend=True, visible=visible, text=part["_text"],
                marker={"color": _rgb(colors[family]), "size": 9, "line": {"width": 0.5, "color": "black"},
                        "symbol": [OBJECTIVE_MARKERS.get(o, ("X", "x"))[1] for o in part["objective"]]},
                hovertemplate="%{text}<br>compute %{x:.3g} GMACs<br>" + column + " %{y:.2f} %<extra></extra>"))
        law = laws.get(column)
        if law is not None:
            lo, hi = law.log10_compute_range
            x = np.logspace(lo - 1.5, hi + 1.0, 60)
            y = 100 * (1 - law.predict(x))
        else:
            x, y = [], []
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name="paper's law" if law is not None else "no law",
                                 visible=visible, line={"color": style.FIT_COLORS["openclip"], "width": 2.5},
                                 hoverinfo="name"))
    buttons = []
    for i, column in enumerate(columns):
        visibility = [False] * (per_column * len(columns))
        visibility[i * per_column:(i + 1) * per_column] = [True] * per_column
        buttons.append({"label": column, "method": "update",
                        "args": [{"visible": visibility}, {"yaxis.title.text": f"{column} (%)"}]})
    fig.update_layout(
        height=560, title={"text": "open_clip's models on the paper's compute axis"},
        xaxis={"type": "log", "title": {"text": COMPUTE_AXIS_TITLE}},
        yaxis={"title": {"text": f"{columns[first]} (%)"}},
        updatemenus=[{"buttons": buttons, "active": first, "direction": "down", "x": 1.0, "xanchor": "right",
                      "y": 1.15, "yanchor": "top"}],
        margin={"t": 90},
    )
    return fig
