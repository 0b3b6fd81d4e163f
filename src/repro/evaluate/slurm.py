"""Evaluation at scale: one SLURM array task per (checkpoint, dataset), each a ``repro eval`` call.

The paper spec evaluates the 29 released scaling-law checkpoints (INFO ``url``) and the three
OpenAI models over the suite's 38 datasets: 1,216 tasks, whose rows merge into one registry (the
merge is locked and atomic, :mod:`repro.evaluate.registry`), and each task recomputes the
aggregates its model has completed. On a cluster this regenerates ``zeroshot_results.csv``.

``write_slurm_jobs`` writes, under ``out``:

* ``jobs/job_NNNNN.sh``: one script per task, the full ``repro eval`` command, every value passed
  through ``shlex.quote``;
* ``eval_array_K.sbatch``: SLURM arrays of at most ``array_size`` tasks (SLURM's default
  ``MaxArraySize`` is 1001), each task running its job script;
* ``jobs.csv``: the task table (index, checkpoint, dataset, script);
* ``download_checkpoints.sh``: fetches the released checkpoints (run once where there is network)
  and warms open_clip's cache for the OpenAI weights;
* ``submit.sh``: submits the arrays.
"""

from __future__ import annotations

import shlex
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from repro.data import load_models_info, load_results
from repro.constants import OPENAI_UPSTREAM
from repro.errors import SpecError
from repro.evaluate.run import Checkpoint, ModelMetadata
from repro.evaluate.suite import Suite

#: open_clip names of the OpenAI models: their weights need QuickGELU (open_clip's pretrained
#: config for the ``openai`` tag says ``quick_gelu=True``).
OPENAI_MODELS = {"ViT-B-32": "ViT-B-32-quickgelu", "ViT-B-16": "ViT-B-16-quickgelu", "ViT-L-14": "ViT-L-14-quickgelu"}
#: SLURM's default MaxArraySize is 1001: arrays are split into chunks of at most this many tasks.
ARRAY_SIZE = 1000


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


def eval_command(checkpoint: Checkpoint, dataset: str, *, suite: str | Path, dataset_root: str | Path,
                 results: str | Path, output_dir: str | Path | None = None, repro: str = "repro",
                 extra: Sequence[str] = ()) -> list[str]:
    """The ``repro eval`` argv that evaluates ``checkpoint`` on one ``dataset`` of ``suite``."""
    m = checkpoint.metadata
    argv = [repro, "eval", "--model", checkpoint.model, "--pretrained", checkpoint.pretrained,
            "--suite", str(suite), "--datasets", dataset, "--dataset-root", str(dataset_root),
            "--results", str(results), "--arch", m.arch, "--samples-seen", repr(float(m.samples_seen)),
            "--gmacs", repr(float(m.gmacs_per_sample)), "--upstream", m.upstream_dataset, "--name", m.name,
            "--samples-seen-pretty", m.samples_seen_pretty]
    if output_dir is not None:
        argv += ["--output-dir", str(output_dir)]
    return argv + list(extra)


def _write_executable(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP)


def write_slurm_jobs(
    checkpoints: Sequence[Checkpoint],
    suite: Suite,
    out: str | Path,
    *,
    suite_path: str | Path,
    dataset_root: str | Path,
    results: str | Path,
    datasets: Sequence[str] | None = None,
    urls: dict[str, str] | None = None,
    output_dir: str | Path | None = None,
    sbatch_options: dict[str, str] | None = None,
    setup: str = "",
    array_size: int = ARRAY_SIZE,
) -> list[EvalJob]:
    """Write one job script per (checkpoint, dataset) and the SLURM arrays that run them.

    Parameters
    ----------
    checkpoints : sequence of Checkpoint
        The models to evaluate.
    suite : Suite
        The suite; ``datasets`` (default: all) selects from it.
    out : str or Path
        Folder for the scripts (created).
    suite_path, dataset_root, results, output_dir
        Passed to every ``repro eval`` (use absolute paths: jobs run from SLURM's working folder).
    urls : dict, optional
        Checkpoint file -> download address, for ``download_checkpoints.sh``.
    sbatch_options : dict, optional
        ``#SBATCH --key=value`` lines (e.g. ``{"partition": "booster", "gres": "gpu:1",
        "time": "02:00:00", "account": "..."}``); values are quoted.
    setup : str
        Shell lines run before each job's command (e.g. ``source .venv/bin/activate``), written as given.
    array_size : int
        Most tasks per array (SLURM's MaxArraySize).

    Returns
    -------
    list of EvalJob
        The tasks, in array order.
    """
    if array_size < 1:
        raise SpecError(f"array_size must be >= 1, got {array_size}")
    out = Path(out)
    (out / "jobs").mkdir(parents=True, exist_ok=True)
    (out / "logs").mkdir(exist_ok=True)
    entries = suite.select(datasets)
    jobs: list[EvalJob] = []
    for checkpoint in checkpoints:
        for entry in entries:
            index = len(jobs)
            script = out / "jobs" / f"job_{index:05d}.sh"
            argv = eval_command(checkpoint, entry.name, suite=suite_path, dataset_root=dataset_root,
                                results=results, output_dir=output_dir)
            _write_executable(script, "#!/bin/bash\nset -euo pipefail\n" + (setup.rstrip() + "\n" if setup else "")
                              + "exec " + shlex.join(argv) + "\n")
            jobs.append(EvalJob(index, checkpoint, entry.name, script))
    options = {"job-name": "repro-eval", "output": str(out / "logs" / "%A_%a.out"), **(sbatch_options or {})}
    header = "".join(f"#SBATCH --{key}={shlex.quote(str(value))}\n" for key, value in options.items())
    arrays = []
    for k, start in enumerate(range(0, len(jobs), array_size)):
        stop = min(len(jobs), start + array_size) - 1
        path = out / f"eval_array_{k}.sbatch"
        _write_executable(path, (
            "#!/bin/bash\n" + header + f"#SBATCH --array=0-{stop - start}\n"
            "set -euo pipefail\n"
            f"index=$(( SLURM_ARRAY_TASK_ID + {start} ))\n"
            f"exec bash {shlex.quote(str((out / 'jobs').resolve()))}/job_$(printf %05d \"$index\").sh\n"
        ))
        arrays.append(path)
    _write_executable(out / "submit.sh", "#!/bin/bash\nset -euo pipefail\n"
                      + "".join(f"sbatch {shlex.quote(str(p.resolve()))}\n" for p in arrays))
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
    _write_executable(out / "download_checkpoints.sh", "\n".join(download) + "\n")
    pd.DataFrame([{"index": j.index, "model": j.checkpoint.model, "pretrained": j.checkpoint.pretrained,
                   "name": j.checkpoint.metadata.name, "arch": j.checkpoint.metadata.arch, "dataset": j.dataset,
                   "script": str(j.script)} for j in jobs]).to_csv(out / "jobs.csv", index=False)
    return jobs
