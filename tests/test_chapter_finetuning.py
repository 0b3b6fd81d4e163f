"""The chapter "Fine-tuning" (repro.chapters.finetuning): points drawn from the paper's printed
accuracies, compute attached by us, fits by us."""

import numpy as np
import pytest

from repro.chapters import finetuning as rv
from repro.constants import OPENAI_SAMPLES_SEEN
from repro.data import load_arch, load_reported
from repro.errors import FitError, ParameterError, SchemaError


def test_points_carry_the_printed_accuracies_and_our_compute():
    rows = rv.points("table06")
    printed = load_reported("table06")
    assert len(rows) == len(printed) * 9
    b32_wit = rows[(rows["Model"] == "B/32") & (rows["Data"] == "WIT") & (rows["task"] == "IN")].iloc[0]
    assert b32_wit["accuracy"] == 63.35 and b32_wit["error"] == pytest.approx(0.3665)
    gmacs = load_arch().set_index("model").loc["ViT-B-32", "gmacs"]
    assert b32_wit["gmacs_total"] == pytest.approx(gmacs * OPENAI_SAMPLES_SEEN)
    # LAION checkpoints: samples seen from the run table (H/14 LAION-2B "34B" = 256 x 135,646,078).
    h14 = rows[(rows["Model"] == "H/14") & (rows["task"] == "IN")].iloc[0]
    assert h14["samples_seen"] == 256 * 135_646_078


def test_means_over_tasks_are_computed_from_the_printed_columns():
    joint = rv.points("table07")
    mean = joint[joint["task"] == "mean of 8 tasks"].set_index(["Model", "Data"])["accuracy"]
    printed = load_reported("table07").set_index(["Model", "Data"])
    np.testing.assert_allclose(mean.loc[printed.index], printed[list(rv.EIGHT_TASKS)].mean(axis=1))
    fig4 = rv.fig4_points()
    assert set(fig4["task"]) == {"IN", "robustness"} and len(fig4) == 2 * 7


def test_fits_are_plain_lines_per_group():
    fig4 = rv.fig4_points()
    fits = rv.fit_groups(fig4, "IN")
    assert fits["openclip"].n_points == 4 and fits["openai"].n_points == 3
    laion = fig4[(fig4["task"] == "IN") & (fig4["upstream_dataset"] == "LAION-2B")]
    slope, _ = np.polyfit(np.log10(laion["gmacs_total"]), np.log10(laion["error"]), 1)
    assert fits["openclip"].alpha == pytest.approx(slope)
    rows = rv.fit_report_rows("fig4", fig4, ["IN"])
    assert {r.status for r in rows} == {"reproduced"} and all(r.paper is None for r in rows)
    with pytest.raises(FitError, match="Nope"):
        rv.fit_groups(fig4, "Nope")


def test_points_refuse_other_tables():
    with pytest.raises(SchemaError, match="table05"):
        rv.points("table05")


def test_reported_figure_has_one_panel_per_task():
    rows = rv.points("table08")
    fig = rv.figure(rows, rv.NINE_TASKS, {t: rv.fit_groups(rows, t) for t in rv.NINE_TASKS})
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 9 and all(len(ax.lines) == 2 for ax in visible)


def test_compute_glues_the_figure4_and_5_exponents():
    chapter = rv.compute()
    assert set(chapter.fits9) == set(rv.NINE_TASKS) and set(chapter.fits10) == set(rv.EIGHT_TASKS)
    values = chapter.glue_values()
    assert set(values) == {f"alpha_{who}_{n}" for who in ("openclip", "openai") for n in ("fig4_in", "fig4_rob", "fig5")}
    assert values["alpha_openai_fig4_in"] == float(rv.fit_groups(rv.fig4_points(), "IN")["openai"].alpha) < 0
    assert len(chapter.report_rows()) == 6
    table = rv.exponents_table(chapter)
    assert len(table) == 2 * len(rv.NINE_TASKS) and set(table["figure"]) == {"fig9"}


def test_figure_rejects_a_bad_column_count():
    page = rv.compute()
    with pytest.raises(ParameterError, match="eight_tasks_columns"):
        rv.figure(page.joint, rv.EIGHT_TASKS, page.fits10, n_cols=0)
