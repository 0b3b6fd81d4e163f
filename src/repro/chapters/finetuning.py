"""Chapter "Fine-tuning" (``book/notebooks/finetuning.md``): Figures 4, 5 and 9-11 and Tables
6-11, drawn from the paper's printed accuracies (the fine-tuned checkpoints are not public).

Only the accuracies are the paper's; the compute axis and every fit are this project's:
C = GMACs per sample (the architecture table) x samples seen, with 12.8 B samples for OpenAI's
models and the run table's samples seen for the LAION checkpoints; lines are plain least squares
in log10 C - log10 E per group (OpenCLIP, OpenAI), since 3-5 points per group leave nothing to
bin. The figures are drawn by :func:`repro.figures.reported.reported_vs_compute`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from repro.constants import DATA_LABELS, OPENAI_SAMPLES_SEEN, OPENAI_UPSTREAM
from repro.data import load_arch, load_models_info, load_reported
from repro.errors import FitError, ParameterError, SchemaError
from repro.figures.reported import reported_vs_compute
from repro.report import ReportRow, compare
from repro.scaling.paper_fit import PowerLawFit, plain_line_fit

#: the eight tasks of the joint fine-tuning study (Tables 6-8), in the paper's column order
EIGHT_TASKS = ("Cars", "DTD", "EuroSAT", "GTSRB", "MNIST", "RESISC45", "SUN397", "SVHN")
#: ImageNet and the eight tasks: the panels of Figures 9 and 11
NINE_TASKS = ("IN", *EIGHT_TASKS)
#: Table 9's robustness columns: the paper's robustness mean also has ObjectNet, which Table 9 lacks
TABLE9_ROBUSTNESS = ("V2", "A", "R", "Sketch")
#: printed model names -> ARCH names
ARCHS = {"B/32": "ViT-B-32", "B/16": "ViT-B-16", "L/14": "ViT-L-14", "H/14": "ViT-H-14", "g/14": "ViT-g-14",
         "G/14": "ViT-G-14"}
#: printed data names ("WIT", "400M", "LAION-2B", ...) -> upstream_dataset of the results schema
UPSTREAMS = {"WIT": OPENAI_UPSTREAM, **DATA_LABELS, **{label: label for label in DATA_LABELS.values()}}
#: upstream_dataset -> the run table's short data name
_INFO_DATA = {label: short for short, label in DATA_LABELS.items()}
#: Table 9 checkpoints are LAION-2B at 34B samples (the public release) unless a row says otherwise
TABLE9_SAMPLES = "34B"


def samples_seen(arch: str, upstream: str, samples_seen_pretty: str, *, info: pd.DataFrame | None = None) -> float:
    """Samples seen of a checkpoint: 12.8 B for OpenAI, else the run table's epochs x samples per epoch.

    Notes
    -----
    Fine-tuning and patching used OpenCLIP's public releases; for B/32 and L/14 at 13B on
    LAION-400M these are the older ``laion400m_e32`` models (13.03 B samples), not the run
    table's 13.2 B runs: a 1.5% difference in compute, invisible on a log axis.
    """
    if upstream == OPENAI_UPSTREAM:
        return OPENAI_SAMPLES_SEEN
    info = load_models_info() if info is None else info
    run = info[(info["arch"] == arch) & (info["data"] == _INFO_DATA[upstream])
               & (info["samples_seen_pretty"] == samples_seen_pretty)]
    if len(run) != 1:
        raise SchemaError(f"run table: expected one run of {arch} on {upstream} at {samples_seen_pretty}, got {len(run)}")
    return float(run["epochs"].iloc[0] * run["samples_per_epoch"].iloc[0])


def points(table: str) -> pd.DataFrame:
    """The printed accuracies of one table as long-form rows with their pre-training compute.

    Parameters
    ----------
    table : {"table06", "table07", "table08", "table09"}

    Returns
    -------
    DataFrame
        ``Model``, ``arch``, ``upstream_dataset``, ``samples_seen_pretty``, ``samples_seen``,
        ``gmacs_per_sample`` (ARCH), ``gmacs_total``, ``task``, ``accuracy`` (%), ``error``
        (fraction); Table 9 adds ``Px`` and ``Extra FT``. Table 9 gets a ``robustness`` task (mean
        of V2, A, R, Sketch) and Tables 7-8 a ``mean of 8 tasks``.
    """
    if table not in ("table06", "table07", "table08", "table09"):
        raise SchemaError(f"reported points: table must be one of table06..table09, got {table!r}")
    printed = load_reported(table)
    arch_gmacs = load_arch().set_index("model")["gmacs"]
    info = load_models_info()
    if table == "table09":
        printed = printed.assign(Samples=np.where(printed["Data"] == "WIT", "13B", TABLE9_SAMPLES))
        tasks = ["IN", "ReaL", "V2", "A", "R", "Sketch"]
        printed["robustness"] = printed[list(TABLE9_ROBUSTNESS)].mean(axis=1)
        tasks.append("robustness")
        ids = ["Model", "Samples", "Data", "Px", "Extra FT"]
    else:
        tasks = [c for c in printed.columns if c not in ("Model", "Samples", "Data")]
        if table in ("table07", "table08"):
            printed["mean of 8 tasks"] = printed[list(EIGHT_TASKS)].mean(axis=1)
            tasks.append("mean of 8 tasks")
        ids = ["Model", "Samples", "Data"]
    long = printed.melt(id_vars=ids, value_vars=tasks, var_name="task", value_name="accuracy")
    long["arch"] = long["Model"].map(ARCHS)
    long["upstream_dataset"] = long["Data"].map(UPSTREAMS)
    long = long.rename(columns={"Samples": "samples_seen_pretty"})
    seen = {key: samples_seen(*key, info=info)
            for key in set(zip(long["arch"], long["upstream_dataset"], long["samples_seen_pretty"]))}
    long["samples_seen"] = [seen[key] for key in zip(long["arch"], long["upstream_dataset"], long["samples_seen_pretty"])]
    long["gmacs_per_sample"] = long["arch"].map(arch_gmacs)
    long["gmacs_total"] = long["gmacs_per_sample"] * long["samples_seen"]
    long["accuracy"] = long["accuracy"].astype(float)
    long["error"] = 1 - long["accuracy"] / 100
    return long


def fig4_points() -> pd.DataFrame:
    """Figure 4's points: Table 9's ImageNet fine-tuning at 224 px without IN-12k, ImageNet and
    robustness (the paper's models: OpenCLIP LAION-2B B/32..H/14, OpenAI B/32..L/14)."""
    rows = points("table09")
    return rows[(rows["Px"] == 224) & (rows["Extra FT"] == "–") & rows["task"].isin(["IN", "robustness"])]


def fit_groups(rows: pd.DataFrame, task: str) -> dict[str, PowerLawFit]:
    """Plain least-squares lines, OpenCLIP (all LAION checkpoints) and OpenAI, for one task."""
    chosen = rows[rows["task"] == task]
    if chosen.empty:
        raise FitError(f"no reported points for task {task!r}; known: {', '.join(rows['task'].unique())}")
    openai = chosen["upstream_dataset"] == OPENAI_UPSTREAM
    return {who: plain_line_fit(np.log10(group["gmacs_total"].to_numpy()), np.log10(group["error"].to_numpy()))
            for who, group in (("openclip", chosen[~openai]), ("openai", chosen[openai]))}


def fits_table(rows: pd.DataFrame, tasks: list[str] | tuple[str, ...]) -> pd.DataFrame:
    """alpha, beta and points of both lines per task."""
    records = [{"task": task, "who": who, "alpha": fit.alpha, "beta": fit.beta, "n_points": fit.n_points}
               for task in tasks for who, fit in fit_groups(rows, task).items()]
    return pd.DataFrame.from_records(records)


def fit_report_rows(item: str, rows: pd.DataFrame, tasks: list[str] | tuple[str, ...]) -> list[ReportRow]:
    """The fitted exponents as report rows: computed by us from printed accuracies; the paper
    prints no exponents for these figures (status ``reproduced``)."""
    return [compare(item, f"alpha_{who}_{task.replace(' ', '_')}", fit.alpha,
                    explanation="fit by this project on the paper's printed accuracies")
            for task in tasks for who, fit in fit_groups(rows, task).items()]


@dataclass(frozen=True)
class Page:
    """The printed fine-tuning points of the chapter and the plain lines fitted through them.

    Attributes
    ----------
    zeroshot, joint, patched, imagenet_ft : DataFrame
        :func:`points` of Tables 6, 7, 8 and 9.
    fig4 : DataFrame
        :func:`fig4_points` (Table 9's 224 px ImageNet fine-tuning without IN-12k).
    fits4, fits5, fits9, fits10, fits11 : dict
        Task -> :func:`fit_groups` for Figure 4 (IN, robustness), Figure 5 (mean of 8 tasks),
        Figure 9 (Table 6, nine tasks), Figure 10 (Table 7, eight tasks), Figure 11 (Table 8, nine tasks).
    """

    zeroshot: pd.DataFrame
    joint: pd.DataFrame
    patched: pd.DataFrame
    imagenet_ft: pd.DataFrame
    fig4: pd.DataFrame
    fits4: dict[str, dict[str, PowerLawFit]]
    fits5: dict[str, dict[str, PowerLawFit]]
    fits9: dict[str, dict[str, PowerLawFit]]
    fits10: dict[str, dict[str, PowerLawFit]]
    fits11: dict[str, dict[str, PowerLawFit]]

    def report_rows(self) -> list[ReportRow]:
        """Reproduction-report rows: the exponents of Figures 4 and 5 (status ``reproduced``)."""
        return (fit_report_rows("fig4", self.fig4, ["IN", "robustness"])
                + fit_report_rows("fig5", self.joint, ["mean of 8 tasks"]))

    def glue_values(self) -> dict[str, float]:
        """``alpha_<openclip|openai>_<fig4_in|fig4_rob|fig5>`` -> exponent, the numbers of the prose."""
        named = {"fig4_in": self.fits4["IN"], "fig4_rob": self.fits4["robustness"],
                 "fig5": self.fits5["mean of 8 tasks"]}
        return {f"alpha_{who}_{name}": float(fit[who].alpha)
                for name, fit in named.items() for who in ("openclip", "openai")}


def wide(rows: pd.DataFrame) -> pd.DataFrame:
    """Long-form points back in the paper's layout, with the compute columns we added."""
    ids = [c for c in ("Model", "samples_seen_pretty", "Data", "Px", "Extra FT") if c in rows.columns]
    table = rows.pivot_table(index=ids + ["gmacs_total"], columns="task", values="accuracy", sort=False)
    return table.reset_index()


def compute() -> Page:
    """The page: points and fits of the fine-tuning chapter (Figures 4, 5, 9-11; Tables 6-9); the
    chapter has no parameter that changes them."""
    zeroshot, joint, patched = points("table06"), points("table07"), points("table08")
    fig4 = fig4_points()
    return Page(
        zeroshot=zeroshot, joint=joint, patched=patched, imagenet_ft=points("table09"), fig4=fig4,
        fits4={t: fit_groups(fig4, t) for t in ("IN", "robustness")},
        fits5={"mean of 8 tasks": fit_groups(joint, "mean of 8 tasks")},
        fits9={t: fit_groups(zeroshot, t) for t in NINE_TASKS},
        fits10={t: fit_groups(joint, t) for t in EIGHT_TASKS},
        fits11={t: fit_groups(patched, t) for t in NINE_TASKS},
    )


def figure(rows: pd.DataFrame, tasks: Sequence[str], fits: dict[str, dict[str, PowerLawFit]], *,
           n_cols: int = 3) -> Figure:
    """Compute vs error, one panel per task, with the fitted lines
    (:func:`repro.figures.reported.reported_vs_compute`).

    Parameters
    ----------
    rows : DataFrame
        Long-form points (:func:`points`, :func:`fig4_points`).
    tasks : sequence of str
        The tasks to draw, one panel each.
    fits : dict
        Task -> :func:`fit_groups` of ``rows``.
    n_cols : int
        Panels per row (the page's ``eight_tasks_columns`` parameter for Figures 9-11).

    Raises
    ------
    ParameterError
        ``n_cols`` is not a positive integer.
    """
    if isinstance(n_cols, bool) or not isinstance(n_cols, int) or n_cols < 1:
        raise ParameterError(f"finetuning figure: n_cols (eight_tasks_columns) must be a positive integer, got {n_cols!r}")
    return reported_vs_compute(rows, list(tasks), fits=fits, n_cols=n_cols)


def exponents_table(page: Page) -> pd.DataFrame:
    """The exponents of every per-task line of Figure 9 (zero-shot, Table 6)."""
    return fits_table(page.zeroshot, NINE_TASKS).assign(figure="fig9")


def printed_table(table: str) -> pd.DataFrame:
    """A table of the paper as printed (Tables 10 and 11: the fine-tuning hyper-parameters)."""
    return load_reported(table)
