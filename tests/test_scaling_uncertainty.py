"""Bootstrap, conformal intervals and the OpenCLIP-OpenAI comparison on the published results."""

import numpy as np

from repro.scaling.backtest import GROUPS, run_arrays
from repro.scaling.compare import compare_openclip_openai
from repro.scaling.uncertainty import bootstrap_counts, bootstrap_fits, interval_scores, interval_study


def test_bootstrap_is_seeded_and_brackets_the_paper_alpha(paper_rows):
    x, y = run_arrays(paper_rows, "imagenet1k", GROUPS["LAION"])
    a = bootstrap_fits(x, y, n_resamples=200, seed=5)
    b = bootstrap_fits(x, y, n_resamples=200, seed=5)
    np.testing.assert_array_equal(a.theta, b.theta)
    lo, hi = a.coefficient_interval("alpha")
    assert lo < -0.1114 < hi
    counts = bootstrap_counts(10, 50, seed=1, among=np.arange(10) < 6)
    assert (counts[:, 6:] == 0).all() and (counts.sum(axis=1) == 6).all()


def test_interval_study_scores(paper_rows):
    frame = interval_study(paper_rows, ["imagenet1k", "mscoco_captions", "flickr30k", "vtab+", "cars", "sun397"],
                           n_resamples=200, ks=(2, 5))
    scores = interval_scores(frame).set_index("method")
    assert (scores["coverage"].between(0, 1)).all()
    # the textbook interval is much wider than the realised error (issue 4: about 20x at 95%)
    assert scores.loc["textbook", "sharpness"] > 5


def test_comparison_signs_match_the_paper(paper_rows):
    table = compare_openclip_openai(paper_rows, ["imagenet1k", "mscoco_captions"], n_resamples=200).set_index(
        "downstream_dataset")
    # OpenAI steeper on ImageNet (diff > 0), OpenCLIP steeper on COCO retrieval (diff < 0), LAION uncertainty only
    assert table.loc["imagenet1k", "diff_lo"] > 0
    assert table.loc["mscoco_captions", "diff_hi"] < 0
