"""Learning curves: ImageNet zero-shot top-1 during training, per run (not a figure of the paper;
the authors' notebook shows it)."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from repro.constants import BUDGET_LABELS, DATA_LABELS, EXTRAPOLATION_ARCHS, SAMPLES_SEEN_AXIS_TITLE
from repro.data.learning_curves import X_AXES
from repro.errors import ParameterError
from repro.figures import style

#: colour per pretraining set (the authors' notebook colours upstream data blue / orange / green)
DATA_COLORS = {"80M": "#1f77b4", "400M": "#ff7f0e", "2B": "#2ca02c"}
#: line style per samples-seen budget
BUDGET_STYLES = dict(zip(BUDGET_LABELS, (":", "--", "-")))
#: axis title per x axis of a learning curve (:data:`repro.data.learning_curves.X_AXES`)
X_AXIS_TITLES = {"epoch": "Epoch", "samples_seen": SAMPLES_SEEN_AXIS_TITLE, "step": "Optimiser step"}


def learning_curves_figure(curves: pd.DataFrame, *, x_axis: str = "samples_seen") -> Figure:
    """One panel per architecture; colour = pretraining data, line style = samples-seen budget.

    Parameters
    ----------
    curves : DataFrame
        :func:`repro.data.learning_curves.learning_curves`.
    x_axis : {"epoch", "samples_seen", "step"}
    """
    if x_axis not in X_AXES:
        raise ParameterError(f"x_axis must be one of {X_AXES}, got {x_axis!r}")
    rank = {a: i for i, a in enumerate(EXTRAPOLATION_ARCHS)}
    archs = sorted(dict.fromkeys(curves["arch"]), key=lambda a: (rank.get(a, len(rank)), a))
    models = list(dict.fromkeys(curves.set_index("arch").loc[archs, "model"]))
    n_cols = min(3, len(models))
    n_rows = -(-len(models) // n_cols)
    with style.context():
        fig, axes = style.new_figure(n_rows, n_cols, panel_size=(3.6, 2.9), sharey=True)
        for ax in axes[len(models):]:
            ax.set_visible(False)
        for ax, model in zip(axes, models):
            for name, run in curves[curves["model"] == model].groupby("name", sort=False):
                ax.plot(run[x_axis], run["acc1_percent"], color=DATA_COLORS.get(str(run["data"].iloc[0]), "grey"),
                        linestyle=BUDGET_STYLES.get(run["samples_seen_pretty"].iloc[0], "-."), linewidth=1.3)
            ax.set_title(model)
            ax.set_xlabel(X_AXIS_TITLES[x_axis])
            if x_axis != "epoch":
                ax.set_xscale("log")
        for ax in axes[::n_cols]:
            ax.set_ylabel("ImageNet zero-shot top-1 %")
        handles = [Line2D([], [], color=c) for c in DATA_COLORS.values()]
        handles += [Line2D([], [], color="black", linestyle=s) for s in BUDGET_STYLES.values()]
        labels = [DATA_LABELS[d] for d in DATA_COLORS] + [f"{b} samples" for b in BUDGET_STYLES]
        axes[len(models) - 1].legend(handles, labels, loc="lower right")
    return fig
