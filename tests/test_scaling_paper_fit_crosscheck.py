"""The one binned frontier of repro.scaling against independent implementations: the authors'
code re-typed (at the paper's 5 bins), scipy.stats.binned_statistic(statistic="min"), and a loop
over bins, for the paper's frontier and every other frontier kind."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from repro.constants import LAION_UPSTREAMS, N_BINS
from repro.scaling import binned_frontier, binned_line_fit, select
from repro.scaling.frontiers import LOG10_DOUBLING, FrontierSpec, frontier_points_batch, pareto_mask, select_frontier
from repro.scaling.uncertainty import bootstrap_counts


def authors_binned_line_fit(x, y, nbins=5, eps=0.1):
    """The authors' notebook code, re-typed: np.histogram edges, np.digitize, pandas min, lstsq."""
    _, bins = np.histogram(x, range=(x.min(), x.max() + eps), bins=nbins)
    frame = pd.DataFrame({"x": x, "y": y, "bin": np.digitize(x, bins)})
    minima = frame.groupby("bin")["y"].min()  # groupby drops empty bins, as the authors' code did
    centers = np.array([(bins[b - 1] + bins[b]) / 2 for b in minima.index])
    design = np.vstack([centers, np.ones(len(centers))]).T
    (slope, intercept), *_ = np.linalg.lstsq(design, pd.Series(minima.to_numpy()).to_numpy(), rcond=None)
    return slope, 10 ** intercept, centers, minima.to_numpy()


def loop_frontier(x, y, spec):
    """A loop over bins (np.histogram / fixed-width edges, np.digitize), and Andrew's monotone
    chain run on one set of runs: the frontiers as first written, before they were vectorised."""
    if spec.kind in ("binned", "geometric"):
        if spec.kind == "binned":
            _, edges = np.histogram(x, range=(x.min(), x.max() + spec.eps), bins=spec.n_bins)
        else:
            n = int(np.floor((x.max() - x.min()) / LOG10_DOUBLING)) + 1
            edges = x.min() + LOG10_DOUBLING * np.arange(n + 1)
        member = np.digitize(x, edges) - 1
        xs, ys = [], []
        for b in range(len(edges) - 1):
            inside = np.flatnonzero(member == b)
            if len(inside):
                best = inside[np.argmin(y[inside])]
                centre = spec.kind == "binned" and spec.x_at == "centre"
                xs.append((edges[b] + edges[b + 1]) / 2 if centre else x[best])
                ys.append(y[best])
        return np.array(xs), np.array(ys)
    idx = np.flatnonzero(pareto_mask(x, y))
    idx = idx[np.argsort(x[idx], kind="stable")]
    if spec.kind == "hull":
        order = np.argsort(x, kind="stable")
        hull = []
        for i in order:
            while len(hull) >= 2:
                a, b = hull[-2], hull[-1]
                if (x[b] - x[a]) * (y[i] - y[a]) - (y[b] - y[a]) * (x[i] - x[a]) <= 0:
                    hull.pop()
                else:
                    break
            hull.append(i)
        idx = np.array([i for i in idx if i in set(hull)], dtype=int)
    return x[idx], y[idx]


def _imagenet(paper_rows):
    chosen = select(paper_rows, "imagenet1k", upstreams=LAION_UPSTREAMS)
    return chosen["log10_compute"].to_numpy(), chosen["log10_error"].to_numpy()


@pytest.mark.parametrize("case", ["paper", "empty_bin"])
def test_binned_line_fit_equals_authors_code_at_the_papers_5_bins(paper_rows, case):
    x, y = _imagenet(paper_rows)
    if case == "empty_bin":
        keep = (x < 10.6) | (x > 11.9)  # a gap: a bin in the middle is empty
        x, y = x[keep], y[keep]
    ours = binned_line_fit(x, y, n_bins=N_BINS)
    slope, beta, centers, minima = authors_binned_line_fit(x, y, nbins=N_BINS)
    assert N_BINS == 5 and len(ours.frontier.kept) == 5
    assert ours.frontier.kept.all() == (case == "paper")
    assert ours.alpha == pytest.approx(slope, abs=1e-12) and ours.beta == pytest.approx(beta, rel=1e-12)
    np.testing.assert_array_equal(ours.x, centers)
    np.testing.assert_array_equal(ours.y, minima)
    spec = select_frontier(x, y, FrontierSpec("binned", n_bins=N_BINS))
    np.testing.assert_array_equal(spec.x, ours.x)
    np.testing.assert_array_equal(spec.y, ours.y)


@pytest.mark.parametrize("n_bins", [N_BINS, 7])
def test_frontier_equals_scipy_binned_statistic_min(n_bins):
    rng = np.random.default_rng(3)
    x = np.sort(rng.uniform(10, 12.5, 40))
    y = -0.1 * x + rng.normal(0, 0.02, 40)
    front = binned_frontier(x, y, n_bins=n_bins)
    result = stats.binned_statistic(x, y, statistic="min", bins=front.bin_edges)
    kept = ~np.isnan(result.statistic)
    np.testing.assert_array_equal(front.kept, kept)
    np.testing.assert_allclose(front.min_log10_error, result.statistic[kept], atol=1e-12)
    np.testing.assert_array_equal(front.bin_edges, np.histogram(x, range=(x.min(), x.max() + 0.1), bins=n_bins)[1])


SPECS = [FrontierSpec(), FrontierSpec(x_at="actual"), FrontierSpec(n_bins=3), FrontierSpec("geometric"),
         FrontierSpec("pareto"), FrontierSpec("hull")]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_every_frontier_equals_a_loop_per_resample(paper_rows, spec):
    rng = np.random.default_rng(1)
    x_grid = np.round(rng.uniform(10, 12.5, 25), 1)   # ties in compute, as in the real grid
    cases = [_imagenet(paper_rows), (x_grid, -0.1 * x_grid + rng.normal(0, 0.03, 25))]
    for x, y in cases:
        single = select_frontier(x, y, spec)
        lx, ly = loop_frontier(x, y, spec)
        np.testing.assert_array_equal(single.x, lx)
        np.testing.assert_array_equal(single.y, ly)
        counts = bootstrap_counts(len(x), 40, seed=2)
        bx, by, bv = frontier_points_batch(x, y, counts, spec)
        for r in range(len(counts)):
            present = counts[r] > 0
            rx, ry = loop_frontier(x[present], y[present], spec)
            np.testing.assert_array_equal(bx[r, bv[r]], rx)
            np.testing.assert_array_equal(by[r, bv[r]], ry)
