"""The bottleneck claims of Sec. 4 drawn from the gains of the zero-shot grids (Tables 16, 19-24)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from repro.constants import LAION_UPSTREAMS, SAMPLES_SEEN_AXIS_TITLE
from repro.errors import SchemaError
from repro.figures import style
from repro.figures.learning_curves import DATA_COLORS


def data_gain_figure(gains: pd.DataFrame) -> Figure:
    """Gain from LAION-400M to LAION-2B (percentage points) vs samples seen, one line per
    architecture, one panel per measure.

    Parameters
    ----------
    gains : DataFrame
        :func:`repro.chapters.zeroshot.data_scaling_gains` (index measure, model, samples seen).
    """
    table = gains["gain 400M->2B"].reset_index()
    measures = list(dict.fromkeys(table["measure"]))
    n_cols = 4
    with style.context():
        fig, axes = style.new_figure(-(-len(measures) // n_cols), n_cols, panel_size=(2.9, 2.5), sharey=True)
        for ax in axes[len(measures):]:
            ax.set_visible(False)
        for ax, measure in zip(axes, measures):
            panel = table[table["measure"] == measure]
            budgets = list(dict.fromkeys(panel["samples_seen"]))
            for model, line in panel.groupby("model", sort=False):
                arch = model.replace("/", "-")
                ax.plot([budgets.index(s) for s in line["samples_seen"]], line["gain 400M->2B"], marker="o",
                        color=style.arch_color(arch), label=model)
            ax.axhline(0, color="black", linewidth=0.8)
            ax.set_xticks(range(len(budgets)), budgets)
            ax.set_title(measure)
            ax.set_xlabel(SAMPLES_SEEN_AXIS_TITLE)
        for ax in axes[::n_cols]:
            ax.set_ylabel("400M → 2B gain (points)")
        axes[0].legend(loc="upper left")
    return fig


def samples_gain_figure(gains: pd.DataFrame, *, model: str = "ViT-L/14") -> Figure:
    """Gain from 13B to 34B samples seen (percentage points) of one architecture, per measure and
    pretraining set (bars).

    Parameters
    ----------
    gains : DataFrame
        :func:`repro.chapters.zeroshot.samples_scaling_gains` (index measure, model, pretraining data).
    """
    table = gains["gain 13B->34B"].reset_index()
    table = table[table["model"] == model]
    if table.empty:
        raise SchemaError(f"samples_gain_figure: no 13B and 34B runs of {model!r} in the gains table")
    measures = list(dict.fromkeys(table["measure"]))
    upstreams = [u for u in LAION_UPSTREAMS if u in set(table["pretraining_data"])]
    width = 0.8 / len(upstreams)
    with style.context():
        fig, (ax,) = style.new_figure(1, 1, panel_size=(7.5, 3.0))
        for i, upstream in enumerate(upstreams):
            values = table[table["pretraining_data"] == upstream].set_index("measure")["gain 13B->34B"]
            ax.bar(np.arange(len(measures)) + (i - (len(upstreams) - 1) / 2) * width, values.reindex(measures),
                   width=width, color=DATA_COLORS.get(upstream.removeprefix("LAION-"), "grey"), label=upstream)
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_xticks(range(len(measures)), measures, rotation=20, ha="right")
        ax.set_ylabel("13B → 34B gain (points)")
        ax.set_title(f"{model}: gain from 13B to 34B samples seen")
        ax.legend()
    return fig
