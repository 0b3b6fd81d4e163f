"""A run spec -> the exact ``python -m open_clip_train.main`` argument list.

Every value that matters is passed explicitly, because open_clip_train's defaults move between
releases (``--precision`` is ``amp`` in v3.x and ``amp_bf16`` on main; AdamW betas and eps are
chosen from the model name when absent). Written for open_clip_train 3.3.0's flags.
"""

from __future__ import annotations

import shlex
import string
from collections.abc import Mapping
from pathlib import Path

from repro.errors import SpecError
from repro.executors import TRAIN_MODULE
from repro.launch.spec import RunSpec

__all__ = ["DATA_DIR_TOKEN", "REQUIRE_DATA_DIR", "TRAIN_MODULE", "model_argument", "resolve_train_data",
           "shell_join", "to_argv"]

#: Stands for the data folder in a generated script when none is given at generation time;
#: :func:`shell_join` turns it into ``"$DATA_DIR"``, which the script requires to be set.
DATA_DIR_TOKEN = "\0DATA_DIR\0"

#: Shell line a generated script starts with when it uses ``$DATA_DIR``.
REQUIRE_DATA_DIR = ': "${DATA_DIR:?set DATA_DIR to the folder holding the training shards}"'


def shell_join(command: list[str]) -> str:
    """``shlex.join``, with :data:`DATA_DIR_TOKEN` turned into a double-quoted ``$DATA_DIR``.

    Every value is single-quoted by ``shlex.quote`` where needed; the token sits inside such a
    quoted word, so closing the quote, inserting ``"$DATA_DIR"`` and reopening it keeps the
    word one argument whatever the folder's name.
    """
    joined = shlex.join(command).replace(DATA_DIR_TOKEN, "'\"$DATA_DIR\"'")
    return joined.replace("''\"$DATA_DIR\"", "\"$DATA_DIR\"")  # drop the empty quotes before a leading $DATA_DIR


def resolve_train_data(spec: RunSpec, *, data_dir: str | Path | None = None,
                       train_data: Mapping[str, str] | None = None) -> str:
    """Where the run's training data lives, with ``${data_dir}`` filled in.

    Parameters
    ----------
    spec : RunSpec
    data_dir : str or Path, optional
        Replaces ``${data_dir}`` in ``spec.train_data``.
    train_data : Mapping[str, str], optional
        Data label (``"LAION-400M"``) or run name -> shard pattern or CSV path; overrides
        ``spec.train_data`` entirely (a run name wins over a data label).

    Raises
    ------
    SpecError
        ``${data_dir}`` is left unfilled.
    """
    train_data = train_data or {}
    pattern = train_data.get(spec.name, train_data.get(spec.data, spec.train_data))
    mapping = {} if data_dir is None else {"data_dir": str(data_dir)}
    resolved = string.Template(pattern).safe_substitute(mapping)
    if "${data_dir}" in resolved:
        raise SpecError(f"run '{spec.name}': train_data {pattern!r} needs a data folder: pass "
                        f"--data-dir DIR, or --train-data {spec.data}=PATTERN")
    return resolved


def model_argument(spec: RunSpec, run_dir: Path) -> str:
    """``--model`` value: the open_clip name, or ``local-dir:`` the run's copy of a JSON config.

    open_clip's ``local-dir:`` scheme reads ``open_clip_config.json`` (``{"model_cfg": ...}``)
    from a folder; :func:`repro.launch.rundir.RunDir.prepare` writes that folder from the spec's
    plain config file (the layout of open_clip's ``model_configs/*.json``).
    """
    if spec.model_config_file is None:
        return spec.model
    return f"local-dir:{Path(run_dir).resolve() / 'model'}"


def to_argv(spec: RunSpec, *, logs_dir: str | Path, run_name: str, train_data: str, model: str,
            workers_per_gpu: int | None = None) -> list[str]:
    """The argument list of ``python -m open_clip_train.main`` for one run.

    Parameters
    ----------
    spec : RunSpec
    logs_dir : str or Path
        ``--logs``: the folder holding run directories; the run writes to ``logs_dir/run_name``.
    run_name : str
        ``--name``: the run directory's name (:attr:`RunSpec.run_dir_name`).
    train_data : str
        ``--train-data``, resolved (:func:`resolve_train_data`).
    model : str
        ``--model`` (:func:`model_argument`).
    workers_per_gpu : int, optional
        Overrides ``spec.workers_per_gpu`` (a machine property, not a hyper-parameter).

    Returns
    -------
    list of str
        Flags and values, without the interpreter and module.
    """
    argv = [
        "--model", model,
        "--train-data", train_data,
        "--dataset-type", spec.dataset_type,
        "--train-num-samples", str(spec.samples_per_epoch),
        "--epochs", str(spec.epochs),
        "--batch-size", str(spec.batch_size_per_gpu),
        "--lr", repr(spec.lr),
        "--warmup", str(spec.warmup_steps),
        "--wd", repr(spec.weight_decay),
        "--beta1", repr(spec.beta1),
        "--beta2", repr(spec.beta2),
        "--eps", repr(spec.eps),
        "--precision", spec.precision,
        "--device", spec.device,
        "--workers", str(spec.workers_per_gpu if workers_per_gpu is None else workers_per_gpu),
        "--seed", str(spec.seed),
        "--save-frequency", str(spec.save_frequency_epochs),
        "--log-every-n-steps", str(spec.log_every_n_steps),
        "--logs", str(logs_dir),
        "--name", run_name,
        # resume from the newest checkpoint in this run's folder: relaunching is always safe
        "--resume", "latest",
    ]
    if spec.lr_scheduler != "cosine":
        argv += ["--lr-scheduler", spec.lr_scheduler]
    if spec.epochs_cooldown:
        argv += ["--epochs-cooldown", str(spec.epochs_cooldown)]
    if spec.dataset_type == "csv":
        argv += ["--csv-separator", spec.csv_separator, "--csv-img-key", spec.csv_img_key,
                 "--csv-caption-key", spec.csv_caption_key]
    if spec.gpus > 1:
        # the backend follows the device: gloo on a CPU, nccl on CUDA (open_clip_train's own choice, made explicit)
        argv += ["--dist-backend", "nccl" if spec.device == "cuda" else "gloo"]
    if spec.local_loss:
        argv.append("--local-loss")
    if spec.gather_with_grad:
        argv.append("--gather-with-grad")
    if spec.dataset_resampled:
        argv.append("--dataset-resampled")
    if spec.grad_checkpointing:
        argv.append("--grad-checkpointing")
    return argv
