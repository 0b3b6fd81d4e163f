"""Chapter "Two years on: the paper's laws against the models trained since"
(``book/notebooks/later_models.md``).

open_clip's published benchmark (121 pretrained models, :func:`repro.data.load_openclip_benchmark`)
read in the paper's terms (:func:`repro.data.openclip_models.model_table`), each model placed on
the paper's compute axis with GMACs counted by :func:`repro.compute.towers.gmacs_table`, and the
paper's laws (fitted on its 2022 runs only) and the uncertainty chapter's best law with its 90%
prediction intervals (:mod:`repro.scaling.forecast`) checked against what the later models measured.
Report rows are forecasts checked against later measurements (status "forecast checked"), not
reproductions of printed numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from repro.compute.towers import gmacs_table
from repro.constants import display_name
from repro.data import load_models_info, load_openclip_benchmark, load_reported, load_results
from repro.data.openclip_models import AUDIT_GROUPS, IN_FAMILY_GROUP, model_table
from repro.errors import SchemaError
from repro.figures.later_models import later_models_explorer, residual_figure
from repro.report import ReportRow, Text, rows_frame
from repro.scaling.backtest import TARGETS
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

SECTION = "later_models"
#: The audit's tasks: the paper's downstream dataset -> its name on this page.
AUDIT_TASKS = {"imagenet1k": "ImageNet", "imagenet_robustness": "robustness", "mscoco_captions": "MS-COCO",
               "flickr30k": "Flickr30K"}
#: The tasks of the closing note (Table 4's two targets).
HEADLINE_TASKS = ("imagenet1k", "mscoco_captions")
#: open_clip's column of each audit task (fractions); the robustness mean is computed.
TASK_COLUMNS = {"imagenet1k": "ImageNet 1k", "mscoco_captions": "MSCOCO image retr. R@5",
                "flickr30k": "Flickr image retr. R@5"}
#: The paper's robustness mean: ImageNet-V2, -R, -Sketch, ObjectNet and ImageNet-A (Sec. 4).
ROBUSTNESS_COLUMNS = ("ImageNet v2", "ImageNet-R", "ImageNet Sketch", "ObjectNet", "ImageNet-A")
LAWS = ("paper", "best")
#: Interval level of the audit (the uncertainty chapter's 90% intervals).
LEVEL = 0.9
#: The backtest horizon of the best law's selection and of the interval calibration.
SELECTION_K = 5
#: Table 4's models and the open_clip model that later trained each configuration.
TABLE04_MATCHES = (("ViT-g/14", "34B", "ViT-g-14", "laion2b_s34b_b88k"),
                   ("ViT-G/14", "34B", "ViT-bigG-14", "laion2b_s39b_b160k"))
TABLE04_COLUMNS = {"imagenet1k": "imagenet_top1", "mscoco_captions": "mscoco_image_retrieval_r5"}
#: Models fine-tuned on a downstream task's training set: listed, not drawn among zero-shot models.
FINE_TUNED_GROUP = AUDIT_GROUPS[-1]
#: Percent values are compared at open_clip's printed precision (four decimals of a fraction).
DECIMALS = 2
#: A ratio of our GMACs to the table's FLOPs / 2 this close to 1 needs no explanation.
RATIO_TOLERANCE = 0.01

__all__ = ["AUDIT_TASKS", "LAWS", "Page", "compute", "explorer", "residuals_figure"]


def measured(benchmark: pd.DataFrame, task: str) -> pd.Series:
    """What each model measured on an audit task, as a fraction (accuracy or image retrieval R@5)."""
    if task == "imagenet_robustness":
        missing = [c for c in ROBUSTNESS_COLUMNS if c not in benchmark.columns]
        if missing:
            raise SchemaError(f"open_clip benchmark: missing robustness column(s) {', '.join(missing)}")
        return benchmark[list(ROBUSTNESS_COLUMNS)].mean(axis=1)
    if task not in TASK_COLUMNS:
        raise SchemaError(f"task {task!r}: expected one of {', '.join(AUDIT_TASKS)}")
    return benchmark[TASK_COLUMNS[task]].astype(float)


def place(models: pd.DataFrame, gmacs: pd.DataFrame) -> pd.DataFrame:
    """Models with GMACs per sample and total compute; ``placed`` False with a ``reason`` otherwise."""
    merged = models.merge(gmacs[["model", "gmacs", "problem"]].rename(columns={"model": "name", "problem": "gmacs_problem"}),
                          on="name", how="left")
    merged["gmacs_total"] = merged["gmacs"] * merged["samples_seen"]
    reason = np.where(merged["problem"].fillna("") != "", "unreadable: " + merged["problem"].fillna(""),
             np.where(merged["gmacs_problem"].fillna("x") != "", "GMACs not counted: " + merged["gmacs_problem"].fillna("no count"),
             np.where(merged["samples_seen"].isna(), "samples seen not stated", "")))
    merged["reason"] = reason
    merged["placed"] = merged["reason"] == ""
    merged["later"] = merged["paper_run"].fillna("") == ""
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
    datasets = sorted(rows["downstream_dataset"].unique())
    selection = select_law(rows, datasets, k=SELECTION_K)
    form, frontier = str(selection.iloc[0]["form"]), frontier_by_name(str(selection.iloc[0]["frontier"]))
    study = interval_study(rows, datasets, form=form, frontier=frontier, ks=(SELECTION_K,), n_resamples=n_bootstrap,
                           level=LEVEL)
    paper_study = interval_study(rows, datasets, form="power", frontier=PAPER_FRONTIER, ks=(SELECTION_K,),
                                 n_resamples=n_bootstrap, level=LEVEL)
    scores = study_scores(study)
    method = pick_interval_method(scores) if interval_method == "auto" else interval_method
    if method not in INTERVAL_METHODS:
        raise SchemaError(f"interval_method {interval_method!r}: expected 'auto' or one of {', '.join(INTERVAL_METHODS)}")
    paper = {t: forecaster(rows, t, study=paper_study) for t in AUDIT_TASKS}
    best = {t: forecaster(rows, t, form=form, frontier=frontier, study=study) for t in AUDIT_TASKS}
    return Laws(paper, best, selection, scores, method)


def forecasts(models: pd.DataFrame, benchmark: pd.DataFrame, laws: Laws, *, n_bootstrap: int) -> pd.DataFrame:
    """One row per placed model and audit task: measured, each law's forecast (percent), the
    residual measured - forecast (points) and each law's 90% interval (percent) with ``inside``."""
    keyed = benchmark.set_index(["name", "pretrained"])
    placed = models[models["placed"]]
    parts = []
    for task in AUDIT_TASKS:
        values = measured(keyed.reset_index(), task).set_axis(keyed.index)
        frame = placed[["name", "pretrained", "data_family", "objective", "image_tower", "text_tower", "group",
                        "paper_run", "later", "samples_seen", "gmacs", "gmacs_total"]].copy()
        frame["task"] = task
        frame["measured"] = 100 * values.reindex(pd.MultiIndex.from_frame(frame[["name", "pretrained"]])).to_numpy()
        for law in LAWS:
            forecast = getattr(laws, law)[task]
            c = frame["gmacs_total"].to_numpy()
            lo_err, hi_err = forecast.interval(c, laws.method, level=LEVEL, n_resamples=n_bootstrap)
            frame[f"{law}_forecast"] = 100 * (1 - forecast.predict(c))
            frame[f"{law}_lo"], frame[f"{law}_hi"] = 100 * (1 - hi_err), 100 * (1 - lo_err)
            frame[f"{law}_residual"] = frame["measured"] - frame[f"{law}_forecast"]
            frame[f"{law}_inside"] = (frame["measured"] >= frame[f"{law}_lo"]) & (frame["measured"] <= frame[f"{law}_hi"])
        low, high = laws.paper[task].log10_compute_range
        x = np.log10(frame["gmacs_total"])
        frame["compute_range"] = np.where(x < low, "below the paper's runs",
                                          np.where(x > high, "beyond the paper's runs", "inside the paper's runs"))
        parts.append(frame)
    return pd.concat(parts, ignore_index=True)


def in_family(table: pd.DataFrame) -> pd.DataFrame:
    """The later models the paper's laws describe: CLIP ViTs on LAION-400M/2B the paper did not train."""
    return table[(table["group"] == IN_FAMILY_GROUP) & table["later"]]


def error_summary(table: pd.DataFrame, by: Sequence[str] = ("task",)) -> pd.DataFrame:
    """Per group of ``by`` and law: forecasts, mean absolute error and bias (points, measured -
    forecast) and the 90% interval's coverage."""
    out = []
    for key, part in table.groupby(list(by), sort=False):
        for law in LAWS:
            row = dict(zip(by, key if isinstance(key, tuple) else (key,)))
            row.update({"law": law, "n": len(part), "mae": float(part[f"{law}_residual"].abs().mean()),
                        "bias": float(part[f"{law}_residual"].mean()),
                        "coverage": float(part[f"{law}_inside"].mean())})
            out.append(row)
    return pd.DataFrame(out)


def group_table(table: pd.DataFrame, task: str) -> pd.DataFrame:
    """Residuals of the paper's law by audit group (the in-family group split by compute range), one task."""
    part = table[(table["task"] == task) & table["later"]]
    part = part.assign(where=np.where(part["group"] == IN_FAMILY_GROUP, part["group"] + ", " + part["compute_range"],
                                      part["group"]))
    order = {g: i for i, g in enumerate(AUDIT_GROUPS)}
    summary = part.groupby("where").agg(group=("group", "first"), models=("name", "size"),
                                        median_residual=("paper_residual", "median"),
                                        mean_residual=("paper_residual", "mean"),
                                        mean_abs_residual=("paper_residual", lambda s: s.abs().mean()),
                                        best_median_residual=("best_residual", "median"))
    summary = summary.assign(_o=summary["group"].map(order)).sort_values(["_o", "where"]).drop(columns=["_o", "group"])
    return summary.reset_index()


def table04_audit(table: pd.DataFrame, laws: Laws) -> pd.DataFrame:
    """Table 4's printed forecasts beside what the later model of the same configuration measured."""
    printed = load_reported("table04").set_index(["model", "samples_seen"])
    records = []
    for model, samples, name, tag in TABLE04_MATCHES:
        for task, column in TABLE04_COLUMNS.items():
            row = table[(table["name"] == name) & (table["pretrained"] == tag) & (table["task"] == task)]
            if len(row) != 1:
                raise SchemaError(f"table04 audit: open_clip's benchmark has no placed {name} {tag}")
            row = row.iloc[0]
            forecast = float(printed.loc[(model, samples), column])
            records.append({"model": model, "samples_seen": samples, "task": AUDIT_TASKS[task],
                            "later_model": f"{name} {tag}", "later_samples_seen_billions": row["samples_seen"] / 1e9,
                            "table04": forecast, "measured": row["measured"], "difference": row["measured"] - forecast,
                            "paper_law_at_later_compute": row["paper_forecast"]})
    return pd.DataFrame(records)


def forecast_rows(table: pd.DataFrame, laws: Laws, law: str) -> list[ReportRow]:
    """One report row per in-family forecast of ``law``: ``reproduced`` = the forecast (percent),
    ``paper`` = what the later model measured, status "forecast checked"."""
    if law not in LAWS:
        raise SchemaError(f"law {law!r}: expected one of {', '.join(LAWS)}")
    rows = []
    for r in in_family(table).itertuples(index=False):
        lo, hi, forecast = getattr(r, f"{law}_lo"), getattr(r, f"{law}_hi"), getattr(r, f"{law}_forecast")
        inside = "inside" if getattr(r, f"{law}_inside") else "outside"
        rows.append(ReportRow(SECTION, f"{law} law {AUDIT_TASKS[r.task]} {r.name} {r.pretrained} "
                                       f"({r.samples_seen / 1e9:.3g}B samples, {r.gmacs_total:.3g} GMACs)",
                              float(forecast), float(r.measured), float(forecast - r.measured), "forecast checked",
                              f"paper column: the later model's measurement (open_clip's benchmark); {inside} the "
                              f"{law} law's 90% interval {lo:.2f} to {hi:.2f} ({laws.method})", decimals=DECIMALS))
    return rows


def table04_rows(audit: pd.DataFrame) -> list[ReportRow]:
    """Table 4's printed forecasts (``paper``) against the later measurements (``reproduced``)."""
    return [ReportRow(SECTION, f"Table 4 {r.task} {r.model} {r.samples_seen} forecast vs later {r.later_model} "
                                 f"({r.later_samples_seen_billions:.3g}B samples)",
                      float(r.measured), float(r.table04), float(r.difference), "forecast checked",
                      "reproduced column: the later model's measurement (open_clip's benchmark); paper column: "
                      "Table 4's printed forecast", decimals=DECIMALS) for r in audit.itertuples(index=False)]


def summary_rows(summary: pd.DataFrame) -> list[ReportRow]:
    """Mean absolute error, bias and coverage of each law on the in-family later models, per task."""
    rows = []
    for r in summary.itertuples(index=False):
        for stat, value in (("mae_points", r.mae), ("bias_points", r.bias), ("coverage_90", r.coverage)):
            rows.append(ReportRow(SECTION, f"{r.law} law {AUDIT_TASKS[r.task]} in-family later models {stat} "
                                           f"(n = {r.n})", float(value), None, None, "forecast checked",
                                  "forecasts checked against later measurements; the paper prints no such value"))
    return rows


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

    def summary(self) -> pd.DataFrame:
        """:func:`error_summary` of the in-family later models, per task."""
        return error_summary(self.in_family())

    def table04(self) -> pd.DataFrame:
        return table04_audit(self.table, self.laws)

    def groups(self, task: str | None = None) -> pd.DataFrame:
        return group_table(self.table, task or self.task)

    def model_list(self):
        """Every model in the paper's terms, all rows shown (a ``Styler``: a frame would be truncated)."""
        shown = self.models.assign(samples_seen_billions=self.models["samples_seen"] / 1e9,
                                   in_paper=self.models["paper_run"].fillna("").map(lambda r: r.split("_lr")[0]))
        return shown[["name", "pretrained", "data_family", "pool", "pool_filter", "objective", "image_tower",
                      "text_tower", "samples_seen_billions", "samples_source", "gmacs", "in_paper", "group",
                      "reason"]].style.format({"samples_seen_billions": "{:.3g}", "gmacs": "{:.2f}"}, na_rep="") \
            .hide(axis="index")

    def forecast_table(self, task: str | None = None) -> pd.DataFrame:
        """In-family later forecasts of one task (display table)."""
        part = self.in_family()
        part = part[part["task"] == (task or self.task)]
        return part[["name", "pretrained", "samples_seen", "gmacs_total", "compute_range", "measured",
                     "paper_forecast", "paper_residual", "paper_inside", "best_forecast", "best_lo", "best_hi",
                     "best_residual", "best_inside"]].round(2)

    def report_rows(self) -> list[ReportRow]:
        return forecast_rows(self.table, self.laws, self.law) + table04_rows(self.table04()) + \
            summary_rows(self.summary())

    def report_frame(self) -> pd.DataFrame:
        return rows_frame(self.report_rows(), section=SECTION)

    def glue_values(self) -> dict[str, object]:
        return glue_values(self)



def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text).strip("_")


def glue_values(page: Page) -> dict[str, object]:
    """The numbers of the prose."""
    models, table = page.models, page.table
    values: dict[str, object] = {
        "n_models": float(len(models)),
        "n_architectures": float(models["name"].nunique()),
        "n_placed": float(models["placed"].sum()),
        "n_not_stated": float((models["reason"] == "samples seen not stated").sum()),
        "n_unreadable": float(models["reason"].str.startswith("unreadable").sum()),
        "n_in_paper": float((~models["later"]).sum()),
        "n_later": float(models["later"].sum()),
        "n_counted_architectures": float((page.gmacs["problem"] == "").sum()),
        "n_placed_architectures": float(models.loc[models["placed"], "name"].nunique()),
        "best_form": Text(page.laws.best_form), "best_frontier": Text(page.laws.best_frontier),
        "interval_method": Text(page.laws.method),
        "n_in_family_models": float(page.in_family()[["name", "pretrained"]].drop_duplicates().shape[0]),
        "n_forecasts": float(len(page.in_family())),
        "n_later_placed": float((models["placed"] & models["later"]).sum()),
    }
    ratios = page.ratios
    close = (ratios["ratio"] - 1).abs() <= RATIO_TOLERANCE
    values["n_ratio_close"] = float(close.sum())
    values["ratio_close_max_dev_pct"] = float(100 * (ratios.loc[close, "ratio"] - 1).abs().max())
    hf = ratios[ratios["text_tower"].fillna("").str.startswith("Hugging Face")]
    values["hf_ratio_min"], values["hf_ratio_max"] = float(hf["ratio"].min()), float(hf["ratio"].max())
    values["n_ratio_unexplained"] = float((ratios["why"] == "not explained").sum())
    for r in page.summary().itertuples(index=False):
        key = f"{r.law}_{r.task}"
        values[f"mae_{key}"], values[f"bias_{key}"], values[f"coverage_{key}"] = r.mae, r.bias, r.coverage
        values[f"n_{key}"] = float(r.n)
    fam = page.in_family()
    for law in LAWS:
        head = fam[fam["task"].isin(HEADLINE_TASKS)]
        values[f"coverage_{law}_headline"] = float(head[f"{law}_inside"].mean())
        values[f"inside_{law}_headline"] = float(head[f"{law}_inside"].sum())
        values[f"coverage_{law}_all"] = float(fam[f"{law}_inside"].mean())
        values[f"inside_{law}_all"] = float(fam[f"{law}_inside"].sum())
    values["n_headline_forecasts"] = float(fam["task"].isin(HEADLINE_TASKS).sum())
    for r in page.table04().itertuples(index=False):
        key = _slug(f"{r.model}_{r.task}")
        values[f"t4_{key}_printed"], values[f"t4_{key}_measured"] = r.table04, r.measured
        values[f"t4_{key}_difference"] = r.difference
    # what moved the models off the law: ImageNet residuals of the paper's law by group
    later = table[table["later"] & (table["task"] == "imagenet1k")]
    for group in AUDIT_GROUPS:
        part = later[later["group"] == group]
        values[f"median_residual_{_slug(group)}"] = float(part["paper_residual"].median()) if len(part) else float("nan")
        values[f"n_{_slug(group)}"] = float(len(part))
    below = later[later["compute_range"] == "below the paper's runs"]
    values["n_below"] = float(len(below))
    values["mean_abs_residual_below"] = float(below["paper_residual"].abs().mean())
    values["mean_abs_residual_inside_or_beyond"] = float(later.loc[later["compute_range"] != "below the paper's runs",
                                                                   "paper_residual"].abs().mean())
    # equal compute: ViT-L/14 at 13B samples on each data source, ImageNet
    l14 = later[(later["name"] == "ViT-L-14") & (later["samples_seen"] == 13e9)].set_index("pretrained")
    paper_l14 = table[(table["task"] == "imagenet1k") & (table["name"] == "ViT-L-14") & ~table["later"]
                      & (table["pretrained"] == "laion400m_e32")]
    if "datacomp_xl_s13b_b90k" in l14.index and len(paper_l14):
        values["l14_datacomp_13b"] = float(l14.loc["datacomp_xl_s13b_b90k", "measured"])
        values["l14_laion400m_13b"] = float(paper_l14["measured"].iloc[0])
        values["l14_datacomp_gain"] = values["l14_datacomp_13b"] - values["l14_laion400m_13b"]
    return values


def compute(*, law: str = "paper", task: str = "imagenet1k", n_bootstrap: int = 1000,
            interval_method: str = "auto") -> Page:
    """Read, place and audit every model of open_clip's benchmark.

    Parameters
    ----------
    law : {"paper", "best"}
        The law of the per-forecast report rows (both are computed and shown).
    task : str
        The audit task the residual figure and the forecast table show first (:data:`AUDIT_TASKS`).
    n_bootstrap : int
        Bootstrap resamples of the interval study.
    interval_method : str
        ``"auto"`` (the sharpest method covering at least 85% of the held-out runs, the uncertainty
        chapter's rule) or one of :data:`repro.scaling.uncertainty.INTERVAL_METHODS`.
    """
    if law not in LAWS:
        raise SchemaError(f"law {law!r}: expected one of {', '.join(LAWS)}")
    if task not in AUDIT_TASKS:
        raise SchemaError(f"task {task!r}: expected one of {', '.join(AUDIT_TASKS)}")
    benchmark = load_openclip_benchmark()
    models = model_table(benchmark, load_models_info())
    architectures = sorted(benchmark["name"].unique())
    gmacs = gmacs_table(architectures)
    lengths = hf_profile_lengths(gmacs)
    at_profile = pd.concat([gmacs_table([m], context_length=n) for m, n in lengths.items()], ignore_index=True) \
        if lengths else gmacs.iloc[:0]
    placed = place(models, gmacs)
    laws = fit_laws(load_results(), n_bootstrap=n_bootstrap, interval_method=interval_method)
    table = forecasts(placed, benchmark, laws, n_bootstrap=n_bootstrap)
    return Page(placed, gmacs, ratio_table(gmacs, benchmark, at_profile), laws, table, benchmark, law, task)


def residuals_figure(page: Page, task: str | None = None) -> Figure:
    """Measured minus forecast (the paper's law and the best law) against compute, every later model
    that is not fine-tuned on a downstream task."""
    task = task or page.task
    part = page.table[(page.table["task"] == task) & page.table["later"] & (page.table["group"] != FINE_TUNED_GROUP)]
    low, high = page.laws.paper[task].log10_compute_range
    return residual_figure(part, title=f"{AUDIT_TASKS[task]}: measured minus forecast",
                           paper_range=(10 ** low, 10 ** high), laws={"paper": "paper's law",
                                                                       "best": f"best law ({page.laws.best_form}, "
                                                                               f"{page.laws.best_frontier})"})


def explorer(page: Page, initial: str = "ImageNet 1k"):
    """The placed models on any of open_clip's 38 zero-shot datasets (and Flickr30K / MS-COCO image
    retrieval R@5) against compute (plotly; unplaced models are listed in the model table, not drawn)."""
    placed = page.models[page.models["placed"]]
    data = page.benchmark.merge(placed[["name", "pretrained", "gmacs_total", "samples_seen", "data_family", "objective",
                                        "image_tower", "group", "later"]], on=["name", "pretrained"])
    columns = [c for c in page.benchmark.columns if c not in ("name", "pretrained", "params (M)", "FLOPs (B)")
               and ("retr." not in c or c in TASK_COLUMNS.values()) and not c.startswith(("WinoGAViL ", "Average score"))]
    paper = {t: page.laws.paper[t] for t in AUDIT_TASKS}
    column_law = {TASK_COLUMNS.get(t, ""): f for t, f in paper.items() if t in TASK_COLUMNS}
    return later_models_explorer(data, columns, laws=column_law, initial=initial, label=display_name)
