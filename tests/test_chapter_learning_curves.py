"""The learning-curves chapter: LC joined to INFO (repro.data.learning_curves) and each curve's end
beside the final evaluation (repro.chapters.learning_curves), on the published data."""

import pandas as pd
import pytest

from repro.chapters import learning_curves as chapter
from repro.data import load_learning_curves, load_models_info
from repro.data.learning_curves import learning_curves
from repro.errors import ParameterError, SchemaError


@pytest.fixture(scope="module")
def curves():
    return learning_curves(load_learning_curves(), load_models_info())


def test_learning_curves_join_and_units(curves):
    assert curves["name"].nunique() == 29
    run = curves[curves["name"] == "Model-L-14_Data-400M_Samples-34B_lr-1e-3_bs-86k.pt"]
    last = run.iloc[-1]
    assert last["epoch"] == 84 and last["global_batch_size"] == 84 * 1024
    assert last["samples_seen"] == 84 * 413_000_000
    assert last["step"] == round(84 * 413_000_000 / (84 * 1024))
    assert run["epoch"].is_monotonic_increasing


def test_learning_curve_end_agrees_with_the_final_evaluation(paper_rows, curves):
    final = chapter.final_vs_results(curves, paper_rows)
    assert final["complete"].all() and len(final) == 29
    # in-training (open_clip) vs CLIP_benchmark evaluation of the same final checkpoint
    assert final["difference"].abs().max() < 0.15
    assert len(chapter.report_rows(curves)) == 29


def test_learning_curves_refuse_unknown_runs():
    frame = pd.DataFrame({"name": ["nope.pt"], "epoch": [1], "acc1": [0.1], "acc5": [0.2]})
    with pytest.raises(SchemaError, match="nope.pt"):
        learning_curves(frame, load_models_info())


def test_the_page_glues_what_the_prose_quotes():
    page = chapter.compute()
    values = page.glue_values()
    assert values["n_runs"] == 29
    assert values["final_max_abs_diff"] == pytest.approx(page.final["difference"].abs().max())
    assert 0 < values["final_max_abs_diff"] < 0.15
    assert {r.item for r in page.report_rows()} == {"learning-curves"}


def test_the_page_refuses_an_unknown_x_axis():
    page = chapter.compute()
    for draw in (chapter.figure, chapter.explorer):
        with pytest.raises(ParameterError, match="x_axis must be one of"):
            draw(page, "minutes")
