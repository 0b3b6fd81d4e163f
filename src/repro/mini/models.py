"""The tiny CLIP families of the miniature study, open_clip JSON configs loaded through
open_clip's ``local-dir:`` schema (the training launcher copies a config into the run's
``model/open_clip_config.json`` and passes ``--model local-dir:<run>/model``):

* ``mini-RN-*`` (:data:`MODEL_NAMES`, the study's family): open_clip's ModifiedResNet image tower
  (CLIP's RN50 design: a three-convolution stem, four bottleneck stages, attention pooling) at
  widths 2..24 with 1 or 2 blocks per stage, and the text transformer scaled with it; the logit
  scale starts at 1 (``init_logit_scale`` 0) instead of CLIP's 1/0.07.
* ``mini-ViT-*`` (:data:`VIT_NAMES`): the tiny ViTs with the keys of ``ViT-B-32.json`` (plus
  ``head_width``, since the default of 64 would give zero heads at these widths); the GPU
  profile's family, and the launcher's tests' tiny model.

Why the study's family is convolutional: on 32x32 scenes and laptop budgets the tiny ViTs spent
their first 10k-37k samples on the chance plateau of the contrastive loss, whatever their size,
so the low-compute end of every law sat at chance and no isoFLOP profile had an interior minimum
(the chapter "The study in miniature", section on the design). Measured with the same loop, a
ResNet of width 8 left the plateau after ~4k samples and reached 0.56 zero-shot shape accuracy at
24k samples where the ViT of like cost reached 0.25; starting the logit scale at 1 moved the onset
earlier (from CLIP's 1/0.07 the loss first falls to exactly ln(batch), a uniform guess, and stays
there). The pilot is ``benchmarks/mini_onset_pilot.py``.
CLIP itself scaled ResNets (RN50..RN50x64) beside its ViTs.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path

from repro.compute import count_gmacs
from repro.errors import SpecError

#: The family, smallest first (names are the config file stems).
MODEL_NAMES: tuple[str, ...] = ("mini-RN-XXS", "mini-RN-XS", "mini-RN-S", "mini-RN-M", "mini-RN-L", "mini-RN-XL",
                                "mini-RN-XXL")
#: The tiny ViT family, smallest first.
VIT_NAMES: tuple[str, ...] = ("mini-ViT-XS", "mini-ViT-S", "mini-ViT-M", "mini-ViT-L", "mini-ViT-XL", "mini-ViT-XXL")


def model_config(name: str) -> dict:
    """The open_clip config of one tiny model (``model_configs/<name>.json``)."""
    path = resources.files("repro.mini") / "model_configs" / f"{name}.json"
    if not path.is_file():
        raise SpecError(f"unknown mini model {name!r}: no {path}; known: {', '.join(MODEL_NAMES + VIT_NAMES)}")
    return json.loads(path.read_text())


def config_path(name: str) -> Path:
    """The package file of one tiny model (a RunSpec's ``model``: the launcher turns it into a
    ``local-dir:`` folder, :meth:`repro.launch.rundir.RunDir.prepare`)."""
    model_config(name)
    return Path(str(resources.files("repro.mini") / "model_configs" / f"{name}.json"))


@cache
def gmacs_per_sample(name: str) -> float:
    """GMACs per (image, caption) sample of a tiny model, image and text towers together, counted
    with the project's counter (:func:`repro.compute.count_gmacs`), as the paper's models are."""
    return float(count_gmacs(config_path(name)).gmacs_per_sample)


@cache
def parameters(name: str) -> int:
    """Parameters of a tiny model without its token embedding (49,408 x width entries that a
    lookup reads one row of per token: no compute), counted on the meta device (no weights)."""
    import open_clip
    import torch

    config = model_config(name)
    with torch.device("meta"):
        model = open_clip.CLIP(**config)
    return int(sum(p.numel() for n, p in model.named_parameters() if "token_embedding" not in n))
