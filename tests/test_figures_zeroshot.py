"""Figures of the zero-shot chapters: Fig 8, learning curves, bottleneck, and the two plotly
explorers (their dropdowns must switch to the right traces, offline). The inputs (fits, gains,
joined curves) come from the chapters and the science below them; the figures only draw."""

import pytest
from matplotlib.figure import Figure

from repro.chapters import zeroshot
from repro.constants import COMPUTE_AXIS_TITLE, SAMPLES_SEEN_AXIS_TITLE
from repro.data import load_arch, load_learning_curves, load_models_info
from repro.data.learning_curves import learning_curves
from repro.figures import bottleneck as bottleneck_figures
from repro.figures.explorers import learning_curve_explorer, scaling_explorer
from repro.figures.extrapolation import extrapolation_figure
from repro.figures.learning_curves import learning_curves_figure
from repro.scaling import extrapolation


@pytest.fixture(scope="module")
def curves():
    return learning_curves(load_learning_curves(), load_models_info())


def test_fig8_solid_inside_dashed_outside(paper_rows):
    fits = extrapolation.extrapolation_fits(paper_rows)
    grid = extrapolation.extrapolation_grid(paper_rows, load_arch(), fits=fits)
    fig = extrapolation_figure(grid, fits)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    ax = fig.axes[0]
    solid = [line for line in ax.get_lines() if line.get_linestyle() == "-" and len(line.get_xdata()) > 2]
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--" and len(line.get_xdata()) > 2]
    assert len(solid) == 3 and len(dashed) == 3
    # G/14's curve leaves the fitted range before 13B samples: its dashed part has data there
    assert ax.get_xlabel() == SAMPLES_SEEN_AXIS_TITLE
    law = fits["imagenet1k"]
    assert not law.inside(532.92 * 1.3e10) and law.inside(190.97 * 3.4e10)


def test_learning_curves_figure(curves):
    fig = learning_curves_figure(curves, x_axis="step")
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == ["ViT-B/32", "ViT-B/16", "ViT-L/14", "ViT-H/14", "ViT-g/14"]
    assert sum(len(ax.get_lines()) for ax in visible) == 29
    with pytest.raises(ValueError, match="x_axis"):
        learning_curves_figure(curves, x_axis="hours")


def test_bottleneck_figures(paper_rows):
    fig = bottleneck_figures.data_gain_figure(zeroshot.data_scaling_gains(paper_rows))
    assert sum(ax.get_visible() for ax in fig.axes) == 7
    fig = bottleneck_figures.samples_gain_figure(zeroshot.samples_scaling_gains(paper_rows))
    assert len(fig.axes[0].patches) == 7 * 3


def test_scaling_explorer_has_one_entry_per_dataset(paper_rows):
    fig = scaling_explorer(paper_rows, zeroshot.explorer_fits(paper_rows))
    datasets = sorted(paper_rows["downstream_dataset"].unique())
    buttons = fig.layout.updatemenus[0].buttons
    assert len(datasets) == 41 and [b.label for b in buttons] == datasets
    per_dataset = 4 + 2  # one trace per upstream (80M, 400M, 2B, CLIP-WIT), two fit lines
    assert len(fig.data) == 41 * per_dataset
    i = datasets.index("mscoco_captions")
    visible = buttons[i].args[0]["visible"]
    shown = [trace for trace, v in zip(fig.data, visible) if v]
    assert len(shown) == per_dataset
    points = sum(len(t.x) for t in shown if t.mode == "markers")
    assert points == 32
    assert shown[-2].name.startswith("OpenCLIP fit: E = ") and shown[-1].name.startswith("OpenAI fit: E = ")
    # first view is ImageNet, with the paper's alpha in the title
    assert fig.layout.title.text.startswith("imagenet1k: OpenCLIP α = -0.11")
    assert fig.layout.xaxis.title.text == COMPUTE_AXIS_TITLE


def test_scaling_explorer_html_is_offline(paper_rows):
    fits = zeroshot.explorer_fits(paper_rows, ["imagenet1k", "flickr30k"])
    html = scaling_explorer(paper_rows, fits).to_html(include_plotlyjs=False, full_html=False)
    assert "cdn.plot.ly" not in html and "<script src=" not in html


def test_scaling_explorer_refuses_unknown_dataset(paper_rows):
    with pytest.raises(ValueError, match="not-a-set"):
        scaling_explorer(paper_rows, {"not-a-set": {"openclip": None, "openai": None}})


def test_learning_curve_explorer_dropdowns(curves):
    fig = learning_curve_explorer(curves)
    assert len(fig.data) == 29
    filters, axes = fig.layout.updatemenus
    labels = [b.label for b in filters.buttons]
    assert labels[0] == "all runs" and "architecture ViT-L/14" in labels and "data 2B" in labels
    assert "samples seen 34B" in labels
    only_2b = filters.buttons[labels.index("data 2B")].args[0]["visible"]
    assert sum(only_2b) == 11
    by_step = axes.buttons[[b.label for b in axes.buttons].index("x = optimiser step")].args
    assert max(max(x) for x in by_step[0]["x"]) == curves["step"].max()
    assert by_step[1]["xaxis.title.text"] == "Optimiser step"


def test_scaling_explorer_on_other_results_without_openai_models(paper_rows):
    # results shaped like the mini study's: other upstream names, no CLIP-WIT models
    rows = paper_rows[paper_rows["upstream_dataset"] != "CLIP-WIT"].replace(
        {"upstream_dataset": {"LAION-80M": "mini-2k", "LAION-400M": "mini-20k", "LAION-2B": "mini-200k"}})
    fits = zeroshot.explorer_fits(rows, ["imagenet1k", "mscoco_captions"])
    assert fits["imagenet1k"]["openai"] is None
    fig = scaling_explorer(rows, fits)
    assert len(fig.data) == 2 * (3 + 2)
    assert fig.data[3].name.startswith("OpenCLIP fit: E = ") and fig.data[4].name == "OpenAI fit: none"
    assert fig.layout.title.text.startswith("imagenet1k: OpenCLIP α = -0.1")
