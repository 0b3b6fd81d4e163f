"""The front page (``book/notebooks/index.md``): what the book found, in one screen (the paper's
headline claims and the book's own findings, each with a verdict computed from the reproduction
report by :mod:`repro.scaling.verdicts` and a link to its page), what it does with every item of
the paper (recomputed, from reported values, needs a run, no public data), the counts of the
paper's printed numbers apart from the later-model comparisons, and one row per chapter of the
book's table of contents with its report rows by status.

The item table is generated from :data:`ITEMS` and the reproduction report; the chapter table
from ``_toc.yml`` and the report, so a new chapter appears on the front page without a code edit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml
from IPython.display import Markdown

from repro.constants import book_dir
from repro.report import CHECK_STATUSES, STATUSES, load_report
from repro.scaling import verdicts

#: route -> what the book does with the item (and its status when it has no rows with paper values)
ROUTE_STATUS = {
    "recompute": "recomputed",
    "reported": "from reported values",
    "explain": "no public data",
    "run": "needs a run",
}
#: route -> one sentence for the front page
ROUTE_MEANING = {
    "recompute": "recomputed from the authors' published results with the paper's method",
    "reported": "drawn from the numbers printed in the paper (no per-run data is public); any fit is ours",
    "explain": "no public data: the page says what would be needed",
    "run": "needs a run: the page gives the commands that produce the missing data",
}
#: The section of the models trained after the paper: its rows with a value beside them compare
#: with a forecast, not with a number the paper printed for its own models.
LATER_MODELS_SECTION = "later_models"
#: worst first: an item's status is the worst of its rows
STATUS_ORDER = ("missing", "differs", "differs, explained", "within rounding", "exact", "printed name",
                "forecast checked", "reproduced")


@dataclass(frozen=True)
class Item:
    label: str    # the anchor label in the book, also the report's ``item``
    title: str
    data: str     # the published source: ZS (zero-shot results), INFO (run table), ARCH (architectures),
                  # LC (learning curves), LP (linear probes), REP (the paper's printed numbers), none
    route: str    # recompute | reported | explain | run


ITEMS: tuple[Item, ...] = (
    Item("table01", "Table 1: CLIP-WIT vs OpenCLIP L/14 and H/14", "ZS", "recompute"),
    Item("fig1a", "Figure 1a: compute vs zero-shot error, ImageNet and robustness", "ZS", "recompute"),
    Item("fig1b", "Figure 1b: compute vs image retrieval error, MS-COCO and Flickr30K", "ZS", "recompute"),
    Item("exponents", "Sec. 4.1-4.2: power-law exponents", "ZS", "recompute"),
    Item("bottleneck", "Sec. 4: data bottleneck claims", "ZS", "recompute"),
    Item("fig2", "Figure 2: linear-probe error vs compute, ImageNet and CIFAR-100", "LP", "recompute"),
    Item("fig3", "Figure 3: linear-probe error vs compute, VTAB", "LP", "recompute"),
    Item("table05", "Table 5: linear-probe accuracies", "LP", "recompute"),
    Item("fig4", "Figure 4: ImageNet fine-tuning vs compute", "REP", "reported"),
    Item("fig5", "Figure 5: joint fine-tuning on 8 tasks vs compute", "REP", "reported"),
    Item("fig6", "Figure 6: multi-GPU training throughput", "none", "explain"),
    Item("table02", "Table 2: pre-training datasets", "REP", "reported"),
    Item("table03", "Table 3: pHash overlap with LAION-400M", "REP", "reported"),
    Item("fig7", "Figure 7: duplicate images", "none", "explain"),
    Item("fig8", "Figure 8: extrapolated performance", "ZS+ARCH", "recompute"),
    Item("table04", "Table 4: predicted ImageNet and COCO performance", "ZS+ARCH", "recompute"),
    Item("fig9", "Figure 9: zero-shot error on 8 tasks vs compute", "REP", "reported"),
    Item("fig10", "Figure 10: error after joint fine-tuning per task", "REP", "reported"),
    Item("fig11", "Figure 11: error after patching per task", "REP", "reported"),
    Item("table06", "Table 6: zero-shot accuracy on 8 tasks", "REP", "reported"),
    Item("table07", "Table 7: joint fine-tuning accuracy", "REP", "reported"),
    Item("table08", "Table 8: patching accuracy", "REP", "reported"),
    Item("table09", "Table 9: ImageNet fine-tuning results", "REP", "reported"),
    Item("table10", "Table 10: ImageNet fine-tuning hyper-parameters", "REP", "reported"),
    Item("table11", "Table 11: ImageNet-12k hyper-parameters", "REP", "reported"),
    Item("table12", "Table 12: batch-size control", "REP", "reported"),
    Item("table13", "Table 13: data-subset control", "REP", "reported"),
    Item("table14", "Table 14: repeat runs", "REP", "reported"),
    Item("table15", "Table 15: data-loading control", "REP", "reported"),
    Item("table16", "Table 16: VTAB+ grid", "ZS", "recompute"),
    Item("table17", "Table 17: per-task VTAB+ of LAION-2B models", "ZS", "recompute"),
    Item("table18", "Table 18: pre-training hyper-parameters and resources", "INFO+REP", "recompute"),
    Item("table19", "Table 19: ImageNet grid", "ZS", "recompute"),
    Item("table20", "Table 20: robustness grid", "ZS", "recompute"),
    Item("table21", "Table 21: MS-COCO image retrieval grid", "ZS", "recompute"),
    Item("table22", "Table 22: MS-COCO text retrieval grid", "ZS", "recompute"),
    Item("table23", "Table 23: Flickr30K image retrieval grid", "ZS", "recompute"),
    Item("table24", "Table 24: Flickr30K text retrieval grid", "ZS", "recompute"),
    Item("fig12", "Figure 12: OpenAI ResNet models", "none", "run"),
    Item("table25", "Table 25: architectures", "ARCH+configs", "recompute"),
    Item("table26", "Table 26: evaluation datasets", "REP", "reported"),
    Item("learning-curves", "Learning curves (authors' notebook)", "LC", "recompute"),
)

_LABEL = re.compile(r"^\(([\w\-]+)\)=\s*$", re.MULTILINE)


def anchors(book: Path | None = None) -> dict[str, str]:
    """Anchor label -> section, over every notebook source."""
    book = book or book_dir()
    found = {}
    for source in sorted((book / "notebooks").glob("*.md")):
        for label in _LABEL.findall(source.read_text()):
            found.setdefault(label, source.stem)
    return found


def item_status(report: pd.DataFrame, book: Path | None = None) -> pd.DataFrame:
    """One row per paper item: where it is, its status, and its report counts."""
    where = anchors(book)
    records = []
    for item in ITEMS:
        rows = report[report["item"] == item.label] if len(report) else report
        with_paper = rows[rows["paper"].notna()] if len(rows) else rows
        if item.label not in where:
            status = "missing"
        elif len(with_paper):
            status = min(with_paper["status"], key=STATUS_ORDER.index)
        else:
            status = ROUTE_STATUS[item.route]
        counts = with_paper["status"].value_counts() if len(with_paper) else pd.Series(dtype=int)
        records.append({
            "item": item.label, "title": item.title, "data": item.data, "section": where.get(item.label, ""),
            "status": status, "compared": int(len(with_paper)), "exact": int(counts.get("exact", 0)),
            "within_rounding": int(counts.get("within rounding", 0)),
            "differs_explained": int(counts.get("differs, explained", 0)), "differs": int(counts.get("differs", 0)),
        })
    return pd.DataFrame(records)


def status_markdown(table: pd.DataFrame) -> str:
    """The item table as MyST markdown with a link to each item's anchor."""
    lines = ["| item | status | compared with the paper | exact | within rounding | differs (explained) |",
             "|---|---|---:|---:|---:|---:|"]
    for r in table.itertuples(index=False):
        link = f"[{r.title}](#{r.item})" if r.section else r.title
        lines.append(f"| {link} | {r.status} | {r.compared} | {r.exact} | {r.within_rounding} | {r.differs_explained} |")
    return "\n".join(lines)


_TITLE = re.compile(r"^# (.+)$", re.MULTILINE)


def toc_chapters(book: Path | None = None) -> list[str]:
    """The sections of the book's table of contents (``_toc.yml``), in reading order, the root
    first: ``executed/<section>`` -> ``<section>``."""
    book = book or book_dir()
    toc = yaml.safe_load((book / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part.get("chapters", [])]
    return [Path(f).name for f in files]


def chapter_status(report: pd.DataFrame, book: Path | None = None) -> pd.DataFrame:
    """One row per chapter of the table of contents after the front page: its title (the first
    heading of its notebook) and the number of its report rows in each status
    (:data:`repro.report.STATUSES`)."""
    book = book or book_dir()
    records = []
    for section in toc_chapters(book)[1:]:
        source = book / "notebooks" / f"{section}.md"
        found = _TITLE.search(source.read_text()) if source.is_file() else None
        rows = report[report["section"] == section] if len(report) else report
        counts = rows["status"].value_counts() if len(rows) else pd.Series(dtype=int)
        records.append({"section": section, "title": found.group(1).strip() if found else section,
                        "rows": int(len(rows)), **{status: int(counts.get(status, 0)) for status in STATUSES}})
    return pd.DataFrame(records)


def chapters_markdown(table: pd.DataFrame) -> str:
    """The chapter table as MyST markdown, each title linking to its page."""
    header = "| chapter | report rows | " + " | ".join(STATUSES) + " |"
    lines = [header, "|---|" + "---:|" * (1 + len(STATUSES))]
    for r in table.to_dict("records"):
        counts = " | ".join(str(r[status]) for status in STATUSES)
        lines.append(f"| [{r['title']}]({r['section']}.ipynb) | {r['rows']} | {counts} |")
    return "\n".join(lines)


def items_display(table: pd.DataFrame) -> Markdown:
    """:func:`status_markdown` of the item table, for display on the page."""
    return Markdown(status_markdown(table))


def chapters_display(table: pd.DataFrame) -> Markdown:
    """:func:`chapters_markdown` of the chapter table, for display on the page."""
    return Markdown(chapters_markdown(table))


def printed_counts(rows: pd.DataFrame) -> dict[str, int]:
    """Rows with a value beside them, split: ``paper`` (a number the paper prints for its own
    models) and ``later_models`` (a later model's measurement beside a forecast: the rows of
    :data:`LATER_MODELS_SECTION` or with status "forecast checked").

    Parameters
    ----------
    rows : DataFrame
        The gathered reproduction report (:func:`repro.report.load_report`).
    """
    if not len(rows):
        return {"paper": 0, "later_models": 0}
    with_value = rows[rows["paper"].notna()]
    later = (with_value["section"] == LATER_MODELS_SECTION) | (with_value["status"] == "forecast checked")
    return {"paper": int((~later).sum()), "later_models": int(later.sum())}


def route_counts(items: tuple[Item, ...] = ITEMS) -> dict[str, int]:
    """How many items of the paper take each route (:data:`ROUTE_STATUS`)."""
    return {route: sum(item.route == route for item in items) for route in ROUTE_STATUS}


def routes_markdown(items: tuple[Item, ...] = ITEMS) -> str:
    """What the book does with the paper's items, one line per route with its items' count."""
    counts = route_counts(items)
    return "\n".join(f"- **{ROUTE_STATUS[route]}** ({counts[route]} of {len(items)} items): {ROUTE_MEANING[route]}."
                      for route in ROUTE_STATUS)


def _value(rows: pd.DataFrame, section: str, quantity: str) -> float | None:
    """The ``reproduced`` value of one row, None when the report has no such row."""
    if not len(rows):
        return None
    hit = rows[(rows["section"] == section) & (rows["quantity"] == quantity)]
    return float(hit["reproduced"].iloc[0]) if len(hit) else None


def _reproduction(rows: pd.DataFrame, items: tuple[str, ...]) -> str:
    """:func:`repro.scaling.verdicts.reproduction_sentence` of the rows of ``items`` with a paper value."""
    chosen = rows[rows["item"].isin(items) & rows["paper"].notna()] if len(rows) else rows
    counts = chosen["status"].value_counts() if len(chosen) else pd.Series(dtype=int)
    return verdicts.reproduction_sentence(int(counts.get("exact", 0)) + int(counts.get("printed name", 0)),
                                          int(counts.get("within rounding", 0)),
                                          int(counts.get("differs, explained", 0)), int(counts.get("differs", 0)))


def _checks(rows: pd.DataFrame, section: str, quantities: tuple[str, ...] | None = None) -> str:
    """:func:`repro.scaling.verdicts.checks_sentence` of a section's checks (``quantities``: only those)."""
    chosen = rows[(rows["section"] == section) & rows["status"].isin(CHECK_STATUSES)] \
        if len(rows) else rows
    if quantities is not None and len(chosen):
        chosen = chosen[chosen["quantity"].isin(quantities)]
    return verdicts.checks_sentence([(r.quantity, float(r.reproduced), str(r.target), r.status == "check passed")
                                     for r in chosen.itertuples(index=False)])


#: The uncertainty chapter's headline checks on the front page.
UNCERTAINTY_HEADLINE = ("best_coverage", "best_sharpness", "selected_beats_paper", "coverage_band_method")


def findings(rows: pd.DataFrame) -> pd.DataFrame:
    """What the book found, one row per finding: ``finding`` (the claim, in words), ``verdict``
    (a sentence computed from the report's rows by :mod:`repro.scaling.verdicts`; "not yet
    computed" where the rows are missing) and ``page`` (the section that shows it).

    Parameters
    ----------
    rows : DataFrame
        The gathered reproduction report; the later-models verdict reads the ``in_family`` rows of
        :data:`LATER_MODELS_SECTION`, the others the rows of fig1, zeroshot, predictions,
        uncertainty and mini.
    """
    n = {name: _value(rows, "uncertainty", name) for name in
         ("n_openclip_steeper_both", "n_openai_steeper_both", "n_undecided_both")}
    direction = (verdicts.direction_sentence(int(n["n_openclip_steeper_both"]), int(n["n_openai_steeper_both"]),
                                             int(n["n_undecided_both"]), label_a="OpenCLIP", label_b="OpenAI")
                 if None not in n.values() else verdicts.NOT_YET + ".")
    claims = []
    for claim in "ABC":
        held, measures = (_value(rows, "zeroshot", f"claim_{claim}_holds_beyond_noise"),
                          _value(rows, "zeroshot", f"claim_{claim}_measures"))
        if held is not None and measures is not None:
            claims.append(f"{claim} holds beyond noise on {held:.0f} of {measures:.0f} measures")
    later = "in_family"
    names = (f"{later} n", f"{later} independent runs", f"{later} measured below forecast",
             f"{later} mean residual imagenet1k", f"{later} mean residual imagenet1k ci90 low",
             f"{later} mean residual imagenet1k ci90 high")
    records = [
        ("Power laws: zero-shot error falls as a power law of compute, for each task (Fig. 1, Sec. 4.1-4.2)",
         "exponents " + _reproduction(rows, ("fig1a", "fig1b", "exponents")), "fig1"),
        ("The training distribution decides the slope: OpenCLIP steeper on retrieval, OpenAI on classification",
         "point estimates as printed; with both fits' uncertainty, " + direction, "uncertainty"),
        ("Bottlenecks: one scaling axis limits another (Sec. 4, Tables 16, 19-24)",
         ("; ".join(claims) + "." if claims else verdicts.NOT_YET + "."), "zeroshot"),
        ("Predictions for larger models (Fig. 8, Table 4)", "Table 4 " + _reproduction(rows, ("table04", "fig8")),
         "predictions"),
        ("Later models against the paper's forecast (this book)",
         verdicts.later_models_sentence(*(_value(rows, LATER_MODELS_SECTION, q) for q in names)), "later_models"),
        ("How sure the laws are: intervals, backtests, form selection (this book)",
         _checks(rows, "uncertainty", UNCERTAINTY_HEADLINE), "uncertainty"),
        ("The whole loop in miniature on a CPU (this book)", _checks(rows, "mini"), "mini"),
    ]
    return pd.DataFrame(records, columns=["finding", "verdict", "page"])


def findings_markdown(table: pd.DataFrame) -> str:
    """The findings as a MyST table, each linking to its page."""
    lines = ["| finding | verdict (computed from the report) |", "|---|---|"]
    for r in table.itertuples(index=False):
        lines.append(f"| [{r.finding}]({r.page}.ipynb) | {r.verdict} |")
    return "\n".join(lines)


def findings_display(table: pd.DataFrame) -> Markdown:
    """:func:`findings_markdown` for the page."""
    return Markdown(findings_markdown(table))


def routes_display(items: tuple[Item, ...] = ITEMS) -> Markdown:
    """:func:`routes_markdown` for the page."""
    return Markdown(routes_markdown(items))


def glue_values(rows: pd.DataFrame, items: pd.DataFrame) -> dict[str, int]:
    """Plain values for the front page: ``n_items``, ``n_compared`` (rows with a value beside
    them), ``n_paper_printed`` and ``n_later_compared`` (:func:`printed_counts`), the items per
    route (``n_route_<route>``) and ``n_missing`` (items without a place in the book)."""
    printed = printed_counts(rows)
    return {"n_items": int(len(items)), "n_compared": int(rows["paper"].notna().sum()) if len(rows) else 0,
            "n_paper_printed": printed["paper"], "n_later_compared": printed["later_models"],
            **{f"n_route_{route}": n for route, n in route_counts().items()},
            "n_missing": int((items["status"] == "missing").sum())}


@dataclass(frozen=True)
class Page:
    """The front page: the gathered report, the item table, the chapter table and the findings."""

    rows: pd.DataFrame
    items: pd.DataFrame
    chapters: pd.DataFrame
    findings: pd.DataFrame

    def report_rows(self) -> list:
        """None: the front page reads the report, it adds nothing to it."""
        return []

    def glue_values(self) -> dict[str, int]:
        """:func:`glue_values` of the report and the item table."""
        return glue_values(self.rows, self.items)


def compute(report_file: str = "") -> Page:
    """The front page of the report at ``report_file`` (empty: the paper profile's)."""
    rows = load_report(report_file)
    return Page(rows, item_status(rows), chapter_status(rows), findings(rows))


__all__ = ["ITEMS", "Item", "Page", "anchors", "chapter_status", "chapters_display", "chapters_markdown", "compute",
           "findings", "findings_display", "findings_markdown", "glue_values", "item_status", "items_display",
           "load_report", "printed_counts", "route_counts", "routes_display", "routes_markdown", "status_markdown",
           "toc_chapters"]
