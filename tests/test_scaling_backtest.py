"""The backtest of the paper fit on the published results: the numbers the chapter "How sure are
these laws?" states (to 0.01), through both implementations."""

import numpy as np
import pytest

from repro.scaling.backtest import GROUPS, TARGETS, backtest_runs, bins_sensitivity, holdout_mask, paper_backtest, run_arrays
from repro.scaling.frontiers import PAPER_FRONTIER

EXPECTED = {  # mean absolute error of the paper fit, percentage points (the chapter's backtest table)
    2: {"imagenet1k": 0.10, "mscoco_captions": 0.13, "imagenet_robustness": 0.37, "vtab+": 0.42, "flickr30k": 0.10},
    5: {"imagenet1k": 0.77, "mscoco_captions": 0.87, "imagenet_robustness": 0.55, "vtab+": 0.70, "flickr30k": 0.61},
}


@pytest.mark.parametrize("k", [2, 5])
@pytest.mark.parametrize("ds", list(TARGETS))
def test_paper_backtest_reproduces_the_stated_numbers(paper_rows, k, ds):
    x, y = run_arrays(paper_rows, ds, GROUPS["LAION"])
    assert len(x) == 29
    via_paper = paper_backtest(x, y, k)
    assert abs(via_paper["abs_error_pp"].mean() - EXPECTED[k][ds]) < 0.01
    via_harness = backtest_runs(x, y, form="power", frontier=PAPER_FRONTIER, ks=[k])
    np.testing.assert_allclose(via_harness["abs_error_pp"].to_numpy(), via_paper["abs_error_pp"].to_numpy(), atol=1e-9)


def test_bins_sweep_range(paper_rows):
    x, y = run_arrays(paper_rows, "imagenet1k", GROUPS["LAION"])
    sweep = bins_sensitivity(x, y)
    assert abs(sweep["mean_abs_error_pp"].min() - 0.29) < 0.01
    assert abs(sweep["mean_abs_error_pp"].max() - 1.48) < 0.01


def test_holdout_takes_whole_compute_values():
    x = np.array([1.0, 2.0, 3.0, 3.0, 4.0])
    assert holdout_mask(x, 2).tolist() == [False, False, True, True, True]
    with pytest.raises(ValueError, match="k must be"):
        holdout_mask(x, 4)
