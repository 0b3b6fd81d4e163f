"""open_clip's pretrained models in the paper's terms: data, samples seen, objective, towers.

open_clip names each pretrained model by an architecture (``ViT-bigG-14``) and a tag
(``laion2b_s39b_b160k``). :func:`parse_tag` reads the tag's grammar

    [mscoco_finetuned_ | frozen_] <data> [_s<N>(m|b)] [_b<N>k] [_e<N>] [_augreg] [_ft] [_soup | _rewind]

and :func:`model_table` adds what the architecture name says (objective, image and text tower
families) and whether the paper itself trained the model. Nothing is guessed:

* samples seen come from the tag (``s39b`` = 39B, ``s128m`` = 128M; they are names, rounded like the
  paper's "34B"), from epochs of a dataset with a fixed epoch size (``laion400m_e32`` = 32 x
  407,332,084, LAION-400M's size in the paper's runs), or for OpenAI's models from the paper's own
  convention (12.8B samples, Sec. 4.1). Anything else (``webli``, ``dfn5b``, ``metaclip_400m``,
  ``laion2b_e16``: LAION-2B's runs resampled without epoch boundaries) is "not stated";
* an unknown tag word or architecture raises :class:`~repro.errors.SchemaError` from
  :func:`parse_tag` / :func:`architecture_families`; :func:`model_table` turns it into an explicit
  "not placed" row with the reason.

A model is *in the paper's fit* (not a forecast) when the paper trained a run of the same
architecture on the same LAION dataset with a samples-seen count within 10% (the released
checkpoints of Sec. 3 carry those configurations), or when it is one of the three OpenAI CLIP
models of the paper's OpenAI fit.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from repro.constants import EXTRAPOLATION_SAMPLES_SEEN, OPENAI_SAMPLES_SEEN
from repro.errors import SchemaError

#: Samples in one epoch of LAION-400M in the paper's runs (the epoch of its "13B" = 32 epochs).
LAION_400M_EPOCH = EXTRAPOLATION_SAMPLES_SEEN["13B"] / 32
#: Tag data word -> (data family, pool size or None).
DATA_WORDS: dict[str, tuple[str, str | None]] = {
    "laion400m": ("LAION-400M", None),
    "laion2b": ("LAION-2B", None),
    "laion5b": ("LAION-5B multilingual", None),
    "laion_aesthetic": ("LAION-aesthetic", None),
    "datacomp1b": ("DataComp", "1B"),
    "datacomp": ("DataComp", None),
    "commonpool": ("CommonPool", None),
    "merged2b": ("EVA merged-2B", None),
    "dfn5b": ("DFN", "5B"),
    "dfn2b": ("DFN", "2B"),
    "metaclip_fullcc": ("MetaCLIP", "2.5B"),
    "metaclip_400m": ("MetaCLIP", "400M"),
    "webli": ("WebLI", None),
    "openai": ("OpenAI WIT", None),
    "cc12m": ("CC12M", None),
    "yfcc15m": ("YFCC-15M", None),
    "v1": ("not stated", None),
}
#: DataComp / CommonPool pool sizes and filters as the tags spell them.
POOL_SIZES = ("xl", "l", "m", "s")
POOL_FILTERS = ("clip", "laion", "image", "text", "basic")
#: Tag words after the sample count: training recipe details that do not change data or samples.
RECIPE_WORDS = ("augreg", "ft", "soup", "rewind")
#: Datasets whose epoch has a fixed size, so ``_e<N>`` states the samples seen.
EPOCH_SIZES = {"LAION-400M": LAION_400M_EPOCH}
#: The paper's LAION datasets by INFO's short names (``trained_models_info.csv``, column ``data``).
PAPER_DATA = {"400M": "LAION-400M", "2B": "LAION-2B", "80M": "LAION-80M"}
#: The OpenAI CLIP models of the paper's OpenAI fit (Sec. 4.1).
PAPER_OPENAI_ARCHS = ("ViT-B-32", "ViT-B-16", "ViT-L-14")
#: Relative tolerance of "same samples seen" between a tag and a paper run (tags round to 1-2 digits).
SAMPLES_MATCH_TOLERANCE = 0.10
#: The groups of the forecast audit, in display order.
AUDIT_GROUPS = ("LAION CLIP ViT", "other towers on LAION", "DataComp / CommonPool / DFN", "other objectives",
                "other data", "fine-tuned on a downstream task")
#: The group whose models the paper's laws describe: CLIP on LAION-400M/2B, open_clip ViT and text transformer.
IN_FAMILY_GROUP = AUDIT_GROUPS[0]

_SAMPLES = re.compile(r"^s(\d+(?:\.\d+)?)([mb])$")
_BATCH = re.compile(r"^b(\d+)k$")
_EPOCHS = re.compile(r"^e(\d+)$")


@dataclass(frozen=True)
class TagInfo:
    """What an open_clip pretrained tag states."""

    tag: str
    data_family: str
    pool: str | None = None            # DataComp / CommonPool pool size, DFN / MetaCLIP pool
    pool_filter: str | None = None     # CommonPool filter ("none" when the tag names none)
    samples_seen: float = float("nan")
    samples_source: str = "not stated"
    batch_k: float = float("nan")
    epochs: float = float("nan")
    fine_tuned_on: str | None = None   # "MS-COCO" for mscoco_finetuned_ tags
    frozen_image_tower: bool = False
    recipe: str = ""                   # augreg / ft / soup / rewind words


def _data_word(words: list[str], tag: str) -> tuple[str, list[str]]:
    for n in (2, 1):
        head = "_".join(words[:n])
        if len(words) >= n and head in DATA_WORDS:
            return head, words[n:]
    raise SchemaError(f"pretrained tag {tag!r}: unknown data word {words[0]!r}; known: {', '.join(DATA_WORDS)}")


def parse_tag(tag: str) -> TagInfo:
    """Read an open_clip pretrained tag (module docstring's grammar).

    Parameters
    ----------
    tag : str
        An open_clip pretrained tag, e.g. ``laion2b_s34b_b79k``.

    Raises
    ------
    SchemaError
        A word of the tag is not in the grammar (unknown data word, misplaced count, trailing word).

    Examples
    --------
    >>> info = parse_tag("laion2b_s39b_b160k")
    >>> info.data_family, info.samples_seen
    ('LAION-2B', 39000000000.0)
    >>> parse_tag("laion400m_e32").samples_source
    'epochs x LAION-400M'
    >>> parse_tag("webli").samples_source
    'not stated'
    """
    if not isinstance(tag, str) or not tag.strip():
        raise SchemaError(f"pretrained tag {tag!r}: empty")
    fine_tuned, frozen, words = _prefix(tag.strip().split("_"))
    if not words:
        raise SchemaError(f"pretrained tag {tag!r}: no data word")
    word, rest = _data_word(words, tag)
    family, pool = DATA_WORDS[word]
    pool, pool_filter, rest = _pool(word, pool, rest, tag)
    samples, source, batch, epochs, rest = _counts(family, rest)
    recipe = [w for w in rest if w in RECIPE_WORDS]
    unknown = [w for w in rest if w not in RECIPE_WORDS]
    if unknown:
        raise SchemaError(f"pretrained tag {tag!r}: unknown word(s) {', '.join(map(repr, unknown))} after the data "
                          f"and counts; known recipe words: {', '.join(RECIPE_WORDS)}")
    if family == "OpenAI WIT":
        samples, source = OPENAI_SAMPLES_SEEN, "paper's convention for CLIP (Sec. 4.1)"
    return TagInfo(tag, family, pool, pool_filter, samples, source, batch, epochs, fine_tuned, frozen,
                   "_".join(recipe))


def _prefix(words: list[str]) -> tuple[str | None, bool, list[str]]:
    """The words before the data word: ``mscoco_finetuned`` (fine-tuned on MS-COCO) or ``frozen``
    (frozen image tower); returns (fine_tuned_on, frozen, the remaining words)."""
    if words[:2] == ["mscoco", "finetuned"]:
        return "MS-COCO", False, words[2:]
    if words[0] == "frozen":
        return None, True, words[1:]
    return None, False, words


def _pool(word: str, pool: str | None, rest: list[str], tag: str) -> tuple[str | None, str | None, list[str]]:
    """The pool size and filter of a DataComp / CommonPool tag (``commonpool_l_clip``); returns
    (pool, pool_filter, the remaining words)."""
    pool_filter = None
    if word in ("datacomp", "commonpool") and rest and rest[0] in POOL_SIZES:
        pool, rest = rest[0].upper(), rest[1:]
    if word == "commonpool":
        if pool is None:
            raise SchemaError(f"pretrained tag {tag!r}: CommonPool without a pool size ({', '.join(POOL_SIZES)})")
        pool_filter = "none"
        if rest and rest[0] in POOL_FILTERS:
            pool_filter, rest = rest[0], rest[1:]
    return pool, pool_filter, rest


def _counts(family: str, rest: list[str]) -> tuple[float, str, float, float, list[str]]:
    """Samples seen (``s34b``), global batch (``b88k``) and epochs (``e32``) after the data word;
    samples from epochs x the set's size where the tag gives only epochs. Returns (samples, where
    the samples come from, batch, epochs, the remaining words)."""
    samples, source, batch, epochs = float("nan"), "not stated", float("nan"), float("nan")
    if rest and (m := _SAMPLES.match(rest[0])):
        samples = float(m.group(1)) * (1e9 if m.group(2) == "b" else 1e6)
        source, rest = "tag", rest[1:]
    if rest and (m := _BATCH.match(rest[0])):
        batch, rest = float(m.group(1)), rest[1:]
    if rest and (m := _EPOCHS.match(rest[0])):
        epochs, rest = float(m.group(1)), rest[1:]
        if family in EPOCH_SIZES and np.isnan(samples):
            samples, source = epochs * EPOCH_SIZES[family], f"epochs x {family}"
    return samples, source, batch, epochs, rest


_TEXT_TOWERS = (("xlm-roberta-large-", "XLM-RoBERTa"), ("xlm-roberta-base-", "XLM-RoBERTa"),
                ("roberta-", "RoBERTa"), ("nllb-clip-", "NLLB encoder"))


def architecture_families(name: str) -> dict[str, str]:
    """Objective, image-tower and text-tower families of an open_clip architecture name.

    Parameters
    ----------
    name : str
        An open_clip architecture name, e.g. ``ViT-bigG-14`` or ``coca_ViT-L-14``.

    Raises
    ------
    SchemaError
        The name matches none of the known families (ViT, EVA, ResNet, ConvNeXt, CoCa, SigLIP,
        CLIPA, Hugging Face text towers).
    """
    text = "open_clip transformer"
    body = name
    for prefix, family in _TEXT_TOWERS:
        if name.startswith(prefix):
            text, body = family, name[len(prefix):]
            break
    objective = "CLIP"
    if body.startswith("coca_"):
        objective, body = "CoCa", body[len("coca_"):]
    if "SigLIP" in name or name.endswith("-siglip"):
        objective = "SigLIP"
    elif "CLIPA" in name:
        objective = "CLIPA"
    if text == "NLLB encoder":
        image = "ViT (timm SigLIP)" if name.endswith("-siglip") else "ViT"
    elif body.startswith("EVA0"):
        image = "EVA"
    elif re.match(r"^RN\d", body):
        image = "ResNet"
    elif body.startswith("convnext_"):
        image = "ConvNeXt"
    elif body.startswith("ViT-"):
        image = "ViT (timm SigLIP)" if objective == "SigLIP" else "ViT"
    else:
        raise SchemaError(f"architecture {name!r}: unknown family (known: ViT-*, EVA0*, RN*, convnext_*, coca_*, "
                          f"*-SigLIP*, *-CLIPA*, roberta-*, xlm-roberta-*, nllb-clip-*)")
    return {"objective": objective, "image_tower": image, "text_tower": text}


def base_architecture(name: str) -> str:
    """The architecture without open_clip's activation variant: ``ViT-B-32-quickgelu`` -> ``ViT-B-32``.

    Parameters
    ----------
    name : str
        An open_clip architecture name.
    """
    return name.removesuffix("-quickgelu")


def paper_run(name: str, info: TagInfo, runs: pd.DataFrame) -> str:
    """The paper's run (INFO name) or fit this model belongs to, or ``""`` when it is a later model.

    ``runs`` is INFO (``trained_models_info.csv``): ``name``, ``arch``, ``data``, ``epochs``,
    ``samples_per_epoch``.

    Parameters
    ----------
    name : str
        The open_clip architecture name.
    info : TagInfo
        :func:`parse_tag` of the model's pretrained tag.
    runs : DataFrame
        The paper's run table (INFO).
    """
    arch = base_architecture(name)
    if info.data_family == "OpenAI WIT":
        return "OpenAI fit" if arch in PAPER_OPENAI_ARCHS else ""
    if info.fine_tuned_on or not np.isfinite(info.samples_seen):
        return ""
    data = runs["data"].map(PAPER_DATA)
    seen = runs["epochs"].astype(float) * runs["samples_per_epoch"].astype(float)
    match = runs[(runs["arch"] == arch) & (data == info.data_family)
                 & ((seen / info.samples_seen - 1).abs() <= SAMPLES_MATCH_TOLERANCE)]
    return str(match["name"].iloc[0]) if len(match) else ""


def audit_group(families: dict[str, str], info: TagInfo) -> str:
    """The forecast audit's group (:data:`AUDIT_GROUPS`): fine-tuning first (a model fine-tuned on a
    downstream task's training set is no zero-shot model), then objective, data and towers.

    Parameters
    ----------
    families : dict
        :func:`architecture_families` of the model's architecture.
    info : TagInfo
        :func:`parse_tag` of the model's pretrained tag.
    """
    if info.fine_tuned_on:
        return AUDIT_GROUPS[-1]
    if families["objective"] != "CLIP":
        return "other objectives"
    if info.data_family in ("DataComp", "CommonPool", "DFN"):
        return "DataComp / CommonPool / DFN"
    if info.data_family.startswith("LAION"):
        own = families["image_tower"] == "ViT" and families["text_tower"] == "open_clip transformer"
        in_paper_data = info.data_family in ("LAION-400M", "LAION-2B")
        if own and in_paper_data and not info.frozen_image_tower:
            return IN_FAMILY_GROUP
        return "other towers on LAION"
    return "other data"


def model_table(benchmark: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """Every benchmarked model in the paper's terms, one row per (name, pretrained).

    Parameters
    ----------
    benchmark : DataFrame
        open_clip's benchmark (:func:`repro.data.load_openclip_benchmark`): ``name``, ``pretrained``.
    runs : DataFrame
        The paper's training runs (:func:`repro.data.load_models_info`).

    Returns
    -------
    DataFrame
        ``name``, ``pretrained``, the :class:`TagInfo` fields (``data_family``, ``samples_seen``,
        ``samples_source`` ...), ``objective``, ``image_tower``, ``text_tower``, ``paper_run``
        (INFO run name, ``"OpenAI fit"`` or ``""``), ``group`` and ``problem`` (why the row could not be
        read; empty when it could). A row with a problem keeps NaN samples seen: it is listed,
        never placed.
    """
    missing = [c for c in ("name", "pretrained") if c not in benchmark.columns]
    if missing:
        raise SchemaError(f"open_clip benchmark: missing column(s) {', '.join(missing)}")
    records = []
    for name, tag in benchmark[["name", "pretrained"]].itertuples(index=False):
        row: dict[str, object] = {"name": name, "pretrained": tag}
        try:
            info = parse_tag(tag)
            families = architecture_families(name)
        except SchemaError as err:
            row.update(problem=str(err), samples_seen=float("nan"), samples_source="not placed", group="not placed")
            records.append(row)
            continue
        row.update(asdict(info))
        row.pop("tag")
        row.update(families)
        row.update(paper_run=paper_run(name, info, runs), group=audit_group(families, info), problem="")
        records.append(row)
    return pd.DataFrame.from_records(records)
