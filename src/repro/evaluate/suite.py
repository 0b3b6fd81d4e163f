"""The evaluation suite: which downstream datasets a checkpoint is evaluated on, with which
CLIP_benchmark dataset and task, and which metric its error is read from.

The paper's suite (41 entries of ``zeroshot_results.csv``: the 35 classification sets of Table 26,
MS-COCO and Flickr30K retrieval, VOC 2007 multi-label, and the aggregates imagenet_robustness,
vtab, vtab+) is the YAML file ``runs/paper/eval_suite.yaml``; the miniature study writes its own
suite file in the same format.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from repro.data import load_reported
from repro.data.schema import METRIC_COLUMNS, TASKS
from repro.constants import RUNS_DIR
from repro.errors import SpecError

PAPER_SUITE = RUNS_DIR / "paper" / "eval_suite.yaml"
#: The metric each task can report (CLIP_benchmark's output keys, = result columns).
TASK_METRICS = {
    "zeroshot_classification": ("acc1", "acc5", "mean_per_class_recall", "mean_average_precision"),
    "zeroshot_retrieval": ("image_retrieval_recall@5", "text_retrieval_recall@5"),
}
_DATASET_KEYS = {"name", "dataset", "task", "metric", "paper_name"}
_AGGREGATE_KEYS = {"name", "metric", "components"}


@dataclass(frozen=True)
class SuiteDataset:
    """One downstream dataset evaluated by CLIP_benchmark.

    Attributes
    ----------
    name : str
        The ``downstream_dataset`` value of its result rows (``"vtab/cifar10"``).
    dataset : str
        CLIP_benchmark's dataset name (``clip_benchmark eval --dataset``); its webdataset copy is
        ``wds/<dataset>``.
    task : str
        ``"zeroshot_classification"`` or ``"zeroshot_retrieval"``.
    metric : str
        The result column the error E is computed from (``repro.data.error_of``).
    paper_name : str
        Its row in Table 26 (empty outside the 35 classification sets).
    """

    name: str
    dataset: str
    task: str
    metric: str
    paper_name: str = ""

    @property
    def wds_name(self) -> str:
        """CLIP_benchmark's name of the webdataset copy: ``wds/<dataset>``."""
        return self.dataset if self.dataset.startswith("wds/") else f"wds/{self.dataset}"


@dataclass(frozen=True)
class SuiteAggregate:
    """A downstream entry computed as the mean of other entries' metric columns."""

    name: str
    metric: str
    components: tuple[str, ...]


@dataclass(frozen=True)
class Suite:
    """An evaluation suite: datasets evaluated by CLIP_benchmark plus aggregates over them."""

    name: str
    datasets: tuple[SuiteDataset, ...]
    aggregates: tuple[SuiteAggregate, ...]
    source: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        """Every downstream entry: datasets, then aggregates."""
        return tuple(d.name for d in self.datasets) + tuple(a.name for a in self.aggregates)

    def dataset(self, name: str) -> SuiteDataset:
        """The dataset entry called ``name`` (its ``downstream_dataset`` or CLIP_benchmark name)."""
        for entry in self.datasets:
            if name in (entry.name, entry.dataset, entry.wds_name):
                return entry
        raise SpecError(
            f"{self.source or self.name}: no dataset '{name}' in suite '{self.name}'; "
            f"known: {', '.join(d.name for d in self.datasets)}"
        )

    def select(self, names: Iterable[str] | None) -> tuple[SuiteDataset, ...]:
        """The dataset entries to evaluate for ``names`` (None: all). An aggregate's name selects
        its components, so ``--datasets imagenet_robustness`` evaluates the five shifts."""
        if names is None:
            return self.datasets
        chosen: list[SuiteDataset] = []
        aggregates = {a.name: a for a in self.aggregates}
        for name in names:
            parts = aggregates[name].components if name in aggregates else (name,)
            for part in parts:
                entry = self.dataset(part)
                if entry not in chosen:
                    chosen.append(entry)
        return tuple(chosen)


def _require_keys(entry: Any, required: set[str], allowed: set[str], where: str) -> dict:
    if not isinstance(entry, dict):
        raise SpecError(f"{where}: expected a mapping, got {entry!r}")
    unknown = set(entry) - allowed
    if unknown:
        raise SpecError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
    missing = required - set(entry)
    if missing:
        raise SpecError(f"{where}: missing key(s) {sorted(missing)}")
    for key, value in entry.items():
        if key != "components" and not isinstance(value, str):
            raise SpecError(f"{where}: key '{key}' must be a string, got {value!r}")
    return entry


def _parse_dataset(entry: Any, where: str) -> SuiteDataset:
    entry = _require_keys(entry, {"name", "dataset", "task", "metric"}, _DATASET_KEYS, where)
    if entry["task"] not in TASKS:
        raise SpecError(f"{where}: unknown task '{entry['task']}'; expected one of {TASKS}")
    if entry["metric"] not in TASK_METRICS[entry["task"]]:
        raise SpecError(
            f"{where}: unknown metric '{entry['metric']}' for task '{entry['task']}'; "
            f"expected one of {TASK_METRICS[entry['task']]}"
        )
    return SuiteDataset(entry["name"], entry["dataset"], entry["task"], entry["metric"], entry.get("paper_name", ""))


def _parse_aggregate(entry: Any, where: str, datasets: dict[str, SuiteDataset]) -> SuiteAggregate:
    entry = _require_keys(entry, _AGGREGATE_KEYS, _AGGREGATE_KEYS, where)
    if entry["metric"] not in METRIC_COLUMNS:
        raise SpecError(f"{where}: unknown metric '{entry['metric']}'; expected one of {METRIC_COLUMNS}")
    components = entry["components"]
    if not isinstance(components, list) or not components or not all(isinstance(c, str) for c in components):
        raise SpecError(f"{where}: 'components' must be a non-empty list of dataset names, got {components!r}")
    unknown = [c for c in components if c not in datasets]
    if unknown:
        raise SpecError(f"{where}: component(s) {unknown} are not datasets of this suite")
    if len(set(components)) != len(components):
        raise SpecError(f"{where}: duplicate component(s) in {components}")
    return SuiteAggregate(entry["name"], entry["metric"], tuple(components))


def load_suite(source: str | Path = "paper") -> Suite:
    """Read an evaluation suite from YAML.

    Parameters
    ----------
    source : str or Path
        ``"paper"`` for the paper's 41-entry suite (``runs/paper/eval_suite.yaml``), or the path of
        a suite file with the keys ``name``, ``datasets`` (each: name, dataset, task, metric,
        optional paper_name) and optional ``aggregates`` (each: name, metric, components).

    Raises
    ------
    SpecError
        Naming the file and the entry, for an unknown key, task or metric, a duplicate name, or an
        aggregate over datasets the suite does not have.
    """
    path = PAPER_SUITE if str(source) == "paper" else Path(source)
    if not path.is_file():
        raise SpecError(f"{path}: no such suite file (use 'paper' or the path of a suite YAML file)")
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise SpecError(f"{path}: not valid YAML ({err})") from err
    if not isinstance(spec, dict):
        raise SpecError(f"{path}: expected a mapping with keys 'name', 'datasets', 'aggregates'")
    unknown = set(spec) - {"name", "datasets", "aggregates"}
    if unknown:
        raise SpecError(f"{path}: unknown top-level key(s) {sorted(unknown)}; allowed: name, datasets, aggregates")
    entries = spec.get("datasets")
    if not isinstance(entries, list) or not entries:
        raise SpecError(f"{path}: 'datasets' must be a non-empty list")
    datasets = [_parse_dataset(e, f"{path}: datasets[{i}]") for i, e in enumerate(entries)]
    by_name = {d.name: d for d in datasets}
    aggregates = [_parse_aggregate(e, f"{path}: aggregates[{i}]", by_name)
                  for i, e in enumerate(spec.get("aggregates") or [])]
    names = [d.name for d in datasets] + [a.name for a in aggregates]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise SpecError(f"{path}: duplicate entry name(s) {duplicates}")
    return Suite(str(spec.get("name") or path.stem), tuple(datasets), tuple(aggregates), str(path))


def suite_table(suite: Suite) -> pd.DataFrame:
    """The suite as a table (one row per entry) for the book: name, CLIP_benchmark dataset, task,
    metric, Table 26 name, test size and classes (from the paper-reported Table 26), components."""
    table26 = load_reported("table26").set_index("Dataset")
    rows = []
    for d in suite.datasets:
        info = table26.loc[d.paper_name] if d.paper_name in table26.index else None
        rows.append({
            "downstream_dataset": d.name, "clip_benchmark dataset": d.dataset, "task": d.task, "metric": d.metric,
            "Table 26": d.paper_name, "test size": None if info is None else int(info["Test size"]),
            "classes": None if info is None else int(info["Classes"]), "components": "",
        })
    for a in suite.aggregates:
        rows.append({
            "downstream_dataset": a.name, "clip_benchmark dataset": "", "task": "aggregate", "metric": a.metric,
            "Table 26": "", "test size": None, "classes": None,
            "components": f"mean of {len(a.components)}: {', '.join(a.components)}",
        })
    frame = pd.DataFrame(rows)
    frame[["test size", "classes"]] = frame[["test size", "classes"]].astype("Int64")
    return frame
