"""Every item of the paper (PAPER.md, "Items"), where the book shows it, and how it is reproduced.
The front page's status table is generated from this list and the reproduction report."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from repro.book.sections import book_dir

#: route -> status shown when the item has no report rows with paper values
ROUTE_STATUS = {
    "recompute": "reproduced",
    "reported": "from reported values",
    "explain": "explained (no public data)",
    "run": "needs a run",
}
#: worst first: an item's status is the worst of its rows
STATUS_ORDER = ("missing", "differs", "differs, explained", "within rounding", "exact", "reproduced")


@dataclass(frozen=True)
class Item:
    label: str    # the anchor label in the book, also the report's ``item``
    title: str
    data: str     # ZS, INFO, ARCH, LC, LP, REP, none (PAPER.md's sources)
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
