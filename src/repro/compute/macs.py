"""GMACs per sample counted from an open_clip model definition (the compute axis of every figure, Sec. 3).

The model is built on PyTorch's ``meta`` device (shapes only, nothing allocated, so ViT-e-14 costs
no memory) and one forward pass per tower runs under :class:`torch.utils.flop_counter.FlopCounterMode`
with batch 1. MACs = FLOPs / 2.

Counting convention (the one that reproduces ARCH, ``arch_info.csv``, which the authors produced
with fvcore's ``FlopCountAnalysis``):

* every matrix product and convolution: linear layers, patch embedding, the ResNet convolutions,
  and the two attention matmuls (Q K^T and A V) over the full sequence. The text tower's causal
  mask does not halve them: fvcore counted the dense ``bmm``, and so do we;
* normalisation layers, as fvcore counts them: LayerNorm 5 MACs per element with an affine
  transform (4 without), BatchNorm in eval mode 2 per element (1 without affine);
* nothing else: softmax, GELU, residual additions, pooling and embeddings lookups are free.

Without the normalisation term the ViTs come out 0.1-0.5% low and the ResNets 0.5% low; with it,
every architecture agrees with ARCH to its printed precision (see :func:`compare_with_arch`).

One convention depends on the open_clip version: where a ViT applies its final LayerNorm
(``ln_post``). The open_clip of the paper's time applied it to the pooled class token only; open_clip
3.3.0 applies it to every token and pools afterwards (``final_ln_after_pool=False``). Both give the same
embedding, but the second counts ``(tokens - 1) x width x 5`` MACs more: 0.0013 GMACs for ViT-L/14
(257 tokens of width 1024), enough to print 87.74 instead of Table 25's 87.73. ``ln_post="pooled
token"`` counts as the paper did (Table 25 and ARCH, exactly at two decimals); ``"every token"`` is
what today's open_clip runs, the default for new models.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from repro.data import load_arch
from repro.errors import DataNotFoundError, SpecError

#: ARCH names that open_clip 3.3.0 no longer defines under that name, and how to build them:
#: (open_clip config, image size). ViT-G-14 was renamed ViT-bigG-14 (same widths and depths,
#: Table 25); the -336 variants are the base configs at image size 336 (ARCH ``image_size``).
ARCH_DERIVED = {
    "ViT-G-14": ("ViT-bigG-14", None),
    "ViT-H-14-336": ("ViT-H-14", 336),
    "ViT-g-14-336": ("ViT-g-14", 336),
    "ViT-G-14-336": ("ViT-bigG-14", 336),
    "ViT-e-14-336": ("ViT-e-14", 336),
}

#: Tolerance of the agreement with ARCH: within 1% of the authors' count of every architecture.
ARCH_TOLERANCE = 0.01
#: Where a ViT's final LayerNorm is counted: on the pooled token only (the open_clip of the paper's
#: time, which Table 25 and ARCH were counted with) or on every token (open_clip 3.3.0's forward pass).
LN_POST_CONVENTIONS = ("pooled token", "every token")


@dataclass(frozen=True)
class TowerMacs:
    """GMACs (10^9 multiply-accumulates) and parameters of one sample through each tower.

    ``gmacs_per_sample`` is image + text, the ``gmacs`` column of ARCH and of the results schema.
    """

    model: str
    image_size: int
    context_length: int
    image_gmacs: float
    text_gmacs: float
    image_mparams: float
    text_mparams: float
    mparams: float   # whole model, including the logit scale and anything outside the towers

    @property
    def gmacs_per_sample(self) -> float:
        return self.image_gmacs + self.text_gmacs


def _norm_macs(input_shape: tuple[int, ...], *, affine: bool, per_element_affine: int) -> int:
    # fvcore counts (input elements) x 5 for an affine LayerNorm, 4 without; FlopCounterMode's unit
    # is FLOPs = 2 x MACs, hence the factor 2 (divided out again in count_gmacs).
    return 2 * math.prod(input_shape) * (per_element_affine if affine else per_element_affine - 1)


def _layer_norm_flops(input_shape, normalized_shape, weight=None, bias=None, eps=None, *args, out_shape=None,
                      **kwargs) -> int:
    return _norm_macs(input_shape, affine=weight is not None, per_element_affine=5)


def _batch_norm_flops(input_shape, weight=None, bias=None, running_mean=None, running_var=None, training=False,
                      *args, out_shape=None, **kwargs) -> int:
    if training:
        return _norm_macs(input_shape, affine=weight is not None, per_element_affine=5)
    return _norm_macs(input_shape, affine=weight is not None, per_element_affine=2)


def norm_layer_counters() -> dict:
    """Counters of LayerNorm and BatchNorm for ``FlopCounterMode`` (fvcore's convention, module docstring)."""
    import torch

    native_batch_norm = torch.ops.aten.native_batch_norm
    # The overload key stops FlopCounterMode from decomposing batch norm into elementwise ops
    # before counting (it looks the overload up first, then counts under the packet).
    return {torch.ops.aten.native_layer_norm: _layer_norm_flops,
            native_batch_norm: _batch_norm_flops,
            native_batch_norm.default: _batch_norm_flops}


def load_model_config(model: str | Mapping[str, Any] | Path) -> tuple[str, dict]:
    """An open_clip model config as ``(name, config dict)``.

    Parameters
    ----------
    model : str, mapping or path
        An open_clip model name (``"ViT-B-32"``), an ARCH name listed in :data:`ARCH_DERIVED`
        (``"ViT-G-14"``), a config dict with ``embed_dim``, ``vision_cfg`` and ``text_cfg`` (the
        keys of open_clip's ``model_configs/*.json``), a path to such a JSON file, a JSON file with
        a ``model_cfg`` key (``open_clip_config.json``) or a folder holding ``open_clip_config.json``
        (what ``local-dir:`` loads).
    """
    if isinstance(model, Mapping):
        return str(model.get("name", "config")), copy.deepcopy(dict(model))
    path = Path(model) if not isinstance(model, str) or model.endswith(".json") or "/" in model else None
    if path is not None:
        if path.is_dir():
            path = path / "open_clip_config.json"
        if not path.is_file():
            raise DataNotFoundError(f"{path}: no such open_clip model config")
        try:
            config = json.loads(path.read_text())
        except json.JSONDecodeError as err:
            raise SpecError(f"{path}: not a valid JSON model config ({err})") from err
        return path.stem if path.name != "open_clip_config.json" else path.parent.name, dict(config.get("model_cfg", config))
    import open_clip

    if model in ARCH_DERIVED and open_clip.get_model_config(model) is None:
        base, image_size = ARCH_DERIVED[model]
        config = copy.deepcopy(open_clip.get_model_config(base))
        if image_size is not None:
            config["vision_cfg"]["image_size"] = image_size
        return model, config
    config = open_clip.get_model_config(model)
    if config is None:
        raise SpecError(f"model {model!r}: open_clip {open_clip.__version__} defines no such config "
                        f"(open_clip.list_models() lists the names); pass a config dict or a JSON path instead")
    return model, copy.deepcopy(config)


def _check_config(name: str, config: dict) -> None:
    missing = [key for key in ("embed_dim", "vision_cfg", "text_cfg") if key not in config]
    if missing:
        raise SpecError(f"model config {name!r}: missing key(s) {', '.join(missing)}; expected the keys of "
                        f"open_clip's model_configs/ViT-B-32.json")
    text_cfg = config["text_cfg"]
    if "multimodal_cfg" in config or text_cfg.get("hf_model_name") or config["vision_cfg"].get("timm_model_name"):
        raise SpecError(f"model config {name!r}: only open_clip's own towers (VisionTransformer, ModifiedResNet, "
                        f"TextTransformer) are counted; Hugging Face / timm towers and CoCa decoders are not")


@lru_cache(maxsize=128)
def _count(name: str, config_json: str) -> TowerMacs:
    import torch
    from open_clip.model import CLIP
    from torch.utils.flop_counter import FlopCounterMode

    config = json.loads(config_json)
    for key in ("custom_text", "name"):
        config.pop(key, None)
    with torch.device("meta"):
        model = CLIP(**config).eval()
    image_size = config["vision_cfg"].get("image_size", 224)
    image_size = tuple(image_size) if isinstance(image_size, (list, tuple)) else (image_size, image_size)
    context_length = int(config["text_cfg"].get("context_length", 77))
    mapping = norm_layer_counters()
    gmacs = []
    with torch.no_grad():
        for encode, sample in ((model.encode_image, torch.empty(1, 3, *image_size, device="meta")),
                               (model.encode_text, torch.zeros(1, context_length, dtype=torch.long, device="meta"))):
            with FlopCounterMode(display=False, custom_mapping=mapping) as counter:
                encode(sample)
            gmacs.append(counter.get_total_flops() / 2 / 1e9)   # FLOPs -> MACs -> GMACs
    image_params = sum(p.numel() for p in model.visual.parameters())
    total_params = sum(p.numel() for p in model.parameters())
    return TowerMacs(name, int(image_size[0]), context_length, gmacs[0], gmacs[1], image_params / 1e6,
                     (total_params - image_params) / 1e6, total_params / 1e6)


def count_gmacs(model: str | Mapping[str, Any] | Path, *, image_size: int | None = None,
                context_length: int | None = None,
                ln_post: Literal["pooled token", "every token"] = "every token") -> TowerMacs:
    """GMACs per sample of each tower of an open_clip CLIP model, counted over a forward pass.

    Parameters
    ----------
    model : str, mapping or path
        A model name, config dict or JSON path (see :func:`load_model_config`).
    image_size : int, optional
        Overrides ``vision_cfg.image_size`` (square images, pixels).
    context_length : int, optional
        Overrides ``text_cfg.context_length`` (tokens).
    ln_post : {"every token", "pooled token"}
        Where a ViT's final LayerNorm is counted (module docstring): "every token" as open_clip
        3.3.0 runs it (the default), "pooled token" as the open_clip of the paper's time did (what
        Table 25 and ARCH count). ResNets and configs with ``final_ln_after_pool`` set are unaffected.

    Returns
    -------
    TowerMacs
        ``image_gmacs``, ``text_gmacs``, ``gmacs_per_sample`` and parameter counts (millions).

    Notes
    -----
    Counted on the ``meta`` device with batch 1, so it takes well under a second even for
    ViT-e-14. The convention (attention matmuls dense, LayerNorm / BatchNorm counted as fvcore
    does) is the module docstring's; it reproduces ARCH.

    Examples
    --------
    >>> round(count_gmacs("ViT-B-32").gmacs_per_sample, 2)
    7.4
    """
    name, config = load_model_config(model)
    _check_config(name, config)
    if image_size is not None:
        if image_size <= 0:
            raise SpecError(f"image_size must be a positive number of pixels, got {image_size}")
        config["vision_cfg"]["image_size"] = int(image_size)
    if context_length is not None:
        if context_length <= 0:
            raise SpecError(f"context_length must be a positive number of tokens, got {context_length}")
        config["text_cfg"]["context_length"] = int(context_length)
    if ln_post not in LN_POST_CONVENTIONS:
        raise SpecError(f"ln_post={ln_post!r}: expected one of {', '.join(map(repr, LN_POST_CONVENTIONS))}")
    if ln_post == "pooled token":
        # open_clip's VisionTransformer pools first, then normalises the pooled token only
        config["vision_cfg"]["final_ln_after_pool"] = True
    try:
        return _count(name, json.dumps(config, sort_keys=True))
    except TypeError as err:
        raise SpecError(f"model config {name!r}: open_clip's CLIP() rejects it ({err})") from err


def compare_with_arch(arch: pd.DataFrame | None = None, *, tolerance: float = ARCH_TOLERANCE,
                      models: Iterable[str] | None = None) -> pd.DataFrame:
    """Counted GMACs per sample beside ARCH for every ARCH architecture open_clip can build.

    Parameters
    ----------
    arch : DataFrame, optional
        ARCH (``repro.data.load_arch()``, the default).
    tolerance : float
        Relative tolerance of the agreement (0.01 = 1%).
    models : iterable of str, optional
        Only these ARCH architectures (all by default).

    Returns
    -------
    DataFrame
        One row per architecture: ``model``, ``config`` (how open_clip defines it: ``"open_clip"``
        for a config of that name, else the base config and image size of :data:`ARCH_DERIVED`),
        counted ``image_gmacs`` / ``text_gmacs`` / ``gmacs_per_sample``, ARCH's ``arch_image_gmacs``
        / ``arch_text_gmacs`` / ``arch_gmacs``, relative differences ``rel_diff_image``,
        ``rel_diff_text``, ``rel_diff_total`` (ours / ARCH - 1), ``within_tolerance`` and
        ``agrees_as_printed`` (each of our three counts, rounded to ARCH's two decimals, is within
        one unit of ARCH's last digit), ``exact_as_printed`` (each rounds to ARCH's value).
        The counts are made as ARCH's were, with the final LayerNorm on the pooled token
        (``ln_post="pooled token"``); ``image_gmacs_every_token`` and ``gmacs_per_sample_every_token``
        are open_clip 3.3.0's count beside them.
    """
    import open_clip

    if arch is None:
        arch = load_arch()
    if models is not None:
        wanted = set(models)
        unknown = wanted - set(arch["model"])
        if unknown:
            raise SpecError(f"models {sorted(unknown)} are not in ARCH; known: {', '.join(arch['model'])}")
        arch = arch[arch["model"].isin(wanted)]
    records = []
    for row in arch.itertuples(index=False):
        defined = open_clip.get_model_config(row.model) is not None
        if not defined and row.model not in ARCH_DERIVED:
            continue
        counted = count_gmacs(row.model, image_size=int(row.image_size), ln_post="pooled token")
        every_token = count_gmacs(row.model, image_size=int(row.image_size), ln_post="every token")
        if defined:
            source = "open_clip"
        else:
            base, size = ARCH_DERIVED[row.model]
            source = f"{base} at {size or int(row.image_size)} px" if size else f"{base} (renamed)"
        records.append({
            "model": row.model, "config": source, "image_size": int(row.image_size),
            "image_gmacs": counted.image_gmacs, "arch_image_gmacs": float(row.image_gmacs),
            "text_gmacs": counted.text_gmacs, "arch_text_gmacs": float(row.text_gmacs),
            "gmacs_per_sample": counted.gmacs_per_sample, "arch_gmacs": float(row.gmacs),
            "mparams": counted.mparams, "arch_mparams": float(row.mparams),
            "image_gmacs_every_token": every_token.image_gmacs,
            "gmacs_per_sample_every_token": every_token.gmacs_per_sample,
        })
    table = pd.DataFrame.from_records(records)
    table["rel_diff_image"] = table["image_gmacs"] / table["arch_image_gmacs"] - 1
    table["rel_diff_text"] = table["text_gmacs"] / table["arch_text_gmacs"] - 1
    table["rel_diff_total"] = table["gmacs_per_sample"] / table["arch_gmacs"] - 1
    table["within_tolerance"] = table[["rel_diff_image", "rel_diff_text", "rel_diff_total"]].abs().max(axis=1) <= tolerance
    # ARCH prints two decimals; 1e-9 absorbs float noise at the half-unit boundary
    printed = [(table[ours].round(2) - table[theirs]).abs() <= 0.01 + 1e-9
               for ours, theirs in (("image_gmacs", "arch_image_gmacs"), ("text_gmacs", "arch_text_gmacs"),
                                    ("gmacs_per_sample", "arch_gmacs"))]
    table["agrees_as_printed"] = printed[0] & printed[1] & printed[2]
    exact = [(table[ours].round(2) - table[theirs]).abs() <= 1e-9
             for ours, theirs in (("image_gmacs", "arch_image_gmacs"), ("text_gmacs", "arch_text_gmacs"),
                                  ("gmacs_per_sample", "arch_gmacs"))]
    table["exact_as_printed"] = exact[0] & exact[1] & exact[2]
    return table


def worst_case(comparison: pd.DataFrame, *, column: str = "rel_diff_total") -> pd.Series:
    """The row of :func:`compare_with_arch` with the largest absolute relative difference in ``column``.

    Parameters
    ----------
    comparison : DataFrame
        :func:`compare_with_arch`.
    column : str
        The relative-difference column to rank by (``rel_diff_total``, ``rel_diff_image``, ...).
    """
    return comparison.loc[comparison[column].abs().idxmax()]
