"""glue_values / chapter_report_rows of the uncertainty chapter on the published results."""

import warnings

import pytest

from repro.scaling import backtest as bt, compare, fit_report, frontiers, uncertainty

DATASETS = ["imagenet1k", "mscoco_captions", "imagenet_robustness", "vtab+", "flickr30k", "cars", "sun397"]


@pytest.fixture(scope="module")
def values(paper_rows):
    warnings.simplefilter("ignore", RuntimeWarning)
    rep = fit_report.full_report(paper_rows, DATASETS, n_resamples=30, ks=[5])
    x, y = bt.run_arrays(paper_rows, "imagenet1k", bt.GROUPS["LAION"])
    study = uncertainty.interval_study(paper_rows, DATASETS, frontier=frontiers.FrontierSpec("binned", x_at="actual"),
                                       n_resamples=30, ks=[5])
    scores = uncertainty.interval_scores(study)
    comparison = compare.compare_openclip_openai(paper_rows, DATASETS, n_resamples=30)
    return fit_report.glue_values(rep, scores, comparison, bt.bins_sensitivity(x, y))


def test_glue_values_are_plain_and_match_issue(values):
    assert all(type(v) in (float, fit_report.Text) for v in values.values())
    assert repr(values["best_method"]) == str(values["best_method"])
    assert values["paperfit_kmax_ImageNet"] == pytest.approx(0.77, abs=0.01)
    assert values["paperfit_k5_Flickr30K"] == pytest.approx(0.61, abs=0.01)
    assert values["candidate_beats_paper"] == 4.0     # binned5-actual power law, found on the targets
    assert values["sharpness_bound"] == pytest.approx(4.877, abs=0.01)
    assert values["n_openclip_steeper_laion"] + values["n_openai_steeper_laion"] + values["n_undecided_laion"] \
        == values["n_compared"] == len(DATASETS)


def test_report_rows_have_no_fake_paper_values(values):
    rows = fit_report.chapter_report_rows(values)
    assert rows and all(r.paper is None and r.status == "reproduced" for r in rows)
    names = {r.quantity for r in rows}
    assert "paperfit_k5_ImageNet" in names and "best_coverage" in names and "selected_form" not in names
    assert "issue 4 measured 0.77" in next(r.explanation for r in rows if r.quantity == "paperfit_k5_ImageNet")


def test_chapter_computes_the_same_values_as_the_steps(paper_rows, values):
    warnings.simplefilter("ignore", RuntimeWarning)
    chapter = fit_report.chapter(paper_rows, DATASETS, n_resamples=30, ks=[5], n_replications=5)
    shared = {k for k in values if k != "report_seconds"}
    assert {k: chapter.values[k] for k in shared} == {k: values[k] for k in shared}
    assert chapter.values["recovery_n_cells"] == float(len(chapter.recovery)) > 0
    assert len(chapter.report_rows()) > 0
