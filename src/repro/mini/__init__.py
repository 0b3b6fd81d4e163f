"""The miniature study (DESIGN.md, "The miniature study"): the paper's whole loop on a CPU.

Synthetic scenes (:mod:`~repro.mini.scenes`), pre-training sets of growing size
(:mod:`~repro.mini.datasets`), downstream tasks in CLIP_benchmark's layout
(:mod:`~repro.mini.tasks`), a tiny ViT CLIP family (:mod:`~repro.mini.models`), grid profiles
(:mod:`~repro.mini.profiles`), the study itself (:mod:`~repro.mini.study`), its fits and
phenomena (:mod:`~repro.mini.analysis`) and ``repro mini`` (:mod:`~repro.mini.cli`).
Importing this package does not import torch.
"""

from repro.mini.analysis import load_results

__all__ = ["load_results"]
