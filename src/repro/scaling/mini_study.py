"""Fits and phenomena of the miniature study, from its results in the paper's schema.

The frontier fit is the paper's own (:func:`repro.scaling.fit_paper_law`, pooling the mini
upstream datasets as the paper pools LAION-80M/400M/2B). The three phenomena the study must
show (the book's chapter "The study in miniature") are measured here, each as numbers:

* a power-law frontier: log-log R^2 of the binned-frontier line, and the decades of compute;
* larger models and more data win at high compute: the best run at the largest budget;
* a data bottleneck: the error drop from the middle to the largest samples-seen budget, on the
  smallest and on the largest pre-training set (paper: LAION-80M saturates, Fig. 1 and Table 16).

Beyond the paper: the isoFLOP profiles and the parametric loss surface of an isoFLOP study, and
where each run's training loss left the plateau at chance. Facts of the mini tasks and models
(chance, the evaluation batch, GMACs per sample) are arguments here; :mod:`repro.mini.analysis`
binds them. The profiles' files are read by :mod:`repro.data.mini_results`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from repro.constants import HEADLINE_TASK, N_BINS
from repro.data.reported import load_reported
from repro.data.schema import error_of
from repro.errors import FitError, ParameterError, SchemaError
from repro.scaling.isoflop import IsoflopFit, fit_isoflop
from repro.scaling.laws import Bounded, LawFit, get_form
from repro.scaling.paper_fit import PowerLawFit, fit_paper_law
from repro.scaling.parametric import ParametricFit, fit_parametric

#: The quantities an isoFLOP study's profiles minimise.
ISOFLOP_METRICS = {"contrastive_loss": "held-out contrastive loss", "error": "zero-shot error"}
#: A run is at chance when its held-out loss is within this of ln(evaluation batch), the loss of a
#: uniform guess (the runs whose training loss never left the plateau; the book checks the two agree).
CHANCE_TOLERANCE = 0.01
#: A run has left the loss plateau at the first logged training loss this far below ln(batch size).
ONSET_MARGIN = 0.05


def upstreams(rows: pd.DataFrame) -> tuple[str, ...]:
    """The mini pre-training sets in the rows, smallest first (``mini-2k``, ``mini-8k``, ...).

    Parameters
    ----------
    rows : DataFrame
        Rows of the results schema.
    """
    names = rows["upstream_dataset"].unique()
    return tuple(sorted(names, key=n_pairs))


def n_pairs(name: str) -> float:
    """Pairs in a mini pre-training set from its name: ``mini-4k`` -> 4000, ``mini-500`` -> 500.

    Parameters
    ----------
    name : str
        The upstream dataset's name.
    """
    label = name.removeprefix("mini-")
    return float(label[:-1]) * 1000 if label.endswith("k") else float(label)


def fit(rows: pd.DataFrame, task: str = HEADLINE_TASK, *, n_bins: int = N_BINS) -> PowerLawFit:
    """The paper's binned-frontier fit on one mini task, pooling every mini upstream dataset.

    Parameters
    ----------
    rows : DataFrame
        The study's rows of the results schema.
    task : str
        The downstream dataset.
    n_bins : int
        Equal-width log-compute bins of the frontier.
    """
    return fit_paper_law(rows, task, n_bins=n_bins, upstreams=upstreams(rows))


def panel_fits(rows: pd.DataFrame, tasks: list[str], *, n_bins: int = N_BINS) -> dict[str, dict[str, PowerLawFit]]:
    """Task -> ``{"openclip": fit(rows, task, n_bins=n_bins)}``, the ``fits`` argument of
    :func:`repro.figures.compute_vs_error` (every mini upstream is drawn as OpenCLIP).

    Parameters
    ----------
    rows : DataFrame
        The study's rows of the results schema.
    tasks : list of str
        The downstream datasets, one panel each.
    n_bins : int
        Equal-width log-compute bins of each frontier.
    """
    return {task: {"openclip": fit(rows, task, n_bins=n_bins)} for task in tasks}


def r_squared(power_law: PowerLawFit) -> float:
    """Coefficient of determination of the fitted line at the points it went through (log-log).

    Parameters
    ----------
    power_law : PowerLawFit
        A fit whose ``x``/``y`` are the points it went through.

    Raises
    ------
    FitError
        Every point has the same error (R^2 undefined).
    """
    x, y = np.asarray(power_law.x), np.asarray(power_law.y)
    predicted = power_law.alpha * x + power_law.intercept
    total = float(np.sum((y - y.mean()) ** 2))
    if total == 0:
        raise FitError("R^2 is undefined: every frontier point has the same error")
    return 1.0 - float(np.sum((y - predicted) ** 2)) / total


#: Bin counts of the frontier's sensitivity table (the paper uses 5).
SENSITIVITY_BINS = (4, 5, 6, 7, 8)


def frontier_sensitivity(rows: pd.DataFrame, task: str = HEADLINE_TASK, *,
                         bins: tuple[int, ...] = SENSITIVITY_BINS) -> pd.DataFrame:
    """The paper's frontier law refitted with each bin count: one row per ``n_bins`` with
    ``alpha``, ``r_squared`` and the frontier points used.

    Parameters
    ----------
    rows, task : DataFrame, str
        As in :func:`fit`.
    bins : tuple of int
        The bin counts to try.
    """
    out = []
    for n_bins in bins:
        power_law = fit(rows, task, n_bins=n_bins)
        out.append({"n_bins": int(n_bins), "alpha": power_law.alpha, "r_squared": r_squared(power_law),
                    "n_points": int(power_law.n_points)})
    return pd.DataFrame(out)


@dataclass(frozen=True)
class FrontierBootstrap:
    """alpha and R^2 of the paper's frontier law over bootstrap resamples of the runs.

    Attributes
    ----------
    alpha, r_squared : (R,) ndarray
        One value per usable resample (a resample whose frontier cannot be fitted is counted in
        ``n_failed`` and left out).
    n_failed : int
        Resamples without a fit (fewer than two bins with runs, or R^2 undefined).
    level : float
        Two-sided level of :meth:`interval`.
    """

    alpha: np.ndarray
    r_squared: np.ndarray
    n_failed: int
    level: float

    def interval(self, name: str) -> tuple[float, float]:
        """Percentile interval of ``"alpha"`` or ``"r_squared"`` at :attr:`level`.

        Parameters
        ----------
        name : str
            ``"alpha"`` or ``"r_squared"``.
        """
        if name not in ("alpha", "r_squared"):
            raise ParameterError(f"{name!r}: the frontier bootstrap has 'alpha' and 'r_squared'")
        tail = (1 - self.level) / 2
        lo, hi = np.quantile(getattr(self, name), [tail, 1 - tail])
        return float(lo), float(hi)


def frontier_bootstrap(rows: pd.DataFrame, task: str = HEADLINE_TASK, *, n_bins: int = N_BINS,
                       n_resamples: int = 1000, seed: int = 0, level: float = 0.9) -> FrontierBootstrap:
    """Resample the runs of ``task`` with replacement (seeded) and refit the paper's frontier law on
    each resample: how far alpha and R^2 move with the runs that happened to be trained.

    Parameters
    ----------
    rows, task : DataFrame, str
        As in :func:`fit`.
    n_bins : int
        Equal-width log-compute bins of the frontier.
    n_resamples : int
        Bootstrap resamples.
    seed : int
        Seed of the draws.
    level : float
        Two-sided level of the intervals.
    """
    runs = rows[rows["downstream_dataset"] == task].reset_index(drop=True)
    if runs.empty:
        raise FitError(f"frontier bootstrap: no rows of {task!r}")
    rng = np.random.default_rng(seed)
    alphas, r2s, failed = [], [], 0
    for _ in range(n_resamples):
        sample = runs.iloc[rng.integers(0, len(runs), len(runs))]
        try:
            power_law = fit(sample, task, n_bins=n_bins)
            r2 = r_squared(power_law)
        except FitError:
            failed += 1
            continue
        alphas.append(power_law.alpha)
        r2s.append(r2)
    return FrontierBootstrap(np.asarray(alphas), np.asarray(r2s), failed, level)

def compute_decades(rows: pd.DataFrame, task: str = HEADLINE_TASK) -> float:
    """log10 of (largest / smallest total compute) over the runs of one task.

    Parameters
    ----------
    rows, task : DataFrame, str
        As in :func:`fit`.
    """
    compute = rows.loc[rows["downstream_dataset"] == task, "gmacs_total"]
    return float(np.log10(compute.max() / compute.min()))


def _task_errors(rows: pd.DataFrame, task: str) -> pd.DataFrame:
    """The rows of one downstream task, with their ``error`` column."""
    return rows[rows["downstream_dataset"] == task].assign(error=lambda f: error_of(f))


@dataclass(frozen=True)
class Bottleneck:
    """Error drop from the middle to the largest samples-seen budget, on two pre-training sets."""

    arch: str
    budgets: tuple[float, float]        # (middle, largest) samples seen
    small_dataset: str
    large_dataset: str
    gain_small: float                   # error(middle) - error(largest) on the smallest set
    gain_large: float                   # the same on the largest set

    @property
    def ratio(self) -> float:
        """gain_small / gain_large: well below 1 where the small set is the bottleneck."""
        return self.gain_small / self.gain_large if self.gain_large else float("nan")


def bottleneck(rows: pd.DataFrame, task: str = HEADLINE_TASK, *, arch: str | None = None) -> Bottleneck:
    """The data bottleneck of the largest model (or ``arch``) on one task.

    Parameters
    ----------
    rows, task : DataFrame, str
        As in :func:`fit`.
    arch : str, optional
        The architecture; default the largest (most GMACs per sample).

    Raises
    ------
    FitError
        Fewer than two samples-seen budgets for the architecture on the task.
    """
    chosen = _task_errors(rows, task)
    arch = arch or chosen.loc[chosen["gmacs"].idxmax(), "arch"]
    chosen = chosen[chosen["arch"] == arch]
    budgets = sorted(chosen["samples_seen"].unique())
    if len(budgets) < 2:
        raise FitError(f"bottleneck needs >= 2 samples-seen budgets for {arch} on {task}, got {budgets}")
    middle, largest = budgets[-2], budgets[-1]
    sets = upstreams(chosen)
    table = chosen.pivot_table(index="upstream_dataset", columns="samples_seen", values="error")
    gain = table[middle] - table[largest]
    return Bottleneck(str(arch), (float(middle), float(largest)), sets[0], sets[-1], float(gain[sets[0]]),
                      float(gain[sets[-1]]))


@dataclass(frozen=True)
class Winners:
    """At the largest samples-seen budget: errors by model (largest set) and by set (largest model)."""

    error_by_arch: dict[str, float]     # on the largest pre-training set, smallest model first
    error_by_dataset: dict[str, float]  # with the largest model, smallest set first

    @property
    def larger_model_wins(self) -> bool:
        errors = list(self.error_by_arch.values())
        return errors[-1] == min(errors)

    @property
    def more_data_wins(self) -> bool:
        errors = list(self.error_by_dataset.values())
        return errors[-1] == min(errors)


def winners(rows: pd.DataFrame, task: str = HEADLINE_TASK) -> Winners:
    """Who wins at high compute on one task (largest budget).

    Parameters
    ----------
    rows, task : DataFrame, str
        As in :func:`fit`.
    """
    chosen = _task_errors(rows, task)
    top = chosen[chosen["samples_seen"] == chosen["samples_seen"].max()]
    sets = upstreams(top)
    archs = top.sort_values("gmacs")["arch"].unique()
    by_arch = top[top["upstream_dataset"] == sets[-1]].set_index("arch")["error"]
    by_set = top[top["arch"] == archs[-1]].set_index("upstream_dataset")["error"]
    return Winners({a: float(by_arch[a]) for a in archs}, {s: float(by_set[s]) for s in sets})


def top_accuracy(rows: pd.DataFrame, task: str, chance_accuracy: float) -> tuple[str, float, float]:
    """(run name, top-1 accuracy, accuracy / chance) of the largest model at the largest budget on
    the largest pre-training set, on a classification task.

    Parameters
    ----------
    rows, task : DataFrame, str
        As in :func:`fit`, on a classification task.
    chance_accuracy : float
        The task's accuracy at chance (1 / classes).

    Raises
    ------
    FitError
        No run of the largest model at the largest budget on the largest set.
    """
    chosen = rows[rows["downstream_dataset"] == task]
    sets = upstreams(chosen)
    top = chosen[(chosen["gmacs"] == chosen["gmacs"].max()) & (chosen["samples_seen"] == chosen["samples_seen"].max())
                 & (chosen["upstream_dataset"] == sets[-1])]
    if top.empty:
        raise FitError(f"no run of the largest model at the largest budget on {sets[-1]} for {task}")
    row = top.iloc[0]
    return str(row["name"]), float(row["acc1"]), float(row["acc1"]) / chance_accuracy


def form_fit(power_law: PowerLawFit, form: str, error_ceiling: float = 1.0) -> LawFit:
    """Another law form (:mod:`repro.scaling.laws`) through the same binned-frontier points as the
    paper's fit.

    Parameters
    ----------
    power_law : PowerLawFit
        The paper's fit, whose points are refitted.
    form : str
        A form of :data:`repro.scaling.laws.FORMS`.
    error_ceiling : float
        The bounded form's ceiling: the task's error at chance (1 on retrieval).
    """
    if form == "bounded":
        law = Bounded(error_ceiling=error_ceiling)
    else:
        law = get_form(form)
    return law.fit(np.asarray(power_law.x), np.asarray(power_law.y))


def summary_table(rows: pd.DataFrame, paper_analogue: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per task: the frontier fit (alpha, beta), its R^2, points and decades of compute.

    Parameters
    ----------
    rows : DataFrame
        The study's rows of the results schema.
    paper_analogue : mapping, optional
        Task -> the paper dataset it stands in for (the ``paper_analogue`` column; "" where absent).
    """
    analogue = paper_analogue or {}
    out = []
    for task in sorted(rows["downstream_dataset"].unique()):
        power_law = fit(rows, task)
        out.append({"downstream_dataset": task, "alpha": power_law.alpha, "beta": power_law.beta,
                    "r_squared": r_squared(power_law), "n_points": power_law.n_points,
                    "decades": compute_decades(rows, task),
                    "paper_analogue": analogue.get(task, "")})
    return pd.DataFrame(out)


def exponents_beside_paper(rows: pd.DataFrame, paper_analogue: Mapping[str, str]) -> pd.DataFrame:
    """The mini exponents next to the paper's OpenCLIP exponents of the analogous quantity.

    Parameters
    ----------
    rows : DataFrame
        The study's rows of the results schema.
    paper_analogue : mapping
        Task -> the paper dataset of ``text_exponents`` it stands in for.
    """
    paper = load_reported("text_exponents").set_index("downstream_dataset")
    table = summary_table(rows, paper_analogue)
    table = table[table["paper_analogue"] != ""]
    return table.assign(alpha_paper=[float(paper.loc[a, "alpha_openclip"]) for a in table["paper_analogue"]])[
        ["downstream_dataset", "paper_analogue", "alpha", "alpha_paper", "r_squared", "decades"]]


def models_of(rows: pd.DataFrame) -> tuple[str, ...]:
    """The architectures in the rows, smallest (GMACs per sample) first.

    Parameters
    ----------
    rows : DataFrame
        Rows with ``arch`` and ``gmacs`` columns.
    """
    return tuple(rows.sort_values("gmacs")["arch"].unique())


def at_chance(runs: pd.DataFrame, batch_size: int, tolerance: float = CHANCE_TOLERANCE) -> pd.Series:
    """Runs of an isoFLOP profile that ended at the chance loss: held-out contrastive loss within
    :data:`CHANCE_TOLERANCE` of ln(``batch_size``).

    Their metrics are pinned at chance, whatever their size and samples (a floor, not a point of
    the loss surface), so a parabola or a law fitted through them bends to meet the floor: the
    chapter fits both estimates to the runs that learned and lists the others.

    Parameters
    ----------
    runs : DataFrame
        One row per run with a ``contrastive_loss`` column
        (:func:`repro.data.mini_results.load_isoflop_runs`).
    batch_size : int
        The evaluation batch of the held-out loss.
    tolerance : float
        How close to ln(``batch_size``) counts as chance (an analysis plan fixes it).
    """
    return runs["contrastive_loss"] > np.log(batch_size) - tolerance


def isoflop_fit(runs: pd.DataFrame, metric: str = "contrastive_loss", *, n_resamples: int = 1000,
                on_edge: str = "drop", size: str = "gmacs", level: float = 0.9) -> IsoflopFit:
    """isoFLOP profiles of ``metric`` against model size (GMACs per sample) at each budget, and
    N_opt ~ C^a, D_opt ~ C^b through their minima (:func:`repro.scaling.isoflop.fit_isoflop`).

    Parameters
    ----------
    runs : DataFrame
        :func:`repro.data.mini_results.load_isoflop_runs`.
    metric : str
        A key of :data:`ISOFLOP_METRICS`.
    n_resamples : int
        Bootstrap resamples of the minima.
    on_edge : {"drop", "raise"}
        What to do with a budget whose minimum is at the edge of its sizes.
    size : {"gmacs", "params"}
        The size axis N: GMACs per sample or parameters.
    level : float
        Two-sided level of the intervals.

    Raises
    ------
    FitError
        An unknown ``metric``.
    """
    if metric not in ISOFLOP_METRICS:
        raise FitError(f"unknown isoFLOP metric {metric!r}; known: {', '.join(ISOFLOP_METRICS)}")
    return fit_isoflop(runs, metric, size=size, budget="budget_gmacs", on_edge=on_edge,
                       n_resamples=n_resamples, level=level)


def seed_spread(runs: pd.DataFrame, metric: str = "contrastive_loss") -> pd.DataFrame:
    """The spread between seeds of every isoFLOP cell (budget x model): one row per cell with its
    number of seeds, mean and standard deviation (ddof 1) of ``metric``.

    Parameters
    ----------
    runs : DataFrame
        One row per run with ``budget_gmacs``, ``arch``, ``gmacs``, ``seed`` and ``metric`` columns
        (:func:`repro.data.mini_results.load_isoflop_runs`).
    metric : str
        The column whose spread is measured.

    Raises
    ------
    SchemaError
        A missing column.
    """
    missing = sorted({"budget_gmacs", "arch", "gmacs", "seed", metric} - set(runs.columns))
    if missing:
        raise SchemaError(f"seed_spread: runs lack column(s) {', '.join(missing)}")
    cells = runs.groupby(["budget_gmacs", "arch"], sort=False)
    out = cells.agg(gmacs=("gmacs", "first"), seeds=("seed", "nunique"), mean=(metric, "mean"),
                    sd=(metric, lambda v: float(np.std(v, ddof=1)) if len(v) > 1 else np.nan)).reset_index()
    return out.sort_values(["budget_gmacs", "gmacs"], ignore_index=True)


def pooled_sd(spread: pd.DataFrame) -> float:
    """The seed noise of one run: the standard deviation pooled over the cells of :func:`seed_spread`
    with two seeds or more (each cell's variance weighted by its degrees of freedom); NaN without any.

    Parameters
    ----------
    spread : DataFrame
        :func:`seed_spread` of a study's runs.
    """
    cells = spread[spread["seeds"] > 1]
    dof = (cells["seeds"] - 1).to_numpy(float)
    if not dof.sum():
        return float("nan")
    return float(np.sqrt(np.sum(dof * cells["sd"].to_numpy(float) ** 2) / dof.sum()))


def size_gaps(runs: pd.DataFrame, metric: str = "contrastive_loss") -> pd.DataFrame:
    """At each budget, the best size (lowest mean over seeds) against each neighbouring size tried:
    the gap in ``metric`` (neighbour - best, >= 0), its standard error from the pooled seed noise
    (:func:`pooled_sd`, sd x sqrt(1/n1 + 1/n2)) and the z-score. A gap with |z| < 2 is within seed
    noise: the two sizes are not told apart at that budget.

    Parameters
    ----------
    runs : DataFrame
        As :func:`seed_spread`.
    metric : str
        The column compared.
    """
    spread = seed_spread(runs, metric)
    sd = pooled_sd(spread)
    rows = []
    for budget, cells in spread.groupby("budget_gmacs", sort=True):
        cells = cells.reset_index(drop=True)
        best = int(cells["mean"].idxmin())
        for side, other in (("smaller", best - 1), ("larger", best + 1)):
            if not 0 <= other < len(cells):
                rows.append({"budget_gmacs": budget, "best": cells.at[best, "arch"], "side": side, "neighbour": None,
                             "gap": np.nan, "se": np.nan, "z": np.nan})
                continue
            gap = float(cells.at[other, "mean"] - cells.at[best, "mean"])
            se = sd * float(np.sqrt(1 / cells.at[best, "seeds"] + 1 / cells.at[other, "seeds"]))
            rows.append({"budget_gmacs": budget, "best": cells.at[best, "arch"], "side": side,
                         "neighbour": cells.at[other, "arch"], "gap": gap, "se": se,
                         "z": gap / se if se > 0 else np.nan})
    return pd.DataFrame(rows)


def parametric_fit(runs: pd.DataFrame, *, n_resamples: int = 200, n_polish: int | None = None) -> ParametricFit:
    """L(N, D) = E + A / N^alpha + B / D^beta through every run's held-out loss, N = GMACs per
    sample, D = samples seen (:func:`repro.scaling.parametric.fit_parametric`).

    Parameters
    ----------
    runs : DataFrame
        :func:`repro.data.mini_results.load_isoflop_runs`.
    n_resamples : int
        Bootstrap resamples.
    n_polish : int, optional
        L-BFGS only from that many best points of the start grid; None: from all 4,500 of them.
    """
    return fit_parametric(runs["gmacs"], runs["samples_seen"], runs["contrastive_loss"], n_resamples=n_resamples,
                          n_polish=n_polish)


def learning_onset(curves: pd.DataFrame, batch_size: int, *, margin: float = ONSET_MARGIN) -> pd.DataFrame:
    """Where each run's training loss left the plateau at chance.

    At the start of contrastive training the image and text embeddings do not yet tell the pairs
    of a batch apart, and the loss sits at ln(batch size), the loss of a uniform guess among the
    batch. The onset is the first logged point of a run whose loss is below ``ln(batch_size) -
    margin``; a run that never gets there has no onset (NaN): for its whole budget it was at chance.

    Parameters
    ----------
    curves : DataFrame
        ``loss_curves.csv`` of a profile (:func:`repro.data.mini_results.load_loss_curves`):
        columns ``name``, ``arch``, ``samples_seen``, ``samples`` and ``contrastive_loss``.
    batch_size : int
        The runs' batch size (the profile's, in its ``provenance.json``).
    margin : float
        How far below ln(batch size) counts as having left the plateau (the logged loss of a run
        on the plateau wanders by about 0.01).

    Returns
    -------
    DataFrame
        One row per run: ``name``, ``arch``, ``samples_seen``, ``onset_samples`` (NaN: never left)
        and ``final_loss`` (the last logged training loss), ordered as the runs first appear.

    Raises
    ------
    SchemaError
        ``curves`` lacks a column.
    ParameterError
        ``batch_size`` below 2.
    """
    need = {"name", "arch", "samples_seen", "samples", "contrastive_loss"}
    if missing := need - set(curves.columns):
        raise SchemaError(f"loss curves lack column(s) {', '.join(sorted(missing))}")
    if batch_size < 2:
        raise ParameterError(f"batch_size must be >= 2 (a contrastive batch), got {batch_size}")
    threshold = float(np.log(batch_size)) - margin
    rows = []
    for name, run in curves.groupby("name", sort=False):
        run = run.sort_values("samples")
        below = run.loc[run["contrastive_loss"] < threshold, "samples"]
        rows.append({"name": name, "arch": run["arch"].iloc[0], "samples_seen": int(run["samples_seen"].iloc[0]),
                     "onset_samples": float(below.iloc[0]) if len(below) else np.nan,
                     "final_loss": float(run["contrastive_loss"].iloc[-1])})
    return pd.DataFrame(rows, columns=["name", "arch", "samples_seen", "onset_samples", "final_loss"])


def onset_summary(onsets: pd.DataFrame, gmacs_per_sample: Callable[[str], float]) -> pd.DataFrame:
    """Per architecture (smallest first): runs, how many left the plateau, the earliest and latest
    onset, and the longest run that never left it (samples seen; NaN where there is none).

    Parameters
    ----------
    onsets : DataFrame
        :func:`learning_onset` of a profile's runs.
    gmacs_per_sample : callable
        Architecture name -> GMACs per sample (orders the rows and fills their column).
    """
    out = []
    for arch, runs in onsets.groupby("arch"):
        left = runs["onset_samples"].notna()
        out.append({"model": arch, "GMACs per sample": gmacs_per_sample(arch), "runs": len(runs),
                    "left the plateau": int(left.sum()),
                    "earliest onset (samples)": runs.loc[left, "onset_samples"].min() if left.any() else np.nan,
                    "latest onset (samples)": runs.loc[left, "onset_samples"].max() if left.any() else np.nan,
                    "longest run at chance (samples)": runs.loc[~left, "samples_seen"].max() if (~left).any() else np.nan})
    return pd.DataFrame(out).sort_values("GMACs per sample").reset_index(drop=True)


def plateau_agreement(onsets: pd.DataFrame, runs: pd.DataFrame, *, train_batch: int, heldout_batch: int,
                      at_chance: pd.Series) -> pd.DataFrame:
    """Two measurements of whether a run learned, side by side: its training loss never left the
    plateau at ln(``train_batch``) (:func:`learning_onset`), and its held-out loss ended at chance
    (``at_chance``, :func:`at_chance` under the study's tolerance).

    Parameters
    ----------
    onsets : DataFrame
        :func:`learning_onset` of the study's runs (``name``, ``final_loss``, ``onset_samples``).
    runs : DataFrame
        One row per run (``name``, ``arch``, ``samples_seen``, ``contrastive_loss``: held-out).
    train_batch, heldout_batch : int
        The training batch and the evaluation batch of the held-out loss.
    at_chance : Series
        Whether each run of ``runs`` (same index) ended at chance.

    Returns
    -------
    DataFrame
        One row per run of ``runs``: ``name``, ``arch``, ``samples_seen``, ``never_left``,
        ``at_chance``, ``agree``, ``train_below`` (ln(train_batch) minus the last training loss)
        and ``heldout_below`` (ln(heldout_batch) minus the held-out loss).

    Raises
    ------
    SchemaError
        A run of ``runs`` has no training curve in ``onsets``, or a column is missing.
    """
    for frame, need, what in ((onsets, {"name", "final_loss", "onset_samples"}, "onsets"),
                              (runs, {"name", "arch", "samples_seen", "contrastive_loss"}, "runs")):
        if missing := need - set(frame.columns):
            raise SchemaError(f"{what} lack column(s) {', '.join(sorted(missing))}")
    by_name = onsets.set_index("name")
    if lost := sorted(set(runs["name"]) - set(by_name.index)):
        raise SchemaError(f"{len(lost)} run(s) have no training curve, e.g. {lost[0]!r}")
    curve = by_name.loc[runs["name"]]
    out = pd.DataFrame({"name": runs["name"].to_numpy(), "arch": runs["arch"].to_numpy(),
                        "samples_seen": runs["samples_seen"].to_numpy(),
                        "never_left": curve["onset_samples"].isna().to_numpy(),
                        "at_chance": at_chance.reindex(runs.index).astype(bool).to_numpy(),
                        "train_below": np.log(train_batch) - curve["final_loss"].to_numpy(),
                        "heldout_below": np.log(heldout_batch) - runs["contrastive_loss"].to_numpy()})
    out.insert(5, "agree", out["never_left"] == out["at_chance"])
    return out


@dataclass(frozen=True)
class ScheduleAgreement:
    """Warmup-stable-decay branches against the cosine runs of the same cells (:func:`schedule_agreement`).

    Attributes
    ----------
    cells : DataFrame
        One row per (budget, size) in both: ``budget_gmacs``, ``arch``, ``cosine`` and ``wsd`` (mean
        over seeds), ``cosine_seeds``, ``wsd_seeds``, ``samples_ratio`` (the branches' samples seen
        over the cosine runs': whole batches of each schedule's epoch round them apart),
        ``difference`` (wsd - cosine), ``se``, ``z`` and ``apart`` (|z| >= the rule's threshold).
    sd : float
        The seed noise of one run: the standard deviation pooled over every compared cell of both
        schedules (:func:`pooled_sd`).
    mean_difference, mean_se, mean_z : float
        The mean of the cells' differences, its standard error (cells taken as independent) and z.
    n_apart : int
        Cells with |z| >= ``z_match``.
    matches : bool
        The rule fixed before the runs: |mean_z| < ``z_match`` and ``n_apart`` <= ``max_cells_apart``.
    compute_ratio : float
        The WSD runs' compute (each trunk once, plus every decay) over that of the cosine runs of the
        same cells and seeds.
    z_match : float
    max_cells_apart : int
    chain_t, chain_dof : float, int
        A test added after the first results were seen (the rule above is unchanged): each trunk
        (size x seed) is one unit, its value the mean over budgets of branch minus the cosine run
        of the same seed; t of their mean (dof: units - 1). It does not take the branches of one
        trunk as independent.
    n_lower, n_paired : int
        Seed-paired (branch, cosine run) pairs in which the branch's metric is lower, and all pairs.
    """

    cells: pd.DataFrame
    sd: float
    mean_difference: float
    mean_se: float
    mean_z: float
    n_apart: int
    matches: bool
    compute_ratio: float
    z_match: float
    max_cells_apart: int
    chain_t: float = float("nan")
    chain_dof: int = 0
    n_lower: int = 0
    n_paired: int = 0


def schedule_agreement(cosine: pd.DataFrame, wsd: pd.DataFrame, metric: str = "contrastive_loss", *,
                       z_match: float = 2.0, max_cells_apart: int = 1) -> ScheduleAgreement:
    """Do warmup-stable-decay branches (one trunk per size and seed, a decay per budget) give what
    separate cosine runs give, within seed noise?

    Each cell (budget x size) present in both is compared by the difference of its means over
    seeds, over its standard error from the seed noise pooled over both schedules' cells
    (sd x sqrt(1/n_cosine + 1/n_wsd)); the mean of those differences is tested the same way, the
    cells taken as independent. Branches of one trunk share its stable phase, so they are not:
    their errors are positively correlated, the true standard error of the mean is larger, and
    the rule errs towards calling the schedules different.

    Parameters
    ----------
    cosine : DataFrame
        The isoFLOP study's runs (``budget_gmacs``, ``arch``, ``gmacs``, ``seed``, ``samples_seen``
        and ``metric``).
    wsd : DataFrame
        The branches (the same columns and ``decay_samples``; :func:`repro.mini.wsd.run_wsd`), or
        any other runs of the same cells to compare with ``cosine`` (without ``decay_samples``
        each run's compute counts whole).
    metric : str
    z_match : float
        A cell is apart, and the mean difference a finding, at |z| >= this.
    max_cells_apart : int
        How many cells may be apart for the schedules to match.

    Raises
    ------
    SchemaError
        A missing column, or no cell in both.
    """
    need = {"budget_gmacs", "arch", "gmacs", "seed", "samples_seen", metric}
    for frame, what, extra in ((cosine, "cosine runs", set()), (wsd, "WSD branches", set())):
        if missing := sorted((need | extra) - set(frame.columns)):
            raise SchemaError(f"schedule_agreement: {what} lack column(s) {', '.join(missing)}")
    keys = ["budget_gmacs", "arch"]
    shared = wsd[keys].drop_duplicates().merge(cosine[keys].drop_duplicates())
    if shared.empty:
        raise SchemaError("schedule_agreement: no (budget, size) cell has both cosine runs and WSD branches")
    cosine = cosine.merge(shared)
    wsd = wsd.merge(shared)
    spreads = {name: seed_spread(frame, metric) for name, frame in (("cosine", cosine), ("wsd", wsd))}
    sd = pooled_sd(pd.concat(spreads.values(), ignore_index=True))
    cells = spreads["cosine"][keys + ["gmacs", "seeds", "mean"]].rename(
        columns={"seeds": "cosine_seeds", "mean": "cosine"}).merge(
        spreads["wsd"][keys + ["seeds", "mean"]].rename(columns={"seeds": "wsd_seeds", "mean": "wsd"}), on=keys)
    samples = {name: frame.groupby(keys)["samples_seen"].mean().rename(name)
               for name, frame in (("cosine", cosine), ("wsd", wsd))}
    cells = cells.merge((samples["wsd"] / samples["cosine"]).rename("samples_ratio").reset_index(), on=keys)
    cells["difference"] = cells["wsd"] - cells["cosine"]
    cells["se"] = sd * np.sqrt(1 / cells["cosine_seeds"] + 1 / cells["wsd_seeds"])
    cells["z"] = cells["difference"] / cells["se"]
    cells["apart"] = cells["z"].abs() >= z_match
    mean_difference = float(cells["difference"].mean())
    mean_se = float(np.sqrt((cells["se"] ** 2).sum()) / len(cells))
    mean_z = mean_difference / mean_se
    n_apart = int(cells["apart"].sum())
    # compute: every cosine run of the shared cells; per WSD (size, seed) its trunk once (the longest
    # stable phase) and each branch's decay
    cosine_gmacs = float((cosine["gmacs"] * cosine["samples_seen"]).sum())
    if "decay_samples" in wsd.columns:
        chains = wsd.assign(stable=wsd["samples_seen"] - wsd["decay_samples"]).groupby(["arch", "seed"])
        wsd_gmacs = float(chains.apply(lambda g: g["gmacs"].iloc[0] * (g["stable"].max() + g["decay_samples"].sum()),
                                       include_groups=False).sum())
    else:   # runs of their own (no trunk): their compute as it is
        wsd_gmacs = float((wsd["gmacs"] * wsd["samples_seen"]).sum())
    paired = wsd.merge(cosine, on=keys + ["seed"], suffixes=("_wsd", "_cosine"))
    paired["d"] = paired[f"{metric}_wsd"] - paired[f"{metric}_cosine"]
    units = paired.groupby(["arch", "seed"])["d"].mean()
    chain_t = (float(units.mean() / (units.std(ddof=1) / np.sqrt(len(units))))
               if len(units) > 1 and units.std(ddof=1) > 0 else float("nan"))
    return ScheduleAgreement(cells.drop(columns="gmacs"), sd, mean_difference, mean_se, float(mean_z), n_apart,
                             bool(abs(mean_z) < z_match and n_apart <= max_cells_apart), wsd_gmacs / cosine_gmacs,
                             z_match, max_cells_apart, chain_t, max(0, len(units) - 1), int((paired["d"] < 0).sum()),
                             len(paired))
