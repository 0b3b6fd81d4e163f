"""The training chapter's figure: the loss curves of the 2-rank and 1-rank runs of the scheduler run."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from repro.figures import style


def ddp_loss_curves(curves: pd.DataFrame) -> Figure:
    """Global contrastive loss per epoch of each run (columns ``run``, ``ranks``, ``epoch``,
    ``loss``): the 1-rank run as a line, the 2-rank run as markers on it.

    Parameters
    ----------
    curves : DataFrame
        ``loss_curves.csv`` of the scheduler run.
    """
    styles = {1: {"linestyle": "-", "color": "#1f77b4"}, 2: {"linestyle": "none", "marker": "o", "color": "#e07b00"}}
    with style.context():
        fig, (ax,) = style.new_figure(1, 1, panel_size=(5.0, 3.2))
        for ranks, group in curves.sort_values("epoch").groupby("ranks"):
            run = group["run"].iloc[0]
            ax.plot(group["epoch"], group["loss"], label=f"{run} ({ranks} rank{'s' if ranks > 1 else ''})",
                    **styles.get(int(ranks), {}))
        ax.set_xticks(sorted(curves["epoch"].unique()))
        ax.set_xlabel("epoch (one step over the 16 images)")
        ax.set_ylabel("global contrastive loss")
        ax.legend(frameon=False)
    return fig
