"""The tiny ViT CLIP family of the miniature study: open_clip JSON configs with the keys of
``ViT-B-32.json`` (plus ``head_width``, since the default of 64 would give zero heads at these
widths), loaded through open_clip's ``local-dir:`` schema: the training launcher copies a
config into the run's ``model/open_clip_config.json`` and passes ``--model local-dir:<run>/model``.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path

from repro.errors import SpecError

#: The family, smallest first (names are the config file stems).
MODEL_NAMES: tuple[str, ...] = ("mini-ViT-XS", "mini-ViT-S", "mini-ViT-M", "mini-ViT-L")


def model_config(name: str) -> dict:
    """The open_clip config of one tiny model (``model_configs/<name>.json``)."""
    path = resources.files("repro.mini") / "model_configs" / f"{name}.json"
    if not path.is_file():
        raise SpecError(f"unknown mini model {name!r}: no {path}; known: {', '.join(MODEL_NAMES)}")
    return json.loads(path.read_text())


def config_path(name: str) -> Path:
    """The package file of one tiny model (a RunSpec's ``model``: the launcher turns it into a
    ``local-dir:`` folder, :meth:`repro.launch.rundir.RunDir.prepare`)."""
    model_config(name)
    return Path(str(resources.files("repro.mini") / "model_configs" / f"{name}.json"))


@cache
def gmacs_per_sample(name: str) -> float:
    """GMACs per (image, caption) sample of a tiny model, image and text towers together.

    Counted with the project's counter :mod:`repro.compute` when it offers
    ``gmacs_per_sample_from_config``; otherwise with ``torch.utils.flop_counter.FlopCounterMode``
    over one forward pass of each tower (MACs = FLOPs / 2), at the model's image size and
    context length, as DESIGN.md ("Compute accounting") prescribes. The attention-score
    products (QK^T, AV) are not in the count: torch 2.x's counter has no formula for the CPU
    scaled-dot-product kernel; at these sizes they are 2-15% of the total.
    """
    config = model_config(name)
    try:
        from repro.compute import gmacs_per_sample_from_config  # type: ignore[attr-defined]
    except ImportError:
        return _flop_counter_gmacs(config)
    return float(gmacs_per_sample_from_config(config))


def _flop_counter_gmacs(config: dict) -> float:
    import open_clip
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    # train() mode: in eval mode nn.MultiheadAttention takes its fused fast path
    # (_native_multi_head_attention), whose projections the flop counter does not see
    model = open_clip.CLIP(embed_dim=config["embed_dim"], vision_cfg=config["vision_cfg"],
                           text_cfg=config["text_cfg"]).train()
    size = config["vision_cfg"]["image_size"]
    image = torch.zeros(1, 3, size, size)
    text = torch.zeros(1, config["text_cfg"]["context_length"], dtype=torch.long)
    total = 0
    with torch.no_grad():
        for fn, arg in ((model.encode_image, image), (model.encode_text, text)):
            counter = FlopCounterMode(display=False)
            with counter:
                fn(arg)
            total += counter.get_total_flops()
    return total / 2 / 1e9
