"""repro: the reference artifact for "Reproducible scaling laws for contrastive language-image
learning" (Cherti et al., CVPR 2023).

Subpackages: ``data`` (published data registry and paper-reported numbers), ``compute`` (MAC
counting), ``scaling`` (frontiers and law fits), ``figures`` (one plotting style), ``launch``
(training run specs and executors), ``evaluate`` (CLIP_benchmark evaluation), ``mini`` (the
miniature study), ``book`` (papermill execution, build and reproduction report), ``cli``.
"""

__version__ = "0.1.0"
