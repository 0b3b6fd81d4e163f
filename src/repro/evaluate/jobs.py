"""Evaluation at scale: one task per (checkpoint, dataset), each a ``repro eval`` call, run as an
array by an executor of :data:`repro.launch.executors.EXECUTORS` (SLURM arrays by default).

The paper spec evaluates the 29 released scaling-law checkpoints (INFO ``url``) and the three
OpenAI models over the suite's 38 datasets: 1,216 tasks, whose rows merge into one registry (the
merge is locked and atomic, :mod:`repro.data.results_registry`), and each task recomputes the
aggregates its model has completed. On a cluster this regenerates ``zeroshot_results.csv``.

:func:`write_eval_jobs` writes, under ``out``:

* ``jobs/job_NNNNN.sh``: one script per task, the full ``repro eval`` command, every value passed
  through ``shlex.quote`` (:meth:`repro.launch.executors.Executor.submit_array`);
* what starts them, by executor: ``eval_array_K.sbatch`` (SLURM arrays of at most 1,000 tasks, SLURM's
  default ``MaxArraySize`` being 1001) and ``submit.sh`` for ``slurm``; ``run_all.sh`` for ``local``;
* ``jobs.csv``: the task table (index, checkpoint, dataset, script);
* ``download_checkpoints.sh``: fetches the released checkpoints (run once where there is network)
  and warms open_clip's cache for the OpenAI weights.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from repro.data import load_models_info, load_results
from repro.constants import OPENAI_UPSTREAM
from repro.errors import SpecError
from repro.evaluate.run import Checkpoint, ModelMetadata, model_metadata
from repro.evaluate.suite import Suite
from repro.executors.arrays import ArrayResult, Task, make_executable
from repro.launch.argv import model_argument
from repro.launch.executors import Executor, get_executor
from repro.launch.rundir import RunDir
from repro.launch.spec import load_spec

#: open_clip names of the OpenAI models: their weights need QuickGELU (open_clip's pretrained
#: config for the ``openai`` tag says ``quick_gelu=True``).
OPENAI_MODELS = {"ViT-B-32": "ViT-B-32-quickgelu", "ViT-B-16": "ViT-B-16-quickgelu", "ViT-L-14": "ViT-L-14-quickgelu"}
#: Names the array's jobs (``repro-eval``) and scripts (``eval_array_K.sbatch``).
ARRAY_NAME = "eval"


@dataclass(frozen=True)
class PaperCheckpoint:
    """A checkpoint of the paper spec: what to evaluate and where its weights come from."""

    checkpoint: Checkpoint
    url: str  # empty for the OpenAI models (open_clip fetches them by tag)


@dataclass(frozen=True)
class EvalJob:
    """One array task: a checkpoint on one dataset of the suite."""

    index: int
    checkpoint: Checkpoint
    dataset: str
    script: Path


@dataclass(frozen=True)
class EvalJobs:
    """What :func:`write_eval_jobs` wrote (and started)."""

    jobs: list[EvalJob]       # the tasks, in array order
    array: ArrayResult        # the executor's scripts, launcher (submit.sh, run_all.sh) and state

    @property
    def n_models(self) -> int:
        return len({(j.checkpoint.metadata.name, j.checkpoint.metadata.arch) for j in self.jobs})


def paper_checkpoints(checkpoint_dir: str | Path) -> list[PaperCheckpoint]:
    """The paper's 32 models: the 29 released checkpoints of INFO (weights downloaded to
    ``checkpoint_dir/<name>``) and the three OpenAI models (open_clip tag ``openai``).

    The model columns (samples seen, GMACs per sample, upstream, label) are those of the
    published ``zeroshot_results.csv``, so that re-evaluated rows replace the published ones
    one for one. They agree with INFO (epochs x samples_per_epoch) and ARCH except for
    L/14-400M-34B, whose published samples_seen is 84 x 407,332,084 (the exact LAION-400M size)
    where INFO's samples_per_epoch is the rounded 413M.
    """
    checkpoint_dir = Path(checkpoint_dir)
    info = load_models_info()
    published = load_results().drop_duplicates(["name", "arch"]).set_index(["name", "arch"])
    out = []
    for row in info.itertuples(index=False):
        meta = published.loc[(row.name, row.arch)]
        metadata = ModelMetadata(row.arch, float(meta["samples_seen"]), float(meta["gmacs"]),
                                 str(meta["upstream_dataset"]), row.name, str(meta["samples_seen_pretty"]))
        out.append(PaperCheckpoint(Checkpoint(row.arch, str(checkpoint_dir / row.name), metadata), str(row.url)))
    for arch, model in OPENAI_MODELS.items():
        meta = published.loc[("openai", arch)]
        metadata = ModelMetadata(arch, float(meta["samples_seen"]), float(meta["gmacs"]), OPENAI_UPSTREAM, "openai",
                                 str(meta["samples_seen_pretty"]))
        out.append(PaperCheckpoint(Checkpoint(model, "openai", metadata), ""))
    return out


def run_checkpoints(run_dirs: Sequence[str | Path]) -> list[Checkpoint]:
    """The final checkpoints of training runs of ``repro train`` (their run directories), with the
    metadata their specs give: model ``local-dir:<run>/model`` (or the open_clip name), samples
    seen, upstream data set, the run's name.

    Raises
    ------
    SpecError
        A folder without ``spec.yaml`` or without its final checkpoint.
    """
    out = []
    for folder in map(Path, run_dirs):
        spec = load_spec(folder / "spec.yaml")
        run_dir = RunDir(folder.parent.resolve(), spec)
        if run_dir.path != folder.resolve():
            raise SpecError(f"{folder}: its spec.yaml names the run directory {run_dir.name}")
        if not run_dir.final_checkpoint.is_file():
            raise SpecError(f"{folder}: no final checkpoint {run_dir.final_checkpoint.name} (the run has not finished)")
        model = model_argument(spec, run_dir.path)
        metadata = model_metadata(model, str(run_dir.final_checkpoint), samples_seen=spec.samples_seen,
                                  upstream_dataset=spec.data, arch=Path(spec.model).stem if spec.model_config_file
                                  else spec.model, name=spec.name)
        out.append(Checkpoint(model, str(run_dir.final_checkpoint), metadata))
    return out


def eval_command(checkpoint: Checkpoint, dataset: str, *, suite: str | Path, dataset_root: str | Path,
                 results: str | Path, output_dir: str | Path | None = None,
                 repro: str | Sequence[str] = "repro", extra: Sequence[str] = ()) -> list[str]:
    """The ``repro eval`` argv that evaluates ``checkpoint`` on one ``dataset`` of ``suite``
    (``repro`` is the command, one word or several: ``(python, "-m", "repro")``)."""
    m = checkpoint.metadata
    argv = [*([repro] if isinstance(repro, str) else repro), "eval", "--model", checkpoint.model, "--pretrained", checkpoint.pretrained,
            "--suite", str(suite), "--datasets", dataset, "--dataset-root", str(dataset_root),
            "--results", str(results), "--arch", m.arch, "--samples-seen", repr(float(m.samples_seen)),
            "--gmacs", repr(float(m.gmacs_per_sample)), "--upstream", m.upstream_dataset, "--name", m.name,
            "--samples-seen-pretty", m.samples_seen_pretty]
    if output_dir is not None:
        argv += ["--output-dir", str(output_dir)]
    return argv + list(extra)


def write_eval_jobs(
    checkpoints: Sequence[Checkpoint],
    suite: Suite,
    out: str | Path,
    *,
    suite_path: str | Path,
    dataset_root: str | Path,
    results: str | Path,
    executor: Executor | None = None,
    datasets: Sequence[str] | None = None,
    urls: dict[str, str] | None = None,
    output_dir: str | Path | None = None,
    dry_run: bool = True,
    repro: str | Sequence[str] = "repro",
) -> EvalJobs:
    """Write one job script per (checkpoint, dataset), what runs them as an array, and
    ``download_checkpoints.sh``; start the array unless ``dry_run``.

    Parameters
    ----------
    checkpoints : sequence of Checkpoint
        The models to evaluate.
    suite : Suite
        The suite; ``datasets`` (default: all) selects from it.
    out : str or Path
        Folder for the scripts (created).
    suite_path, dataset_root, results, output_dir
        Passed to every ``repro eval`` (use absolute paths: jobs run from the scheduler's working folder).
    executor : Executor, optional
        Runs the array (default: ``slurm`` with default options); its options' ``slurm.setup``
        lines run first in every job script and ``slurm.extra`` become ``#SBATCH`` directives.
    urls : dict, optional
        Checkpoint file -> download address, for ``download_checkpoints.sh``.
    dry_run : bool
        Write the scripts only (the checkpoints must be downloaded before the jobs run).
    repro : str or sequence of str
        The ``repro`` command in the job scripts (default ``repro`` on the node's PATH).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    executor = executor or get_executor("slurm")
    entries = suite.select(datasets)
    pairs = [(checkpoint, entry.name) for checkpoint in checkpoints for entry in entries]
    tasks = [Task(tuple(eval_command(checkpoint, dataset, suite=suite_path, dataset_root=dataset_root,
                                     results=results, output_dir=output_dir, repro=repro)))
             for checkpoint, dataset in pairs]
    array = executor.submit_array(tasks, out, name=ARRAY_NAME, dry_run=dry_run)
    jobs = [EvalJob(index, checkpoint, dataset, script)
            for index, ((checkpoint, dataset), script) in enumerate(zip(pairs, array.scripts))]
    download = ["#!/bin/bash", "set -euo pipefail"]
    for checkpoint in checkpoints:
        url = (urls or {}).get(checkpoint.pretrained)
        if url:
            target = shlex.quote(checkpoint.pretrained)
            download.append(f"[ -f {target} ] || {{ mkdir -p \"$(dirname {target})\" && "
                            f"curl -L --fail -o {target}.part {shlex.quote(url)} && mv {target}.part {target}; }}")
        elif checkpoint.pretrained and not checkpoint.pretrained.startswith("/") and "." not in checkpoint.pretrained:
            code = (f"import open_clip; open_clip.create_model({checkpoint.model!r}, "
                    f"pretrained={checkpoint.pretrained!r})")
            download.append(f"python -c {shlex.quote(code)}")
    make_executable(out / "download_checkpoints.sh", "\n".join(download) + "\n")
    pd.DataFrame([{"index": j.index, "model": j.checkpoint.model, "pretrained": j.checkpoint.pretrained,
                   "name": j.checkpoint.metadata.name, "arch": j.checkpoint.metadata.arch, "dataset": j.dataset,
                   "script": str(j.script)} for j in jobs]).to_csv(out / "jobs.csv", index=False)
    return EvalJobs(jobs, array)
