"""The tiny CLIP families: the study's ResNets with RN50's keys and the ViTs with ViT-B-32's,
>= 1.5 decades of GMACs, counted two ways (the project counter against a count by hand)."""

import json
from importlib import resources

import numpy as np
import pytest

from repro.errors import SpecError
from repro.mini import models


def _keys(config: dict) -> set:
    return {("top", k) for k in config} | {(t, k) for t in ("vision_cfg", "text_cfg") for k in config[t]}


def _reference(name: str) -> dict:
    return json.loads((resources.files("open_clip") / "model_configs" / f"{name}.json").read_text())


def test_vit_configs_have_the_keys_of_vit_b_32():
    reference = _reference("ViT-B-32")
    for name in models.VIT_NAMES:
        extra = _keys(models.model_config(name)) - _keys(reference)
        missing = _keys(reference) - _keys(models.model_config(name))
        assert not missing and extra <= {("vision_cfg", "head_width")}, name


def test_resnet_configs_have_the_keys_of_rn50_and_start_at_logit_scale_one():
    reference = _reference("RN50")
    for name in models.MODEL_NAMES:
        config = models.model_config(name)
        extra = _keys(config) - _keys(reference)
        missing = _keys(reference) - _keys(config) - {("vision_cfg", "patch_size")}  # null in RN50: no patches
        assert not missing and extra <= {("vision_cfg", "head_width"), ("top", "init_logit_scale")}, name
        assert config["init_logit_scale"] == 0.0 and len(config["vision_cfg"]["layers"]) == 4


@pytest.mark.parametrize("names", [models.MODEL_NAMES, models.VIT_NAMES])
def test_family_spans_one_and_a_half_decades_of_gmacs(names):
    gmacs = [models.gmacs_per_sample(n) for n in names]
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
    return (image + _closed_form_text_macs(config)) / 1e9


def _closed_form_text_macs(config: dict) -> int:
    """The text transformer's MACs per caption, in the convention above."""
    t = config["text_cfg"]
    n, w = t["context_length"], t["width"]
    return t["layers"] * (12 * w**2 * n + 2 * n**2 * w + 10 * n * w) + 5 * n * w + w * config["embed_dim"]


def test_unknown_model_is_refused_by_name():
    with pytest.raises(SpecError, match="mini-ViT-Q"):
        models.model_config("mini-ViT-Q")


def _closed_form_resnet_gmacs(config: dict) -> float:
    """MACs of the ModifiedResNet CLIP per sample, by hand, in the same convention: every
    convolution (out elements x in channels x kernel area), BatchNorm 2 MACs per element (inference),
    the attention pool over the (H W + 1) tokens of the last stage (q, k, v and output projections,
    2 T^2 C of attention), and the text transformer as above."""
    v = config["vision_cfg"]
    w, side = v["width"], v["image_size"]

    def conv(c_in, c_out, side_out, k=1):
        return side_out**2 * c_out * c_in * k * k + 2 * side_out**2 * c_out  # + its BatchNorm

    side //= 2
    image = conv(3, w // 2, side, 3) + conv(w // 2, w // 2, side, 3) + conv(w // 2, w, side, 3)
    side //= 2  # the stem's average pool
    inplanes = w
    for stage, blocks in enumerate(v["layers"]):
        planes = w * 2**stage
        for block in range(blocks):
            stride = 2 if stage > 0 and block == 0 else 1
            out = side // stride
            image += conv(inplanes, planes, side) + conv(planes, planes, side, 3) + conv(planes, 4 * planes, out)
            if stride > 1 or inplanes != 4 * planes:
                image += conv(inplanes, 4 * planes, out)
            inplanes, side = 4 * planes, out
    tokens, channels = side**2 + 1, inplanes
    image += 3 * tokens * channels**2 + 2 * tokens**2 * channels + tokens * channels * config["embed_dim"]
    return (image + _closed_form_text_macs(config)) / 1e9


@pytest.mark.parametrize("name", models.VIT_NAMES + models.MODEL_NAMES)
def test_counter_agrees_with_closed_form(name):
    config = models.model_config(name)
    by_hand = _closed_form_resnet_gmacs(config) if name in models.MODEL_NAMES else _closed_form_gmacs(config)
    assert models.gmacs_per_sample(name) == pytest.approx(by_hand, rel=0.01)
