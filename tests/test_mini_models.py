"""The tiny ViT family: open_clip configs with ViT-B-32's keys, >= 1.5 decades of GMACs, counted
two ways (the project counter against a count by hand)."""

import json
from importlib import resources

import numpy as np
import pytest

from repro.errors import SpecError
from repro.mini import models


def _keys(config: dict) -> set:
    return {("top", k) for k in config} | {(t, k) for t in ("vision_cfg", "text_cfg") for k in config[t]}


def test_configs_have_the_keys_of_vit_b_32():
    reference = json.loads((resources.files("open_clip") / "model_configs" / "ViT-B-32.json").read_text())
    for name in models.MODEL_NAMES:
        extra = _keys(models.model_config(name)) - _keys(reference)
        missing = _keys(reference) - _keys(models.model_config(name))
        assert not missing and extra <= {("vision_cfg", "head_width")}, name


def test_family_spans_one_and_a_half_decades_of_gmacs():
    gmacs = [models.gmacs_per_sample(n) for n in models.MODEL_NAMES]
    assert gmacs == sorted(gmacs)
    assert np.log10(gmacs[-1] / gmacs[0]) >= 1.5


def _closed_form_gmacs(config: dict) -> float:
    """MACs of a pre-norm transformer CLIP per sample, by hand, in the project's convention
    (repro.compute.macs): patch embedding, 12 w^2 per token per layer (qkv, out, MLP), dense
    attention matmuls 2 T^2 w, LayerNorm 5 MACs per element (2 per layer, ln_pre and ln_post on
    every vision token, ln_final on every text token), final projections."""
    v, t = config["vision_cfg"], config["text_cfg"]
    n_patches = (v["image_size"] // v["patch_size"]) ** 2
    T, w = n_patches + 1, v["width"]
    image = (n_patches * 3 * v["patch_size"] ** 2 * w + v["layers"] * (12 * w**2 * T + 2 * T**2 * w + 10 * T * w)
             + 2 * 5 * T * w + w * config["embed_dim"])
    n, w = t["context_length"], t["width"]
    text = t["layers"] * (12 * w**2 * n + 2 * n**2 * w + 10 * n * w) + 5 * n * w + w * config["embed_dim"]
    return (image + text) / 1e9


@pytest.mark.parametrize("name", models.MODEL_NAMES)
def test_counter_agrees_with_closed_form(name):
    counted = models.gmacs_per_sample(name)
    assert counted == pytest.approx(_closed_form_gmacs(models.model_config(name)), rel=0.01)


def test_unknown_model_is_refused_by_name():
    with pytest.raises(SpecError, match="mini-ViT-Q"):
        models.model_config("mini-ViT-Q")
