"""Fits and phenomena of the miniature study, from its results in the paper's schema.

The frontier fit is the paper's own (:func:`repro.scaling.fit_paper_law`, pooling the mini
upstream datasets as the paper pools LAION-80M/400M/2B). The three phenomena the study must
show (the book's chapter "The study in miniature") are measured here, each as numbers:

* a power-law frontier: log-log R^2 of the binned-frontier line, and the decades of compute;
* larger models and more data win at high compute: the best run at the largest budget;
* a data bottleneck: the error drop from the middle to the largest samples-seen budget, on the
  smallest and on the largest pre-training set (paper: LAION-80M saturates, Fig. 1 and Table 16).

The chapter's glue values, report rows and display tables are in :mod:`repro.chapters.mini`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from repro.constants import N_BINS
from repro.data.mini_outputs import MiniOutputs
from repro.data.reported import load_reported
from repro.data.schema import error_of
from repro.data.sources import load_mini_results as load_results
from repro.errors import DataNotFoundError, FitError
from repro.mini.models import gmacs_per_sample
from repro.mini.profiles import HELDOUT_BATCH
from repro.mini.tasks import CLASSIFICATION_TASKS, chance
from repro.scaling.isoflop import IsoflopFit, fit_isoflop
from repro.scaling.laws import Bounded, LawFit, get_form
from repro.scaling.paper_fit import PowerLawFit, fit_paper_law
from repro.scaling.parametric import ParametricFit, fit_parametric

#: Which paper quantity each mini task stands in for (the datasets of Figure 1; their exponents
#: are in the paper's text, ``text_exponents``).
PAPER_ANALOGUE = {"mini_shape": "imagenet1k", "mini_shape_sketch": "imagenet_robustness",
                  "mini_retrieval": "mscoco_captions"}
#: The task the headline numbers (R^2, bottleneck, winners) are computed on: zero-shot
#: classification of 8 shapes drawn in any of 8 colours (colour decides nothing; chance 1/8), as
#: the paper leads with ImageNet. (Until scenes v3 no model learned shape within the laptop
#: budgets and the headline was retrieval; see the chapter's design history.)
HEADLINE_TASK = "mini_shape"


def upstreams(rows: pd.DataFrame) -> tuple[str, ...]:
    """The mini pre-training sets in the rows, smallest first (``mini-2k``, ``mini-8k``, ...)."""
    names = rows["upstream_dataset"].unique()
    return tuple(sorted(names, key=n_pairs))


def n_pairs(name: str) -> float:
    """Pairs in a mini pre-training set from its name: ``mini-4k`` -> 4000, ``mini-500`` -> 500."""
    label = name.removeprefix("mini-")
    return float(label[:-1]) * 1000 if label.endswith("k") else float(label)


def fit(rows: pd.DataFrame, task: str = HEADLINE_TASK, *, n_bins: int = N_BINS) -> PowerLawFit:
    """The paper's binned-frontier fit on one mini task, pooling every mini upstream dataset."""
    return fit_paper_law(rows, task, n_bins=n_bins, upstreams=upstreams(rows))


def panel_fits(rows: pd.DataFrame, tasks: list[str], *, n_bins: int = N_BINS) -> dict[str, dict[str, PowerLawFit]]:
    """Task -> ``{"openclip": fit(rows, task, n_bins=n_bins)}``, the ``fits`` argument of
    :func:`repro.figures.compute_vs_error` (every mini upstream is drawn as OpenCLIP)."""
    return {task: {"openclip": fit(rows, task, n_bins=n_bins)} for task in tasks}


def r_squared(power_law: PowerLawFit) -> float:
    """Coefficient of determination of the fitted line at the points it went through (log-log)."""
    x, y = np.asarray(power_law.x), np.asarray(power_law.y)
    predicted = power_law.alpha * x + power_law.intercept
    total = float(np.sum((y - y.mean()) ** 2))
    if total == 0:
        raise FitError("R^2 is undefined: every frontier point has the same error")
    return 1.0 - float(np.sum((y - predicted) ** 2)) / total


def compute_decades(rows: pd.DataFrame, task: str = HEADLINE_TASK) -> float:
    """log10 of (largest / smallest total compute) over the runs of one task."""
    compute = rows.loc[rows["downstream_dataset"] == task, "gmacs_total"]
    return float(np.log10(compute.max() / compute.min()))


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
    """The data bottleneck of the largest model (or ``arch``) on one task."""
    chosen = rows[rows["downstream_dataset"] == task].assign(error=lambda f: error_of(f))
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
    """Who wins at high compute on one task (largest budget)."""
    chosen = rows[rows["downstream_dataset"] == task].assign(error=lambda f: error_of(f))
    top = chosen[chosen["samples_seen"] == chosen["samples_seen"].max()]
    sets = upstreams(top)
    archs = top.sort_values("gmacs")["arch"].unique()
    by_arch = top[top["upstream_dataset"] == sets[-1]].set_index("arch")["error"]
    by_set = top[top["arch"] == archs[-1]].set_index("upstream_dataset")["error"]
    return Winners({a: float(by_arch[a]) for a in archs}, {s: float(by_set[s]) for s in sets})


def top_accuracy(rows: pd.DataFrame, task: str = HEADLINE_TASK) -> tuple[str, float, float]:
    """(run name, top-1 accuracy, accuracy / chance) of the largest model at the largest budget on
    the largest pre-training set, on a classification task."""
    if task not in CLASSIFICATION_TASKS:
        raise FitError(f"{task!r} is not a mini classification task ({', '.join(CLASSIFICATION_TASKS)})")
    chosen = rows[rows["downstream_dataset"] == task]
    sets = upstreams(chosen)
    top = chosen[(chosen["gmacs"] == chosen["gmacs"].max()) & (chosen["samples_seen"] == chosen["samples_seen"].max())
                 & (chosen["upstream_dataset"] == sets[-1])]
    if top.empty:
        raise FitError(f"no run of the largest model at the largest budget on {sets[-1]} for {task}")
    row = top.iloc[0]
    return str(row["name"]), float(row["acc1"]), float(row["acc1"]) / chance(task)


def error_ceiling(task: str) -> float:
    """The error at chance: 1 - 1/classes on a classification task, 1 on retrieval."""
    return 1.0 - chance(task) if task in CLASSIFICATION_TASKS else 1.0


def form_fit(power_law: PowerLawFit, form: str, task: str) -> LawFit:
    """Another law form (:mod:`repro.scaling.laws`) through the same binned-frontier points as the
    paper's fit; the bounded form's ceiling is the task's error at chance."""
    if form == "bounded":
        law = Bounded(error_ceiling=error_ceiling(task))
    else:
        law = get_form(form)
    return law.fit(np.asarray(power_law.x), np.asarray(power_law.y))


def summary_table(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per task: the frontier fit (alpha, beta), its R^2, points and decades of compute."""
    out = []
    for task in sorted(rows["downstream_dataset"].unique()):
        power_law = fit(rows, task)
        out.append({"downstream_dataset": task, "alpha": power_law.alpha, "beta": power_law.beta,
                    "r_squared": r_squared(power_law), "n_points": power_law.n_points,
                    "decades": compute_decades(rows, task),
                    "paper_analogue": PAPER_ANALOGUE.get(task, "")})
    return pd.DataFrame(out)


def exponents_beside_paper(rows: pd.DataFrame) -> pd.DataFrame:
    """The mini exponents next to the paper's OpenCLIP exponents of the analogous quantity."""
    paper = load_reported("text_exponents").set_index("downstream_dataset")
    table = summary_table(rows)
    table = table[table["paper_analogue"] != ""]
    return table.assign(alpha_paper=[float(paper.loc[a, "alpha_openclip"]) for a in table["paper_analogue"]])[
        ["downstream_dataset", "paper_analogue", "alpha", "alpha_paper", "r_squared", "decades"]]


def _outputs(profile: str, root: Path | None) -> MiniOutputs:
    return MiniOutputs.for_profile(profile, root)


def load_loss_curves(profile: str = "laptop", *, root: Path | None = None) -> pd.DataFrame:
    """The training-loss curves of a profile's runs (``loss_curves.csv``)."""
    path = _outputs(profile, root).loss_curves
    if not path.is_file():
        raise DataNotFoundError(f"{path}: no loss curves for profile '{profile}'; run 'repro mini --profile {profile}'")
    return pd.read_csv(path)


def load_provenance(profile: str = "laptop", *, root: Path | None = None) -> dict:
    """The provenance of a profile's results (``provenance.json``): seeds, versions, timings."""
    path = _outputs(profile, root).provenance
    if not path.is_file():
        raise DataNotFoundError(f"{path}: no provenance for profile '{profile}'; run 'repro mini --profile {profile}'")
    return json.loads(path.read_text())


def models_of(rows: pd.DataFrame) -> tuple[str, ...]:
    """The architectures in the rows, smallest (GMACs per sample) first."""
    return tuple(rows.sort_values("gmacs")["arch"].unique())


# --- The isoFLOP study (compute-optimal allocation, beyond the paper) -------------------------

#: The isoFLOP study's profile, and the quantities its profiles minimise.
ISOFLOP_PROFILE = "isoflop"
ISOFLOP_METRICS = {"contrastive_loss": "held-out contrastive loss", "error": "zero-shot error"}


def load_isoflop_runs(profile: str = ISOFLOP_PROFILE, task: str | None = None, *,
                      root: Path | None = None) -> pd.DataFrame:
    """One row per run of an isoFLOP profile: size (GMACs per sample and parameters), samples
    seen, compute, budget, held-out contrastive loss and the zero-shot error on ``task``
    (default: :func:`headline_task` of the profile's results)."""
    path = _outputs(profile, root).heldout_loss
    if not path.is_file():
        raise DataNotFoundError(f"{path}: no held-out losses for profile '{profile}'; "
                                f"run 'repro mini --profile {profile}'")
    runs = pd.read_csv(path)
    rows = load_results(profile, root=root)
    task = task or HEADLINE_TASK
    chosen = rows[rows["downstream_dataset"] == task].assign(error=lambda f: error_of(f))
    errors = chosen.set_index("name")["error"]
    missing = sorted(set(runs["name"]) - set(errors.index))
    if missing:
        raise DataNotFoundError(f"{path}: run(s) {', '.join(missing)} have no {task} row in results.csv; "
                                f"rerun 'repro mini --profile {profile}'")
    return runs.assign(error=runs["name"].map(errors).astype(float)).sort_values(["budget_gmacs", "gmacs"],
                                                                                 ignore_index=True)


#: A run is at chance when its held-out loss is within this of ln(evaluation batch), the loss of a
#: uniform guess (the runs whose training loss never left the plateau; the book checks the two agree).
CHANCE_TOLERANCE = 0.01


def at_chance(runs: pd.DataFrame) -> pd.Series:
    """Runs of an isoFLOP profile that ended at the chance loss: held-out contrastive loss within
    :data:`CHANCE_TOLERANCE` of ln(:data:`repro.mini.profiles.HELDOUT_BATCH`).

    Their metrics are pinned at chance, whatever their size and samples (a floor, not a point of
    the loss surface), so a parabola or a law fitted through them bends to meet the floor: the
    chapter fits both estimates to the runs that learned and lists the others."""
    return runs["contrastive_loss"] > np.log(HELDOUT_BATCH) - CHANCE_TOLERANCE


def isoflop_fit(runs: pd.DataFrame, metric: str = "contrastive_loss", *, n_resamples: int = 1000,
                on_edge: str = "drop") -> IsoflopFit:
    """isoFLOP profiles of ``metric`` against model size (GMACs per sample) at each budget, and
    N_opt ~ C^a, D_opt ~ C^b through their minima (:func:`repro.scaling.isoflop.fit_isoflop`)."""
    if metric not in ISOFLOP_METRICS:
        raise FitError(f"unknown isoFLOP metric {metric!r}; known: {', '.join(ISOFLOP_METRICS)}")
    return fit_isoflop(runs, metric, size="gmacs", budget="budget_gmacs", on_edge=on_edge,
                       n_resamples=n_resamples)


def parametric_fit(runs: pd.DataFrame, *, n_resamples: int = 200, n_polish: int | None = None) -> ParametricFit:
    """L(N, D) = E + A / N^alpha + B / D^beta through every run's held-out loss, N = GMACs per
    sample, D = samples seen (:func:`repro.scaling.parametric.fit_parametric`; ``n_polish``: L-BFGS
    only from that many best points of the start grid, None: from all 4,500 of them)."""
    return fit_parametric(runs["gmacs"], runs["samples_seen"], runs["contrastive_loss"], n_resamples=n_resamples,
                          n_polish=n_polish)


#: A run has left the loss plateau at the first logged training loss this far below ln(batch size).
ONSET_MARGIN = 0.05


def learning_onset(curves: pd.DataFrame, batch_size: int, *, margin: float = ONSET_MARGIN) -> pd.DataFrame:
    """Where each run's training loss left the plateau at chance.

    At the start of contrastive training the image and text embeddings do not yet tell the pairs
    of a batch apart, and the loss sits at ln(batch size), the loss of a uniform guess among the
    batch. The onset is the first logged point of a run whose loss is below ``ln(batch_size) -
    margin``; a run that never gets there has no onset (NaN): for its whole budget it was at chance.

    Parameters
    ----------
    curves : DataFrame
        ``loss_curves.csv`` of a profile (:func:`load_loss_curves`): columns ``name``, ``arch``,
        ``samples_seen``, ``samples`` and ``contrastive_loss``.
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
    """
    need = {"name", "arch", "samples_seen", "samples", "contrastive_loss"}
    if missing := need - set(curves.columns):
        raise ValueError(f"loss curves lack column(s) {', '.join(sorted(missing))}")
    if batch_size < 2:
        raise ValueError(f"batch_size must be >= 2 (a contrastive batch), got {batch_size}")
    threshold = float(np.log(batch_size)) - margin
    rows = []
    for name, run in curves.groupby("name", sort=False):
        run = run.sort_values("samples")
        below = run.loc[run["contrastive_loss"] < threshold, "samples"]
        rows.append({"name": name, "arch": run["arch"].iloc[0], "samples_seen": int(run["samples_seen"].iloc[0]),
                     "onset_samples": float(below.iloc[0]) if len(below) else np.nan,
                     "final_loss": float(run["contrastive_loss"].iloc[-1])})
    return pd.DataFrame(rows, columns=["name", "arch", "samples_seen", "onset_samples", "final_loss"])


def onset_summary(onsets: pd.DataFrame) -> pd.DataFrame:
    """Per architecture (smallest first): runs, how many left the plateau, the earliest and latest
    onset, and the longest run that never left it (samples seen; NaN where there is none)."""
    out = []
    for arch, runs in onsets.groupby("arch"):
        left = runs["onset_samples"].notna()
        out.append({"model": arch, "GMACs per sample": gmacs_per_sample(arch), "runs": len(runs),
                    "left the plateau": int(left.sum()),
                    "earliest onset (samples)": runs.loc[left, "onset_samples"].min() if left.any() else np.nan,
                    "latest onset (samples)": runs.loc[left, "onset_samples"].max() if left.any() else np.nan,
                    "longest run at chance (samples)": runs.loc[~left, "samples_seen"].max() if (~left).any() else np.nan})
    return pd.DataFrame(out).sort_values("GMACs per sample").reset_index(drop=True)
