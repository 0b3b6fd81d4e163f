"""Figures of the miniature-study chapter (``book/notebooks/mini.md``): sample pairs with their
captions, loss curves, and error against samples seen per pre-training set (the bottleneck).
Each returns a ``matplotlib.figure.Figure`` built without pyplot; the frontier figure itself is
the paper's :func:`repro.figures.compute_vs_error`."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import NullLocator

from repro.constants import SAMPLES_SEEN_AXIS_TITLE, display_name
from repro.data.schema import error_of
from repro.figures import style
from repro.mini import datasets, scenes
from repro.mini.analysis import n_pairs


def sample_pairs(n: int = 8, *, seed: int = datasets.TRAIN_SEED, rendering: scenes.Rendering = "photo",
                 start: int = 0) -> Figure:
    """The first ``n`` pre-training pairs of stream ``seed``: images with their (noisy) captions."""
    fig = Figure(figsize=(1.9 * n, 2.9))
    axes = fig.subplots(1, n)
    for i, ax in enumerate(np.atleast_1d(axes)):
        image, text, _ = scenes.pair(seed, start + i, rendering=rendering)
        ax.imshow(image, interpolation="nearest")
        ax.set_axis_off()
        ax.set_title("\n".join(textwrap.wrap(text, 22)[:5]), fontsize=7, loc="left")
    return fig


def loss_curves(curves: pd.DataFrame) -> Figure:
    """Training loss against samples, one panel per model, one line per (data size, budget)."""
    archs = list(dict.fromkeys(curves.sort_values("samples_seen")["arch"]))
    archs = sorted(archs, key=lambda a: ("XS", "S", "M", "L").index(a.rsplit("-", 1)[-1]))
    with style.context():
        fig, axes = style.new_figure(1, len(archs))
        for ax, arch in zip(np.atleast_1d(axes), archs):
            runs = curves[curves["arch"] == arch]
            sets = sorted(runs["upstream_dataset"].unique(), key=n_pairs)
            for (upstream, budget), run in runs.groupby(["upstream_dataset", "samples_seen"]):
                shade = 0.35 + 0.65 * sets.index(upstream) / max(1, len(sets) - 1)
                ax.plot(run["samples"], run["contrastive_loss"], color=style.arch_color(arch), alpha=shade,
                        label=f"{upstream}, {budget:,}")
            ax.set_xscale("log")
            ax.set_title(display_name(arch))
            ax.set_xlabel("samples")
            ax.set_ylabel("contrastive loss")
        np.atleast_1d(axes)[-1].legend(fontsize=6, title="data, samples seen", title_fontsize=6)
    return fig


def bottleneck(rows: pd.DataFrame, downstream_dataset: str) -> Figure:
    """Error against samples seen, one panel per model, one line per pre-training set: where a
    small set stops improving, data is the bottleneck (the paper's LAION-80M, Sec. 4.1 and Fig. 1)."""
    chosen = rows[rows["downstream_dataset"] == downstream_dataset].assign(error=lambda f: 100 * error_of(f))
    archs = list(chosen.sort_values("gmacs")["arch"].unique())
    sets = sorted(chosen["upstream_dataset"].unique(), key=n_pairs)
    with style.context():
        fig, axes = style.new_figure(1, len(archs))
        for ax, arch in zip(np.atleast_1d(axes), archs):
            for upstream in sets:
                run = chosen[(chosen["arch"] == arch) & (chosen["upstream_dataset"] == upstream)]
                run = run.sort_values("samples_seen")
                ax.plot(run["samples_seen"], run["error"], marker=style.upstream_marker(upstream), label=upstream,
                        color=style.arch_color(arch), alpha=0.35 + 0.65 * sets.index(upstream) / max(1, len(sets) - 1))
            ax.set_xscale("log")
            budgets = sorted(chosen["samples_seen"].unique())
            ax.xaxis.set_minor_locator(NullLocator())
            ax.set_xticks(budgets, labels=[f"{b / 1000:.0f}k" for b in budgets])
            ax.set_title(display_name(arch))
            ax.set_xlabel(SAMPLES_SEEN_AXIS_TITLE)
            ax.set_ylabel(f"error on {downstream_dataset} (%)")
        np.atleast_1d(axes)[-1].legend(fontsize=7)
    return fig
