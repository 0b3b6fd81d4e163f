"""GMACs per sample of every open_clip architecture, timm and Hugging Face towers included.

:func:`repro.compute.macs.count_gmacs` counts open_clip's own towers (VisionTransformer,
ModifiedResNet, TextTransformer). The models trained since the paper also use

* timm image towers (ConvNeXt, EVA, SigLIP's ViTs): timm builds them from its own model
  configs with ``pretrained=False``, on the ``meta`` device, so no weights are needed;
* Hugging Face text towers (RoBERTa, XLM-RoBERTa, NLLB's encoder): their configs live on the
  model hub, which this project cannot reach. :data:`HF_TEXT_CONFIGS` writes them from
  ``transformers``' config classes with the hyperparameters each model card publishes
  (layers, width, heads, feed-forward width, vocabulary); the count depends on nothing else;
* CoCa's multimodal text decoder: counted with the text tower, because a training step runs it
  on every sample (the compute axis is training compute).

The counting convention is :mod:`repro.compute.macs`'s (every matrix product and convolution,
LayerNorm / BatchNorm as fvcore counts them, FLOPs / 2), one forward pass per tower at batch 1.
A text tower reads ``text_cfg.context_length`` tokens (77 where the config names none, the
length open_clip's tokenizers pad to).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from repro.compute.macs import TowerMacs, norm_layer_counters, count_gmacs, load_model_config
from repro.data.registry import REGISTRY
from repro.errors import SpecError

#: Hugging Face text towers, from each model card's published hyperparameters:
#: hub name -> (transformers config class name, keyword arguments).
HF_TEXT_CONFIGS: dict[str, tuple[str, dict[str, Any]]] = {
    "roberta-base": ("RobertaConfig", dict(
        vocab_size=50265, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
        intermediate_size=3072, max_position_embeddings=514, type_vocab_size=1, layer_norm_eps=1e-5,
        pad_token_id=1, bos_token_id=0, eos_token_id=2)),
    "xlm-roberta-base": ("XLMRobertaConfig", dict(
        vocab_size=250002, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
        intermediate_size=3072, max_position_embeddings=514, type_vocab_size=1, layer_norm_eps=1e-5,
        pad_token_id=1, bos_token_id=0, eos_token_id=2)),
    "xlm-roberta-large": ("XLMRobertaConfig", dict(
        vocab_size=250002, hidden_size=1024, num_hidden_layers=24, num_attention_heads=16,
        intermediate_size=4096, max_position_embeddings=514, type_vocab_size=1, layer_norm_eps=1e-5,
        pad_token_id=1, bos_token_id=0, eos_token_id=2)),
    "facebook/nllb-200-distilled-600M": ("M2M100Config", dict(
        vocab_size=256206, d_model=1024, encoder_layers=12, decoder_layers=12, encoder_attention_heads=16,
        decoder_attention_heads=16, encoder_ffn_dim=4096, decoder_ffn_dim=4096, max_position_embeddings=1024,
        scale_embedding=True, pad_token_id=1, bos_token_id=0, eos_token_id=2, decoder_start_token_id=2)),
    "facebook/nllb-200-distilled-1.3B": ("M2M100Config", dict(
        vocab_size=256206, d_model=1024, encoder_layers=24, decoder_layers=24, encoder_attention_heads=16,
        decoder_attention_heads=16, encoder_ffn_dim=8192, decoder_ffn_dim=8192, max_position_embeddings=1024,
        scale_embedding=True, pad_token_id=1, bos_token_id=0, eos_token_id=2, decoder_start_token_id=2)),
}
#: Tokens a text tower reads when its config names no ``context_length`` (open_clip's tokenizers).
DEFAULT_CONTEXT_LENGTH = 77


def tower_kinds(config: Mapping[str, Any]) -> dict[str, str]:
    """Which implementation builds each tower of an open_clip config.

    Returns ``{"image": ..., "text": ..., "decoder": ...}`` with values such as ``"open_clip ViT"``,
    ``"open_clip ResNet"``, ``"timm convnext_base"``, ``"Hugging Face roberta-base"``, ``"CoCa decoder"``
    or ``"none"``.

    Parameters
    ----------
    config : mapping
        An open_clip model config (``vision_cfg``, ``text_cfg``, optional ``multimodal_cfg``).
    """
    vision, text = config.get("vision_cfg", {}), config.get("text_cfg", {})
    if vision.get("timm_model_name"):
        image = f"timm {vision['timm_model_name']}"
    elif isinstance(vision.get("layers"), (list, tuple)):
        image = "open_clip ResNet"
    else:
        image = "open_clip ViT"
    text_kind = f"Hugging Face {text['hf_model_name']}" if text.get("hf_model_name") else "open_clip text transformer"
    return {"image": image, "text": text_kind, "decoder": "CoCa decoder" if "multimodal_cfg" in config else "none"}


def _is_own_towers(config: Mapping[str, Any]) -> bool:
    kinds = tower_kinds(config)
    return kinds["image"].startswith("open_clip") and kinds["text"].startswith("open_clip") and kinds["decoder"] == "none"


def _hf_config_dir(hf_name: str, root: Path) -> Path:
    """Write the published config of a Hugging Face text tower to ``root`` (what ``from_pretrained`` reads)."""
    import transformers

    if hf_name not in HF_TEXT_CONFIGS:
        raise SpecError(f"Hugging Face text tower {hf_name!r}: no published config known here (the hub is not "
                        f"reachable); known: {', '.join(HF_TEXT_CONFIGS)}")
    class_name, kwargs = HF_TEXT_CONFIGS[hf_name]
    path = root / hf_name.replace("/", "__")
    getattr(transformers, class_name)(**kwargs).save_pretrained(path)
    return path


def _hf_text_forward(tower: Any, text: Any) -> Any:
    """open_clip's ``HFTextEncoder.forward`` without the padding mask: every counted token is real, and
    ``transformers`` inspects a given mask's values (``.item()``), which a ``meta`` tensor does not have.
    The pooler (a mean or the first token) costs no MACs; the projection is counted."""
    out = tower.transformer(input_ids=text)
    return tower.proj(out.last_hidden_state[:, 0, :])


@lru_cache(maxsize=256)
def _count_any(name: str, config_json: str) -> TowerMacs:
    import torch
    from open_clip.coca_model import CoCa
    from open_clip.model import CustomTextCLIP
    from torch.utils.flop_counter import FlopCounterMode

    config = json.loads(config_json)
    config.pop("custom_text", None)
    config.pop("name", None)
    config["vision_cfg"]["timm_model_pretrained"] = False
    text_cfg = config["text_cfg"]
    context_length = int(text_cfg.get("context_length", DEFAULT_CONTEXT_LENGTH))
    is_hf = bool(text_cfg.get("hf_model_name"))
    with tempfile.TemporaryDirectory() as tmp:
        if is_hf:
            text_cfg["hf_model_name"] = str(_hf_config_dir(text_cfg["hf_model_name"], Path(tmp)))
            text_cfg["hf_model_pretrained"] = False
        model_class = CoCa if "multimodal_cfg" in config else CustomTextCLIP
        with torch.device("meta"):
            model = model_class(**config).eval()
        # no parameter may ask for gradients: FlopCounterMode's module tracker hooks any module input that
        # does (timm's attention-pool head passes its latent Parameter as one)
        model.requires_grad_(False)
    image_size = config["vision_cfg"].get("image_size", 224)
    image_size = tuple(image_size) if isinstance(image_size, (list, tuple)) else (image_size, image_size)
    image = torch.empty(1, 3, *image_size, device="meta")
    text = torch.zeros(1, context_length, dtype=torch.long, device="meta")
    mapping = norm_layer_counters()
    with torch.no_grad():
        with FlopCounterMode(display=False, custom_mapping=mapping) as counter:
            model.encode_image(image)
        image_gmacs = counter.get_total_flops() / 2 / 1e9
        with FlopCounterMode(display=False, custom_mapping=mapping) as counter:
            if isinstance(model, CoCa):
                model(image, text)   # image tower + text tower + decoder, one training step's forward
            elif is_hf:
                _hf_text_forward(model.text, text)
            else:
                model.encode_text(text)
        text_gmacs = counter.get_total_flops() / 2 / 1e9 - (image_gmacs if isinstance(model, CoCa) else 0.0)
    image_params = sum(p.numel() for p in model.visual.parameters())
    total_params = sum(p.numel() for p in model.parameters())
    return TowerMacs(name, int(image_size[0]), context_length, image_gmacs, text_gmacs, image_params / 1e6,
                     (total_params - image_params) / 1e6, total_params / 1e6)


def count_any_gmacs(model: str | Mapping[str, Any] | Path, *, context_length: int | None = None) -> TowerMacs:
    """GMACs per sample of any open_clip architecture, whatever builds its towers.

    Parameters
    ----------
    model : str, mapping or path
        An open_clip model name, config dict or JSON path
        (:func:`repro.compute.macs.load_model_config`).
    context_length : int, optional
        Tokens the text tower reads; default ``text_cfg.context_length``, else 77 (what open_clip's
        tokenizers produce in training, Hugging Face towers included).

    Returns
    -------
    TowerMacs
        For open_clip's own towers exactly :func:`repro.compute.macs.count_gmacs` (its default
        convention); otherwise the timm / Hugging Face / CoCa towers counted the same way
        (module docstring). CoCa's ``text_gmacs`` includes its multimodal decoder.

    Raises
    ------
    SpecError
        The config names a Hugging Face tower without a published config in
        :data:`HF_TEXT_CONFIGS`, or open_clip / timm cannot build it.

    Examples
    --------
    >>> round(count_any_gmacs("convnext_base").gmacs_per_sample, 1)
    18.3
    """
    name, config = load_model_config(model)
    missing = [key for key in ("embed_dim", "vision_cfg", "text_cfg") if key not in config]
    if missing:
        raise SpecError(f"model config {name!r}: missing key(s) {', '.join(missing)}")
    if context_length is not None:
        if context_length <= 0:
            raise SpecError(f"context_length must be a positive number of tokens, got {context_length}")
        config["text_cfg"]["context_length"] = int(context_length)
    if _is_own_towers(config):
        return count_gmacs(config | {"name": name})
    try:
        return _count_any(name, json.dumps(copy.deepcopy(config), sort_keys=True))
    except (TypeError, RuntimeError, ValueError) as err:
        raise SpecError(f"model config {name!r}: cannot build its towers on the meta device ({err})") from err


def _versions() -> str:
    # from the installed metadata: importing the libraries only to read a version costs seconds
    return ", ".join(f"{dist} {metadata.version(dist)}" for dist in ("open_clip_torch", "timm", "transformers", "torch"))


def _cache_key(name: str, config: Mapping[str, Any], context_length: int | None) -> str:
    blob = json.dumps({"config": config, "context_length": context_length, "versions": _versions(),
                       "hf": HF_TEXT_CONFIGS}, sort_keys=True, default=str)
    return f"{name}-{hashlib.sha256(blob.encode()).hexdigest()[:16]}"


def gmacs_table(models: list[str], *, context_length: int | None = None, cache: Path | None = None) -> pd.DataFrame:
    """:func:`count_any_gmacs` for many architectures, one row each; a failure is a row, not an exception.

    Parameters
    ----------
    models : list of str
        open_clip architecture names.
    context_length : int, optional
        Passed to :func:`count_any_gmacs`.
    cache : Path, optional
        A JSON file of earlier counts (keyed by the model's config, the context length and the
        versions of open_clip, timm, transformers and torch, so a changed definition is counted
        again); default ``<data cache>/tower_gmacs.json`` (``REPRO_CACHE_DIR`` or the OS cache).
        Counting the 56 architectures of open_clip's benchmark takes minutes on two cores.

    Returns
    -------
    DataFrame
        ``model``, ``image_gmacs``, ``text_gmacs``, ``gmacs`` (per sample), ``mparams``,
        ``context_length``, ``image_tower``, ``text_tower``, ``decoder`` and ``problem`` (empty
        when counted; the error otherwise, with NaN counts).
    """
    path = Path(cache) if cache is not None else Path(REGISTRY.abspath) / "tower_gmacs.json"
    try:
        stored = json.loads(path.read_text()) if path.is_file() else {}
    except (OSError, json.JSONDecodeError):
        stored = {}
    records, changed = [], False
    for model in models:
        try:
            name, config = load_model_config(model)
        except (SpecError, FileNotFoundError) as err:
            records.append({"model": model, "problem": str(err)})
            continue
        row = {"model": model, **{f"{k}_tower" if k != "decoder" else k: v for k, v in tower_kinds(config).items()}}
        key = _cache_key(name, config, context_length)
        if key not in stored:
            try:
                counted = count_any_gmacs(config | {"name": name}, context_length=context_length)
            except SpecError as err:
                records.append({**row, "problem": str(err)})
                continue
            stored[key] = {"image_gmacs": counted.image_gmacs, "text_gmacs": counted.text_gmacs,
                           "mparams": counted.mparams, "context_length": counted.context_length}
            changed = True
        entry = stored[key]
        records.append({**row, **entry, "gmacs": entry["image_gmacs"] + entry["text_gmacs"], "problem": ""})
    if changed:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(stored, indent=0, sort_keys=True))
            os.replace(tmp, path)
        except OSError:
            pass   # a read-only cache only costs the time of counting again
    columns = ["model", "image_gmacs", "text_gmacs", "gmacs", "mparams", "context_length", "image_tower",
               "text_tower", "decoder", "problem"]
    return pd.DataFrame.from_records(records).reindex(columns=columns)
