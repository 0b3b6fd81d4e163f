"""Evaluate one checkpoint with CLIP_benchmark over a suite (or part of it) into rows of the
results schema, merged into a results registry as each dataset finishes.

CLIP_benchmark does the evaluation: its own command-line parser builds the arguments and its
``main_eval`` runs them, in this process (no re-implementation, and no 10 s of imports per
dataset). Each dataset's JSON output is kept, converted to one row of ``zeroshot_results.csv``'s
schema with the checkpoint's metadata, and merged into the registry at once, so a run that fails
half-way keeps what it finished. When the model has every component of an aggregate
(imagenet_robustness, vtab, vtab+), the aggregate row is recomputed and merged too.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd

from repro.compute import count_gmacs
from repro.data import load_arch
from repro.data.schema import RESULTS_COLUMNS, model_id
from repro.errors import EvaluationError, SpecError
from repro.evaluate.aggregates import aggregate_rows
from repro.data.results_registry import merge_results, read_registry
from repro.evaluate.suite import Suite, SuiteDataset
from repro.evaluate.wds import ROOT_TEMPLATE, dataset_dir, dataset_present

log = logging.getLogger(__name__)

LOCAL_DIR = "local-dir:"
#: The file name a staged ``local-dir:`` model gives its weights (open_clip looks for it first
#: among ``*.bin``; open_clip_train's ``epoch_N.pt`` would not be found under its own name).
STAGED_WEIGHTS = "open_clip_pytorch_model.bin"
DatasetFormat = Literal["wds", "native"]


def pretty_samples(samples_seen: float) -> str:
    """A short label for a number of samples seen: ``12.8B``, ``80M``, ``40k`` (the paper's own
    labels, 3B / 13B / 34B, are passed in for its checkpoints)."""
    for unit, scale in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if samples_seen >= scale:
            return f"{samples_seen / scale:.3g}{unit}"
    return f"{samples_seen:.0f}"


@dataclass(frozen=True)
class ModelMetadata:
    """What the results schema says about a model, beside its scores.

    Attributes
    ----------
    arch : str
        Architecture (``"ViT-B-32"``; a mini model's config name).
    samples_seen : float
        Training samples seen in total (not per epoch).
    gmacs_per_sample : float
        GMACs of one sample through image + text tower (the schema's ``gmacs`` column).
    upstream_dataset : str
        Pre-training data (``"LAION-2B"``, ``"CLIP-WIT"``, a mini data size).
    name : str
        Checkpoint name (the schema's ``name``; the paper writes ``openai`` for OpenAI's models).
    samples_seen_pretty : str
        Label of ``samples_seen`` (default: :func:`pretty_samples`).
    """

    arch: str
    samples_seen: float
    gmacs_per_sample: float
    upstream_dataset: str
    name: str
    samples_seen_pretty: str = ""

    def __post_init__(self) -> None:
        for key in ("samples_seen", "gmacs_per_sample"):
            value = getattr(self, key)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise SpecError(f"model metadata: '{key}' must be a positive number, got {value!r}")
        for key in ("arch", "upstream_dataset", "name"):
            if not str(getattr(self, key)).strip():
                raise SpecError(f"model metadata: '{key}' is empty")
        if not self.samples_seen_pretty:
            object.__setattr__(self, "samples_seen_pretty", pretty_samples(self.samples_seen))

    @property
    def gmacs_total(self) -> float:
        """GMACs of the whole training run: per sample x samples seen."""
        return self.gmacs_per_sample * self.samples_seen

    def columns(self) -> dict[str, object]:
        """The schema's model columns for this model."""
        return {"arch": self.arch, "samples_seen": float(self.samples_seen), "gmacs_total": self.gmacs_total,
                "gmacs": float(self.gmacs_per_sample), "upstream_dataset": self.upstream_dataset,
                "samples_seen_pretty": self.samples_seen_pretty, "name": self.name}


@dataclass(frozen=True)
class Checkpoint:
    """A model to evaluate: open_clip's model argument, its weights, and its metadata.

    Attributes
    ----------
    model : str
        An open_clip model name (``"ViT-B-32"``), ``"local-dir:PATH"`` (a folder with
        ``open_clip_config.json``), or the path of an open_clip model config JSON (as
        ``src/repro/mini/model_configs/*.json``).
    pretrained : str
        An open_clip pretrained tag (``"openai"``, ``"laion2b_s34b_b79k"``), a checkpoint file
        (open_clip_train's ``epoch_N.pt``, a released ``.pt``), or empty for a ``local-dir:``
        folder that holds its weights.
    metadata : ModelMetadata
        The model columns of its result rows.
    """

    model: str
    pretrained: str
    metadata: ModelMetadata


def model_config_source(model: str) -> Path | None:
    """The open_clip config file or folder behind ``model`` (``local-dir:PATH`` or a ``.json``), else None."""
    if model.startswith(LOCAL_DIR):
        return Path(model[len(LOCAL_DIR):])
    if model.endswith(".json"):
        return Path(model)
    return None


def gmacs_per_sample(arch: str, model: str) -> float:
    """GMACs per sample, image + text tower: ARCH's value for a paper architecture, else counted from
    the model's open_clip config (:func:`repro.compute.count_gmacs`)."""
    arch_table = load_arch()
    match = arch_table[arch_table["model"] == arch]
    if len(match):
        return float(match["gmacs"].iloc[0])
    source = model_config_source(model) or model
    try:
        return float(count_gmacs(source).gmacs_per_sample)
    except Exception as err:
        raise SpecError(f"GMACs of '{arch}': not in ARCH, and counting {source} failed ({err}); "
                        "pass the GMACs per sample (repro eval --gmacs)") from err


def model_metadata(model: str, pretrained: str = "", *, samples_seen: float, upstream_dataset: str,
                   arch: str | None = None, gmacs: float | None = None, name: str | None = None,
                   samples_seen_pretty: str = "") -> ModelMetadata:
    """The :class:`ModelMetadata` of a checkpoint, filling in what is not given.

    ``arch`` defaults to the model config's file name (``local-dir:`` folder or ``.json``) or the
    open_clip model name; ``name`` to the checkpoint file name (or pretrained tag), else ``arch``;
    ``gmacs`` to :func:`gmacs_per_sample`; ``samples_seen_pretty`` to :func:`pretty_samples`.
    """
    source = model_config_source(model)
    arch = arch or (source.stem if source is not None else model)
    name = name or (Path(pretrained).name if pretrained else arch)
    gmacs = gmacs if gmacs is not None else gmacs_per_sample(arch, model)
    return ModelMetadata(arch, float(samples_seen), float(gmacs), upstream_dataset, name, samples_seen_pretty)


@dataclass(frozen=True)
class EvaluationResult:
    """What one evaluation run did.

    Attributes
    ----------
    rows : DataFrame
        The rows it merged (datasets evaluated, then aggregates completed), in the results schema.
    outputs : tuple of Path
        CLIP_benchmark's JSON output per evaluated dataset.
    failures : dict
        Dataset name -> error message, for datasets that failed (their rows are absent).
    registry : Path
        The registry merged into.
    """

    rows: pd.DataFrame
    outputs: tuple[Path, ...]
    failures: dict[str, str] = field(default_factory=dict)
    registry: Path | None = None


def _is_pretrained_tag(model: str, pretrained: str) -> bool:
    import open_clip

    return pretrained.lower() in {t.lower() for t in open_clip.list_pretrained_tags_by_model(model)}


def _stage_local_dir(config: dict, weights: Path, parent: Path) -> Path:
    """A ``local-dir:`` folder for open_clip: the config plus a link to the weights.

    The folder is named by a hash of its content and built atomically (written in a private
    temporary folder, then renamed into place), so that array tasks evaluating one checkpoint at
    the same time (one task a dataset) share it instead of deleting each other's copy.
    """
    text = json.dumps(config, indent=1)
    target = weights.resolve()
    key = hashlib.sha256(f"{text}\0{target}".encode()).hexdigest()[:16]
    folder = parent / f"model-{key}"
    if (folder / "open_clip_config.json").is_file() and (folder / STAGED_WEIGHTS).resolve() == target:
        return folder
    parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=parent))
    (scratch / "open_clip_config.json").write_text(text)
    os.symlink(target, scratch / STAGED_WEIGHTS)
    try:
        os.rename(scratch, folder)
    except OSError:  # another task staged the same content first: use its folder
        shutil.rmtree(scratch, ignore_errors=True)
        if not (folder / "open_clip_config.json").is_file():
            raise
    return folder


def resolve_model(checkpoint: Checkpoint, work_dir: Path) -> tuple[str, str]:
    """The ``(--model, --pretrained)`` pair CLIP_benchmark gets for ``checkpoint``.

    open_clip ignores ``pretrained`` for a ``local-dir:`` model and loads the weights it finds in
    the folder; a ``local-dir:`` model (or a model config JSON) with a checkpoint file is
    therefore staged as a folder of its config and a link to the weights under ``work_dir``.

    Raises
    ------
    EvaluationError
        For a folder without ``open_clip_config.json``, a missing checkpoint file, a ``local-dir:``
        folder without weights and no checkpoint, or an unknown model or tag.
    """
    model, pretrained = checkpoint.model, checkpoint.pretrained
    weights = Path(pretrained) if pretrained else None
    if model.startswith(LOCAL_DIR) or model.endswith(".json"):
        if model.startswith(LOCAL_DIR):
            folder = Path(model[len(LOCAL_DIR):])
            config_file = folder / "open_clip_config.json"
            if not config_file.is_file():
                raise EvaluationError(f"--model {model}: no open_clip_config.json in {folder}")
            config = json.loads(config_file.read_text())
        else:
            config_file = Path(model)
            if not config_file.is_file():
                raise EvaluationError(f"--model {model}: no such model config file")
            raw = json.loads(config_file.read_text())
            config = raw if "model_cfg" in raw else {"model_cfg": raw}
        if weights is None:
            from open_clip.factory import _find_checkpoint_in_dir

            if model.startswith(LOCAL_DIR) and _find_checkpoint_in_dir(Path(model[len(LOCAL_DIR):])):
                return model, ""
            raise EvaluationError(f"--model {model}: no weights in the folder and no --pretrained checkpoint file; "
                                  "a randomly initialised model is not evaluated")
        if not weights.is_file():
            raise EvaluationError(f"--pretrained {pretrained}: no such checkpoint file")
        staged = _stage_local_dir(config, weights, work_dir)
        return f"{LOCAL_DIR}{staged}", str(weights)
    import open_clip

    if model not in open_clip.list_models():
        raise EvaluationError(f"--model {model}: not an open_clip model name, 'local-dir:PATH' or a config JSON file")
    if weights is not None and weights.is_file():
        return model, str(weights)
    if pretrained and _is_pretrained_tag(model, pretrained):
        return model, pretrained
    raise EvaluationError(f"--pretrained {pretrained!r}: neither a checkpoint file nor an open_clip pretrained tag "
                          f"of {model} (tags: {', '.join(open_clip.list_pretrained_tags_by_model(model)) or 'none'})")


def _check_loads(model: str, pretrained: str) -> None:
    """Raise EvaluationError if open_clip cannot build ``model`` with ``pretrained`` (CPU, fp32)."""
    from clip_benchmark.models import load_clip

    try:
        load_clip(model_type="open_clip", model_name=model, pretrained=pretrained, cache_dir=None, device="cpu")
    except Exception as err:  # open_clip raises RuntimeError, ValueError, KeyError, pickle errors...
        raise EvaluationError(f"checkpoint does not load: --model {model} --pretrained {pretrained}: "
                              f"{type(err).__name__}: {err}") from err


@contextlib.contextmanager
def _argv(argv: list[str]) -> Iterator[None]:
    saved = sys.argv
    sys.argv = argv
    try:
        yield
    finally:
        sys.argv = saved


def clip_benchmark_argv(model: str, pretrained: str, entry: SuiteDataset, *, dataset_root: Path, output: Path,
                        dataset_format: DatasetFormat = "wds", batch_size: int = 64, num_workers: int = 4,
                        amp: bool | None = None, seed: int = 0) -> list[str]:
    """The ``clip_benchmark eval`` arguments for one dataset (the same through its CLI or API).

    ``amp`` defaults to CLIP_benchmark's own default on a GPU (on) and off on a CPU, where
    ``torch.autocast`` would run in bfloat16: slower, and not what the paper's numbers used.
    """
    import torch

    if amp is None:
        amp = torch.cuda.is_available()
    dataset = entry.wds_name if dataset_format == "wds" else entry.dataset
    # CLIP_benchmark formats --dataset_root with {dataset} and {dataset_cleaned}: escape braces of the path.
    root = str(dataset_root).replace("{", "{{").replace("}", "}}")
    template = ROOT_TEMPLATE if dataset_format == "wds" else "{dataset_cleaned}"
    argv = ["eval", "--dataset", dataset, "--dataset_root", f"{root}/{template}", "--task", entry.task,
            "--model", model, "--pretrained", pretrained, "--output", str(output).replace("{", "{{").replace("}", "}}"),
            "--batch_size", str(batch_size), "--num_workers", str(num_workers), "--seed", str(seed),
            "--recall_k", "5", "--quiet"]
    if not amp:
        argv.append("--no_amp")
    return argv


def run_clip_benchmark(argv: list[str]) -> None:
    """Run ``clip_benchmark <argv>`` in this process through its own parser and ``main_eval``."""
    from clip_benchmark import cli

    with _argv(["clip_benchmark", *argv]):
        _, args = cli.get_parser_args()
    cli.main_eval(args)


def row_from_output(payload: dict, entry: SuiteDataset, metadata: ModelMetadata, *, source: str = "") -> dict:
    """One result row from CLIP_benchmark's JSON output for ``entry``.

    Raises
    ------
    EvaluationError
        If the output is for another task or lacks the entry's metric (or it is not finite).
    """
    where = source or "CLIP_benchmark output"
    if payload.get("task") != entry.task:
        raise EvaluationError(f"{where}: task {payload.get('task')!r}, expected {entry.task!r} for {entry.name}")
    metrics = payload.get("metrics") or {}
    value = metrics.get(entry.metric)
    if value is None or not math.isfinite(float(value)):
        raise EvaluationError(f"{where}: no finite '{entry.metric}' among {sorted(metrics)} for {entry.name}")
    row: dict[str, object] = {c: math.nan for c in RESULTS_COLUMNS}
    row.update(metadata.columns())
    for column in ("acc1", "acc5", "mean_per_class_recall", "image_retrieval_recall@5", "text_retrieval_recall@5",
                   "mean_average_precision"):
        if column in metrics and metrics[column] is not None:
            row[column] = float(metrics[column])
    row["downstream_dataset"] = entry.name
    row["task"] = entry.task
    return row


def output_path(output_dir: Path, metadata: ModelMetadata, entry: SuiteDataset) -> Path:
    """Where the JSON output of ``entry`` for this model goes: ``<output_dir>/<name>/<dataset>.json``."""
    return output_dir / metadata.name.replace("/", "_") / f"{entry.name.replace('/', '-')}.json"


def evaluate_checkpoint(
    checkpoint: Checkpoint,
    suite: Suite,
    *,
    dataset_root: str | Path,
    results: str | Path,
    datasets: Sequence[str] | None = None,
    output_dir: str | Path | None = None,
    dataset_format: DatasetFormat = "wds",
    batch_size: int = 64,
    num_workers: int = 4,
    amp: bool | None = None,
    seed: int = 0,
) -> EvaluationResult:
    """Evaluate ``checkpoint`` on ``datasets`` of ``suite`` with CLIP_benchmark; merge the rows.

    Parameters
    ----------
    checkpoint : Checkpoint
        The model, its weights and its metadata.
    suite : Suite
        The evaluation suite (``load_suite("paper")`` or a suite file).
    dataset_root : str or Path
        Folder of the datasets: ``wds_<name>`` folders for ``dataset_format="wds"``
        (:func:`repro.evaluate.wds.dataset_dir`), CLIP_benchmark's download folders otherwise.
    results : str or Path
        The results registry CSV to merge into (created if absent).
    datasets : sequence of str, optional
        Suite entries to evaluate (an aggregate's name means its components); default: all.
    output_dir : str or Path, optional
        Where CLIP_benchmark's JSON outputs go; default ``<results folder>/clip_benchmark``.
    dataset_format : {"wds", "native"}
        Read ``wds/<dataset>`` from local webdataset folders, or CLIP_benchmark's own loaders.
    batch_size, num_workers, amp, seed
        Passed to CLIP_benchmark (``amp`` default: on with CUDA, off on a CPU).

    Returns
    -------
    EvaluationResult
        Rows merged, outputs, failures.

    Raises
    ------
    SpecError, SchemaError, EvaluationError
        Before anything is evaluated, for an unknown dataset, a dataset missing under
        ``dataset_root``, a registry that is not in the results schema, or a checkpoint that
        cannot be resolved or does not load: the registry is then untouched. After a partial
        run, an EvaluationError listing the failed datasets (the finished ones are merged).
    """
    results = Path(results)
    dataset_root = Path(dataset_root)
    output_dir = Path(output_dir) if output_dir else results.parent / "clip_benchmark"
    entries = suite.select(datasets)
    read_registry(results)  # a registry in another schema is refused before any work
    if dataset_format == "wds":
        missing = [e.name for e in entries if not dataset_present(dataset_root, e.wds_name)]
        if missing:
            raise EvaluationError(
                f"dataset(s) not found under --dataset-root {dataset_root}: "
                + ", ".join(f"{m} (expected {dataset_dir(dataset_root, m)}/test/nshards.txt)" for m in missing)
                + "; write them with repro.evaluate.wds.write_wds_dataset or download the clip-benchmark/wds_* copies"
            )
    work_dir = output_dir / checkpoint.metadata.name.replace("/", "_")
    work_dir.mkdir(parents=True, exist_ok=True)
    model, pretrained = resolve_model(checkpoint, work_dir)
    _check_loads(model, pretrained)

    merged: list[pd.DataFrame] = []
    outputs: list[Path] = []
    failures: dict[str, str] = {}
    for entry in entries:
        output = output_path(output_dir, checkpoint.metadata, entry)
        output.unlink(missing_ok=True)  # never convert a stale output of an earlier run
        argv = clip_benchmark_argv(model, pretrained, entry, dataset_root=dataset_root, output=output,
                                   dataset_format=dataset_format, batch_size=batch_size, num_workers=num_workers,
                                   amp=amp, seed=seed)
        log.info("clip_benchmark %s", " ".join(argv))
        try:
            run_clip_benchmark(argv)
            payload = json.loads(output.read_text())
            row = pd.DataFrame([row_from_output(payload, entry, checkpoint.metadata, source=str(output))])
        except Exception as err:  # one dataset's failure must not lose the others' rows
            failures[entry.name] = f"{type(err).__name__}: {err}"
            log.error("%s: evaluation failed: %s", entry.name, failures[entry.name])
            continue
        merge_results(results, row, source=str(output))
        merged.append(row)
        outputs.append(output)
    completed = _merge_aggregates(results, suite, checkpoint.metadata)
    rows = pd.concat(merged + [completed], ignore_index=True) if merged or len(completed) else completed
    if failures:
        raise EvaluationError(
            f"{len(failures)} of {len(entries)} dataset(s) failed (the other {len(entries) - len(failures)} are merged "
            f"into {results}): " + "; ".join(f"{k}: {v}" for k, v in failures.items())
        )
    return EvaluationResult(rows[list(RESULTS_COLUMNS)] if len(rows) else rows, tuple(outputs), failures, results)


def _merge_aggregates(results: Path, suite: Suite, metadata: ModelMetadata) -> pd.DataFrame:
    """Recompute and merge the aggregates this model now has every component of."""
    registry = read_registry(results)
    if registry.empty or not suite.aggregates:
        return pd.DataFrame(columns=list(RESULTS_COLUMNS))
    probe = pd.DataFrame([{**metadata.columns(), "downstream_dataset": ""}])
    mine = registry[model_id(registry) == model_id(probe).iloc[0]]
    parts = [aggregate_rows(mine, a) for a in suite.aggregates]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=list(RESULTS_COLUMNS))
    rows = pd.concat(parts, ignore_index=True)
    merge_results(results, rows, source="aggregates")
    return rows
