"""binned_line_fit against an independent re-implementation of the authors' code, and the
binned frontier against scipy.stats.binned_statistic(statistic="min")."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from repro.scaling import binned_frontier, binned_line_fit
from repro.scaling.frontiers import FrontierSpec, select_frontier


def authors_binned_line_fit(x, y, nbins=5, eps=0.1):
    """The authors' notebook code, re-typed: np.histogram edges, np.digitize, pandas min, lstsq."""
    _, bins = np.histogram(x, range=(x.min(), x.max() + eps), bins=nbins)
    frame = pd.DataFrame({"x": x, "y": y, "bin": np.digitize(x, bins)})
    minima = frame.groupby("bin")["y"].min()  # groupby drops empty bins, as the authors' code did
    centers = np.array([(bins[b - 1] + bins[b]) / 2 for b in minima.index])
    design = np.vstack([centers, np.ones(len(centers))]).T
    (slope, intercept), *_ = np.linalg.lstsq(design, pd.Series(minima.to_numpy()).to_numpy(), rcond=None)
    return slope, 10 ** intercept


@pytest.mark.parametrize("case", ["paper", "empty_bin"])
def test_binned_line_fit_equals_authors_code(paper_rows, case):
    from repro.scaling import select
    chosen = select(paper_rows, "imagenet1k", upstreams=("LAION-80M", "LAION-400M", "LAION-2B"))
    x, y = chosen["log10_compute"].to_numpy(), chosen["log10_error"].to_numpy()
    if case == "empty_bin":
        x = np.concatenate([x[x < 10.6], x[x > 11.6]])  # a gap: bins in the middle are empty
        y = np.concatenate([y[chosen["log10_compute"].to_numpy() < 10.6], y[chosen["log10_compute"].to_numpy() > 11.6]])
    ours = binned_line_fit(x, y, n_bins=6)
    slope, beta = authors_binned_line_fit(x, y, nbins=6)
    if case == "empty_bin":
        assert not ours.frontier.kept.all()
    assert abs(ours.alpha - slope) < 1e-9
    assert abs(ours.beta - beta) < 1e-9
    spec = select_frontier(x, y, FrontierSpec("binned", n_bins=6))
    np.testing.assert_allclose(spec.x, ours.x, atol=1e-12)
    np.testing.assert_allclose(spec.y, ours.y, atol=1e-12)


def test_frontier_equals_scipy_binned_statistic_min():
    rng = np.random.default_rng(3)
    x = np.sort(rng.uniform(10, 12.5, 40))
    y = -0.1 * x + rng.normal(0, 0.02, 40)
    front = binned_frontier(x, y, n_bins=7)
    result = stats.binned_statistic(x, y, statistic="min", bins=front.bin_edges)
    kept = ~np.isnan(result.statistic)
    np.testing.assert_allclose(front.min_log10_error, result.statistic[kept], atol=1e-12)
