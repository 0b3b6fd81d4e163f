"""Facts with one home: where the repository is, the paper's method as named constants (each with
its source in the paper), and the names and axis titles every chapter and figure uses.

This is the bottom layer of the library with :mod:`repro.errors`: it imports nothing of ``repro``.
"""

from __future__ import annotations

import os
from pathlib import Path

from repro.errors import DataNotFoundError

#: The repository root (``src/repro/constants.py`` -> two levels up from the package).
REPO_ROOT = Path(__file__).resolve().parents[2]
#: Run specs and committed results (``runs/paper``, ``runs/mini/<profile>``).
RUNS_DIR = REPO_ROOT / "runs"
#: The miniature study's committed results, one folder per profile.
MINI_RESULTS_DIR = RUNS_DIR / "mini"
#: The mini task the miniature study's headline numbers (R^2, bottleneck, winners) are computed
#: on: zero-shot classification of 8 shapes drawn in any of 8 colours (colour decides nothing;
#: chance 1/8), as the paper leads with ImageNet. (Until scenes v3 no model learned shape within
#: the laptop budgets and the headline was retrieval; see the chapter's design history.)
HEADLINE_TASK = "mini_shape"
#: Environment variable naming another book folder (the build sets it for every notebook it executes).
BOOK_DIR_ENV = "REPRO_BOOK_DIR"


def book_dir() -> Path:
    """The book folder: ``REPRO_BOOK_DIR`` when set and non-empty, else ``<repo>/book``.

    Raises
    ------
    DataNotFoundError
        The folder has no ``_config.yml``.
    """
    value = os.environ.get(BOOK_DIR_ENV, "").strip()
    path = Path(value) if value else REPO_ROOT / "book"
    if not (path / "_config.yml").is_file():
        raise DataNotFoundError(f"{path}: not a book folder (no _config.yml); set {BOOK_DIR_ENV} to the book folder")
    return path

#: Number of equal-width compute bins of the frontier fit (Sec. 4 and the authors' ``binned_line_fit``).
N_BINS = 5
#: Pad the upper bin edge by 0.1 (log10 units) so the largest run falls inside the last bin
#: (the authors' ``binned_line_fit(..., eps=0.1)``).
UPPER_EDGE_PAD_LOG10 = 0.1
#: OpenAI CLIP models count 12.8B samples seen (Sec. 4.1: the samples seen of CLIP's WIT-400M training).
OPENAI_SAMPLES_SEEN = 12.8e9
#: Samples-seen grid of the extrapolation in Fig 8 / Table 4 (Fig. 8 and Table 4; epochs x samples per epoch of LAION-80M/400M).
EXTRAPOLATION_SAMPLES_SEEN = {
    "1B": 1e9,
    "3B": 80_000_415 * 32,
    "13B": 407_332_084 * 32,
    "34B": 407_332_084 * 84,
    "68B": 2 * 407_332_084 * 84,
}
#: Architectures of the extrapolation grid (Fig. 8 and Table 4; epochs x samples per epoch of LAION-80M/400M).
EXTRAPOLATION_ARCHS = ("ViT-B-32", "ViT-B-16", "ViT-L-14", "ViT-H-14", "ViT-g-14", "ViT-G-14")
#: The upstream datasets of the OpenCLIP runs, pooled by the paper fit (Sec. 4: the fits pool LAION-80M, LAION-400M and LAION-2B).
LAION_UPSTREAMS = ("LAION-80M", "LAION-400M", "LAION-2B")
OPENAI_UPSTREAM = "CLIP-WIT"

#: The 35 zero-shot classification sets of VTAB+ (Table 26), as named in zeroshot_results.csv.
#: Everything that is not an aggregate (vtab, vtab+, imagenet_robustness), a retrieval set, or the
#: multilabel VOC entry (the paper's VTAB+ uses VOC2007 classification accuracy).
VTAB_PLUS_TASKS: tuple[str, ...] = (
    "imagenet1k", "imagenetv2", "imagenet-r", "imagenet_sketch", "objectnet", "imagenet-a",
    "vtab/cifar10", "vtab/cifar100", "mnist", "vtab/flowers", "cars", "vtab/svhn", "fer2013",
    "renderedsst2", "vtab/pets", "vtab/caltech101", "voc2007", "sun397", "fgvc_aircraft", "country211",
    "vtab/dtd", "gtsrb", "stl10", "vtab/diabetic_retinopathy", "vtab/eurosat", "vtab/resisc45",
    "vtab/pcam", "vtab/clevr_count_all", "vtab/clevr_closest_object_distance",
    "vtab/dsprites_label_orientation", "vtab/dsprites_label_x_position", "vtab/smallnorb_label_elevation",
    "vtab/smallnorb_label_azimuth", "vtab/dmlab", "vtab/kitti_closest_vehicle_distance",
)

#: INFO's short data names (``trained_models_info.csv``, column ``data``) -> the paper's labels.
DATA_LABELS = {"80M": "LAION-80M", "400M": "LAION-400M", "2B": "LAION-2B"}
#: The paper's name for a samples-seen budget (Tables 16-24 columns); a name, not a measurement:
#: "3B" is 2.44-2.56 B samples in reality, "13B" 12.2-13.2 B, "34B" 32.0-34.7 B (Table 18).
BUDGET_LABELS = ("3B", "13B", "34B")

#: Axis titles shared by the figures.
COMPUTE_AXIS_TITLE = "Compute (GMACs)"
SAMPLES_SEEN_AXIS_TITLE = "Samples seen"


def display_name(architecture: str) -> str:
    """``ViT-B-32`` -> ``ViT-B/32``: open_clip's architecture name in the paper's spelling.

    Examples
    --------
    >>> display_name("ViT-H-14")
    'ViT-H/14'
    >>> display_name("RN50")
    'RN50'
    """
    head, sep, patch = architecture.rpartition("-")
    if sep and head.startswith("ViT-") and patch.isdigit():
        return f"{head}/{patch}"
    return architecture
