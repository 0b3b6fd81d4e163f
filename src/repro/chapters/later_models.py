"""Chapter "Two years on: the paper's laws against the models trained since"
(``book/notebooks/later_models.md``).

open_clip's published benchmark (121 pretrained models, :func:`repro.data.load_openclip_benchmark`)
read in the paper's terms (:func:`repro.data.openclip_models.model_table`, with the training facts
open_clip's notes and the models' papers document, :mod:`repro.data.openclip_notes`), each model
placed on the paper's compute axis as trained (GMACs counted by :func:`repro.compute.towers.gmacs_table`),
and the paper's laws (fitted on its 2022 runs only) and the uncertainty chapter's best law with its 90%
prediction intervals (:mod:`repro.scaling.forecast`) checked against what the models measured.

One sign convention everywhere: residual = measured - forecast (negative: the law over-forecast).
One exclusion rule for every count, mean and median (:func:`scored`): a model in the paper's fit, a
duplicate of another row, or a model fine-tuned on a downstream task's training set is listed, never
scored. Every comparison of a forecast with a model evaluates the law at that model's own samples
seen and GMACs (Table 4's printed forecasts are context, :func:`table04_audit`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from repro.compute.towers import gmacs_table
from repro.constants import EXTRAPOLATION_SAMPLES_SEEN, display_name
from repro.data import load_models_info, load_openclip_benchmark, load_reported, load_results
from repro.data.openclip_models import (
    BEFORE_PAPER,
    FINE_TUNED_KIND,
    IN_FAMILY,
    IN_FIT,
    KIND_NAMED_BY,
    KINDS,
    LATER,
    MEMBERSHIP_TOLERANCE_POINTS,
    POOL_KIND,
    model_table,
)
from repro.data.openclip_notes import documented_facts
from repro.errors import ParameterError, SchemaError
from repro.figures.later_models import later_models_explorer, residual_figure
from repro.report import ReportRow, Text, forecast, measured as measured_row, rows_frame
from repro.scaling.forecast import (
    LawForecaster,
    forecaster,
    frontier_by_name,
    pick_interval_method,
    select_law,
    study_scores,
)
from repro.scaling.frontiers import PAPER_FRONTIER
from repro.scaling.uncertainty import INTERVAL_METHODS, interval_study
from repro.scaling.verdicts import coverage_sentence

SECTION = "later_models"
#: The audit's tasks: the paper's downstream dataset -> its name on this page.
AUDIT_TASKS = {"imagenet1k": "ImageNet", "imagenet_robustness": "robustness", "mscoco_captions": "MS-COCO",
               "flickr30k": "Flickr30K"}
#: open_clip's column of each audit task (fractions); the robustness mean is computed.
TASK_COLUMNS = {"imagenet1k": "ImageNet 1k", "mscoco_captions": "MSCOCO image retr. R@5",
                "flickr30k": "Flickr image retr. R@5"}
#: The paper's robustness mean: ImageNet-V2, -R, -Sketch, ObjectNet and ImageNet-A (Sec. 4).
ROBUSTNESS_COLUMNS = ("ImageNet v2", "ImageNet-R", "ImageNet Sketch", "ObjectNet", "ImageNet-A")
LAWS = ("paper", "best")
#: Interval level of the audit (the uncertainty chapter's 90% intervals), of the bias interval and of
#: the coverage's Clopper-Pearson interval.
LEVEL = 0.9
#: The backtest horizon of the best law's selection and of the interval calibration.
SELECTION_K = 5
#: Table 4's models and the open_clip model that later trained each configuration.
TABLE04_MATCHES = (("ViT-g/14", "34B", "ViT-g-14", "laion2b_s34b_b88k"),
                   ("ViT-G/14", "34B", "ViT-bigG-14", "laion2b_s39b_b160k"))
TABLE04_COLUMNS = {"imagenet1k": "imagenet_top1", "mscoco_captions": "mscoco_image_retrieval_r5"}
#: Percent values are compared at open_clip's printed precision (four decimals of a fraction).
DECIMALS = 2
#: A ratio of our GMACs to the table's FLOPs / 2 this close to 1 needs no explanation.
RATIO_TOLERANCE = 0.01
#: Two laws whose mean absolute errors differ by less than this (points) forecast "about as well".
LAW_TIE_POINTS = 0.1
#: Where a model's compute lies against the paper's runs.
BELOW, INSIDE, BEYOND = "below the paper's runs", "inside the paper's runs", "beyond the paper's runs"
#: The one exclusion rule of every count, mean and median on this page.
EXCLUSION_RULE = ("scored: every placed model except those in the paper's fit, duplicates of another row, and "
                  "models fine-tuned on a downstream task's training set")

__all__ = ["AUDIT_TASKS", "LAWS", "Page", "compute", "explorer", "residuals_figure"]


def measured(benchmark: pd.DataFrame, task: str) -> pd.Series:
    """What each model measured on an audit task, as a fraction (accuracy or image retrieval R@5)."""
    if task == "imagenet_robustness":
        missing = [c for c in ROBUSTNESS_COLUMNS if c not in benchmark.columns]
        if missing:
            raise SchemaError(f"open_clip benchmark: missing robustness column(s) {', '.join(missing)}")
        return benchmark[list(ROBUSTNESS_COLUMNS)].mean(axis=1)
    if task not in TASK_COLUMNS:
        raise ParameterError(f"task {task!r}: expected one of {', '.join(AUDIT_TASKS)}")
    return benchmark[TASK_COLUMNS[task]].astype(float)


def place(models: pd.DataFrame, gmacs: pd.DataFrame) -> pd.DataFrame:
    """Models with compute as trained; ``placed`` False with a ``reason`` otherwise.

    ``gmacs_total`` = GMACs per sample of the base run's architecture (``base_name``, the model's own
    when empty) x its samples + the model's own GMACs x the documented fine-tuning samples at its
    resolution; ``gmacs`` is that total per sample seen.
    """
    per_arch = gmacs.set_index("model")
    problem = per_arch["problem"].fillna("")
    own = models["name"].map(per_arch["gmacs"])
    given = models["base_name"].fillna("")
    base_name = given.where(given != "", models["name"])
    base = base_name.map(per_arch["gmacs"])
    tuned = models["finetune_samples"].fillna(0.0)
    merged = models.copy()
    merged["gmacs_total"] = base * (merged["samples_seen"] - tuned) + own * tuned
    merged["gmacs"] = merged["gmacs_total"] / merged["samples_seen"]
    gmacs_problem = models["name"].map(problem).fillna("no count")
    base_problem = base_name.map(problem).fillna("no count")
    reasons = []
    for r, g, b in zip(merged.itertuples(index=False), gmacs_problem, base_problem):
        if r.problem:
            reasons.append(f"unreadable: {r.problem}")
        elif g or b:
            reasons.append(f"GMACs not counted: {g or b}")
        elif not np.isfinite(r.samples_seen):
            reasons.append(r.samples_source)
        else:
            reasons.append("")
    merged["reason"] = reasons
    merged["placed"] = merged["reason"] == ""
    return merged


def ratio_table(gmacs: pd.DataFrame, benchmark: pd.DataFrame, at_profile: pd.DataFrame) -> pd.DataFrame:
    """Our GMACs per sample beside open_clip's ``FLOPs (B)`` / 2, one row per architecture, with the reason
    where the ratio departs from 1 (``at_profile``: the Hugging Face towers counted at the token count
    open_clip's profile feeds them)."""
    flops = benchmark.groupby("name")["FLOPs (B)"].first()
    table = gmacs.assign(table_gmacs=gmacs["model"].map(flops) / 2)
    table["ratio"] = table["gmacs"] / table["table_gmacs"]
    again = at_profile.set_index("model")["gmacs"]
    table["ratio_at_profile_length"] = table["model"].map(again) / table["table_gmacs"]
    notes = []
    for r in table.itertuples(index=False):
        if abs(r.ratio - 1) <= RATIO_TOLERANCE:
            notes.append("")
        elif str(r.text_tower).startswith("Hugging Face"):
            notes.append(f"the table feeds the text tower its maximum position count; training reads "
                         f"{r.context_length:.0f} tokens (counted at the table's length: ratio "
                         f"{r.ratio_at_profile_length:.3f})")
        elif r.decoder != "none":
            notes.append("CoCa: the decoder is counted with the text tower here, as a training step runs it")
        else:
            notes.append("not explained")
    table["why"] = notes
    return table[["model", "image_tower", "text_tower", "context_length", "gmacs", "table_gmacs", "ratio", "why"]]


def hf_profile_lengths(gmacs: pd.DataFrame) -> dict[str, int]:
    """The token count open_clip's profile feeds each Hugging Face text tower: its
    ``max_position_embeddings`` (what ``HFTextEncoder.context_length`` reports)."""
    lengths = {"roberta": 514, "xlm-roberta": 514, "nllb": 1024}
    out = {}
    for model, text in zip(gmacs["model"], gmacs["text_tower"].fillna("")):
        if text.startswith("Hugging Face"):
            hub = text.removeprefix("Hugging Face ")
            out[model] = lengths["nllb" if "nllb" in hub else "xlm-roberta" if "xlm" in hub else "roberta"]
    return out


@dataclass(frozen=True)
class Laws:
    """The laws of the audit per task: ``paper`` (the paper's exact fit) and ``best`` (the selected
    form and frontier), the interval method and the study that calibrated it."""

    paper: dict[str, LawForecaster]
    best: dict[str, LawForecaster]
    selection: pd.DataFrame = field(repr=False)
    scores: pd.DataFrame = field(repr=False)
    method: str = "conformal_scaled"

    @property
    def best_form(self) -> str:
        return str(self.selection.iloc[0]["form"])

    @property
    def best_frontier(self) -> str:
        return str(self.selection.iloc[0]["frontier"])


def fit_laws(rows: pd.DataFrame, *, n_bootstrap: int, interval_method: str = "auto") -> Laws:
    """The paper's law and the best law for every audit task, with the interval study of the best law."""
    if interval_method != "auto" and interval_method not in INTERVAL_METHODS:
        raise ParameterError(f"interval_method {interval_method!r}: expected 'auto' or one of "
                             f"{', '.join(INTERVAL_METHODS)}")
    datasets = sorted(rows["downstream_dataset"].unique())
    selection = select_law(rows, datasets, k=SELECTION_K)
    form, frontier = str(selection.iloc[0]["form"]), frontier_by_name(str(selection.iloc[0]["frontier"]))
    study = interval_study(rows, datasets, form=form, frontier=frontier, ks=(SELECTION_K,), n_resamples=n_bootstrap,
                           level=LEVEL)
    paper_study = interval_study(rows, datasets, form="power", frontier=PAPER_FRONTIER, ks=(SELECTION_K,),
                                 n_resamples=n_bootstrap, level=LEVEL)
    scores = study_scores(study)
    method = pick_interval_method(scores) if interval_method == "auto" else interval_method
    paper = {t: forecaster(rows, t, study=paper_study) for t in AUDIT_TASKS}
    best = {t: forecaster(rows, t, form=form, frontier=frontier, study=study) for t in AUDIT_TASKS}
    return Laws(paper, best, selection, scores, method)


#: Columns of the model table carried into every forecast row.
_CARRIED = ("name", "pretrained", "data_family", "pool", "pool_filter", "objective", "image_tower", "text_tower",
            "fine_tuned_on", "outside_clip_tower", "kind", "membership", "run", "duplicate_of", "samples_seen",
            "gmacs", "gmacs_total")


def forecasts(models: pd.DataFrame, benchmark: pd.DataFrame, laws: Laws, *, n_bootstrap: int) -> pd.DataFrame:
    """One row per placed model and audit task: measured, each law's forecast at the model's own
    compute (percent), the residual measured - forecast (points), each law's 90% interval (percent)
    with ``inside``, and where the compute lies against the paper's runs."""
    keyed = benchmark.set_index(["name", "pretrained"])
    placed = models[models["placed"]]
    parts = []
    for task in AUDIT_TASKS:
        values = measured(keyed.reset_index(), task).set_axis(keyed.index)
        frame = placed[list(_CARRIED)].copy()
        frame["task"] = task
        frame["measured"] = 100 * values.reindex(pd.MultiIndex.from_frame(frame[["name", "pretrained"]])).to_numpy()
        for law in LAWS:
            law_fit = getattr(laws, law)[task]
            c = frame["gmacs_total"].to_numpy()
            lo_err, hi_err = law_fit.interval(c, laws.method, level=LEVEL, n_resamples=n_bootstrap)
            frame[f"{law}_forecast"] = 100 * (1 - law_fit.predict(c))
            frame[f"{law}_lo"], frame[f"{law}_hi"] = 100 * (1 - hi_err), 100 * (1 - lo_err)
            frame[f"{law}_residual"] = frame["measured"] - frame[f"{law}_forecast"]
            frame[f"{law}_inside"] = (frame["measured"] >= frame[f"{law}_lo"]) & (frame["measured"] <= frame[f"{law}_hi"])
        low, high = laws.paper[task].log10_compute_range
        x = np.log10(frame["gmacs_total"])
        frame["compute_range"] = np.where(x < low, BELOW, np.where(x > high, BEYOND, INSIDE))
        frame["compute_over_paper_max"] = frame["gmacs_total"] / 10 ** high
        parts.append(frame)
    return pd.concat(parts, ignore_index=True)


def scored(table: pd.DataFrame) -> pd.DataFrame:
    """The one exclusion rule (:data:`EXCLUSION_RULE`) applied to forecast rows."""
    keep = (table["membership"] != IN_FIT) & (table["duplicate_of"].fillna("") == "") & \
        (table["kind"] != FINE_TUNED_KIND)
    return table[keep]


def check_counted_once(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` unchanged if every checkpoint is counted once per task; a duplicate row (one checkpoint
    under two activation names) beside the row it duplicates, or a repeated row, raises.

    Raises
    ------
    SchemaError
        Naming the checkpoint counted twice.
    """
    canonical = np.where(rows["duplicate_of"].fillna("") != "",
                         rows["duplicate_of"].fillna("").str.replace(r" \(.*\)$", "", regex=True),
                         rows["name"] + " " + rows["pretrained"])
    keys = pd.Series(canonical, index=rows.index) + " | " + rows["task"]
    twice = keys[keys.duplicated(keep=False)]
    if len(twice):
        raise SchemaError(f"counted twice: {', '.join(sorted(set(twice)))}")
    return rows


def in_family(table: pd.DataFrame) -> pd.DataFrame:
    """The scored models the paper's laws describe (CLIP, open_clip's ViT and text transformer, on
    LAION-400M or LAION-2B), released before the paper or later: out of the paper's fits."""
    part = scored(table)
    return check_counted_once(part[part["kind"] == IN_FAMILY])


def truly_later(family: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``family`` (:func:`in_family`) released after the paper."""
    return family[family["membership"] == LATER]


def run_mean_interval(rows: pd.DataFrame, column: str, level: float = LEVEL) -> dict[str, float]:
    """Mean of ``column`` with each training run weighted once, and its t interval over runs.

    Consecutive epochs of one run (``run``) are one observation: the residuals of a run are averaged
    first; the interval has runs - 1 degrees of freedom (NaN with a single run).
    """
    per_run = rows.groupby("run")[column].mean()
    n = len(per_run)
    mean = float(per_run.mean()) if n else float("nan")
    if n < 2:
        return {"mean": mean, "low": float("nan"), "high": float("nan"), "runs": float(n)}
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * per_run.std(ddof=1) / np.sqrt(n))
    return {"mean": mean, "low": mean - half, "high": mean + half, "runs": float(n)}


def clopper_pearson(hits: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """The exact (Clopper-Pearson) interval of a proportion ``hits / n``.

    Parameters
    ----------
    hits, n : int
        Successes and trials (``n`` > 0).
    level : float
        Two-sided confidence level.
    """
    if n <= 0 or not 0 <= hits <= n:
        raise ParameterError(f"clopper_pearson: hits={hits}, n={n}: need 0 <= hits <= n and n > 0")
    alpha = 1 - level
    low = 0.0 if hits == 0 else float(stats.beta.ppf(alpha / 2, hits, n - hits + 1))
    high = 1.0 if hits == n else float(stats.beta.ppf(1 - alpha / 2, hits + 1, n - hits))
    return low, high


def direction_sentence(below: int, n: int, low: float, high: float) -> str:
    """The verdict on the direction of the misses, from the counts and the run-weighted interval of
    the mean residual: a direction only when the interval excludes zero."""
    if high < 0:
        return (f"the law over-forecast: {below} of {n} measurements fell below the forecast, and the interval "
                f"of the mean residual lies below zero")
    if low > 0:
        return (f"the law under-forecast: {n - below} of {n} measurements came out above the forecast, and the "
                f"interval of the mean residual lies above zero")
    return (f"no direction is established: {below} of {n} measurements fell below the forecast, but the interval "
            f"of the mean residual includes zero")


def law_sentence(mae_paper: float, mae_best: float, n: int, what: str = "later measurements") -> str:
    """Which law forecast ``n`` measurements (``what``) better, by mean absolute error: a tie below
    :data:`LAW_TIE_POINTS` points."""
    if not (np.isfinite(mae_paper) and np.isfinite(mae_best)):
        return f"no {what} to compare the laws on"
    if abs(mae_paper - mae_best) < LAW_TIE_POINTS:
        return f"the two laws forecast the {n} {what} about as well"
    better = "paper's law" if mae_paper < mae_best else "best law"
    return f"the {better} forecast the {n} {what} better"


def _by_task(rows: pd.DataFrame):
    """``("all", rows)``, then ``(task, its rows)`` for each audit task."""
    yield "all", rows
    for task in AUDIT_TASKS:
        yield task, rows[rows["task"] == task]


def verdict(table: pd.DataFrame) -> pd.DataFrame:
    """Per law and task (and ``all`` tasks): in-family forecasts scored, independent runs, how many
    measurements fell below / above the forecast, the run-weighted mean residual with its 90% t
    interval, the mean absolute error, and the same error on the truly later runs only."""
    fam = in_family(table)
    out = []
    for law in LAWS:
        for task, part in _by_task(fam):
            late = truly_later(part)
            ci = run_mean_interval(part, f"{law}_residual")
            below = int((part[f"{law}_residual"] < 0).sum())
            out.append({"law": law, "task": task, "n": len(part), "runs": int(ci["runs"]), "below": below,
                        "above": int((part[f"{law}_residual"] > 0).sum()), "mean_residual": ci["mean"],
                        "ci_low": ci["low"], "ci_high": ci["high"],
                        "mae": float(part[f"{law}_residual"].abs().mean()),
                        "later_n": len(late), "later_runs": int(late["run"].nunique()),
                        "later_mae": float(late[f"{law}_residual"].abs().mean()) if len(late) else float("nan"),
                        "later_bias": float(late[f"{law}_residual"].mean()) if len(late) else float("nan"),
                        "direction": direction_sentence(below, len(part), ci["low"], ci["high"]) if len(part) else ""})
    return pd.DataFrame(out)


def coverage(table: pd.DataFrame) -> pd.DataFrame:
    """Per law and task: measurements inside the law's 90% interval (hits / n), the Clopper-Pearson
    interval of that rate and the independent training runs behind n."""
    fam = in_family(table)
    out = []
    for law in LAWS:
        for task, part in _by_task(fam):
            hits, n = int(part[f"{law}_inside"].sum()), len(part)
            low, high = clopper_pearson(hits, n) if n else (float("nan"), float("nan"))
            out.append({"law": law, "task": task, "hits": hits, "n": n, "rate": hits / n if n else float("nan"),
                        "cp_low": low, "cp_high": high, "runs": int(part["run"].nunique())})
    return pd.DataFrame(out)


def check_like_for_like(audit: pd.DataFrame) -> pd.DataFrame:
    """``audit`` unchanged if every forecast it compares was evaluated at the measured model's own
    samples seen (and GMACs); otherwise SchemaError naming the row."""
    for r in audit.itertuples(index=False):
        if not np.isclose(r.forecast_samples_seen, r.measured_samples_seen, rtol=1e-9) or \
                not np.isclose(r.forecast_gmacs, r.measured_gmacs, rtol=1e-9):
            raise SchemaError(f"Table 4 audit, {r.model} {r.task}: the forecast is for {r.forecast_samples_seen:.4g} "
                              f"samples x {r.forecast_gmacs:.4g} GMACs, the measured model {r.later_model} saw "
                              f"{r.measured_samples_seen:.4g} x {r.measured_gmacs:.4g}: unlike compared")
    return audit


def table04_audit(table: pd.DataFrame, laws: Laws) -> pd.DataFrame:
    """Table 4's models against the later model of the same configuration, like for like: the paper's
    law at the later model's own samples seen and GMACs (``forecast``), beside Table 4's printed
    forecast (``printed``, for 34B = 84 epochs of LAION-400M, context only) and the same law at the
    printed samples (``law_at_printed_samples``: the law reproduces the printed value)."""
    printed = load_reported("table04").set_index(["model", "samples_seen"])
    records = []
    for model, samples, name, tag in TABLE04_MATCHES:
        for task, column in TABLE04_COLUMNS.items():
            row = table[(table["name"] == name) & (table["pretrained"] == tag) & (table["task"] == task)]
            if len(row) != 1:
                raise SchemaError(f"table04 audit: open_clip's benchmark has no placed {name} {tag}")
            row = row.iloc[0]
            printed_samples = EXTRAPOLATION_SAMPLES_SEEN[samples]
            at_printed = 100 * (1 - float(laws.paper[task].predict(row["gmacs"] * printed_samples)[0]))
            records.append({"model": model, "task": AUDIT_TASKS[task], "later_model": f"{name} {tag}",
                            "printed": float(printed.loc[(model, samples), column]),
                            "printed_samples_seen": printed_samples, "law_at_printed_samples": at_printed,
                            "forecast": row["paper_forecast"], "forecast_samples_seen": row["samples_seen"],
                            "forecast_gmacs": row["gmacs"], "measured": row["measured"],
                            "measured_samples_seen": row["samples_seen"], "measured_gmacs": row["gmacs"],
                            "residual": row["measured"] - row["paper_forecast"],
                            "residual_vs_printed": row["measured"] - float(printed.loc[(model, samples), column])})
    return check_like_for_like(pd.DataFrame(records))


def _names(values: Sequence[str]) -> str:
    return " / ".join(sorted({str(v) for v in values if str(v)}))


def group_members(table: pd.DataFrame, task: str) -> pd.DataFrame:
    """Scored rows of one task with their audit group: the kind, split by era for the in-family
    models and by compute range for the DataComp / CommonPool / DFN runs; the label names exactly the
    members' families (:data:`repro.data.openclip_models.KIND_NAMED_BY`)."""
    part = check_counted_once(scored(table)[lambda t: t["task"] == task]).copy()
    qualifier = np.where(part["kind"] == IN_FAMILY,
                         np.where(part["membership"] == LATER, "later", "released before the paper"),
                         np.where(part["kind"] == POOL_KIND, part["compute_range"], ""))
    part["qualifier"] = qualifier
    labels = {}
    for (kind, qual), members in part.groupby(["kind", "qualifier"], sort=False):
        names = _names(members[KIND_NAMED_BY[kind]])
        labels[(kind, qual)] = f"{kind}: {names}" + (f", {qual}" if qual else "")
    part["group"] = [labels[(k, q)] for k, q in zip(part["kind"], part["qualifier"])]
    return part


def check_group_labels(groups: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """``groups`` unchanged if each label names exactly the families of its members (every family
    named has a member, every member's family is named); SchemaError otherwise."""
    for g in groups.itertuples(index=False):
        part = members[members["group"] == g.group]
        have = {str(v) for v in part[KIND_NAMED_BY[g.kind]] if str(v)}
        named = set(g.names.split(" / ")) if g.names else set()
        if not len(part) or named != have:
            raise SchemaError(f"group {g.group!r}: names {sorted(named)}, its {len(part)} member(s) are "
                              f"{sorted(have)}")
    return groups


def group_table(table: pd.DataFrame, task: str) -> pd.DataFrame:
    """Residuals by audit group on one task (scored models only): models, independent runs, the
    paper's law's median / mean / mean absolute residual and the best law's median, and the members."""
    members = group_members(table, task)
    order = {k: i for i, k in enumerate(KINDS)}
    rows = []
    for label, part in members.groupby("group", sort=False):
        kind = part["kind"].iloc[0]
        rows.append({"group": label, "kind": kind, "qualifier": part["qualifier"].iloc[0],
                     "names": _names(part[KIND_NAMED_BY[kind]]), "models": len(part),
                     "runs": part["run"].nunique(), "median_residual": part["paper_residual"].median(),
                     "mean_residual": part["paper_residual"].mean(),
                     "mean_abs_residual": part["paper_residual"].abs().mean(),
                     "best_median_residual": part["best_residual"].median(),
                     "members": ", ".join(f"{n} {p}" for n, p in zip(part["name"], part["pretrained"])),
                     "_o": order.get(kind, len(order))})
    groups = pd.DataFrame(rows).sort_values(["_o", "group"]).drop(columns="_o").reset_index(drop=True)
    return check_group_labels(groups, members)


def forecast_rows(table: pd.DataFrame, laws: Laws, law: str) -> list[ReportRow]:
    """One report row per in-family forecast of ``law`` (measured - forecast), each at the model's own
    samples seen and GMACs."""
    if law not in LAWS:
        raise ParameterError(f"law {law!r}: expected one of {', '.join(LAWS)}")
    rows = []
    for r in in_family(table).itertuples(index=False):
        lo, hi = getattr(r, f"{law}_lo"), getattr(r, f"{law}_hi")
        inside = "inside" if getattr(r, f"{law}_inside") else "outside"
        row = forecast(SECTION, f"{law} law {AUDIT_TASKS[r.task]} {r.name} {r.pretrained} "
                                f"({r.samples_seen / 1e9:.3g}B samples, {r.gmacs_total:.3g} GMACs)",
                       forecast_value=getattr(r, f"{law}_forecast"), measured_value=r.measured,
                       explanation=f"{r.membership}; forecast at the model's own compute; measured {inside} the "
                                   f"{law} law's 90% interval {lo:.2f} to {hi:.2f} ({laws.method})")
        rows.append(_with_decimals(row))
    return rows


def _with_decimals(row: ReportRow) -> ReportRow:
    return replace(row, decimals=DECIMALS)


def table04_rows(audit: pd.DataFrame) -> list[ReportRow]:
    """Table 4's configurations, like for like: the paper's law at the later model's own compute
    against its measurement; the printed forecast (other samples seen) is in the explanation only."""
    return [_with_decimals(forecast(
        SECTION, f"Table 4 {r.task} {r.model}: paper law at {r.later_model}'s own compute "
                 f"({r.forecast_samples_seen / 1e9:.3g}B samples)",
        forecast_value=r.forecast, measured_value=r.measured,
        explanation=f"Table 4 printed {r.printed:.2f} for {r.printed_samples_seen / 1e9:.3g}B samples (the law "
                    f"gives {r.law_at_printed_samples:.2f} there); the later model saw "
                    f"{r.measured_samples_seen / 1e9:.3g}B")) for r in audit.itertuples(index=False)]


def verdict_rows(table: pd.DataFrame) -> list[ReportRow]:
    """The verdict in numbers (status "measured"): the front page reads the ``in_family ...`` rows of
    the paper's law by their exact names."""
    v = verdict(table).set_index(["law", "task"])
    rows = []
    paper_all, paper_im = v.loc[("paper", "all")], v.loc[("paper", "imagenet1k")]
    note = "paper's law; " + EXCLUSION_RULE
    rows.append(measured_row(SECTION, "in_family n", paper_all["n"], explanation="in-family forecasts scored, "
                             "4 tasks; " + note))
    rows.append(measured_row(SECTION, "in_family independent runs", paper_all["runs"],
                             explanation="consecutive epochs of one run and one checkpoint under two activations "
                                         "count as one run"))
    rows.append(measured_row(SECTION, "in_family measured below forecast", paper_all["below"], explanation=note))
    rows.append(measured_row(SECTION, "in_family measured above forecast", paper_all["above"], explanation=note))
    rows.append(measured_row(SECTION, "in_family mean residual imagenet1k", paper_im["mean_residual"],
                             explanation="measured - forecast, points, each run weighted once; " + note))
    rows.append(measured_row(SECTION, "in_family mean residual imagenet1k ci90 low", paper_im["ci_low"],
                             explanation=f"t interval over {int(paper_im['runs'])} runs"))
    rows.append(measured_row(SECTION, "in_family mean residual imagenet1k ci90 high", paper_im["ci_high"],
                             explanation=f"t interval over {int(paper_im['runs'])} runs"))
    for (law, task), r in v.iterrows():
        name = "all tasks" if task == "all" else AUDIT_TASKS[task]
        rows.append(measured_row(SECTION, f"{law} law {name} in_family mae", r["mae"],
                                 explanation=f"n = {r['n']} forecasts, {r['runs']} runs"))
        rows.append(measured_row(SECTION, f"{law} law {name} in_family mean residual", r["mean_residual"],
                                 explanation=f"90% t interval {r['ci_low']:.2f} to {r['ci_high']:.2f} over "
                                             f"{r['runs']} runs"))
        if r["later_n"]:
            rows.append(measured_row(SECTION, f"{law} law {name} later runs mae", r["later_mae"],
                                     explanation=f"n = {r['later_n']} forecasts, {r['later_runs']} runs released "
                                                 f"after the paper"))
    return rows


def coverage_rows(table: pd.DataFrame) -> list[ReportRow]:
    """Coverage of each law's 90% interval per task, with hits / n, the Clopper-Pearson interval and runs."""
    return [measured_row(SECTION, f"{r.law} law {'all tasks' if r.task == 'all' else AUDIT_TASKS[r.task]} "
                                  f"in_family coverage_90", r.rate,
                         explanation=f"{r.hits} / {r.n} inside; Clopper-Pearson {LEVEL:.0%} interval "
                                     f"{r.cp_low:.2f} to {r.cp_high:.2f}; {r.runs} independent runs")
            for r in coverage(table).itertuples(index=False) if r.n]


def placement_rows(models: pd.DataFrame) -> list[ReportRow]:
    """How many models are placed on compute, and the documented corrections of tags (status "measured")."""
    placed = models[models["placed"]]
    rows = [measured_row(SECTION, "models placed", float(len(placed)),
                         explanation=f"of {len(models)} benchmark rows; samples seen from the tag or a quoted document"),
            measured_row(SECTION, "models placed, duplicates counted once", float((placed["duplicate_of"] == "").sum()),
                         explanation="a checkpoint under an architecture and its -quickgelu twin is one model"),
            measured_row(SECTION, "models placed from a document", float(placed["samples_source"]
                                                                        .str.startswith("documented").sum()),
                         explanation="open_clip's notes or the model's paper / repository, quoted in the models table")]
    for tag in ("datacomp_l_s1b_b8k", "commonpool_l_s1b_b8k"):
        row = models[models["pretrained"] == tag]
        if len(row):
            rows.append(measured_row(SECTION, f"samples seen {tag} (billions)", float(row["samples_seen"].iloc[0] / 1e9),
                                     explanation=f"{row['samples_source'].iloc[0]}: {row['quote'].iloc[0]}"))
    return rows


def group_rows(table: pd.DataFrame) -> list[ReportRow]:
    """The paper's law's ImageNet median residual per audit group (scored models; status "measured")."""
    return [measured_row(SECTION, f"paper law ImageNet median residual, {g.group}", float(g.median_residual),
                         explanation=f"{g.models} models, {g.runs} runs; measured - forecast, points")
            for g in group_table(table, "imagenet1k").itertuples(index=False)]


@dataclass(frozen=True)
class Page:
    """Everything the chapter shows."""

    models: pd.DataFrame = field(repr=False)      # every benchmarked model, placed or not
    gmacs: pd.DataFrame = field(repr=False)       # per architecture
    ratios: pd.DataFrame = field(repr=False)
    laws: Laws = field(repr=False)
    table: pd.DataFrame = field(repr=False)       # forecasts, one row per placed model x task
    benchmark: pd.DataFrame = field(repr=False)
    law: str = "paper"
    task: str = "imagenet1k"

    def in_family(self) -> pd.DataFrame:
        return in_family(self.table)

    def verdict(self) -> pd.DataFrame:
        return verdict(self.table)

    def coverage(self) -> pd.DataFrame:
        return coverage(self.table)

    def table04(self) -> pd.DataFrame:
        return table04_audit(self.table, self.laws)

    def groups(self, task: str | None = None) -> pd.DataFrame:
        return group_table(self.table, task or self.task)

    def model_list(self):
        """Every model in the paper's terms, all rows shown (a ``Styler``: a frame would be truncated)."""
        shown = self.models.assign(samples_seen_billions=self.models["samples_seen"] / 1e9)
        return shown[["name", "pretrained", "data_family", "pool", "pool_filter", "objective", "image_tower",
                      "text_tower", "samples_seen_billions", "samples_source", "quote", "gmacs", "membership",
                      "evidence", "duplicate_of", "outside_clip_tower", "kind", "reason"]] \
            .style.format({"samples_seen_billions": "{:.3g}", "gmacs": "{:.2f}"}, na_rep="").hide(axis="index")

    def forecast_table(self, task: str | None = None) -> pd.DataFrame:
        """In-family forecasts of one task (display table)."""
        part = self.in_family()
        part = part[part["task"] == (task or self.task)]
        return part[["name", "pretrained", "membership", "run", "samples_seen", "gmacs_total", "compute_range",
                     "compute_over_paper_max", "measured", "paper_forecast", "paper_residual", "paper_inside",
                     "best_forecast", "best_lo", "best_hi", "best_residual", "best_inside"]].round(2)

    def report_rows(self) -> list[ReportRow]:
        return forecast_rows(self.table, self.laws, self.law) + table04_rows(self.table04()) + \
            verdict_rows(self.table) + coverage_rows(self.table) + placement_rows(self.models) + \
            group_rows(self.table)

    def report_frame(self) -> pd.DataFrame:
        return rows_frame(self.report_rows(), section=SECTION)

    def glue_values(self) -> dict[str, object]:
        return glue_values(self)


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text).strip("_")


def glue_values(page: Page) -> dict[str, object]:
    """The numbers of the prose."""
    models, table = page.models, page.table
    placed = models[models["placed"]]
    values: dict[str, object] = {
        "n_models": float(len(models)),
        "n_architectures": float(models["name"].nunique()),
        "n_placed": float(len(placed)),
        "n_placed_unique": float((placed["duplicate_of"] == "").sum()),
        "n_duplicates": float((models["duplicate_of"] != "").sum()),
        "n_documented": float(placed["samples_source"].str.startswith("documented").sum()),
        "n_quoted": float((models["quote"] != "").sum()),
        "n_not_stated": float((models["reason"] == "not stated").sum()),
        "n_finetune_not_stated": float(models["reason"].str.startswith("not placed (fine-tuning").sum()),
        "n_unreadable": float(models["reason"].str.startswith("unreadable").sum()),
        "n_in_fit": float((models["membership"] == IN_FIT).sum()),
        "n_before_paper": float((models["membership"] == BEFORE_PAPER).sum()),
        "n_later": float((models["membership"] == LATER).sum()),
        "membership_tolerance": MEMBERSHIP_TOLERANCE_POINTS,
        "n_counted_architectures": float((page.gmacs["problem"] == "").sum()),
        "n_placed_architectures": float(placed["name"].nunique()),
        "best_form": Text(page.laws.best_form), "best_frontier": Text(page.laws.best_frontier),
        "interval_method": Text(page.laws.method), "exclusion_rule": Text(EXCLUSION_RULE),
        "law_tie_points": LAW_TIE_POINTS,
    }
    in_fit = models[models["membership"] == IN_FIT]
    values["max_in_fit_gap"] = float(in_fit["imagenet_gap_points"].abs().max())
    keyed = models.set_index(["name", "pretrained"])
    for key, name in (("b32", "ViT-B-32-quickgelu"), ("l14", "ViT-L-14")):
        if (name, "laion400m_e32") in keyed.index:
            values[f"{key}_400m_batch"] = float(keyed.loc[(name, "laion400m_e32"), "global_batch"])
            values[f"{key}_400m_gap"] = float(keyed.loc[(name, "laion400m_e32"), "imagenet_gap_points"])
    dc_l = models[(models["pretrained"] == "datacomp_l_s1b_b8k")]
    values["datacomp_l_samples_billions"] = float(dc_l["samples_seen"].iloc[0] / 1e9) if len(dc_l) else float("nan")
    cp_l = models[models["pretrained"].str.startswith("commonpool_l_")]
    values["commonpool_l_samples_billions_max"] = float(cp_l["samples_seen"].max() / 1e9)
    values["commonpool_l_samples_billions_min"] = float(cp_l["samples_seen"].min() / 1e9)
    ratios = page.ratios
    close = (ratios["ratio"] - 1).abs() <= RATIO_TOLERANCE
    values["n_ratio_close"] = float(close.sum())
    values["ratio_close_max_dev_pct"] = float(100 * (ratios.loc[close, "ratio"] - 1).abs().max())
    hf = ratios[ratios["text_tower"].fillna("").str.startswith("Hugging Face")]
    values["hf_ratio_min"], values["hf_ratio_max"] = float(hf["ratio"].min()), float(hf["ratio"].max())
    values["n_ratio_unexplained"] = float((ratios["why"] == "not explained").sum())
    # the in-family set
    fam = page.in_family()
    later = truly_later(fam)
    values["n_in_family_models"] = float(fam[["name", "pretrained"]].drop_duplicates().shape[0])
    values["n_in_family_runs"] = float(fam["run"].nunique())
    values["n_forecasts"] = float(len(fam))
    values["n_in_family_before"] = float(fam.loc[fam["membership"] == BEFORE_PAPER, ["name", "pretrained"]]
                                         .drop_duplicates().shape[0])
    values["n_in_family_before_runs"] = float(fam.loc[fam["membership"] == BEFORE_PAPER, "run"].nunique())
    values["n_truly_later_models"] = float(later[["name", "pretrained"]].drop_duplicates().shape[0])
    values["n_truly_later_runs"] = float(later["run"].nunique())
    late_im = later[later["task"] == "imagenet1k"]
    values["later_compute_ratio_min"] = float(late_im["compute_over_paper_max"].min())
    values["later_compute_ratio_max"] = float(late_im["compute_over_paper_max"].max())
    values["n_truly_later_beyond"] = float((late_im["compute_range"] == BEYOND).sum())
    # the verdict
    v = page.verdict().set_index(["law", "task"])
    for (law, task), r in v.iterrows():
        key = f"{law}_{task}"
        for col in ("n", "runs", "below", "above", "mean_residual", "ci_low", "ci_high", "mae", "later_n",
                    "later_mae", "later_bias"):
            values[f"v_{key}_{col}"] = float(r[col])
        values[f"v_{key}_direction"] = Text(r["direction"])
    values["law_verdict_later"] = Text(law_sentence(v.loc[("paper", "all"), "later_mae"],
                                                    v.loc[("best", "all"), "later_mae"],
                                                    int(v.loc[("paper", "all"), "later_n"])))
    values["law_verdict_all"] = Text(law_sentence(v.loc[("paper", "all"), "mae"], v.loc[("best", "all"), "mae"],
                                                  int(v.loc[("paper", "all"), "n"]), "in-family measurements"))
    for r in page.coverage().itertuples(index=False):
        key = f"{r.law}_{r.task}"
        values[f"cov_{key}_hits"], values[f"cov_{key}_n"] = float(r.hits), float(r.n)
        values[f"cov_{key}_rate"], values[f"cov_{key}_low"], values[f"cov_{key}_high"] = r.rate, r.cp_low, r.cp_high
        values[f"cov_{key}_runs"] = float(r.runs)
        if r.n:
            law_name = "paper's law" if r.law == "paper" else "best law"
            values[f"cov_{key}_sentence"] = Text(coverage_sentence(
                f"The 90% interval ({page.laws.method}) of the {law_name}", r.rate, LEVEL, low=r.cp_low,
                high=r.cp_high))
    for r in page.table04().itertuples(index=False):
        key = _slug(f"{r.model}_{r.task}")
        values[f"t4_{key}_printed"], values[f"t4_{key}_forecast"] = r.printed, r.forecast
        values[f"t4_{key}_measured"], values[f"t4_{key}_residual"] = r.measured, r.residual
        values[f"t4_{key}_residual_vs_printed"], values[f"t4_{key}_law_at_printed"] = \
            r.residual_vs_printed, r.law_at_printed_samples
        values[f"t4_{key}_samples_billions"] = r.measured_samples_seen / 1e9
        values[f"t4_{key}_printed_samples_billions"] = r.printed_samples_seen / 1e9
    # what moved the models off the law: ImageNet residuals of the paper's law by group (scored models)
    groups = group_table(page.table, "imagenet1k")
    for g in groups.itertuples(index=False):
        key = _slug(f"{g.kind} {g.qualifier}")
        values[f"g_{key}_label"] = Text(g.group)
        values[f"g_{key}_median"], values[f"g_{key}_n"] = float(g.median_residual), float(g.models)
        values[f"g_{key}_runs"] = float(g.runs)
    im = scored(table)[lambda t: t["task"] == "imagenet1k"]
    below = im[im["compute_range"] == BELOW]
    values["n_below"] = float(len(below))
    values["mean_abs_residual_below"] = float(below["paper_residual"].abs().mean())
    values["mean_abs_residual_others"] = float(im.loc[im["compute_range"] != BELOW, "paper_residual"].abs().mean())
    values["n_others"] = float((im["compute_range"] != BELOW).sum())
    m_scale = im[im["pool"].fillna("") == "M"]
    values["m_scale_min"], values["m_scale_max"] = float(m_scale["measured"].min()), float(m_scale["measured"].max())
    values["n_fine_tuned"] = float((models["kind"] == FINE_TUNED_KIND).sum())
    # equal samples seen: ViT-L/14 on DataComp-XL against open_clip's LAION-400M ViT-L/14
    rows = table[(table["task"] == "imagenet1k") & (table["name"] == "ViT-L-14")].set_index("pretrained")
    if {"datacomp_xl_s13b_b90k", "laion400m_e32"} <= set(rows.index):
        values["l14_datacomp"] = float(rows.loc["datacomp_xl_s13b_b90k", "measured"])
        values["l14_datacomp_samples_billions"] = float(rows.loc["datacomp_xl_s13b_b90k", "samples_seen"] / 1e9)
        values["l14_laion400m"] = float(rows.loc["laion400m_e32", "measured"])
        values["l14_laion400m_samples_billions"] = float(rows.loc["laion400m_e32", "samples_seen"] / 1e9)
        values["l14_datacomp_gain"] = values["l14_datacomp"] - values["l14_laion400m"]
    return values


def compute(*, law: str = "paper", task: str = "imagenet1k", n_bootstrap: int = 1000,
            interval_method: str = "auto") -> Page:
    """Read, place and audit every model of open_clip's benchmark.

    Parameters
    ----------
    law : {"paper", "best"}
        The law of the per-forecast report rows (both are computed and shown).
    task : str
        The audit task the residual figure, the forecast table and the group table show first
        (:data:`AUDIT_TASKS`).
    n_bootstrap : int
        Bootstrap resamples of the interval study (at least 10).
    interval_method : str
        ``"auto"`` (the sharpest method covering at least 85% of the held-out runs, the uncertainty
        chapter's rule) or one of :data:`repro.scaling.uncertainty.INTERVAL_METHODS`.

    Raises
    ------
    ParameterError
        An unknown law, task or interval method, or too few bootstrap resamples.
    """
    if law not in LAWS:
        raise ParameterError(f"law {law!r}: expected one of {', '.join(LAWS)}")
    if task not in AUDIT_TASKS:
        raise ParameterError(f"task {task!r}: expected one of {', '.join(AUDIT_TASKS)}")
    if not isinstance(n_bootstrap, (int, np.integer)) or n_bootstrap < 10:
        raise ParameterError(f"n_bootstrap {n_bootstrap!r}: expected an integer of at least 10")
    benchmark = load_openclip_benchmark()
    results = load_results()
    models = model_table(benchmark, load_models_info(), documented_facts(), results)
    architectures = sorted(set(benchmark["name"]) | {b for b in models["base_name"].fillna("") if b})
    gmacs = gmacs_table(architectures)
    lengths = hf_profile_lengths(gmacs)
    at_profile = pd.concat([gmacs_table([m], context_length=n) for m, n in lengths.items()], ignore_index=True) \
        if lengths else gmacs.iloc[:0]
    placed = place(models, gmacs)
    laws = fit_laws(results, n_bootstrap=n_bootstrap, interval_method=interval_method)
    table = forecasts(placed, benchmark, laws, n_bootstrap=n_bootstrap)
    return Page(placed, gmacs, ratio_table(gmacs, benchmark, at_profile), laws, table, benchmark, law, task)


def residuals_figure(page: Page, task: str | None = None) -> Figure:
    """Measured minus forecast (the paper's law and the best law) against compute, every scored model
    (:data:`EXCLUSION_RULE`)."""
    task = task or page.task
    part = scored(page.table)[lambda t: t["task"] == task]
    part = part.assign(in_family=part["kind"] == IN_FAMILY)
    low, high = page.laws.paper[task].log10_compute_range
    return residual_figure(part, title=f"{AUDIT_TASKS[task]}: measured minus forecast (each at the model's own compute)",
                           paper_range=(10 ** low, 10 ** high), laws={"paper": "paper's law",
                                                                       "best": f"best law ({page.laws.best_form}, "
                                                                               f"{page.laws.best_frontier})"},
                           highlight="in_family", highlight_label="ringed: in family (scored)")


def explorer(page: Page, initial: str = "ImageNet 1k"):
    """The placed models on any of open_clip's 38 zero-shot datasets (and Flickr30K / MS-COCO image
    retrieval R@5) against compute (plotly; unplaced models are listed in the model table, not drawn)."""
    placed = page.models[page.models["placed"]]
    data = page.benchmark.merge(placed[["name", "pretrained", "gmacs_total", "samples_seen", "data_family", "objective",
                                        "image_tower", "kind", "membership"]], on=["name", "pretrained"])
    columns = [c for c in page.benchmark.columns if c not in ("name", "pretrained", "params (M)", "FLOPs (B)")
               and ("retr." not in c or c in TASK_COLUMNS.values()) and not c.startswith(("WinoGAViL ", "Average score"))]
    paper = {t: page.laws.paper[t] for t in AUDIT_TASKS}
    column_law = {TASK_COLUMNS.get(t, ""): f for t, f in paper.items() if t in TASK_COLUMNS}
    return later_models_explorer(data, columns, laws=column_law, initial=initial, label=display_name)
