"""Run specs: one frozen dataclass per training run, loaded from YAML that refuses mistakes.

A spec holds what open_clip_train needs to reproduce one run, in the units the paper reports
(the paper's training setup and Table 18): per-GPU batch, GPUs, epochs, samples per epoch,
learning rate, warm-up steps. Everything else (global batch, samples seen, optimizer steps,
nodes) is derived, never stored, so it cannot disagree with the inputs.

Loading (:func:`spec_from_mapping`) raises :class:`repro.errors.SpecError` naming the file and
the key for an unknown key, a missing key or a value of the wrong type, as nanoGPT's
``configurator.py`` does for its overrides.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from repro.errors import SpecError

Precision = Literal["amp", "amp_bf16", "amp_bfloat16", "bf16", "fp16", "pure_bf16", "pure_fp16", "fp32"]
DatasetType = Literal["webdataset", "csv", "synthetic", "auto"]  # auto: by the suffix (.arrays.json: array shards)
Device = Literal["cuda", "cpu"]
#: open_clip_train's schedules; const-cooldown is warmup-stable-decay (Hagele et al. 2024)
LRScheduler = Literal["cosine", "const", "const-cooldown"]

#: Fields that name or place a run but do not change what it computes; left out of the fingerprint
#: so that moving the data or renaming a label does not relaunch a finished run.
_NOT_FINGERPRINTED = ("name", "train_data", "workers_per_gpu", "log_every_n_steps", "gpus_per_node")
#: Fields added after runs were made: left out of the fingerprint at their default, so that those
#: runs keep their directories.
_FINGERPRINTED_UNLESS_DEFAULT = {"lr_scheduler": "cosine", "epochs_cooldown": 0}


@dataclass(frozen=True)
class RunSpec:
    """One OpenCLIP training run.

    Attributes carry their unit in the name or the comment. Defaults are the paper's recipe
    (the paper's training setup and Table 18): AdamW with beta2 0.98 and weight decay 0.2, sharded
    contrastive loss (local loss, features gathered with gradient), cosine schedule.
    """

    name: str                        # run label, e.g. "Model-B-32_Data-400M_Samples-13B_lr-1e-3_bs-86k"
    model: str                       # open_clip model name ("ViT-B-32") or path to an open_clip JSON config
    data: str                        # pre-training set label, e.g. "LAION-400M"
    train_data: str                  # shards or CSV; "${data_dir}" is replaced at launch
    samples_per_epoch: int           # samples per open_clip "epoch" (checkpoint interval), not the total
    epochs: int                      # number of such epochs; samples seen = epochs x samples_per_epoch
    lr: float                        # peak learning rate after warm-up
    warmup_steps: int                # optimizer steps of linear warm-up
    batch_size_per_gpu: int          # samples per GPU (per process) per step
    gpus: int = 1                    # processes in the job; global batch = gpus x batch_size_per_gpu
    gpus_per_node: int = 4           # JUWELS Booster nodes have 4 A100s (the paper's training setup)
    samples_seen_label: str = ""     # the paper's label for the budget: "3B", "13B", "34B"
    precision: Precision = "amp"     # bf16 for L/14, H/14, g/14 after fp16 loss spikes (the paper's training setup)
    device: Device = "cuda"          # "cpu" for the miniature study; use precision fp32 there
    dataset_type: DatasetType = "webdataset"
    dataset_resampled: bool = False  # sampling with replacement, no epoch boundaries (the 2B runs)
    grad_checkpointing: bool = False  # trade compute for memory on the large towers
    local_loss: bool = True          # sharded contrastive loss (the paper's training setup)
    gather_with_grad: bool = True
    weight_decay: float = 0.2
    beta1: float = 0.9
    beta2: float = 0.98
    eps: float = 1.0e-6              # open_clip's ViT default, passed explicitly (defaults move upstream)
    save_frequency_epochs: int = 1   # a checkpoint every epoch, so an interrupted run loses < 1 epoch
    workers_per_gpu: int = 8         # data-loader processes per GPU; 0 loads in the training process
    seed: int = 0
    log_every_n_steps: int = 100
    csv_separator: str = "\t"        # open_clip_train's CSV defaults, passed explicitly
    csv_img_key: str = "filepath"
    csv_caption_key: str = "title"
    lr_scheduler: LRScheduler = "cosine"  # the paper's; const-cooldown: warmup, constant, then a linear decay
    epochs_cooldown: int = 0         # const-cooldown: the last epochs, over which the rate decays to 0

    def __post_init__(self) -> None:
        positive = ("samples_per_epoch", "epochs", "batch_size_per_gpu", "gpus", "gpus_per_node",
                    "save_frequency_epochs", "log_every_n_steps")
        for key in positive:
            if getattr(self, key) <= 0:
                raise SpecError(f"run '{self.name}': '{key}' must be > 0, got {getattr(self, key)!r}")
        for key in ("warmup_steps", "workers_per_gpu", "seed", "epochs_cooldown"):
            if getattr(self, key) < 0:
                raise SpecError(f"run '{self.name}': '{key}' must be >= 0, got {getattr(self, key)!r}")
        if not self.lr > 0:
            raise SpecError(f"run '{self.name}': 'lr' must be > 0, got {self.lr!r}")
        if not self.name or any(c in self.name for c in "/\\ \n\t"):
            raise SpecError(f"run name {self.name!r} must be non-empty without spaces or slashes "
                            "(it names the run directory)")
        if self.device == "cpu" and self.precision != "fp32":
            # amp on a CPU runs about 10x slower than fp32 (measured on a 2-core CPU)
            raise SpecError(f"run '{self.name}': device 'cpu' needs precision 'fp32', got {self.precision!r}")
        if (self.lr_scheduler == "const-cooldown") != (self.epochs_cooldown > 0) or self.epochs_cooldown >= self.epochs:
            raise SpecError(f"run '{self.name}': epochs_cooldown {self.epochs_cooldown} with lr_scheduler "
                            f"{self.lr_scheduler!r} and {self.epochs} epochs: const-cooldown needs 0 < "
                            "epochs_cooldown < epochs, the other schedules epochs_cooldown 0")
        if self.steps_per_epoch == 0:
            raise SpecError(f"run '{self.name}': samples_per_epoch {self.samples_per_epoch} is smaller than the "
                            f"global batch {self.global_batch_size}")

    # -- derived totals (never stored) -----------------------------------------------------------
    @property
    def global_batch_size(self) -> int:
        """Samples per optimizer step over all GPUs."""
        return self.gpus * self.batch_size_per_gpu

    @property
    def samples_seen(self) -> int:
        """Total training samples: epochs x samples_per_epoch."""
        return self.epochs * self.samples_per_epoch

    @property
    def steps_per_epoch(self) -> int:
        """Optimizer steps per epoch (open_clip_train drops the last partial batch)."""
        return self.samples_per_epoch // self.global_batch_size

    @property
    def total_steps(self) -> int:
        """Optimizer steps of the whole run (the cosine schedule's length)."""
        return self.epochs * self.steps_per_epoch

    @property
    def nodes(self) -> int:
        """Nodes of ``gpus_per_node`` GPUs the run needs."""
        return math.ceil(self.gpus / self.gpus_per_node)

    @property
    def model_config_file(self) -> Path | None:
        """The JSON config when ``model`` is a path rather than an open_clip model name."""
        return Path(self.model) if self.model.endswith(".json") else None

    # -- identity --------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """All fields, in declaration order (the YAML a run directory keeps)."""
        return dataclasses.asdict(self)

    def fingerprint(self) -> str:
        """sha256 (hex) of the fields that change what the run computes."""
        fields = {k: v for k, v in self.to_dict().items() if k not in _NOT_FINGERPRINTED
                  and (k not in _FINGERPRINTED_UNLESS_DEFAULT or v != _FINGERPRINTED_UNLESS_DEFAULT[k])}
        if self.model_config_file is not None:
            # the config's content, not its location, defines the model
            try:
                fields["model"] = json.loads(self.model_config_file.read_text())
            except (OSError, ValueError) as err:
                raise SpecError(f"run '{self.name}': model config {self.model} cannot be read: {err}") from err
        return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()

    @property
    def run_dir_name(self) -> str:
        """Directory name of the run: its label and the first 8 hex digits of its fingerprint.

        Two specs with the same name but other hyper-parameters get different directories, so a
        finished run is recognised by its directory and never mistaken for a changed one.
        """
        return f"{self.name}-{self.fingerprint()[:8]}"


FIELD_TYPES: dict[str, Any] = typing.get_type_hints(RunSpec)
FIELD_NAMES = tuple(f.name for f in dataclasses.fields(RunSpec))
REQUIRED = tuple(f.name for f in dataclasses.fields(RunSpec)
                 if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)


def _check_value(key: str, value: Any, where: str) -> Any:
    expected = FIELD_TYPES[key]
    if typing.get_origin(expected) is Literal:
        allowed = typing.get_args(expected)
        if value not in allowed:
            raise SpecError(f"{where}: key '{key}': {value!r} is not one of {', '.join(map(repr, allowed))}")
        return value
    if expected is bool:
        if not isinstance(value, bool):
            raise SpecError(f"{where}: key '{key}': expected true or false, got {value!r}")
        return value
    if expected is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise SpecError(f"{where}: key '{key}': expected an integer, got {value!r} ({type(value).__name__})")
        return value
    if expected is float:
        if isinstance(value, str):
            # PyYAML reads 5e-4 (no dot) as a string under YAML 1.1
            raise SpecError(f"{where}: key '{key}': expected a number, got the string {value!r} "
                            "(YAML reads 5e-4 as text: write 5.0e-4)")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SpecError(f"{where}: key '{key}': expected a number, got {value!r} ({type(value).__name__})")
        return float(value)
    if expected is str:
        if not isinstance(value, str):
            raise SpecError(f"{where}: key '{key}': expected a string, got {value!r} ({type(value).__name__})")
        return value
    raise TypeError(f"unhandled field type {expected!r} for '{key}'")  # a bug in RunSpec, not in the input


def spec_from_mapping(mapping: Mapping[str, Any], *, source: str = "<mapping>",
                      base_dir: Path | None = None) -> RunSpec:
    """Build a :class:`RunSpec` from a mapping, refusing unknown keys and wrong types.

    Parameters
    ----------
    mapping : Mapping[str, Any]
        Field name -> value, as read from YAML.
    source : str
        Where the mapping came from (file and run), used in error messages.
    base_dir : Path, optional
        Folder that a relative model-config path is relative to (the spec file's folder).

    Raises
    ------
    SpecError
        Unknown key, missing required key, or a value of the wrong type; the message names
        ``source`` and the key.
    """
    if not isinstance(mapping, Mapping):
        raise SpecError(f"{source}: expected a mapping of run fields, got {type(mapping).__name__}")
    unknown = sorted(set(mapping) - set(FIELD_NAMES))
    if unknown:
        raise SpecError(f"{source}: unknown key '{unknown[0]}' (known keys: {', '.join(FIELD_NAMES)})")
    missing = [k for k in REQUIRED if k not in mapping]
    if missing:
        raise SpecError(f"{source}: missing required key '{missing[0]}'")
    values = {key: _check_value(key, value, source) for key, value in mapping.items()}
    if base_dir is not None and values["model"].endswith(".json") and not Path(values["model"]).is_absolute():
        # a config path in a spec file is relative to that file, not to the working directory
        values["model"] = str((base_dir / values["model"]).resolve())
    return RunSpec(**values)


def read_yaml(path: Path, not_found: str) -> Any:
    """The YAML document in the file at ``path``.

    Parameters
    ----------
    path : Path
        The file.
    not_found : str
        The message of the :class:`SpecError` raised when the file does not exist (what it is and
        where such files live); a file that is not valid YAML raises one naming ``path``.
    """
    try:
        return yaml.safe_load(path.read_text())
    except FileNotFoundError as err:
        raise SpecError(not_found) from err
    except yaml.YAMLError as err:
        raise SpecError(f"{path}: not valid YAML: {err}") from err


def load_spec(path: str | Path) -> RunSpec:
    """Read one run spec from a YAML file (a mapping of :class:`RunSpec` fields)."""
    path = Path(path)
    mapping = read_yaml(path, f"{path}: run spec file not found")
    return spec_from_mapping(mapping, source=str(path), base_dir=path.parent)


def dump_spec(spec: RunSpec) -> str:
    """The spec as YAML, all fields, followed by its derived totals as comments."""
    text = yaml.safe_dump(spec.to_dict(), sort_keys=False)
    return text + derived_comment(spec)


def derived_comment(spec: RunSpec, indent: str = "") -> str:
    """Derived totals written out as YAML comments, nanoGPT-config style."""
    return (
        f"{indent}# global batch = {spec.gpus} GPUs x {spec.batch_size_per_gpu} = {spec.global_batch_size:,}\n"
        f"{indent}# samples seen = {spec.epochs} epochs x {spec.samples_per_epoch:,} = {spec.samples_seen:,}"
        f" ({spec.samples_seen / 1e9:.2f} B{', label ' + spec.samples_seen_label if spec.samples_seen_label else ''})\n"
        f"{indent}# steps = {spec.epochs} x {spec.steps_per_epoch:,} = {spec.total_steps:,};"
        f" nodes = {spec.nodes}\n"
    )
