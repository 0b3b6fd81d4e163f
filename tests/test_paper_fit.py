"""The paper's fit: the binned frontier on the published runs, and the method's edge cases."""

import numpy as np
import pytest

from repro.constants import N_BINS
from repro.errors import FitError
from repro.scaling import LawFit, PowerLawFit, binned_frontier, binned_line_fit, fit_paper_law
from repro.scaling.laws import get_form
from repro.scaling.paper_fit import plain_line_fit


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


def test_the_paper_fit_is_the_one_law_fit_type_of_the_power_form():
    """One result type for a power-law fit: the paper's is a LawFit of the power form at x0 = 0."""
    x = np.array([9.0, 10.0, 11.0, 12.0])
    y = -0.1 * x + 0.8 + np.array([0.01, -0.02, 0.015, -0.005])
    for paper in (binned_line_fit(x, y, n_bins=4), plain_line_fit(x, y)):
        assert isinstance(paper, PowerLawFit) and isinstance(paper, LawFit)
        assert paper.name == "power" and paper.x0 == 0.0 and paper.converged
        assert paper.theta[0] == pytest.approx(np.log10(paper.beta), abs=1e-12)
        assert np.allclose(10 ** paper.predict_log10(paper.x), paper.predict(10 ** paper.x), rtol=1e-12)
        assert paper.rss == pytest.approx(float(np.sum((paper.alpha * paper.x + paper.intercept - paper.y) ** 2)))
    # the general power form fitted by plain least squares finds the same line as the paper's plain fit
    general, plain = get_form("power").fit(x, y, loss="linear"), plain_line_fit(x, y)
    assert plain.method == "plain" and plain.frontier is None
    assert general.alpha == pytest.approx(plain.alpha, abs=1e-9)
    assert general.predict(1e11) == pytest.approx(plain.predict(1e11), rel=1e-9)
