"""The miniature study's analysis: the statistics of :mod:`repro.scaling.mini_study` and the
readers of :mod:`repro.data.mini_results`, bound to the facts of the mini tasks and models.

What is here is only what needs those facts: a task's chance accuracy and error ceiling
(:mod:`repro.mini.tasks`), the held-out evaluation batch (:mod:`repro.mini.profiles`) and GMACs
per sample of a mini model (:mod:`repro.mini.models`). The other names are imported from their
homes so that a caller reads the whole analysis through one module. The chapter's glue values,
report rows and display tables are in :mod:`repro.chapters.mini`.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import TypeVar

import pandas as pd

from repro.constants import HEADLINE_TASK
from repro.data.mini_results import (
    ISOFLOP_PROFILE,
    load_isoflop_runs,
    load_loss_curves,
    load_provenance,
    load_wsd_runs,
)
from repro.data.sources import load_mini_results as load_results
from repro.errors import FitError
from repro.mini.models import gmacs_per_sample
from repro.mini.profiles import HELDOUT_BATCH
from repro.mini.tasks import CLASSIFICATION_TASKS, chance
from repro.mini.wsd import get_wsd_profile
from repro.scaling import mini_study
from repro.scaling.laws import LawFit
from repro.scaling.mini_study import (
    CHANCE_TOLERANCE,
    ISOFLOP_METRICS,
    ONSET_MARGIN,
    Bottleneck,
    Winners,
    bottleneck,
    compute_decades,
    fit,
    isoflop_fit,
    learning_onset,
    models_of,
    n_pairs,
    panel_fits,
    parametric_fit,
    pooled_sd,
    r_squared,
    seed_spread,
    size_gaps,
    upstreams,
    winners,
)
from repro.scaling.paper_fit import PowerLawFit

__all__ = [
    "CHANCE_TOLERANCE", "HEADLINE_TASK", "ISOFLOP_METRICS", "ISOFLOP_PROFILE", "ONSET_MARGIN", "PAPER_ANALOGUE",
    "Bottleneck", "Winners", "at_chance", "bottleneck", "compute_decades", "error_ceiling", "exponents_beside_paper",
    "fit", "form_fit", "isoflop_fit", "learning_onset", "load_isoflop_runs", "load_loss_curves", "load_provenance",
    "load_results", "models_of", "n_pairs", "onset_summary", "panel_fits", "parametric_fit",
    "plateau_agreement", "pooled_sd", "load_wsd_runs", "wsd_agreement", "warmup_agreements", "rerun_differences",
    "r_squared", "seed_spread", "size_gaps", "summary_table", "top_accuracy", "upstreams", "winners",
]

T = TypeVar("T")

#: Which paper quantity each mini task stands in for (the datasets of Figure 1; their exponents
#: are in the paper's text, ``text_exponents``).
PAPER_ANALOGUE = {"mini_shape": "imagenet1k", "mini_shape_sketch": "imagenet_robustness",
                  "mini_retrieval": "mscoco_captions"}


def _bound(general: Callable[..., T], **facts: object) -> Callable[..., T]:
    """``general`` with keyword arguments ``facts`` bound: the general function's name and
    docstring, with the bound values added to it."""
    bound = functools.partial(general, **facts)
    functools.update_wrapper(bound, general)
    given = ", ".join(f"``{name}`` = " + (f":func:`{value.__module__}.{value.__qualname__}`" if callable(value)
                                          else repr(value)) for name, value in facts.items())
    bound.__doc__ = f"{inspect.cleandoc(general.__doc__ or '')}\n\nBound here (the mini study's facts): {given}."
    return bound


def top_accuracy(rows: pd.DataFrame, task: str = HEADLINE_TASK) -> tuple[str, float, float]:
    """(run name, top-1 accuracy, accuracy / chance) of the largest model at the largest budget on
    the largest pre-training set (:func:`repro.scaling.mini_study.top_accuracy`).

    Parameters
    ----------
    rows : DataFrame
        The study's rows of the results schema.
    task : str
        A mini classification task.

    Raises
    ------
    FitError
        ``task`` is not a mini classification task, or it has no such run.
    """
    if task not in CLASSIFICATION_TASKS:
        raise FitError(f"{task!r} is not a mini classification task ({', '.join(CLASSIFICATION_TASKS)})")
    return mini_study.top_accuracy(rows, task, chance(task))


def error_ceiling(task: str) -> float:
    """The error at chance: 1 - 1/classes on a classification task, 1 on retrieval.

    Parameters
    ----------
    task : str
        A mini task.
    """
    return 1.0 - chance(task) if task in CLASSIFICATION_TASKS else 1.0


def form_fit(power_law: PowerLawFit, form: str, task: str) -> LawFit:
    """Another law form through the same binned-frontier points as the paper's fit; the bounded
    form's ceiling is the task's error at chance (:func:`repro.scaling.mini_study.form_fit`).

    Parameters
    ----------
    power_law : PowerLawFit
        The paper's fit on ``task``.
    form : str
        A form of :data:`repro.scaling.laws.FORMS`.
    task : str
        The mini task (its :func:`error_ceiling`).
    """
    return mini_study.form_fit(power_law, form, error_ceiling(task))


#: The statistics that need only one fact bound: each is the general function of
#: :mod:`repro.scaling.mini_study` (its docstring) with that parameter set to the mini study's fact.
summary_table = _bound(mini_study.summary_table, paper_analogue=PAPER_ANALOGUE)
exponents_beside_paper = _bound(mini_study.exponents_beside_paper, paper_analogue=PAPER_ANALOGUE)
at_chance = _bound(mini_study.at_chance, batch_size=HELDOUT_BATCH)
plateau_agreement = _bound(mini_study.plateau_agreement, heldout_batch=HELDOUT_BATCH)
onset_summary = _bound(mini_study.onset_summary, gmacs_per_sample=gmacs_per_sample)


def wsd_agreement(profile: str = "wsd-v2") -> mini_study.ScheduleAgreement:
    """The WSD branches of ``profile`` against the cosine runs of its base isoFLOP profile, under the
    rule the WSD profile fixed before its runs (:func:`repro.scaling.mini_study.schedule_agreement`).

    Raises
    ------
    DataNotFoundError
        Either profile has no held-out losses.
    """
    wsd = get_wsd_profile(profile)
    return mini_study.schedule_agreement(load_isoflop_runs(wsd.base), load_wsd_runs(profile), z_match=wsd.z_match,
                                         max_cells_apart=wsd.max_cells_apart)


def warmup_agreements(profile: str = "isoflop-v2-warmup", wsd_profile: str = "wsd-v2") -> dict[str, mini_study.ScheduleAgreement]:
    """The runs of ``profile`` (cosine runs with WSD's short warm-up) against the base's cosine runs
    (``"cosine"``) and against the WSD branches (``"wsd"``), each under the WSD profile's rule.

    Raises
    ------
    DataNotFoundError
        A profile has no held-out losses.
    """
    wsd = get_wsd_profile(wsd_profile)
    runs = load_isoflop_runs(profile)
    rule = {"z_match": wsd.z_match, "max_cells_apart": wsd.max_cells_apart}
    return {"cosine": mini_study.schedule_agreement(load_isoflop_runs(wsd.base), runs, **rule),
            "wsd": mini_study.schedule_agreement(load_wsd_runs(wsd_profile), runs, **rule)}


def rerun_differences(profile: str, budget: float) -> pd.DataFrame:
    """The runs of ``profile`` at ``budget`` against the runs of the same name in its base isoFLOP
    study (isoflop-v2: the runs its warm-up leaves unchanged): ``name``, ``arch``, ``budget_gmacs``,
    ``first``, ``rerun`` and ``difference`` of the held-out contrastive loss."""
    runs = load_isoflop_runs(profile)
    base = load_isoflop_runs(ISOFLOP_PROFILE)
    both = runs[runs["budget_gmacs"] == budget].merge(base[["name", "contrastive_loss"]], on="name",
                                                      suffixes=("", "_first"))
    return pd.DataFrame({"name": both["name"], "arch": both["arch"], "budget_gmacs": both["budget_gmacs"],
                         "first": both["contrastive_loss_first"], "rerun": both["contrastive_loss"],
                         "difference": both["contrastive_loss"] - both["contrastive_loss_first"]})

