"""The authors' interactive widgets as plotly figures that work in the static book (no kernel, no
ipywidgets): a per-dataset scaling explorer and a learning-curve explorer.

Both return a ``plotly.graph_objects.Figure`` drawn from computed inputs (results rows, fits,
joined curves); show it with :func:`repro.figures.show_plotly`, which relies on the page-level,
locally shipped plotly.js (no CDN).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from repro.constants import COMPUTE_AXIS_TITLE, EXTRAPOLATION_ARCHS, OPENAI_UPSTREAM, display_name
from repro.data.learning_curves import X_AXES, run_label
from repro.data.schema import error_of
from repro.errors import ParameterError
from repro.figures import style
from repro.figures.learning_curves import X_AXIS_TITLES
from repro.scaling.paper_fit import PowerLawFit

_DASH = {"80M": "dot", "400M": "dash", "2B": "solid"}
_PLOTLY_MARKERS = {"v": "triangle-down", "o": "circle", "s": "square", "*": "star", "D": "diamond",
                   "^": "triangle-up", "P": "cross", "X": "x", "h": "hexagon", "<": "triangle-left",
                   ">": "triangle-right"}


def _color(arch: str) -> str:
    color = style.arch_color(arch)
    if isinstance(color, str):
        return color
    r, g, b = (int(255 * c) for c in color[:3])
    return f"rgb({r},{g},{b})"


def scaling_explorer(rows: pd.DataFrame, fits: Mapping[str, Mapping[str, PowerLawFit | None]], *,
                     initial: str = "imagenet1k") -> go.Figure:
    """Compute vs zero-shot error for every downstream dataset of ``fits``, chosen from a dropdown,
    with the OpenCLIP and OpenAI fits given for it.

    Parameters
    ----------
    rows : DataFrame
        Rows of the results schema (the paper's 41 downstream datasets, or the mini study's).
    fits : mapping
        Downstream dataset -> ``{"openclip": PowerLawFit | None, "openai": PowerLawFit | None}``,
        in the dropdown's order; a fit that is None (or absent) is drawn as an empty line.
    initial : str
        The dataset shown first (falls back to the first entry).

    Notes
    -----
    Every dataset contributes the same number of traces (one per upstream dataset, then the two
    fit lines, absent fits drawn empty), so a dropdown entry only switches trace visibility.
    """
    datasets = list(fits)
    unknown = [d for d in datasets if d not in set(rows["downstream_dataset"])]
    if unknown:
        raise ParameterError(f"scaling_explorer: downstream dataset(s) {', '.join(unknown)} not in the results")
    upstreams = list(dict.fromkeys(rows["upstream_dataset"]))
    fig = go.Figure()
    traces_per_dataset = len(upstreams) + 2
    titles = []
    first = datasets.index(initial) if initial in datasets else 0
    for i, dataset in enumerate(datasets):
        panel = rows[rows["downstream_dataset"] == dataset]
        panel = panel.assign(error_percent=100.0 * error_of(panel))
        visible = i == first
        for upstream in upstreams:
            group = panel[panel["upstream_dataset"] == upstream]
            fig.add_trace(go.Scatter(
                x=group["gmacs_total"], y=group["error_percent"], mode="markers", name=upstream,
                legendgroup=upstream, visible=visible,
                marker={"color": [_color(a) for a in group["arch"]], "size": 13 if upstream == OPENAI_UPSTREAM else 9,
                        "symbol": _PLOTLY_MARKERS.get(style.upstream_marker(upstream), "circle"),
                        "line": {"width": 0.5, "color": "black"}},
                text=[f"{display_name(a)}, {u}, {s} samples" for a, u, s in
                      zip(group["arch"], group["upstream_dataset"], group["samples_seen_pretty"])],
                hovertemplate="%{text}<br>compute %{x:.3g} GMACs<br>error %{y:.2f} %<extra></extra>"))
        label = []
        for who, fit in (("OpenCLIP", fits[dataset].get("openclip")), ("OpenAI", fits[dataset].get("openai"))):
            x = np.logspace(*fit.x_range, 40) if fit is not None else []
            y = 100.0 * fit.predict(x) if fit is not None else []
            name = f"{who} fit: E = {fit.beta:.2f}·C^{fit.alpha:.3f}" if fit is not None else f"{who} fit: none"
            fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name=name, visible=visible,
                                     line={"color": style.FIT_COLORS["openclip" if who == "OpenCLIP" else "openai"],
                                           "width": 2.5}, hoverinfo="name"))
            if fit is not None:
                label.append(f"{who} α = {fit.alpha:.3f}")
        titles.append(f"{dataset}: " + (", ".join(label) if label else "no fit"))
    buttons = []
    for i, dataset in enumerate(datasets):
        visibility = [False] * (traces_per_dataset * len(datasets))
        visibility[i * traces_per_dataset:(i + 1) * traces_per_dataset] = [True] * traces_per_dataset
        buttons.append({"label": dataset, "method": "update",
                        "args": [{"visible": visibility}, {"title.text": titles[i]}]})
    fig.update_layout(
        title={"text": titles[first]}, height=520,
        xaxis={"type": "log", "title": {"text": COMPUTE_AXIS_TITLE}},
        yaxis={"type": "log", "title": {"text": "Error rate % (100 - top-1, or 100 - image R@5 for retrieval)"}},
        updatemenus=[{"buttons": buttons, "active": first, "direction": "down", "x": 1.0, "xanchor": "right",
                      "y": 1.15, "yanchor": "top"}],
        legend={"orientation": "v"}, margin={"t": 90},
    )
    return fig


def learning_curve_explorer(curves: pd.DataFrame, *, x_axis: str = "samples_seen") -> go.Figure:
    """ImageNet zero-shot top-1 during training, one line per run, with two dropdowns: which runs
    (all, or one architecture, data set or samples-seen budget) and the x axis (epoch, samples
    seen or optimiser step); the legend toggles single runs.

    Parameters
    ----------
    curves : DataFrame
        :func:`repro.data.learning_curves.learning_curves`.
    x_axis : {"epoch", "samples_seen", "step"}
        The x axis shown first.
    """
    if x_axis not in X_AXES:
        raise ParameterError(f"x_axis must be one of {X_AXES}, got {x_axis!r}")
    runs = curves.assign(label=run_label(curves))
    # runs in the paper's order: architecture by size, data set, samples-seen budget
    arch_rank = {a: i for i, a in enumerate(EXTRAPOLATION_ARCHS)}
    order = runs.drop_duplicates("name").assign(
        _arch=lambda f: f["arch"].map(lambda a: arch_rank.get(a, len(arch_rank))),
        _data=lambda f: f["data"].map(lambda d: list(_DASH).index(d) if d in _DASH else len(_DASH)),
        _budget=lambda f: f["samples_seen_pretty"].map(lambda s: float(s.rstrip("B")) if s.rstrip("B").isdigit() else 0))
    order = order.sort_values(["_arch", "arch", "_data", "_budget"], kind="stable")
    fig = go.Figure()
    groups = []
    for _, head in order.iterrows():
        run = runs[runs["name"] == head["name"]]
        groups.append(head)
        fig.add_trace(go.Scatter(
            x=run[x_axis], y=run["acc1_percent"], mode="lines+markers", name=head["label"],
            line={"color": _color(head["arch"]), "dash": _DASH.get(str(head["data"]), "solid"), "width": 1.8},
            marker={"size": 3},
            hovertemplate=head["label"] + "<br>epoch %{customdata[0]}<br>samples seen %{customdata[1]:.3g}"
                          "<br>step %{customdata[2]}<br>top-1 %{y:.2f} %<extra></extra>",
            customdata=np.stack([run["epoch"], run["samples_seen"], run["step"]], axis=1)))
    filters = [("all runs", lambda h: True)]
    filters += [(f"architecture {m}", lambda h, m=m: h["model"] == m) for m in dict.fromkeys(order["model"])]
    filters += [(f"data {d}", lambda h, d=d: h["data"] == d) for d in dict.fromkeys(order["data"])]
    filters += [(f"samples seen {s}", lambda h, s=s: h["samples_seen_pretty"] == s)
                for s in dict.fromkeys(order["samples_seen_pretty"])]
    filter_buttons = [{"label": label, "method": "restyle", "args": [{"visible": [bool(keep(h)) for h in groups]}]}
                      for label, keep in filters]
    axis_buttons = []
    for axis in X_AXES:
        xs = [runs.loc[runs["name"] == h["name"], axis].tolist() for h in groups]
        axis_buttons.append({"label": f"x = {X_AXIS_TITLES[axis].lower()}", "method": "update",
                             "args": [{"x": xs}, {"xaxis.title.text": X_AXIS_TITLES[axis],
                                                  "xaxis.type": "linear" if axis == "epoch" else "log"}]})
    fig.update_layout(
        height=560, title={"text": "ImageNet zero-shot top-1 during training"},
        xaxis={"title": {"text": X_AXIS_TITLES[x_axis]}, "type": "linear" if x_axis == "epoch" else "log"},
        yaxis={"title": {"text": "ImageNet zero-shot top-1 %"}},
        updatemenus=[
            {"buttons": filter_buttons, "direction": "down", "x": 0.0, "xanchor": "left", "y": 1.13, "yanchor": "top"},
            {"buttons": axis_buttons, "direction": "down", "x": 0.45, "xanchor": "left", "y": 1.13, "yanchor": "top",
             "active": X_AXES.index(x_axis)},
        ],
        margin={"t": 100},
    )
    return fig
