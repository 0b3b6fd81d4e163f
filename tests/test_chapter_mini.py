"""The chapter "The study in miniature" (repro.chapters.mini): report rows on a hand-made table,
and the study's claims on the committed laptop results (checked where they are stored)."""

import pytest
from matplotlib.figure import Figure

from repro.chapters import mini as chapter

from test_mini_analysis import _power_law_with_bottleneck, _table


def test_report_rows_carry_every_number():
    rows = _table(_power_law_with_bottleneck)
    report = chapter.report_rows(rows)
    quantities = {r.quantity for r in report}
    assert {"r2_frontier_mini_shape_colour", "compute_decades_mini_retrieval", "bottleneck_gain_mini-500",
            "bottleneck_gain_mini-8k", "larger_model_wins", "more_data_wins",
            "alpha_mini_shape_colour", "alpha_mini_retrieval"} <= quantities
    assert all(r.paper is None and r.status == "reproduced" for r in report)
    wins = {r.quantity: r.reproduced for r in report}
    assert wins["larger_model_wins"] == 1.0 and wins["more_data_wins"] == 1.0
    assert wins["bottleneck_gain_mini-500"] == pytest.approx(0.0, abs=1e-12)


def test_committed_laptop_results_show_the_papers_phenomena():
    page = chapter.compute("laptop")
    assert page.panels == [chapter.HEADLINE_TASK, "mini_shape_colour"]
    values = page.glue_values()
    assert values["mini_r2"] >= 0.9 and values["mini_decades"] >= 1.5
    assert values["mini_larger_model_wins"] == 1.0 and values["mini_more_data_wins"] == 1.0
    assert values["mini_gain_small"] < 0.5 * values["mini_gain_large"]
    table = chapter.error_table(page.rows, page.task)
    assert table.shape[0] == page.rows[["arch", "upstream_dataset"]].drop_duplicates().shape[0]
    assert list(chapter.models_table(page)["model"]) == list(chapter.analysis.models_of(page.rows))


def test_figures_of_the_page():
    page = chapter.compute("laptop")
    for fig in (chapter.frontier_figure(page), chapter.bottleneck_figure(page), chapter.sample_pairs(3)):
        assert isinstance(fig, Figure) and fig.axes
    titles = [ax.get_title() for ax in chapter.frontier_figure(page).axes if ax.get_title()]
    assert any(page.task in t or "retrieval" in t.lower() for t in titles)
