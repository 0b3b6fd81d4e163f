"""Chapter "The study in miniature" (``book/notebooks/mini.md``): the paper's whole loop on a
laptop CPU, from the committed results of ``repro mini``, and the compute-optimal allocation the
paper left open (Sec. 5), from the committed results of ``repro mini --profile isoflop``.

The fits and phenomena are :mod:`repro.mini.analysis` (the paper's frontier fit, R^2, decades of
compute, the data bottleneck, who wins at the largest budget); this module gathers them for the
page (:func:`compute`), turns them into the numbers of the prose (:func:`glue_values`) and
report rows (:func:`report_rows`), builds the display tables, and assembles the figures drawn by
:mod:`repro.figures.mini` and :func:`repro.figures.compute_vs_error`.
"""

from __future__ import annotations

import math

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from math import nan

import numpy as np
import pandas as pd
from IPython.display import Markdown
from matplotlib.figure import Figure

from repro.constants import N_BINS
from repro.data.schema import error_of
from repro.errors import ParameterError
from repro.figures import compute_vs_error
from repro.figures import mini as mini_figures
from repro.mini import analysis, models, tasks
from repro.mini.analysis import HEADLINE_TASK, ISOFLOP_METRICS, ISOFLOP_PROFILE
from repro.mini.profiles import HELDOUT_BATCH, get_profile
from repro.scaling.isoflop import MIN_BUDGETS, IsoflopFit, IsoflopProfile, compare_allocation, isoflop_profiles
from repro.scaling.laws import FORMS
from repro.scaling.parametric import ParametricFit
from repro.report import ReportRow, check, measured
from repro.scaling import mini_study, verdicts

#: The panels drawn beside the headline task: the stand-ins for the paper's robustness mean and MS-COCO.
OTHER_PANELS = ("mini_shape_sketch", "mini_retrieval")


def headline_panels(task: str = HEADLINE_TASK) -> list[str]:
    """The panels of the page's compute-vs-error figure: ``task``, then the stand-ins for the
    paper's other Figure 1 panels (:data:`OTHER_PANELS`)."""
    return [task, *[t for t in OTHER_PANELS if t != task]]


#: Targets the page states for the study before its results: the headline frontier's log-log
#: R^2, the compute span (decades) and the top accuracy as a multiple of chance.
R2_TARGET = 0.95
DECADES_TARGET = 2.0
CHANCE_MULTIPLE_TARGET = 3.0


def winner_margin(errors: dict[str, float], n_test: int | None) -> tuple[str, float, float | None]:
    """How much the last entry of ``errors`` (the largest model, or the largest set) beats the best
    of the others: (that other's name, margin = its error - the last one's error, standard error
    of the margin from the binomial noise of ``n_test`` test images, None without ``n_test``).
    A positive margin means the last entry wins."""
    if len(errors) < 2:
        raise ParameterError(f"winner_margin: need at least two entries, got {list(errors)}")
    names = list(errors)
    last = errors[names[-1]]
    other = min(names[:-1], key=errors.__getitem__)
    margin = errors[other] - last
    if not n_test:
        return other, float(margin), None
    return other, float(margin), float(np.hypot(binomial_se(last, n_test), binomial_se(errors[other], n_test)))


def binomial_se(error: float, n_test: int) -> float:
    """The binomial standard error of an error rate measured on ``n_test`` test images."""
    return float(np.sqrt(error * (1 - error) / n_test))


def report_rows(rows: pd.DataFrame, isoflop: "Isoflop | None" = None, *, n_test: int | None = None) -> list[ReportRow]:
    """Reproduction-report rows of the mini study: R^2, decades, bottleneck, the winners' margins
    (with their z-scores when ``n_test``, the test images, is given), accuracy against chance,
    exponents; with ``isoflop``, the compute-optimal rows (:func:`isoflop_report_rows`).

    None of these has a paper value (the paper fits LAION, not synthetic scenes): a quantity with
    a target the page states (:data:`R2_TARGET` on the headline task, :data:`DECADES_TARGET`,
    :data:`CHANCE_MULTIPLE_TARGET`) is a check, every other one is measured; the exponents carry
    the paper's analogue in their explanation.
    """
    neck = analysis.bottleneck(rows)
    win = analysis.winners(rows)
    drop = f"{neck.arch}: error drop from {neck.budgets[0]:.0f} to {neck.budgets[1]:.0f} samples seen"
    out = []
    for task in sorted(rows["downstream_dataset"].unique()):
        r2 = analysis.r_squared(analysis.fit(rows, task))
        note = "log-log R^2 of the binned-frontier line"
        out.append(check("mini", f"r2_frontier_{task}", r2, at_least=R2_TARGET, explanation=note)
                   if task == HEADLINE_TASK else measured("mini", f"r2_frontier_{task}", r2, explanation=note))
    out += [
        check("mini", f"compute_decades_{HEADLINE_TASK}", analysis.compute_decades(rows), at_least=DECADES_TARGET,
              explanation="log10(max/min total GMACs) of the grid"),
        measured("mini", f"bottleneck_gain_{neck.small_dataset}", neck.gain_small, explanation=drop),
        measured("mini", f"bottleneck_gain_{neck.large_dataset}", neck.gain_large, explanation=drop),
    ]
    for name, errors, winner in (("larger_model", win.error_by_arch, "model"), ("more_data", win.error_by_dataset, "set")):
        other, margin, se = winner_margin(errors, n_test)
        out.append(measured("mini", f"{name}_margin", margin,
                            explanation=f"error of {other} minus that of the largest {winner} at the largest "
                                        "budget (positive: it wins)"))
        if se:
            out.append(measured("mini", f"{name}_margin_z", margin / se,
                                explanation=f"margin of the largest {winner} over the best other {winner} over its "
                                            f"binomial standard error on {n_test} test images; "
                                            f"a finding at |z| >= {verdicts.Z_FINDING:g}"))
    name, accuracy, multiple = analysis.top_accuracy(rows)
    out.append(check("mini", f"top_accuracy_over_chance_{HEADLINE_TASK}", multiple, at_least=CHANCE_MULTIPLE_TARGET,
                     explanation=f"{name}: top-1 {accuracy:.3f} against chance {tasks.chance(HEADLINE_TASK):.3f}"))
    for row in analysis.exponents_beside_paper(rows).itertuples():
        out.append(measured("mini", f"alpha_{row.downstream_dataset}", row.alpha,
                            explanation=f"synthetic-scene exponent; the paper's {row.paper_analogue} "
                                        f"OpenCLIP exponent is {row.alpha_paper:.2f}"))
    if isoflop is not None:
        out += isoflop_report_rows(isoflop)
    return out


def glue_values(rows: pd.DataFrame, task: str = HEADLINE_TASK) -> dict[str, float]:
    """Plain floats for the chapter's prose (``myst_nb.glue``)."""
    power_law = analysis.fit(rows, task)
    neck = analysis.bottleneck(rows, task)
    win = analysis.winners(rows, task)
    _, accuracy, multiple = analysis.top_accuracy(rows, task) if task in tasks.CLASSIFICATION_TASKS else ("", nan, nan)
    return {"mini_alpha": float(power_law.alpha), "mini_beta": float(power_law.beta),
            "mini_top_accuracy": accuracy, "mini_chance_multiple": multiple,
            "mini_r2": analysis.r_squared(power_law), "mini_decades": analysis.compute_decades(rows, task),
            "mini_gain_small": neck.gain_small, "mini_gain_large": neck.gain_large,
            "mini_gain_ratio": float(neck.ratio), "mini_larger_model_wins": float(win.larger_model_wins),
            "mini_more_data_wins": float(win.more_data_wins)}


def winners_discussion(page: Page) -> str:
    """Who wins at the largest samples-seen budget, with each error and its binomial standard
    error on the task's test set (so that a win within the noise reads as one)."""
    win = analysis.winners(page.rows, page.task)
    n_test = int(page.provenance["profile"]["test_size"])

    def listing(errors: dict[str, float]) -> str:
        return ", ".join(f"{name} {e:.3f} (± {binomial_se(e, n_test):.3f})" for name, e in errors.items())

    by_set, by_arch = win.error_by_dataset, win.error_by_arch
    lines = [f"At the largest budget, on the largest set, the error by model is {listing(by_arch)}."]
    other, margin, se_margin = winner_margin(by_arch, n_test)
    lines.append(verdicts.difference_sentence(f"The largest model's error against {other}'s", -margin, se_margin,
                                              unit="in error rate", decimals=3))
    lines.append(f"With the largest model, by pre-training set: {listing(by_set)}.")
    other, margin, se_margin = winner_margin(by_set, n_test)
    lines.append(verdicts.difference_sentence(f"The largest set's error against {other}'s", -margin, se_margin,
                                              unit="in error rate", decimals=3))
    lines.append("The smallest set is " + ("the worst." if list(by_set.values())[0] == max(by_set.values())
                                           else "not the worst."))
    lines.append(f"(The ± are binomial standard errors on the {n_test:,} test images; a difference is a finding at "
                 f"|z| >= {verdicts.Z_FINDING:g}.)")
    return " ".join(lines)


def winners_display(page: Page) -> Markdown:
    """:func:`winners_discussion` for the page."""
    return Markdown(winners_discussion(page))


def cost_table(provenance: dict) -> pd.DataFrame:
    """Measured cost of a study: data generation rate, training and evaluation time, total wall time."""
    runs = pd.DataFrame.from_dict(provenance["runs"], orient="index")
    rate = runs.get("train_samples_per_s", pd.Series(dtype=float))
    return pd.DataFrame([
        {"quantity": "scene generation (pairs/s)", "value": provenance["generation_pairs_per_s"]},
        {"quantity": "writing datasets and tasks (s)", "value": provenance["data_write_s"]},
        {"quantity": "training, all runs (s)", "value": float(runs["train_s"].sum())},
        {"quantity": "evaluation, all runs (s)", "value": float(runs["eval_s"].sum())},
        {"quantity": "training throughput, median (samples/s)", "value": float(rate.median())},
        {"quantity": "whole study, last call (s)",
         "value": provenance.get("last_call", {}).get("wall_s", float("nan"))},
        {"quantity": "all runs, training and evaluation / runs at a time (s)",
         "value": float((runs["train_s"].sum() + runs["eval_s"].sum()) / provenance.get("last_call", {}).get("jobs", 1))},
    ])


def family_table(names: tuple[str, ...]) -> pd.DataFrame:
    """The tiny models: image tower (ResNet: stem width and blocks per stage; ViT: width, layers and
    patch), text tower, logit scale at initialisation, GMACs per sample and parameters."""
    out = []
    for name in names:
        config = models.model_config(name)
        vision, text = config["vision_cfg"], config["text_cfg"]
        resnet = isinstance(vision["layers"], list)
        image = (f"ResNet, width {vision['width']}, blocks {'-'.join(map(str, vision['layers']))}" if resnet else
                 f"ViT, width {vision['width']}, {vision['layers']} layers, patch {vision['patch_size']}")
        out.append({"model": name, "image tower": image, "text width": text["width"], "text layers": text["layers"],
                    "embed_dim": config["embed_dim"], "context": text["context_length"],
                    "initial logit scale": round(float(np.exp(config.get("init_logit_scale", np.log(1 / 0.07)))), 2),
                    "GMACs/sample": models.gmacs_per_sample(name), "parameters": models.parameters(name)})
    return pd.DataFrame(out)


def error_table(rows: pd.DataFrame, task: str = HEADLINE_TASK) -> pd.DataFrame:
    """Error on one task for every run: rows = (model, data), columns = samples seen."""
    chosen = rows[rows["downstream_dataset"] == task].assign(error=lambda f: error_of(f))
    table = chosen.pivot_table(index=["arch", "upstream_dataset"], columns="samples_seen", values="error")
    order = sorted(table.index, key=lambda k: (chosen.loc[chosen["arch"] == k[0], "gmacs"].iloc[0],
                                               analysis.n_pairs(k[1])))
    return table.loc[order].round(3)


def grid_table(provenance: dict) -> pd.DataFrame:
    """The profile a study ran with, and its provenance, as a two-column table."""
    profile = provenance["profile"]
    entries = {**{k: (", ".join(map(str, v)) if isinstance(v, (list, tuple)) else v) for k, v in profile.items()},
               "seed": provenance["seed"], "code version": provenance["code_version"],
               **{f"{k} version": v for k, v in provenance["versions"].items()}}
    return pd.DataFrame({"setting": list(entries), "value": [str(v) for v in entries.values()]})


@dataclass(frozen=True)
class Isoflop:
    """The isoFLOP study as the page shows it.

    Attributes
    ----------
    profile : str
        Its profile (``isoflop``; ``smoke-isoflop`` in CI).
    metric : str
        What the profiles minimise: ``contrastive_loss`` (held-out) or ``error`` (zero-shot, on the task).
    runs : DataFrame
        One row per run (:func:`repro.mini.analysis.load_isoflop_runs`).
    profiles : dict
        Metric -> its isoFLOP profiles (every metric, so that both can be compared).
    fits : dict
        Metric -> :class:`~repro.scaling.isoflop.IsoflopFit`, for each metric with interior minima at
        two budgets or more; a metric without them has no isoFLOP estimate (the page says so and
        shows the parametric law's).
    parametric : ParametricFit
        L(N, D) through the held-out losses.
    chance_runs : str
        ``exclude``: the profiles and both fits leave out the runs at chance (column ``at_chance``
        of ``runs``); ``keep``: they use every run.
    plan : dict, optional
        The analysis plan the profile fixed before its runs (its provenance's ``profile.plan``);
        None for a profile without one (v1).
    size : str
        The size axis N of the profiles: ``gmacs`` (GMACs per sample) or ``params``.
    n_bootstrap : int
        Resamples of the isoFLOP fit.
    """

    profile: str
    metric: str
    runs: pd.DataFrame = field(repr=False)
    profiles: dict[str, tuple[IsoflopProfile, ...]] = field(repr=False)
    fits: dict[str, IsoflopFit] = field(repr=False)
    parametric: ParametricFit = field(repr=False)
    chance_runs: str = "exclude"
    plan: dict | None = field(default=None, repr=False)
    size: str = "gmacs"
    n_bootstrap: int = 1000

    @cached_property
    def spread(self) -> pd.DataFrame:
        """:func:`repro.mini.analysis.seed_spread` of the page's metric, one row per cell."""
        return analysis.seed_spread(self.runs, self.metric)

    @cached_property
    def seeds(self) -> int:
        """Seeds per cell (the most of any cell)."""
        return int(self.spread["seeds"].max())

    @cached_property
    def seed_sd(self) -> float:
        """The seed noise of one run (:func:`repro.mini.analysis.pooled_sd`; NaN with one seed)."""
        return analysis.pooled_sd(self.spread)

    @cached_property
    def gaps(self) -> pd.DataFrame:
        """:func:`repro.mini.analysis.size_gaps` of the page's metric (every row, z NaN without a neighbour)."""
        return analysis.size_gaps(self.runs, self.metric)

    def plan_departures(self) -> list[str]:
        """Where the page's parameters depart from the profile's plan (empty: the plan is followed,
        or there is none)."""
        if self.plan is None:
            return []
        out = []
        if self.metric != self.plan["metric"]:
            out.append(f"metric {self.metric} (plan: {self.plan['metric']})")
        wanted = "exclude" if self.plan["exclusions"] == "at_chance" else "keep"
        if self.chance_runs != wanted:
            out.append(f"runs at chance: {self.chance_runs} (plan: {wanted})")
        if self.n_bootstrap != self.plan["n_resamples"]:
            out.append(f"{self.n_bootstrap} resamples (plan: {self.plan['n_resamples']})")
        return out

    @property
    def fitted_runs(self) -> pd.DataFrame:
        """The runs both estimates were fitted to (without those at chance, unless kept)."""
        return _fitted(self.runs, self.chance_runs)

    @property
    def fit(self) -> IsoflopFit | None:
        """The isoFLOP fit of :attr:`metric` (None: fewer than two budgets had an interior minimum)."""
        return self.fits.get(self.metric)

    @property
    def decades(self) -> float:
        """Decades of compute between the smallest and the largest budget."""
        budgets = [p.compute for p in self.profiles[self.metric]]
        return float(np.log10(max(budgets) / min(budgets)))

    def n_interior(self, metric: str | None = None) -> int:
        """Budgets whose profile of ``metric`` (default: the page's) has an interior minimum."""
        return int(sum(p.interior for p in self.profiles[metric or self.metric]))


#: What the fits do with the runs that ended at chance (:func:`repro.mini.analysis.at_chance`).
CHANCE_RUNS = ("exclude", "keep")


def _fitted(runs: pd.DataFrame, chance_runs: str) -> pd.DataFrame:
    return runs[~runs["at_chance"]] if chance_runs == "exclude" else runs


def _check_choice(parameter: str, value: str, choices: Iterable[str]) -> None:
    """A :class:`ParameterError` naming ``parameter`` unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise ParameterError(f"{parameter} must be one of {', '.join(choices)}, got {value!r}")


def isoflop(profile: str = ISOFLOP_PROFILE, task: str = HEADLINE_TASK, metric: str = "contrastive_loss", *,
            n_bootstrap: int = 1000, n_bootstrap_parametric: int = 200, n_starts: int = 0,
            chance_runs: str = "exclude") -> Isoflop:
    """Read an isoFLOP profile's runs and fit both estimates of the compute-optimal allocation.

    ``n_starts`` > 0: the parametric law's L-BFGS runs only from that many best points of its start
    grid (0: from every point, as Besiroglu et al. do). ``chance_runs``: ``exclude`` fits both
    estimates to the runs that left the chance plateau (a run at chance is pinned at the floor
    whatever its size); ``keep`` fits every run. The runs table lists every run either way.

    A profile with an analysis plan (recorded in its provenance) fixes the chance rule, the size
    axis and the intervals' level; the metric, the treatment of runs at chance and the resamples
    stay the page's parameters, and :meth:`Isoflop.plan_departures` names where they leave the plan."""
    if n_starts < 0:
        raise ParameterError(f"n_starts must be >= 0 (0: every start of the grid), got {n_starts}")
    _check_choice("isoflop_metric", metric, ISOFLOP_METRICS)
    _check_choice("chance_runs", chance_runs, CHANCE_RUNS)
    plan = (analysis.load_provenance(profile).get("profile") or {}).get("plan")
    tolerance = plan["chance_tolerance"] if plan else analysis.CHANCE_TOLERANCE
    size, level = (plan["size_axis"], plan["level"]) if plan else ("gmacs", 0.9)
    runs = analysis.load_isoflop_runs(profile, task)
    runs = runs.assign(at_chance=analysis.at_chance(runs, tolerance=tolerance))
    fitted = _fitted(runs, chance_runs)
    profiles = {m: isoflop_profiles(fitted, m, size=size, budget="budget_gmacs") for m in ISOFLOP_METRICS}
    fits = {m: analysis.isoflop_fit(fitted, m, n_resamples=n_bootstrap, size=size, level=level)
            for m in ISOFLOP_METRICS if sum(p.interior for p in profiles[m]) >= MIN_BUDGETS}
    return Isoflop(profile, metric, runs, profiles, fits,
                   analysis.parametric_fit(fitted, n_resamples=n_bootstrap_parametric, n_polish=n_starts or None),
                   chance_runs, plan, size, n_bootstrap)


def isoflop_report_rows(study: Isoflop, prefix: str = "") -> list[ReportRow]:
    """Report rows of the compute-optimal study: interior minima per budget, then a and b from the
    isoFLOP profiles and from the parametric law, each with its 90% bootstrap interval; for a study
    with seeds, the pooled seed noise and the z-score of each budget's best size against its
    neighbours. ``prefix`` starts every row's name (``v1_`` for the first isoFLOP study)."""
    out = []
    for metric, profiles in study.profiles.items():
        for profile in profiles:
            out.append(measured("mini", f"{prefix}isoflop_interior_{metric}_C{profile.compute:.3g}",
                                float(profile.interior),
                               explanation=f"1 if the parabola of {ISOFLOP_METRICS[metric]} against log size has its "
                                           f"minimum inside the sizes tried ({profile.status}; log10 vertex "
                                           f"{profile.log10_vertex:.3f} in [{np.log10(profile.sizes.min()):.3f}, "
                                           f"{np.log10(profile.sizes.max()):.3f}])"))
    for name, fit in (("isoflop", study.fit), ("parametric", study.parametric)):
        if fit is None:   # no isoFLOP estimate: said by the interior rows above
            continue
        for quantity in ("a", "b"):
            lo, hi = fit.interval(quantity)
            out.append(measured("mini", f"{prefix}{quantity}_{name}", float(getattr(fit, quantity)),
                               explanation=f"{'N' if quantity == 'a' else 'D'}_opt ~ C^{quantity} from "
                                           + (f"the isoFLOP minima of {ISOFLOP_METRICS[study.metric]}"
                                              if name == "isoflop" else "L(N, D) = E + A/N^alpha + B/D^beta")
                                           + f"; 90% bootstrap interval [{lo:.3f}, {hi:.3f}]; Chinchilla ~0.5"))
    if study.fit is not None:
        out.append(measured("mini", f"{prefix}isoflop_failed_fraction", study.fit.failed_fraction,
                            explanation="bootstrap resamples in which some budget has no interior minimum (kept "
                                        "in the interval at the end they pull toward)"))
    if study.seeds > 1:
        out.append(measured("mini", f"{prefix}isoflop_seed_sd_{study.metric}", study.seed_sd,
                            explanation=f"standard deviation between {study.seeds} seeds of one cell, pooled over "
                                        "the cells"))
        for row in study.gaps.dropna(subset=["z"]).itertuples():
            out.append(measured("mini", f"{prefix}isoflop_gap_z_C{row.budget_gmacs:.3g}_{row.side}", row.z,
                                explanation=f"{row.neighbour} minus {row.best} (the best size) at {row.budget_gmacs:.3g} "
                                            f"GMACs: {row.gap:+.4f} over its seed-noise standard error {row.se:.4f}; "
                                            f"a finding at |z| >= {verdicts.Z_FINDING:g}"))
    return out


def isoflop_glue(study: Isoflop, prefix: str = "") -> dict[str, float]:
    """Numbers of the compute-optimal section's prose (names start with ``prefix``: ``v1_`` for the
    first isoFLOP study)."""
    out = _isoflop_glue(study)
    return {f"{prefix}{name}": value for name, value in out.items()}


def _isoflop_glue(study: Isoflop) -> dict[str, float]:
    profiles = study.profiles[study.metric]
    out = {"iso_n_budgets": float(len(profiles)), "iso_n_interior": float(study.n_interior()),
           "iso_n_runs": float(len(study.runs)),
           "iso_decades": study.decades,
           "par_alpha": study.parametric.alpha, "par_beta": study.parametric.beta, "par_E": study.parametric.E}
    for name, fit in (("iso", study.fit), ("par", study.parametric)):
        for quantity in ("a", "b"):
            value, (lo, hi) = (float(getattr(fit, quantity)), fit.interval(quantity)) if fit is not None else (nan, (nan, nan))
            out.update({f"{name}_{quantity}": value, f"{name}_{quantity}_lo": lo, f"{name}_{quantity}_hi": hi})
    other = [m for m in study.profiles if m != study.metric][0]
    out["iso_other_interior"] = float(study.n_interior(other))
    out["iso_n_edge"] = float(sum(p.minimum_label != "interior" for p in profiles))
    out["iso_failed_fraction"] = study.fit.failed_fraction if study.fit is not None else nan
    out["iso_a_width"] = (out["iso_a_hi"] - out["iso_a_lo"]) if study.fit is not None else nan
    out["iso_seeds"] = float(study.seeds)
    out["iso_n_cells"] = float(len(study.spread))
    if study.seeds > 1:
        gaps = study.gaps.dropna(subset=["z"])
        out.update(iso_seed_sd=study.seed_sd, iso_seed_sd_max=float(study.spread["sd"].max()),
                   iso_gaps_n=float(len(gaps)), iso_gaps_decided=float((gaps["z"].abs() >= verdicts.Z_FINDING).sum()),
                   iso_gap_min=float(gaps["gap"].min()) if len(gaps) else nan)
    return out


def plan_table(study: Isoflop) -> pd.DataFrame:
    """The analysis plan a profile fixed before its runs, with the hash and times its provenance
    records and whether the page's parameters follow it."""
    if study.plan is None:
        raise ParameterError(f"isoFLOP profile {study.profile!r} has no analysis plan (it predates plans)")
    provenance = analysis.load_provenance(study.profile)
    entries = {**{f"plan: {k}": v for k, v in study.plan.items()},
               "plan sha256 (recorded with the results)": provenance.get("plan_sha256"),
               "plan sha256 (the profile now)": get_profile(study.profile).plan.sha256(),
               "commit the runs were made from": provenance.get("code_version"),
               "that commit's time": provenance.get("plan_committed_at"),
               "first results recorded (call started)": provenance.get("first_results_at"),
               "page's parameters": "; ".join(study.plan_departures()) or "follow the plan"}
    return pd.DataFrame({"setting": list(entries), "value": [str(v) for v in entries.values()]})


def seed_table(study: Isoflop) -> pd.DataFrame:
    """Every cell (budget x model) of the study: seeds, mean and standard deviation of the page's
    metric over them."""
    spread = study.spread
    return pd.DataFrame({"budget (GMACs)": spread["budget_gmacs"], "model": spread["arch"],
                         "MMACs/sample": (spread["gmacs"] * 1e3).round(3), "seeds": spread["seeds"],
                         f"mean {ISOFLOP_METRICS[study.metric]}": spread["mean"].round(4),
                         "sd between seeds": spread["sd"].round(4)})


def gaps_table(study: Isoflop) -> pd.DataFrame:
    """At each budget, the best size against its neighbours, with the seed-noise z-score."""
    gaps = study.gaps
    return gaps.assign(gap=gaps["gap"].round(4), se=gaps["se"].round(4), z=gaps["z"].round(2),
                       finding=gaps["z"].abs() >= verdicts.Z_FINDING).rename(
        columns={"budget_gmacs": "budget (GMACs)", "best": "best size (mean over seeds)",
                 "gap": "neighbour - best", "se": "standard error"})


def seeds_discussion(study: Isoflop) -> str:
    """What the seeds say, in sentences computed from the runs: the seed noise against the gaps
    between sizes, which budgets tell their best size from its neighbours (|z| >= 2), and what
    that leaves of the isoFLOP estimate."""
    if study.seeds < 2:
        return (f"`{study.profile}` has one seed per cell: its seed noise is not measured, so no gap between "
                "sizes can be weighed against it.")
    spread, sd = study.spread, study.seed_sd
    gaps = study.gaps.dropna(subset=["z"])
    decided = gaps[gaps["z"].abs() >= verdicts.Z_FINDING]
    lines = [f"Between {study.seeds} seeds (initialisation and data order, one training set) a run's "
             f"{ISOFLOP_METRICS[study.metric]} varies with a pooled standard deviation of {sd:.4f} "
             f"(largest cell {spread['sd'].max():.4f}, {len(spread)} cells)."]
    lines.append(f"Of the {len(gaps)} gaps between a budget's best size and a neighbouring size, {len(decided)} "
                 f"are findings (|z| >= {verdicts.Z_FINDING:g}); the smallest gap is {gaps['gap'].min():.4f} "
                 f"(z = {gaps.loc[gaps['gap'].idxmin(), 'z']:.2f})." if len(gaps) else
                 "No budget has a neighbouring size to compare with its best.")
    undecided = gaps[gaps["z"].abs() < verdicts.Z_FINDING]
    if len(undecided):
        lines.append("Not told apart from the best size: " + "; ".join(
            f"{r.neighbour} at {r.budget_gmacs:.3g} GMACs ({r.gap:+.4f}, z = {r.z:.2f})"
            for r in undecided.itertuples()) + ".")
    profiles = study.profiles[study.metric]
    edges = [p for p in profiles if p.minimum_label != "interior"]
    if edges:
        lines.append(f"{len(edges)} of the {len(profiles)} budgets have their minimum at an edge: " + "; ".join(
            f"{p.compute:.3g} GMACs ({p.minimum_label})" for p in edges) + ".")
    return " ".join(lines)


def seeds_display(study: Isoflop) -> Markdown:
    """:func:`seeds_discussion` for the page."""
    return Markdown(seeds_discussion(study))


def versions_table(v2: Isoflop, v1: Isoflop) -> pd.DataFrame:
    """The cells the two isoFLOP studies share (same model, budget and samples seen): v1's one run
    beside v2's seed 0 (same seed, the other data path) and v2's mean over seeds, with the
    difference in units of v2's seed noise."""
    sd = v2.seed_sd
    keys = ["arch", "budget_gmacs", "samples_seen"]
    old = v1.runs.set_index(keys)[v1.metric]
    mean = v2.runs.groupby(keys)[v2.metric].mean()
    seed0 = v2.runs[v2.runs["seed"] == v2.runs["seed"].min()].set_index(keys)[v2.metric]
    shared = [k for k in old.index if k in seed0.index]
    rows = [{"model": k[0], "budget (GMACs)": k[1], "samples seen": k[2], "v1": old[k], "v2 seed 0": seed0[k],
             "v2 mean": mean[k], "v2 seed 0 - v1": seed0[k] - old[k],
             "in seed sd": (seed0[k] - old[k]) / sd if sd > 0 else nan} for k in shared]
    return pd.DataFrame(rows).round(4)


def _interval_text(lo: float, hi: float) -> str:
    def end(x: float) -> str:
        return f"{x:.2f}" if math.isfinite(x) else ("-inf" if x < 0 else "inf")
    return f"[{end(lo)}, {end(hi)}]"


def allocation_discussion(study: Isoflop) -> str:
    """What the two estimates of the allocation exponents say, in sentences computed from the fits:
    where each budget's best run is, whether the 90% intervals overlap each other and Chinchilla's
    0.5, where the parametric law's exponents put the weight, and what limits both here."""
    iso, par = study.fit, study.parametric
    profiles = study.profiles[study.metric]
    a_par = par.interval("a")
    n_pairs = max(pairs for _, pairs, _ in get_profile(study.profile).points)
    repeats = float(study.runs["samples_seen"].max()) / n_pairs
    best = [f"{p.compute:.3g} GMACs: {p.best_size * 1e3:.3g} MMACs per sample "
            f"({p.minimum_label})" for p in profiles]
    lines = [f"Best run of each budget by {ISOFLOP_METRICS[study.metric]}: " + "; ".join(best) + "."]
    if iso is None:
        edge = sum(p.status.startswith("at or below") for p in profiles)
        lines.append(f"Only {study.n_interior()} of {len(profiles)} budgets have an interior minimum, so there is "
                     "no isoFLOP estimate of a and b (it needs two). "
                     + (f"At {edge} budget(s) the smallest model tried is the best: at these budgets the "
                        "compute-optimal model is smaller than the family's smallest, so the isoFLOP grid has to "
                        "move to smaller models or larger budgets before it can place an optimum. " if edge else "")
                     + f"The parametric law, fitted to every run, still gives a = {par.a:.2f} "
                       f"{_interval_text(*a_par)} and b = {par.b:.2f} {_interval_text(*par.interval('b'))}; "
                       "with no minimum inside the grid it extrapolates beyond the sizes tried, and its "
                       "interval is the honest measure of how far that carries.")
    else:
        a_iso = iso.interval("a")
        lines.append(f"In {iso.n_failed} of the {len(iso.bootstrap)} bootstrap resamples of the isoFLOP fit "
                     f"({iso.failed_fraction:.0%}) some budget loses its interior minimum; those resamples stay in "
                     "the interval, at the end of a they pull toward (an interval conditional on the resamples "
                     "that succeed would hide them), so a side of the interval is unbounded as soon as more than "
                     f"{(1 - iso.level) / 2:.0%} of the resamples fail in its direction.")
        if all(math.isfinite(x) for x in a_iso):
            overlap = bool(compare_allocation(iso, par, reference=False)["overlap"].iloc[1])
            lines.append(f"The isoFLOP profiles put a = {iso.a:.2f} {_interval_text(*a_iso)}, the parametric law "
                         f"a = {par.a:.2f} {_interval_text(*a_par)}: the two intervals "
                         + ("overlap, so the two methods agree within their uncertainty."
                            if overlap else "do not overlap, so the two methods disagree."))
        else:
            lines.append(f"The isoFLOP profiles put a = {iso.a:.2f} {_interval_text(*a_iso)}: these budgets cannot "
                         f"decide a; the parametric law gives a = {par.a:.2f} {_interval_text(*a_par)}.")
    intervals = (("isoFLOP", iso.interval("a")),) if iso is not None else ()
    intervals += (("parametric", a_par),)
    verdicts = [f"the {name} interval of a {'contains' if lo <= 0.5 <= hi else 'excludes'} Chinchilla's 0.5"
                for name, (lo, hi) in intervals]
    sentence = " and ".join(verdicts)
    lines.append(sentence[0].upper() + sentence[1:] + ".")
    lines.append(f"In the parametric law the loss falls as N^-{par.alpha:.2f} in model size and D^-{par.beta:.2f} "
                 f"in samples seen above an irreducible E = {par.E:.2f}; the term with the smaller exponent needs "
                 f"more of each added unit of compute, so it puts the extra compute mostly into "
                 f"{'model size' if par.a > 0.5 else 'samples seen'} (a {'>' if par.a > 0.5 else '<'} 0.5).")
    n_chance = int(study.runs["at_chance"].sum())
    fitted = (f"{len(study.fitted_runs)} of its {len(study.runs)} runs (the {n_chance} at chance left out)"
              if study.chance_runs == "exclude" and n_chance else f"{len(study.runs)} runs")
    caveats = [f"the budgets span {study.decades:.1f} decade(s) and the fits use {fitted}",
               "model size is counted as MACs per sample of both towers, not as parameters, so C = N D holds "
               "exactly but a is an exponent of compute per sample (Chinchilla counts parameters)",
               f"every run draws from the same {n_pairs:,} unique pairs and the longest sees each of them "
               f"{repeats:.1f} times, so the D term mixes more samples with more repetition",
               "the parametric law is fitted to all the runs the fits use and the isoFLOP estimate only to the "
               "minima, so a law form that is wrong far from the minima moves the first and not the second"]
    lines.append("What limits both estimates here: " + "; ".join(caveats) + ".")
    return " ".join(lines)


def allocation_display(study: Isoflop) -> Markdown:
    """:func:`allocation_discussion` for the page."""
    return Markdown(allocation_discussion(study))


def isoflop_runs_table(study: Isoflop) -> pd.DataFrame:
    """Every isoFLOP run: budget, model, size, samples seen, held-out loss, zero-shot error."""
    runs = study.runs
    return pd.DataFrame({"budget (GMACs)": runs["budget_gmacs"], "model": runs["arch"],
                         "MMACs/sample": (runs["gmacs"] * 1e3).round(3), "parameters": runs["params"],
                         "samples seen": runs["samples_seen"], "compute (GMACs)": runs["gmacs_total"].round(1),
                         "held-out loss": runs["contrastive_loss"].round(4), "zero-shot error": runs["error"].round(3),
                         "at chance": runs["at_chance"],
                         "fitted": runs.index.isin(study.fitted_runs.index)})


def isoflop_profiles_table(study: Isoflop, metric: str | None = None) -> pd.DataFrame:
    """One row per budget: sizes tried, where the parabola's minimum is, N_opt with its interval, D_opt
    (``metric`` must be one with a fit: the page's, or the other where it has two interior minima)."""
    metric = metric or study.metric
    if metric not in study.fits:   # no fit: the profiles alone, where each parabola's minimum lies
        return pd.DataFrame([{"budget (GMACs)": p.compute, "sizes": len(p.sizes),
                              "smallest (MMACs)": p.sizes.min() * 1e3, "largest (MMACs)": p.sizes.max() * 1e3,
                              "best run (MMACs)": p.best_size * 1e3,
                              "log10 vertex (GMACs)": p.log10_vertex, "minimum": p.minimum_label}
                             for p in study.profiles[metric]])
    frame = study.fits[metric].profiles_frame()
    return frame.assign(**{c: frame[c] * 1e3 for c in ("size_min", "size_max", "n_opt", "n_opt_lo", "n_opt_hi")}).rename(
        columns={"size_min": "smallest (MMACs)", "size_max": "largest (MMACs)", "n_opt": "N_opt (MMACs)",
                 "n_opt_lo": "N_opt lo", "n_opt_hi": "N_opt hi", "d_opt": "D_opt (samples)"})


def allocation_table(study: Isoflop) -> pd.DataFrame:
    """Both estimates of a and b with their 90% intervals, beside Chinchilla's."""
    return compare_allocation(study.fit, study.parametric)


def parametric_table(study: Isoflop) -> pd.DataFrame:
    """The parametric law's parameters with their bootstrap intervals."""
    return study.parametric.summary()


def isoflop_figure(study: Isoflop, metric: str | None = None) -> Figure:
    """The isoFLOP profiles of one metric (default: the page's)."""
    metric = metric or study.metric
    left_out = study.runs.drop(study.fitted_runs.index)
    return mini_figures.isoflop_profiles(study.profiles[metric], label=ISOFLOP_METRICS[metric],
                                         left_out=left_out.assign(value=left_out[metric]))


def allocation_figure(study: Isoflop) -> Figure:
    """N_opt(C) and D_opt(C) from both estimates."""
    return mini_figures.allocation(study.fit, study.parametric, study.runs)


@dataclass(frozen=True)
class Page:
    """Everything the page shows, read and computed once.

    Attributes
    ----------
    profile, task : str
        The study's profile (``laptop``, ``smoke``, ``gpu``) and the headline task.
    n_bins : int
        Bins of the frontier fit (the paper: 5).
    form : str
        A law form fitted to the same frontier points beside the paper's power law
        (:data:`repro.scaling.laws.FORMS`).
    rows : DataFrame
        The study's results in the paper's schema.
    provenance : dict
        ``provenance.json`` of the profile.
    panels : list of str
        :func:`headline_panels` of ``task``.
    isoflop : Isoflop, optional
        The compute-optimal study (None when not asked for).
    n_bootstrap : int
        Resamples of the runs for the frontier's bootstrap interval of alpha and R^2.
    isoflop_v1 : Isoflop, optional
        The first isoFLOP study (one seed, no plan), shown beside :attr:`isoflop`.
    wsd_profile : str, optional
        The warmup-stable-decay study compared with its base isoFLOP study's cosine runs.
    wsd : ScheduleAgreement, optional
        That comparison (:func:`repro.mini.analysis.wsd_agreement`).
    warmup_profile : str, optional
        Cosine runs with WSD's short warm-up, compared with both (needs ``wsd_profile``).
    warmup : dict, optional
        Those comparisons (:func:`repro.mini.analysis.warmup_agreements`).
    rerun : DataFrame, optional
        The warm-up profile's runs that its warm-up leaves unchanged, against the same runs of
        isoflop-v2 (:func:`repro.mini.analysis.rerun_differences`).
    """

    profile: str
    task: str
    n_bins: int
    form: str
    rows: pd.DataFrame = field(repr=False)
    provenance: dict = field(repr=False)
    panels: list[str] = field(repr=False)
    isoflop: Isoflop | None = field(default=None, repr=False)
    n_bootstrap: int = 1000
    isoflop_v1: Isoflop | None = field(default=None, repr=False)
    wsd_profile: str | None = None
    wsd: mini_study.ScheduleAgreement | None = field(default=None, repr=False)
    warmup_profile: str | None = None
    warmup: dict[str, mini_study.ScheduleAgreement] | None = field(default=None, repr=False)
    rerun: pd.DataFrame | None = field(default=None, repr=False)

    def report_rows(self) -> list[ReportRow]:
        """:func:`report_rows` of the results, with the winners' z-scores on the profile's test set,
        and the frontier's sensitivity to the bin count and its bootstrap over runs."""
        out = report_rows(self.rows, self.isoflop, n_test=int(self.provenance["profile"]["test_size"]))
        if self.isoflop_v1 is not None:
            out += isoflop_report_rows(self.isoflop_v1, prefix="v1_")
        for r in self.frontier_sensitivity().itertuples(index=False):
            out += [measured("mini", f"r2_frontier_{self.task}_bins{r.n_bins}", r.r_squared),
                    measured("mini", f"alpha_frontier_{self.task}_bins{r.n_bins}", r.alpha)]
        boot = self.frontier_bootstrap()
        for name in ("alpha", "r_squared"):
            lo, hi = boot.interval(name)
            out += [measured("mini", f"{name}_frontier_{self.task}_bootstrap_lo", lo),
                    measured("mini", f"{name}_frontier_{self.task}_bootstrap_hi", hi)]
        if self.wsd is not None:
            out += schedule_report_rows(self.wsd)
        if self.warmup is not None:
            out += [measured("mini", f"short_warmup_minus_{name}_z", a.mean_z,
                             explanation=f"cosine runs with WSD's warm-up against the {name} runs of the same "
                                         "cells: mean difference over its standard error") for name, a in
                    self.warmup.items()]
        return out

    def frontier_sensitivity(self) -> pd.DataFrame:
        """The paper's frontier law on the headline task with 4 to 8 bins: alpha, R^2, points
        (fitted once per page: the report rows, the glue and the page's table share it)."""
        return self._frontier_sensitivity

    def frontier_bootstrap(self) -> mini_study.FrontierBootstrap:
        """alpha and R^2 of the page's frontier over :attr:`n_bootstrap` resamples of the runs
        (resampled once per page: the report rows and the glue share it)."""
        return self._frontier_bootstrap

    @cached_property
    def _frontier_sensitivity(self) -> pd.DataFrame:
        return mini_study.frontier_sensitivity(self.rows, self.task)

    @cached_property
    def _frontier_bootstrap(self) -> mini_study.FrontierBootstrap:
        return mini_study.frontier_bootstrap(self.rows, self.task, n_bins=self.n_bins, n_resamples=self.n_bootstrap)

    def isoflop_provenance(self, version: str = "") -> dict:
        """``provenance.json`` of the isoFLOP study (``version="v1"``: of the first one)."""
        study = self.isoflop_v1 if version == "v1" else self.isoflop
        if study is None:
            raise ParameterError("this page was computed without that isoFLOP study "
                                 f"({'isoflop_v1_profile' if version == 'v1' else 'isoflop_profile'}=None)")
        return analysis.load_provenance(study.profile)

    def glue_values(self) -> dict[str, float]:
        """:func:`glue_values` of the results on the headline task, and the isoFLOP numbers."""
        out = glue_values(self.rows, self.task)
        law = form_fit(self)
        power = analysis.form_fit(analysis.fit(self.rows, self.task, n_bins=self.n_bins), "power", self.task)
        out.update(mini_form_alpha=law.alpha, mini_form_rss=law.rss, mini_power_rss=power.rss,
                   mini_rss_ratio=power.rss / law.rss if law.rss > 0 else nan)
        if self.isoflop is not None:
            out.update(isoflop_glue(self.isoflop))
        if self.isoflop_v1 is not None:
            out.update(isoflop_glue(self.isoflop_v1, prefix="v1_"))
        out.update(onset_glue(studies(self)))
        if self.wsd is not None:
            out.update(schedule_glue(self.wsd))
        sensitivity = self.frontier_sensitivity()
        boot = self.frontier_bootstrap()
        (alpha_lo, alpha_hi), (r2_lo, r2_hi) = boot.interval("alpha"), boot.interval("r_squared")
        out.update(mini_r2_bins_min=float(sensitivity["r_squared"].min()),
                   mini_r2_bins_max=float(sensitivity["r_squared"].max()),
                   mini_r2_bins_passing=float((sensitivity["r_squared"] >= R2_TARGET).sum()),
                   mini_r2_bins_n=float(len(sensitivity)), mini_r2_target=R2_TARGET,
                   mini_alpha_boot_lo=alpha_lo, mini_alpha_boot_hi=alpha_hi, mini_r2_boot_lo=r2_lo,
                   mini_r2_boot_hi=r2_hi, mini_frontier_resamples=float(len(boot.alpha)), mini_n_bins=float(self.n_bins))
        return out


def compute(profile: str = "laptop", task: str = HEADLINE_TASK, n_bins: int = N_BINS, form: str = "power", *,
            isoflop_profile: str | None = ISOFLOP_PROFILE, isoflop_metric: str = "contrastive_loss",
            n_bootstrap: int = 1000, n_starts: int = 0, chance_runs: str = "exclude",
            isoflop_v1_profile: str | None = None, wsd_profile: str | None = None,
            warmup_profile: str | None = None) -> Page:
    """The page for the notebook's parameters: the profile's results and provenance, the isoFLOP
    study (``isoflop_profile=None`` leaves it out; ``n_starts``: see :func:`isoflop`), the first
    isoFLOP study beside it (``isoflop_v1_profile``; None leaves it out) and the warmup-stable-decay
    study against its base's cosine runs (``wsd_profile``; None leaves it out), and cosine runs with
    WSD's warm-up against both (``warmup_profile``; left out without ``wsd_profile``)."""
    _check_choice("form", form, FORMS)

    def study(name: str | None) -> Isoflop | None:
        return (isoflop(name, task, isoflop_metric, n_bootstrap=n_bootstrap,
                        n_bootstrap_parametric=max(5, n_bootstrap // 20), n_starts=n_starts, chance_runs=chance_runs)
                if name else None)

    warmup = warmup_profile if warmup_profile and wsd_profile else None
    return Page(profile, task, n_bins, form, analysis.load_results(profile), analysis.load_provenance(profile),
                headline_panels(task), study(isoflop_profile), n_bootstrap, study(isoflop_v1_profile),
                wsd_profile or None, analysis.wsd_agreement(wsd_profile) if wsd_profile else None,
                warmup, analysis.warmup_agreements(warmup, wsd_profile) if warmup else None,
                analysis.rerun_differences(warmup, get_profile(warmup).warmup_budget) if warmup else None)


def form_fit(page: Page):
    """The page's law form through the headline task's binned-frontier points."""
    return analysis.form_fit(analysis.fit(page.rows, page.task, n_bins=page.n_bins), page.form, page.task)


def form_table(page: Page) -> pd.DataFrame:
    """The paper's power law and the page's form, fitted to the same frontier points."""
    power_law = analysis.fit(page.rows, page.task, n_bins=page.n_bins)
    law = form_fit(page)
    power = analysis.form_fit(power_law, "power", page.task)
    return pd.DataFrame([
        {"form": "power (the paper's fit)", "alpha": power_law.alpha, "parameters": f"beta = {power_law.beta:.4g}",
         "points": power_law.n_points, "RSS (log10 error)": power.rss},
        {"form": page.form, "alpha": law.alpha, "parameters": ", ".join(f"{k} = {v:.4g}" for k, v in law.params.items()),
         "points": law.n_points, "RSS (log10 error)": law.rss},
    ])


#: The frontier fit's R^2 from which the page calls the paper's straight line a law that holds.
R2_HOLDS = 0.95


def frontier_discussion(page: Page) -> str:
    """What the frontier says, in sentences computed from the fits: whether the paper's straight
    line holds (log-log R^2 >= :data:`R2_HOLDS`), how many bin minima sit at chance, and how the
    page's other law form compares on the same points."""
    power_law = analysis.fit(page.rows, page.task, n_bins=page.n_bins)
    r2, decades = analysis.r_squared(power_law), analysis.compute_decades(page.rows, page.task)
    law, power = form_fit(page), analysis.form_fit(power_law, "power", page.task)
    errors = 10 ** np.asarray(power_law.y)
    ceiling = analysis.error_ceiling(page.task)
    at_chance = int(np.sum(errors >= ceiling - 0.01))
    lines = []
    if r2 >= R2_HOLDS:
        lines.append(f"The paper's straight line holds here: through the {power_law.n_points} bin minima it has "
                     f"log-log R^2 = {r2:.3f} over {decades:.2f} decades of compute, the error falling from "
                     f"{errors.max():.3f} to {errors.min():.3f}.")
    else:
        lines.append(f"Here the paper's straight line does not hold (log-log R^2 = {r2:.3f} over {decades:.2f} "
                     "decades).")
    if at_chance:
        lines.append(f"{at_chance} of the {power_law.n_points} bin minima are at chance (an error of "
                     f"{ceiling:.3f}), where an error rate cannot follow a power law.")
    else:
        lines.append(f"No bin minimum is at chance (an error of {ceiling:.3f}).")
    if page.form != "power" and law.rss > 0:
        ratio = power.rss / law.rss
        lines.append(f"The page's other law form ({page.form}) through the same points leaves "
                     + (f"{ratio:.1f} times less squared residual than the power law"
                        if ratio >= 1 else f"{1 / ratio:.1f} times more squared residual than the power law")
                     + f" (with {law.n_params} parameters against 2).")
    return " ".join(lines)


def frontier_display(page: Page) -> Markdown:
    """:func:`frontier_discussion` for the page."""
    return Markdown(frontier_discussion(page))


def models_table(page: Page) -> pd.DataFrame:
    """:func:`family_table` of the models in the results, smallest first."""
    return family_table(analysis.models_of(page.rows))


def summary_table(page: Page) -> pd.DataFrame:
    """Every task's frontier fit (:func:`repro.mini.analysis.summary_table`)."""
    return analysis.summary_table(page.rows)


def exponents_table(page: Page) -> pd.DataFrame:
    """The mini exponents beside the paper's (:func:`repro.mini.analysis.exponents_beside_paper`)."""
    return analysis.exponents_beside_paper(page.rows)


def sample_pairs(n: int = 8, **kwargs) -> Figure:
    """:func:`repro.figures.mini.sample_pairs`: the first ``n`` pre-training pairs."""
    return mini_figures.sample_pairs(n, **kwargs)


def loss_curves(page: Page) -> Figure:
    """The training-loss curves of the profile's runs."""
    return mini_figures.loss_curves(analysis.load_loss_curves(page.profile))


def studies(page: Page) -> tuple[str, ...]:
    """The profiles on the page: its study's and, when present, its isoFLOP study's."""
    return (page.profile,) + ((page.isoflop.profile,) if page.isoflop is not None else ())


def onsets(profiles: tuple[str, ...]) -> pd.DataFrame:
    """:func:`repro.mini.analysis.learning_onset` of every run of the ``profiles``' committed
    results (column ``study``: the profile)."""
    out = []
    for profile in profiles:
        batch = analysis.load_provenance(profile)["profile"]["batch_size"]
        out.append(analysis.learning_onset(analysis.load_loss_curves(profile), batch).assign(study=profile))
    return pd.concat(out, ignore_index=True)


def onset_table(page: Page | tuple[str, ...]) -> pd.DataFrame:
    """Per study and model, smallest first: where the runs left the loss plateau at chance
    (:func:`repro.mini.analysis.onset_summary`), for the page's studies or the ``profiles`` given."""
    table = onsets(studies(page) if isinstance(page, Page) else page)
    summaries = [analysis.onset_summary(runs).assign(study=study) for study, runs in table.groupby("study", sort=False)]
    out = pd.concat(summaries, ignore_index=True)
    return out[["study", *out.columns[:-1]]]


def onset_glue(profiles: tuple[str, ...]) -> dict[str, float]:
    """The plateau's numbers in the prose: the earliest onset of any run, the runs that never left
    the plateau, and all runs (of every profile given)."""
    table = onsets(profiles)
    left = table["onset_samples"].notna()
    return {"mini_onset_earliest": float(table.loc[left, "onset_samples"].min()) if left.any() else nan,
            "mini_chance_runs": float((~left).sum()), "mini_onset_runs": float(len(table))}


def onset_discussion(profiles: tuple[str, ...]) -> str:
    """Where the runs of the ``profiles`` left the loss plateau, in sentences computed from the
    committed training curves: the earliest onset, the per-model range, and the runs that never
    left it (per study, with the most samples any of them saw)."""
    table = onsets(profiles)
    left = table["onset_samples"].notna()
    if not left.any():
        return f"None of the {len(table)} runs left the plateau: every one is at chance on every task."
    per_model = table[left].groupby("arch")["onset_samples"].min()
    lines = [f"The earliest onset of any run is {table.loc[left, 'onset_samples'].min():,.0f} samples seen; per "
             f"model the earliest is between {per_model.min():,.0f} and {per_model.max():,.0f}."]
    stuck = table[~left]
    if len(stuck):
        parts = [f"{len(runs)} of the {int((table['study'] == study).sum())} runs of `{study}` (the longest "
                 f"{runs['samples_seen'].max():,.0f} samples)" for study, runs in stuck.groupby("study", sort=False)]
        lines.append("Never left it, and so at chance on every task: " + "; ".join(parts) + ".")
    else:
        lines.append(f"All {len(table)} runs left it.")
    return " ".join(lines)


def onset_display(profiles: tuple[str, ...] | Page) -> Markdown:
    """:func:`onset_discussion` for the page's studies."""
    return Markdown(onset_discussion(studies(profiles) if isinstance(profiles, Page) else profiles))


def plateau_agreement(study: Isoflop) -> pd.DataFrame:
    """Per run of an isoFLOP study: did its training loss never leave the plateau, did its held-out
    loss end at chance (the study's rule), and how far below each chance loss it ended
    (:func:`repro.mini.analysis.plateau_agreement`)."""
    batch = analysis.load_provenance(study.profile)["profile"]["batch_size"]
    runs = study.runs.drop_duplicates("name")
    onsets = analysis.learning_onset(analysis.load_loss_curves(study.profile), batch)
    return analysis.plateau_agreement(onsets, runs, train_batch=batch, at_chance=runs["at_chance"])


def _tolerance(study: Isoflop) -> float:
    return study.plan["chance_tolerance"] if study.plan else analysis.CHANCE_TOLERANCE


def plateau_agreement_discussion(studies_: Iterable[Isoflop]) -> str:
    """Whether the two measurements of "this run never learned" agree, per isoFLOP study, in
    sentences: the training loss that never left ln(batch) and the held-out loss at chance; each
    run where they disagree is named with how far below each chance loss it ended."""
    lines = []
    for study in studies_:
        table = plateau_agreement(study)
        batch = analysis.load_provenance(study.profile)["profile"]["batch_size"]
        off = table[~table["agree"]]
        head = (f"In `{study.profile}`, {int(table['agree'].sum())} of {len(table)} runs agree "
                f"({int(table['never_left'].sum())} never left the training plateau, "
                f"{int(table['at_chance'].sum())} ended at the chance held-out loss)")
        if off.empty:
            lines.append(head + ".")
            continue
        parts = [f"`{row.name}` ({row.samples_seen:,} samples): its training loss ended "
                 f"{row.train_below:.3f} below $\\ln {batch}$ (an onset needs {analysis.ONSET_MARGIN}) and its "
                 f"held-out loss {row.heldout_below:.3f} below $\\ln {HELDOUT_BATCH}$ (at chance: within {_tolerance(study)})"
                 for row in off.itertuples()]
        lines.append(head + "; where they do not: " + "; ".join(parts) + ".")
    return " ".join(lines)


def plateau_agreement_display(page: Page) -> Markdown:
    """:func:`plateau_agreement_discussion` for the page's isoFLOP studies (v2, then v1)."""
    return Markdown(plateau_agreement_discussion(s for s in (page.isoflop, page.isoflop_v1) if s is not None))


def frontier_figure(page: Page) -> Figure:
    """Compute vs error on the headline panels, with the paper's fit at ``n_bins`` bins."""
    return compute_vs_error(page.rows, page.panels, fits=analysis.panel_fits(page.rows, page.panels, n_bins=page.n_bins))


def bottleneck_figure(page: Page) -> Figure:
    """Error against samples seen per pre-training set, on the headline task."""
    return mini_figures.bottleneck(page.rows, page.task)


# -- one run for several budgets: warmup-stable-decay against cosine ---------------------------------


def schedule_table(agreement: mini_study.ScheduleAgreement) -> pd.DataFrame:
    """Every compared cell: the cosine and WSD means over seeds, their difference, its standard
    error from the pooled seed noise, z, and whether the cell is apart (|z| >= the rule's)."""
    cells = agreement.cells
    return pd.DataFrame({"budget (GMACs)": cells["budget_gmacs"], "model": cells["arch"],
                         "cosine (mean)": cells["cosine"].round(4), "WSD (mean)": cells["wsd"].round(4),
                         "seeds": cells["cosine_seeds"].astype(str) + " / " + cells["wsd_seeds"].astype(str),
                         "samples WSD / cosine": cells["samples_ratio"].round(4),
                         "WSD - cosine": cells["difference"].round(4), "standard error": cells["se"].round(4),
                         "z": cells["z"].round(2), "apart": cells["apart"]})


def _best_sizes(cells: pd.DataFrame, column: str) -> dict[float, str]:
    return {budget: cell.loc[cell[column].idxmin(), "arch"] for budget, cell in cells.groupby("budget_gmacs")}


def schedule_discussion(agreement: mini_study.ScheduleAgreement, profile: str) -> str:
    """What the comparison says, in sentences computed from it: the rule, the verdict, the mean
    difference with its z, the cells apart, whether each budget's better size is the same under
    both schedules, and the compute saved."""
    a, cells = agreement, agreement.cells
    rule = (f"the rule fixed in the profile before its runs: the mean of the cell differences within "
            f"{a.z_match:g} standard errors of 0 and at most {a.max_cells_apart} cell(s) apart (|z| >= {a.z_match:g})")
    verdict = "match the cosine runs within seed noise" if a.matches else "do not match the cosine runs"
    lines = [f"Under {rule}, the WSD branches of `{profile}` {verdict}: over {len(cells)} cells the mean "
             f"difference (WSD - cosine) is {a.mean_difference:+.4f} (standard error {a.mean_se:.4f}, "
             f"z = {a.mean_z:.2f}) against a seed noise of {a.sd:.4f} per run, and {a.n_apart} cell(s) are apart."]
    lower = int((cells["difference"] < 0).sum())
    if not a.matches:
        lines.append(f"The WSD mean is the lower (better) one in {lower} of the {len(cells)} cells.")
    apart = cells[cells["apart"]]
    if len(apart):
        lines.append("Apart: " + "; ".join(f"{r.arch} at {r.budget_gmacs:.3g} GMACs ({r.difference:+.4f}, "
                                           f"z = {r.z:.2f})" for r in apart.itertuples()) + ".")
    cosine_best, wsd_best = _best_sizes(cells, "cosine"), _best_sizes(cells, "wsd")
    differ = [b for b in cosine_best if cosine_best[b] != wsd_best[b]]
    if cells["arch"].nunique() == 2:
        def gap(budget: float, column: str) -> str:
            cell = cells[cells["budget_gmacs"] == budget]
            seeds = cell["cosine_seeds" if column == "cosine" else "wsd_seeds"]
            value = float(cell[column].max() - cell[column].min())
            return f"{'cosine' if column == 'cosine' else 'WSD'} gap {value:.4f}, z = {value / (a.sd * np.sqrt((1 / seeds).sum())):.2f}"
        lines.append(f"The better of the two sizes is the same under both schedules at "
                     f"{len(cosine_best) - len(differ)} of {len(cosine_best)} budgets" +
                     (": it differs at " + "; ".join(f"{b:.3g} GMACs (cosine {cosine_best[b]}, WSD {wsd_best[b]}; "
                                                     f"{gap(b, 'cosine')}, {gap(b, 'wsd')})" for b in differ)
                      if differ else "") + ".")
    if not a.matches:
        lines.append("So one trunk per size does not stand in for this study's cosine runs: it measures another loss "
                     "surface, not the same one at less compute. The two schedules differ in their warm-up too (a "
                     "cosine run warms up over 10 % of its own steps, a branch over 10 % of the smallest budget's "
                     "run): whether that is the cause is the next question on this page.")
    lo, hi = cells["samples_ratio"].min(), cells["samples_ratio"].max()
    lines.append(f"Rounded to whole batches of their epochs, the branches saw {lo:.3f} to {hi:.3f} times the cosine "
                 "runs' samples.")
    lines.append(f"One trunk per size and seed, with a decay per budget, cost {a.compute_ratio:.2f} of the compute "
                 "of the separate cosine runs of the same cells (the saving grows with the number of budgets and "
                 "falls as they spread: here most of the compute is the largest budget's).")
    lines.append("The z of the mean takes the cells as independent; branches of one trunk share its stable phase, "
                 "so their errors are correlated and the true standard error is larger: the rule errs towards "
                 "calling the schedules different.")
    if a.chain_dof:
        lines.append(f"A test added after these results were seen (the rule above is unchanged) takes each trunk as "
                     f"one unit, its value the mean over budgets of its branches minus the cosine runs of the same "
                     f"seed: t = {a.chain_t:.2f} with {a.chain_dof} degrees of freedom; the branch is lower in "
                     f"{a.n_lower} of the {a.n_paired} seed-paired runs.")
    return " ".join(lines)


#: What the page shows in place of the WSD study when it leaves it out.
_WITHOUT_WSD = "This page was computed without the WSD study (parameter `wsd_profile`)."


def wsd_table(page: Page) -> pd.DataFrame | Markdown:
    """:func:`schedule_table` of the page's WSD study (a line saying so when the page leaves it out)."""
    return Markdown(_WITHOUT_WSD) if page.wsd is None else schedule_table(page.wsd)


def schedule_display(page: Page) -> Markdown:
    """:func:`schedule_discussion` for the page (a line saying so when the page leaves it out)."""
    if page.wsd is None:
        return Markdown(_WITHOUT_WSD)
    return Markdown(schedule_discussion(page.wsd, page.wsd_profile))


def schedule_figure(page: Page) -> Figure | Markdown:
    """Cosine means and WSD means against budget, per size."""
    if page.wsd is None:
        return Markdown(_WITHOUT_WSD)
    return mini_figures.schedules(page.wsd.cells, page.wsd.sd, label=ISOFLOP_METRICS["contrastive_loss"])


def schedule_glue(agreement: mini_study.ScheduleAgreement) -> dict[str, float]:
    """The numbers the page's prose quotes."""
    return {"wsd_mean_difference": agreement.mean_difference, "wsd_mean_z": agreement.mean_z,
            "wsd_n_apart": float(agreement.n_apart), "wsd_n_cells": float(len(agreement.cells)),
            "wsd_compute_ratio": agreement.compute_ratio, "wsd_sd": agreement.sd}


def schedule_report_rows(agreement: mini_study.ScheduleAgreement) -> list[ReportRow]:
    """Report rows of the comparison (measured: the paper has no such schedule)."""
    return [measured("mini", "wsd_minus_cosine_mean", agreement.mean_difference,
                     explanation="mean over cells of WSD branch minus cosine run, held-out contrastive loss"),
            measured("mini", "wsd_minus_cosine_z", agreement.mean_z,
                     explanation=f"that mean over its standard error; the schedules match at |z| < "
                                 f"{agreement.z_match:g} with at most {agreement.max_cells_apart} cell(s) apart"),
            measured("mini", "wsd_minus_cosine_trunk_t", agreement.chain_t,
                     explanation=f"t over trunks ({agreement.chain_dof} dof) of branch minus same-seed cosine run, "
                                 "a test added after the results were seen"),
            measured("mini", "wsd_cells_apart", float(agreement.n_apart),
                     explanation=f"cells with |z| >= {agreement.z_match:g} of {len(agreement.cells)}"),
            measured("mini", "wsd_compute_ratio", agreement.compute_ratio,
                     explanation="compute of one trunk per size and seed plus its decays over the cosine runs'")]


def warmup_table(page: Page) -> pd.DataFrame | Markdown:
    """Every cell of the warm-up runs: isoflop-v2's cosine mean, the short-warm-up cosine mean and
    the WSD mean, and the short-warm-up runs' z against each."""
    if page.warmup is None:
        return Markdown("This page was computed without the warm-up runs (parameters `warmup_profile`, `wsd_profile`).")
    cosine, wsd = page.warmup["cosine"].cells, page.warmup["wsd"].cells
    keys = ["budget_gmacs", "arch"]
    both = cosine[keys + ["cosine", "wsd", "z"]].rename(columns={"cosine": "cosine", "wsd": "short warm-up",
                                                                  "z": "z vs cosine"}).merge(
        wsd[keys + ["cosine", "z"]].rename(columns={"cosine": "WSD", "z": "z vs WSD"}), on=keys)
    return both.rename(columns={"budget_gmacs": "budget (GMACs)", "arch": "model"})[
        ["budget (GMACs)", "model", "cosine", "short warm-up", "WSD", "z vs cosine", "z vs WSD"]].round(
        {"cosine": 4, "short warm-up": 4, "WSD": 4, "z vs cosine": 2, "z vs WSD": 2})


def _verdict(a: mini_study.ScheduleAgreement) -> str:
    return (f"{'match' if a.matches else 'do not match'} (mean difference {a.mean_difference:+.4f}, z = "
            f"{a.mean_z:.2f}; {a.n_apart} of {len(a.cells)} cells apart; lower in {a.n_lower} of {a.n_paired} "
            "seed-paired runs)")


def warmup_discussion(page: Page) -> str:
    """The warm-up question answered under the rule fixed before its runs, in sentences computed
    from the comparisons, with the rerun noise of the runs both profiles share."""
    if page.warmup is None:
        return "This page was computed without the warm-up runs (parameters `warmup_profile`, `wsd_profile`)."
    cosine, wsd = page.warmup["cosine"], page.warmup["wsd"]
    explains = wsd.matches and not cosine.matches
    lines = [f"Against isoflop-v2's cosine runs of the same cells the short-warm-up runs {_verdict(cosine)}; "
             f"against the WSD branches they {_verdict(wsd)}.",
             f"Under the rule fixed before the runs (they must match the WSD branches and not the cosine runs), the "
             f"warm-up {'explains' if explains else 'does not explain'} the gap between the schedules."]
    if not explains:
        worse = int((cosine.cells["difference"] > 0).sum())
        lines.append(f"The short warm-up alone does not bring the cosine runs to the branches: it leaves them "
                     f"higher, not lower, in {worse} of {len(cosine.cells)} cells. What remains different is the "
                     "rate schedule after the warm-up (a branch holds the peak rate for 80 % of its budget, a cosine "
                     "run decays from the start); that it is the cause is not tested here.")
    rerun = page.rerun
    if rerun is not None and len(rerun):
        largest = rerun["difference"].abs().max()
        same = ("identical to the last digit: on one machine a run is deterministic, and the seed noise above is "
                "between seeds, not between reruns" if largest == 0 else
                f"they differ by at most {largest:.4f} in held-out loss, the rerun noise of one run")
        cells = rerun["arch"].nunique()
        lines.append(f"At {rerun['budget_gmacs'].iloc[0]:.3g} GMACs the short warm-up is the runs' own, so those "
                     f"{len(rerun)} runs are isoflop-v2's runs again (same spec, seed and code path; their {cells} "
                     f"cells count in both comparisons above): {same}.")
    return " ".join(lines)


def warmup_display(page: Page) -> Markdown:
    """:func:`warmup_discussion` for the page."""
    return Markdown(warmup_discussion(page))

