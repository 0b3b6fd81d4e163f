"""Chapter "Predictions for larger models" (``book/notebooks/predictions.md``): Figure 8 and
Table 4, zero-shot ImageNet top-1 and MS-COCO image retrieval Recall@5 predicted for larger models
and longer training, beside the paper's printed cells.

The law and the grid are computed in :mod:`repro.scaling.extrapolation`; this module compares
them with Table 4, builds the report rows and the glue values, and hands Figure 8 drawn by
:func:`repro.figures.extrapolation.extrapolation_figure`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
from matplotlib.figure import Figure

from repro.constants import EXTRAPOLATION_SAMPLES_SEEN, LAION_UPSTREAMS, N_BINS
from repro.data import load_arch, load_reported, load_results
from repro.errors import SchemaError
from repro.figures.extrapolation import extrapolation_figure
from repro.report import ReportRow, Text, compare, rows_frame
from repro.scaling import verdicts
from repro.scaling.extrapolation import (
    FIGURE8_ARCHS,
    ExtrapolationFit,
    extrapolation_fits,
    extrapolation_grid,
    gmacs_per_sample,
    measured_vs_predicted,
)
from repro.scaling.paper_fit import fit_paper_law

__all__ = ["FIGURE8_ARCHS", "H14Coco", "Page", "compute", "figure", "glue_values", "h14_68b_coco",
           "measured_vs_predicted", "table04_comparison", "table04_differences", "table04_report_rows",
           "table04_wide", "text_readings", "readings_verdicts"]

#: The two targets of Figure 8 / Table 4: downstream dataset -> Table 4 column
TARGETS = {"imagenet1k": "imagenet_top1", "mscoco_captions": "mscoco_image_retrieval_r5"}
#: Table 4 prints two decimals
TABLE04_DECIMALS = 2
#: The appendix text's value for H/14 at 68B samples on MS-COCO image retrieval Recall@5; Table 4
#: prints another value for the same cell (see :func:`table04_report_rows`).
TEXT_H14_68B_COCO = 75.10


def table04_comparison(grid: pd.DataFrame) -> pd.DataFrame:
    """Every cell of Table 4 beside ours.

    Where Table 4 marks a cell ``measured`` (g/14 at 13B, H/14 at 34B), ``ours`` is the measured
    value from ZS and ``predicted`` shows what the law would have said; elsewhere ``ours`` is the
    prediction. Columns: ``model, samples_seen, target, kind, ours, predicted, paper, difference``.
    """
    paper = load_reported("table04")
    records = []
    for entry in paper.itertuples(index=False):
        arch = entry.model.replace("/", "-")
        for dataset, column in TARGETS.items():
            cell = grid[(grid["arch"] == arch) & (grid["samples_seen_pretty"] == entry.samples_seen)
                        & (grid["downstream_dataset"] == dataset)]
            if len(cell) != 1:
                raise SchemaError(f"table04: the extrapolation grid has no cell {entry.model} / {entry.samples_seen} / "
                                  f"{dataset}; pass archs/samples_seen covering Table 4")
            cell = cell.iloc[0]
            ours = cell["measured"] if entry.kind == "measured" else cell["predicted"]
            printed = float(getattr(entry, column))
            records.append({"model": entry.model, "samples_seen": entry.samples_seen, "target": column,
                            "kind": entry.kind, "ours": float(ours), "predicted": float(cell["predicted"]),
                            "paper": printed, "difference": float(ours) - printed})
    return pd.DataFrame(records)


def table04_wide(comparison: pd.DataFrame) -> pd.DataFrame:
    """Table 4 laid out as printed: rows = samples seen, columns = (target, model), cells ``ours``
    with the paper's value in brackets when the two differ after rounding; measured cells marked *."""
    def cell(r: pd.Series) -> str:
        text = f"{r['ours']:.{TABLE04_DECIMALS}f}" + ("*" if r["kind"] == "measured" else "")
        if round(r["ours"], TABLE04_DECIMALS) != round(r["paper"], TABLE04_DECIMALS):
            text += f" (paper {r['paper']:.{TABLE04_DECIMALS}f})"
        return text

    shown = comparison.assign(cell=comparison.apply(cell, axis=1))
    wide = shown.pivot(index="samples_seen", columns=["target", "model"], values="cell")
    order = list(dict.fromkeys(comparison["samples_seen"]))
    return wide.loc[order]


@dataclass(frozen=True)
class H14Coco:
    """H/14 on MS-COCO image retrieval Recall@5 (percent), the cell behind the appendix text's value:
    the measured LAION-2B run at 34B samples, the law at 34B and 68B samples, and Table 4's cell."""

    measured_34b: float
    predicted_34b: float
    predicted_68b: float
    table04_68b: float

    @property
    def gain_34b_68b(self) -> float:
        """The gain the law predicts from 34B to 68B samples (points)."""
        return self.predicted_68b - self.predicted_34b

    @property
    def above_measured(self) -> float:
        """The law's 68B prediction minus the measured 34B run (points): not a gain the law predicts."""
        return self.predicted_68b - self.measured_34b


def h14_68b_coco(grid: pd.DataFrame) -> H14Coco:
    """The numbers of H/14 on MS-COCO at 34B and 68B samples (:class:`H14Coco`) from the grid."""
    cells = grid[(grid["arch"] == "ViT-H-14") & (grid["downstream_dataset"] == "mscoco_captions")]
    cells = cells.set_index("samples_seen_pretty")
    if not {"34B", "68B"} <= set(cells.index) or pd.isna(cells.loc["34B", "measured"]):
        raise SchemaError("predictions: the extrapolation grid lacks H/14 on mscoco_captions at 34B (measured) "
                          "or 68B samples; pass archs/samples_seen covering Table 4")
    paper = load_reported("table04").set_index(["model", "samples_seen"])
    return H14Coco(measured_34b=float(cells.loc["34B", "measured"]),
                   predicted_34b=float(cells.loc["34B", "predicted"]),
                   predicted_68b=float(cells.loc["68B", "predicted"]),
                   table04_68b=float(paper.loc[("ViT-H/14", "68B"), TARGETS["mscoco_captions"]]))


#: The appendix text's gain for H/14 from its measured 34B run to 68B samples on MS-COCO (points).
TEXT_H14_GAIN_COCO = 1.60
#: The bin counts whose law is set beside the text's value: the paper's 5 (Table 4) and 6.
READING_BINS = (5, 6)


def text_readings(rows: pd.DataFrame, arch_table: pd.DataFrame, *, n_bins: Sequence[int] = READING_BINS,
                  measured_34b: float | None = None) -> dict[str, dict[str, float]]:
    """The readings of the appendix text's two numbers for H/14 on MS-COCO: the law's 68B
    prediction with each bin count of ``n_bins`` (for the text's 75.10), and that prediction minus
    the measured 34B run (for the text's +1.60).

    Parameters
    ----------
    rows, arch_table : DataFrame
        The published results and ARCH.
    n_bins : sequence of int
        Bin counts of the frontier fit (:data:`READING_BINS`).
    measured_34b : float, optional
        The measured H/14 run at 34B (percent); without it only the 68B readings are returned.

    Returns
    -------
    dict
        ``{"value": {"the law with N bins": percent}, "gain": {"the law with N bins minus the measured 34B run": points}}``.
    """
    total = gmacs_per_sample(arch_table, ["ViT-H-14"])["ViT-H-14"] * EXTRAPOLATION_SAMPLES_SEEN["68B"]
    value, gain = {}, {}
    for bins in n_bins:
        fit = fit_paper_law(rows, "mscoco_captions", n_bins=int(bins), upstreams=LAION_UPSTREAMS, arch_prefix="ViT")
        predicted = float(100.0 * (1.0 - fit.predict(total)))
        value[f"the law with {bins} bins"] = predicted
        if measured_34b is not None:
            gain[f"the law with {bins} bins minus the measured 34B run"] = predicted - measured_34b
    return {"value": value, "gain": gain}


def readings_verdicts(readings: dict[str, dict[str, float]]) -> dict[str, str]:
    """:func:`repro.scaling.verdicts.readings_sentence` for the text's 75.10 and its +1.60."""
    out = {"value": verdicts.readings_sentence(TEXT_H14_68B_COCO, readings["value"], decimals=2)}
    if readings.get("gain"):
        out["gain"] = verdicts.readings_sentence(TEXT_H14_GAIN_COCO, readings["gain"], decimals=2)
    return out


def _text_value_explanation(h14: H14Coco, readings: dict[str, dict[str, float]] | None = None) -> str:
    """Why the appendix text's value for H/14 at 68B on MS-COCO differs, from the numbers found."""
    said = readings_verdicts(readings) if readings else {}
    return (f"The appendix text gives {TEXT_H14_68B_COCO:.2f} for H/14 at 68B samples on MS-COCO; Table 4 prints "
            f"{h14.table04_68b:.2f}, the law's 68B prediction with the paper's 5 bins (ours {h14.predicted_68b:.2f}). "
            + (f"Two readings, neither proven: {said['value']} The text's +{TEXT_H14_GAIN_COCO:.2f}: "
               f"{said.get('gain', '')} " if said else "")
            + f"Table 4's value is not the measured {h14.measured_34b:.2f} at 34B plus a "
            f"predicted gain: the law predicts {h14.predicted_34b:.2f} at 34B and a gain of "
            f"{h14.gain_34b_68b:.2f} to 68B; the {h14.above_measured:.2f} by which {h14.table04_68b:.2f} exceeds "
            f"the measured {h14.measured_34b:.2f} is the prediction minus the measurement.")


def table04_report_rows(grid: pd.DataFrame, readings: dict[str, dict[str, float]] | None = None) -> list[ReportRow]:
    """The 24 cells of Table 4 (12 x ImageNet, 12 x COCO) as report rows, plus the appendix-text
    value for H/14 at 68B on COCO, which differs from Table 4's cell; its explanation gives the
    readings of :func:`text_readings` when ``readings`` is given."""
    report = []
    for r in table04_comparison(grid).itertuples(index=False):
        quantity = f"{r.target}_{r.model}_{r.samples_seen}_{r.kind}"
        report.append(compare("table04", quantity, r.ours, r.paper, decimals=TABLE04_DECIMALS))
        if r.model == "ViT-H/14" and r.samples_seen == "68B" and r.target == TARGETS["mscoco_captions"]:
            report.append(compare("fig8", f"{r.target}_{r.model}_{r.samples_seen}_appendix_text", r.ours,
                                  TEXT_H14_68B_COCO, decimals=TABLE04_DECIMALS,
                                  explanation=_text_value_explanation(h14_68b_coco(grid), readings)))
    return report


def table04_differences(grid: pd.DataFrame) -> pd.DataFrame:
    """The report rows of :func:`table04_report_rows` whose status is not "exact", as a frame
    (``repro.report.rows_frame``): the differences the predictions page explains."""
    return rows_frame(table04_report_rows(grid)).query("status != 'exact'")


def glue_values(fits: Mapping[str, ExtrapolationFit], grid: pd.DataFrame) -> dict[str, float]:
    """Numbers the predictions chapter quotes in its prose, as plain floats: the bins of the fit
    (``n_bins``), the laws' ``alpha_*``
    and ``beta_*`` per target, Table 4's cells compared and how many round to the printed value,
    and H/14 on COCO (``h14_68b_coco`` and the numbers of :class:`H14Coco`)."""
    values: dict[str, float] = {"n_bins": float(N_BINS)}
    for dataset, law in fits.items():
        values[f"alpha_{dataset}"] = float(law.fit.alpha)
        values[f"beta_{dataset}"] = float(law.fit.beta)
    comparison = table04_comparison(grid)
    values["table04_cells"] = float(len(comparison))
    values["table04_exact"] = float((comparison["ours"].round(TABLE04_DECIMALS) == comparison["paper"]).sum())
    values["table04_max_abs_diff"] = float(comparison["difference"].abs().max())
    h14 = h14_68b_coco(grid)
    values["h14_68b_coco"] = h14.predicted_68b
    values["h14_34b_coco_measured"] = h14.measured_34b
    values["h14_34b_coco_predicted"] = h14.predicted_34b
    values["h14_gain_34b_68b_coco"] = h14.gain_34b_68b
    values["h14_68b_coco_above_measured"] = h14.above_measured
    values["h14_68b_coco_table04"] = h14.table04_68b
    values["h14_68b_coco_text"] = TEXT_H14_68B_COCO
    values["h14_gain_coco_text"] = TEXT_H14_GAIN_COCO
    measured = measured_vs_predicted(grid)
    values["n_measured_cells"] = float(len(measured))
    values["n_measured_at_or_below_law"] = float((measured["residual"] <= 0).sum())
    return values


@dataclass(frozen=True)
class Page:
    """What the chapter shows: the laws per target and the (architecture x samples seen) grid."""

    fits: dict[str, ExtrapolationFit]
    grid: pd.DataFrame
    readings: dict[str, dict[str, float]] | None = None

    def report_rows(self) -> list[ReportRow]:
        """:func:`table04_report_rows` of the grid, with the text's readings."""
        return table04_report_rows(self.grid, self.readings)

    def glue_values(self) -> dict[str, float | str]:
        """:func:`glue_values` of the laws and the grid, and the readings of the text's numbers
        (``reading_<bins>bins_68b``, ``reading_value_verdict``, ``reading_gain_verdict``)."""
        values: dict[str, float | str] = dict(glue_values(self.fits, self.grid))
        if self.readings:
            for name, value in self.readings["value"].items():
                values[f"reading_{name.split()[3]}bins_68b"] = value
            for key, sentence in readings_verdicts(self.readings).items():
                values[f"reading_{key}_verdict"] = Text(sentence)
        return values


def compute() -> Page:
    """The laws fitted on the published results' OpenCLIP ViT runs and the paper's grid (ARCH's
    GMACs per sample x the samples-seen grid of Figure 8 and Table 4)."""
    rows, arch = load_results(), load_arch()
    fits = extrapolation_fits(rows, tuple(TARGETS))
    grid = extrapolation_grid(rows, arch, fits=fits)
    return Page(fits, grid, text_readings(rows, arch, measured_34b=h14_68b_coco(grid).measured_34b))


def figure(page: Page, archs: Sequence[str] = FIGURE8_ARCHS) -> Figure:
    """Figure 8: the laws evaluated at each architecture's GMACs per sample, for ``archs``."""
    return extrapolation_figure(page.grid, page.fits, archs=archs)
