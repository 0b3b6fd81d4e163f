"""The paper's fit: the binned frontier on the published runs, and the method's edge cases."""

import numpy as np
import pytest

from repro.constants import N_BINS
from repro.errors import FitError
from repro.scaling import binned_frontier, binned_line_fit, fit_paper_law


def test_frontier_uses_29_openclip_runs_and_5_bins(paper_rows):
    fit = fit_paper_law(paper_rows, "imagenet1k")
    assert fit.n_points == 5 and fit.frontier.kept.all()
    assert np.isclose(fit.frontier.bin_edges[-1] - fit.frontier.bin_edges[0],
                      np.log10(paper_rows["gmacs_total"][paper_rows.upstream_dataset != "CLIP-WIT"]).agg(np.ptp) + 0.1)


def test_empty_bin_is_dropped():
    x = np.array([0.0, 0.1, 0.2, 3.9, 4.0])
    y = np.array([1.0, 0.9, 0.8, 0.2, 0.1])
    frontier = binned_frontier(x, y, n_bins=N_BINS)
    assert frontier.kept.tolist() == [True, False, False, False, True]
    fit = binned_line_fit(x, y, n_bins=N_BINS)
    assert fit.n_points == 2


def test_too_few_points_and_unknown_dataset(paper_rows):
    with pytest.raises(FitError, match="at least 2 non-empty bins"):
        binned_line_fit(np.array([1.0, 1.01]), np.array([0.5, 0.4]), n_bins=N_BINS)
    with pytest.raises(FitError, match="no rows for downstream_dataset 'imagenet2k'"):
        fit_paper_law(paper_rows, "imagenet2k")


def test_prediction_is_the_power_law(paper_rows):
    fit = fit_paper_law(paper_rows, "mscoco_captions")
    c = np.array([1e11, 1e12])
    assert np.allclose(np.log10(fit.predict(c)), fit.alpha * np.log10(c) + fit.intercept)
