"""The front page (``book/notebooks/index.md``): every item of the paper (its figures, tables and
the claims of Sec. 4), where the book shows it and how it is reproduced, and one row per chapter of
the book's table of contents with its report rows by status.

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
from repro.report import STATUSES, load_report

#: route -> status shown when the item has no report rows with paper values
ROUTE_STATUS = {
    "recompute": "reproduced",
    "reported": "from reported values",
    "explain": "explained (no public data)",
    "run": "needs a run",
}
#: worst first: an item's status is the worst of its rows
STATUS_ORDER = ("missing", "differs", "differs, explained", "within rounding", "exact", "printed name", "reproduced")


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


def glue_values(rows: pd.DataFrame, items: pd.DataFrame) -> dict[str, int]:
    """Plain values for the front page: ``n_items``, ``n_compared`` (rows with a printed value),
    ``n_missing`` (items without a place in the book)."""
    return {"n_items": int(len(items)), "n_compared": int(rows["paper"].notna().sum()),
            "n_missing": int((items["status"] == "missing").sum())}


__all__ = ["ITEMS", "Item", "anchors", "chapter_status", "chapters_display", "chapters_markdown", "glue_values",
           "item_status", "items_display", "load_report", "status_markdown", "toc_chapters"]
