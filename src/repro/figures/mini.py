"""Figures of the miniature-study chapter (``book/notebooks/mini.md``): sample pairs with their
captions, loss curves, and error against samples seen per pre-training set (the bottleneck).
Each returns a ``matplotlib.figure.Figure`` built without pyplot; the frontier figure itself is
the paper's :func:`repro.figures.compute_vs_error`."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import NullLocator

from repro.constants import SAMPLES_SEEN_AXIS_TITLE, display_name
from repro.data.schema import error_of
from repro.figures import style
from repro.mini import datasets, models, scenes
from repro.mini.analysis import n_pairs
from repro.scaling.isoflop import IsoflopFit, IsoflopProfile
from repro.scaling.parametric import ParametricFit


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
    archs = sorted(archs, key=models.gmacs_per_sample)
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


def isoflop_profiles(profiles: Sequence[IsoflopProfile], *, label: str,
                     left_out: pd.DataFrame | None = None) -> Figure:
    """The isoFLOP profiles: ``label`` (held-out loss or error) against model size at each budget,
    the parabola fitted in log size (dotted where its minimum is not inside the sizes tried), and
    the minimum (the loss-optimal size N_opt(C)) where it is; ``left_out`` (columns ``gmacs``,
    ``budget_gmacs`` and ``value``): runs left out of the fits, drawn hollow in their budget's colour."""
    colours = [mpl.colormaps["viridis"](x) for x in np.linspace(0.1, 0.85, len(profiles))]
    with style.context():
        fig, (ax,) = style.new_figure(1, 1, panel_size=(5.6, 3.8))
        for colour, profile in zip(colours, profiles):
            used = profile.interior
            ax.scatter(profile.sizes * 1e3, profile.values, color=colour, zorder=3,
                       label=f"C = {profile.compute:.3g} GMACs")
            x = np.linspace(np.log10(profile.sizes.min()), np.log10(profile.sizes.max()), 100)
            if np.isfinite(profile.coef).all():
                ax.plot(10 ** x * 1e3, profile.coef[0] + profile.coef[1] * x + profile.coef[2] * x ** 2,
                        color=colour, alpha=0.7, linestyle="-" if used else ":")
            if used:
                ax.scatter([profile.n_opt * 1e3], [profile.metric_opt], marker="*", s=160, color=colour,
                           edgecolor="black", zorder=4)
            if left_out is not None:
                out = left_out[np.isclose(left_out["budget_gmacs"], profile.compute, rtol=0.05)]
                ax.scatter(out["gmacs"] * 1e3, out["value"], facecolors="none", edgecolors=[colour], zorder=3)
        if left_out is not None and len(left_out):
            ax.scatter([], [], facecolors="none", edgecolors="0.3", label="at chance: left out of the fits")
        ax.set_xscale("log")
        ax.set_xlabel("model size: MMACs per sample (both towers)")
        ax.set_ylabel(label)
        ax.set_title("isoFLOP profiles (stars: fitted minima)")
        ax.legend(fontsize=7)
    return fig


def allocation(isoflop: IsoflopFit | None, parametric: ParametricFit, runs: pd.DataFrame) -> Figure:
    """N_opt(C) and D_opt(C): the isoFLOP minima with their power laws (when two budgets or more
    had an interior minimum; None otherwise), beside the allocation implied by the parametric law
    L(N, D); the runs themselves in grey."""
    compute = np.geomspace(runs["gmacs_total"].min() / 2, runs["gmacs_total"].max() * 2, 50)
    n_par, d_par = parametric.optimal_allocation(compute)
    used = [p for p, u in zip(isoflop.profiles, isoflop.used) if u] if isoflop is not None else []
    with style.context():
        fig, axes = style.new_figure(1, 2)
        for ax, column, attr, par_line, name, scale in (
                (axes[0], "gmacs", "n_opt", n_par, "N_opt: MMACs per sample", 1e3),
                (axes[1], "samples_seen", "d_opt", d_par, "D_opt: samples seen", 1.0)):
            ax.scatter(runs["gmacs_total"], runs[column] * scale, color="0.75", s=14, label="runs")
            if isoflop is not None:
                iso_line = getattr(isoflop, f"predict_{attr}")(compute)
                ax.scatter([p.compute for p in used], np.asarray([getattr(p, attr) for p in used]) * scale,
                           color="C0", marker="*", s=140, zorder=3, label="isoFLOP minima")
                ax.plot(compute, iso_line * scale, color="C0", label="isoFLOP fit")
            ax.plot(compute, par_line * scale, color="C3", linestyle="--", label="parametric L(N, D)")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("compute C (GMACs)")
            ax.set_ylabel(name)
        iso_a = f"{isoflop.a:.2f}" if isoflop is not None else "none (no interior minima)"
        iso_b = f"{isoflop.b:.2f}" if isoflop is not None else "none"
        axes[0].set_title(f"a: isoFLOP {iso_a}, parametric {parametric.a:.2f}")
        axes[1].set_title(f"b: isoFLOP {iso_b}, parametric {parametric.b:.2f}")
        axes[0].legend(fontsize=7)
    return fig


def schedules(cells: pd.DataFrame, sd: float, *, label: str) -> Figure:
    """Cosine runs against warmup-stable-decay branches: ``label`` against budget, one colour per
    size, the cosine mean (circles, solid) and the WSD mean (squares, dashed), each with bars of
    one standard error of a cell's mean, ``sd`` (the seed noise of one run) over the root of its
    seeds (``cells`` and ``sd``: :class:`repro.scaling.mini_study.ScheduleAgreement`'s)."""
    with style.context():
        fig, (ax,) = style.new_figure(1, 1, panel_size=(5.6, 3.8))
        for arch, cell in cells.groupby("arch", sort=False):
            colour = style.arch_color(arch)
            cell = cell.sort_values("budget_gmacs")
            for column, seeds, marker, line, name in (("cosine", "cosine_seeds", "o", "-", "cosine"),
                                                      ("wsd", "wsd_seeds", "s", "--", "WSD")):
                ax.errorbar(cell["budget_gmacs"], cell[column], yerr=sd / np.sqrt(cell[seeds]), color=colour, marker=marker,
                            linestyle=line, capsize=2, label=f"{display_name(arch)}, {name}")
        ax.set_xscale("log")
        ax.set_xlabel("compute budget (GMACs)")
        ax.set_ylabel(label)
        ax.set_title("one cosine run per budget vs one WSD trunk per size and seed")
        ax.legend(fontsize=7)
    return fig
