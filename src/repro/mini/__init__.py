"""The miniature study (the book's miniature-study chapter): the paper's whole loop on a CPU.

Synthetic scenes (:mod:`~repro.mini.scenes`), pre-training sets of growing size
(:mod:`~repro.mini.datasets`), downstream tasks in CLIP_benchmark's layout
(:mod:`~repro.mini.tasks`), a tiny CLIP ResNet family (:mod:`~repro.mini.models`), grid profiles
(:mod:`~repro.mini.profiles`), the study itself (:mod:`~repro.mini.study`), its fits and
phenomena (:mod:`~repro.mini.analysis`) and ``repro mini`` (:mod:`~repro.mini.cli`).
Importing this package does not import torch.

Figure notebooks read the mini results with :func:`load_results` (``results_source="mini"``). The
mini tasks keep their own names; :data:`PAPER_ANALOGUE` says which paper dataset each stands in
for (mini_shape: imagenet1k, mini_shape_sketch: imagenet_robustness, mini_retrieval:
mscoco_captions), for a figure whose panels name the paper's datasets.
"""

from repro.mini.analysis import HEADLINE_TASK, PAPER_ANALOGUE, load_results

__all__ = ["HEADLINE_TASK", "PAPER_ANALOGUE", "load_results"]
