"""Chapter "The study in miniature" (``book/notebooks/mini.md``): the paper's whole loop on a
laptop CPU, from the committed results of ``repro mini``.

The fits and phenomena are :mod:`repro.mini.analysis` (the paper's frontier fit, R^2, decades of
compute, the data bottleneck, who wins at the largest budget); this module gathers them for the
page (:func:`compute`), turns them into the numbers of the prose (:func:`glue_values`) and
report rows (:func:`report_rows`), builds the display tables, and assembles the figures drawn by
:mod:`repro.figures.mini` and :func:`repro.figures.compute_vs_error`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from matplotlib.figure import Figure

from repro.constants import N_BINS
from repro.data.schema import error_of
from repro.figures import compute_vs_error
from repro.figures import mini as mini_figures
from repro.mini import analysis, models
from repro.mini.analysis import HEADLINE_TASK
from repro.report import ReportRow, compare

#: The task whose frontier plateaus, drawn beside the headline task (mini_shape_colour stands in for ImageNet).
PLATEAU_TASK = "mini_shape_colour"


def headline_panels(task: str = HEADLINE_TASK) -> list[str]:
    """The panels of the page's compute-vs-error figure: ``task`` beside :data:`PLATEAU_TASK`
    (the stand-in for ImageNet, whose frontier plateaus; see :data:`repro.mini.analysis.HEADLINE_TASK`)."""
    return [task, PLATEAU_TASK]


def report_rows(rows: pd.DataFrame) -> list[ReportRow]:
    """Reproduction-report rows of the mini study: R^2, decades, bottleneck, exponents.

    None of these has a paper value to equal (the paper fits LAION, not synthetic scenes), so
    every row is ``reproduced``; the exponents carry the paper's analogue in their explanation.
    """
    neck = analysis.bottleneck(rows)
    win = analysis.winners(rows)
    drop = f"{neck.arch}: error drop from {neck.budgets[0]:.0f} to {neck.budgets[1]:.0f} samples seen"
    out = [
        compare("mini", f"r2_frontier_{task}", analysis.r_squared(analysis.fit(rows, task)),
                explanation="log-log R^2 of the binned-frontier line (required >= 0.9 on the headline task, "
                            f"{HEADLINE_TASK})")
        for task in sorted(rows["downstream_dataset"].unique())
    ]
    out += [
        compare("mini", f"compute_decades_{HEADLINE_TASK}", analysis.compute_decades(rows),
                explanation="log10(max/min total GMACs) of the grid (required >= 1.5)"),
        compare("mini", f"bottleneck_gain_{neck.small_dataset}", neck.gain_small,
                explanation=drop),
        compare("mini", f"bottleneck_gain_{neck.large_dataset}", neck.gain_large,
                explanation=drop),
        compare("mini", "larger_model_wins", float(win.larger_model_wins),
                explanation="1 if the largest model has the lowest error at the largest budget, largest set"),
        compare("mini", "more_data_wins", float(win.more_data_wins),
                explanation="1 if the largest set gives the lowest error at the largest budget, largest model"),
    ]
    for row in analysis.exponents_beside_paper(rows).itertuples():
        out.append(compare("mini", f"alpha_{row.downstream_dataset}", row.alpha,
                           explanation=f"synthetic-scene exponent; the paper's {row.paper_analogue} "
                                       f"OpenCLIP exponent is {row.alpha_paper:.2f}"))
    return out


def glue_values(rows: pd.DataFrame, task: str = HEADLINE_TASK) -> dict[str, float]:
    """Plain floats for the chapter's prose (``myst_nb.glue``)."""
    power_law = analysis.fit(rows, task)
    neck = analysis.bottleneck(rows, task)
    win = analysis.winners(rows, task)
    return {"mini_alpha": float(power_law.alpha), "mini_beta": float(power_law.beta),
            "mini_r2": analysis.r_squared(power_law), "mini_decades": analysis.compute_decades(rows, task),
            "mini_gain_small": neck.gain_small, "mini_gain_large": neck.gain_large,
            "mini_gain_ratio": float(neck.ratio), "mini_larger_model_wins": float(win.larger_model_wins),
            "mini_more_data_wins": float(win.more_data_wins)}


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
    ])


def family_table(names: tuple[str, ...]) -> pd.DataFrame:
    """The tiny models: widths, layers, patch size and GMACs per sample."""
    out = []
    for name in names:
        config = models.model_config(name)
        vision, text = config["vision_cfg"], config["text_cfg"]
        out.append({"model": name, "embed_dim": config["embed_dim"], "vision width": vision["width"],
                    "vision layers": vision["layers"], "patch": vision["patch_size"], "text width": text["width"],
                    "text layers": text["layers"], "context": text["context_length"],
                    "GMACs/sample": models.gmacs_per_sample(name)})
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
class Page:
    """Everything the page shows, read and computed once.

    Attributes
    ----------
    profile, task : str
        The study's profile (``laptop``, ``smoke``, ``gpu``) and the headline task.
    n_bins : int
        Bins of the frontier fit (the paper: 5).
    rows : DataFrame
        The study's results in the paper's schema.
    provenance : dict
        ``provenance.json`` of the profile.
    panels : list of str
        :func:`headline_panels` of ``task``.
    """

    profile: str
    task: str
    n_bins: int
    rows: pd.DataFrame = field(repr=False)
    provenance: dict = field(repr=False)
    panels: list[str] = field(repr=False)

    def report_rows(self) -> list[ReportRow]:
        """:func:`report_rows` of the results."""
        return report_rows(self.rows)

    def glue_values(self) -> dict[str, float]:
        """:func:`glue_values` of the results on the headline task."""
        return glue_values(self.rows, self.task)


def compute(profile: str = "laptop", task: str = HEADLINE_TASK, n_bins: int = N_BINS) -> Page:
    """The page for the notebook's parameters: the profile's results and provenance."""
    return Page(profile, task, n_bins, analysis.load_results(profile), analysis.load_provenance(profile),
                headline_panels(task))


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


def frontier_figure(page: Page) -> Figure:
    """Compute vs error on the headline panels, with the paper's fit at ``n_bins`` bins."""
    return compute_vs_error(page.rows, page.panels, fits=analysis.panel_fits(page.rows, page.panels, n_bins=page.n_bins))


def bottleneck_figure(page: Page) -> Figure:
    """Error against samples seen per pre-training set, on the headline task."""
    return mini_figures.bottleneck(page.rows, page.task)
