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

Documented training facts (:mod:`repro.data.openclip_notes`: open_clip's notes and the models'
papers) override what a tag rounds (DataComp-L / CommonPool-L: "for 1.28B steps", tag ``s1b``) and
place models whose tag states no count; checkpoints fine-tuned at a higher resolution are charged as
trained (base run at its resolution plus the documented fine-tuning) or not placed.

Membership is decided by evidence, not by name (:func:`membership`): a checkpoint is *in the paper's
fit* when the paper trained the same architecture on the same data for the same samples seen (10%)
**and** its ImageNet zero-shot accuracy in open_clip's benchmark agrees with that run's in the paper's
results within :data:`MEMBERSHIP_TOLERANCE_POINTS`; a LAION-400M checkpoint of open_clip's release
that held the paper's ViT-B/16 LAION-400M run (release v0.2) and is not in the fit is *released before
the paper, not in its fits*; every other is *later*.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from repro.constants import EXTRAPOLATION_SAMPLES_SEEN, OPENAI_SAMPLES_SEEN
from repro.data.openclip_notes import FINETUNE_NOT_STATED
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
#: ImageNet top-1 (points) within which open_clip's benchmark must agree with the paper's run for a
#: checkpoint to count as that run: the true matches agree within 0.09 points; the LAION-400M ViT-B/32
#: and ViT-L/14 checkpoints matched by name alone differ by about 0.3.
MEMBERSHIP_TOLERANCE_POINTS = 0.15
#: Membership categories (:func:`membership`).
IN_FIT, BEFORE_PAPER, LATER = "in the paper's fit", "released before the paper, not in its fits", "later"
MEMBERSHIPS = (IN_FIT, BEFORE_PAPER, LATER)
#: The kinds of model the audit groups (labels are built from their members, see the chapter).
KINDS = ("in family", "other towers on LAION", "towers pre-trained outside CLIP",
         "CommonPool and its filtered subsets", "other objectives", "other data", "fine-tuned on a downstream task")
#: The kind the paper's laws describe: CLIP, open_clip's ViT and text transformer, on LAION-400M/2B.
IN_FAMILY = KINDS[0]
#: DataComp, CommonPool and DFN (the chapter splits this kind by where its compute lies).
POOL_KIND = KINDS[3]
#: Models fine-tuned on a downstream task's training set: no zero-shot models, never scored.
FINE_TUNED_KIND = KINDS[-1]
#: The column of each kind whose values name its members in a group label.
KIND_NAMED_BY = {"in family": "data_family", "other towers on LAION": "image_tower",
                 "towers pre-trained outside CLIP": "outside_clip_tower",
                 "CommonPool and its filtered subsets": "data_family", "other objectives": "objective",
                 "other data": "data_family", "fine-tuned on a downstream task": "fine_tuned_on"}

_SAMPLES = re.compile(r"^s(\d+(?:\.\d+)?)([mb])$")
_BATCH = re.compile(r"^b(\d+)k$")
_EPOCHS = re.compile(r"^e(\d+)$")
_EPOCH_SUFFIX = re.compile(r"_e\d+$")


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
    """The paper's run (INFO name) or fit whose configuration this model shares, or ``""``: the same
    architecture on the same data for the same samples seen within 10% (a candidate only: see
    :func:`membership` for the evidence).

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
        return "openai" if arch in PAPER_OPENAI_ARCHS else ""
    if info.fine_tuned_on or not np.isfinite(info.samples_seen):
        return ""
    data = runs["data"].map(PAPER_DATA)
    seen = runs["epochs"].astype(float) * runs["samples_per_epoch"].astype(float)
    match = runs[(runs["arch"] == arch) & (data == info.data_family)
                 & ((seen / info.samples_seen - 1).abs() <= SAMPLES_MATCH_TOLERANCE)]
    return str(match["name"].iloc[0]) if len(match) else ""


def paper_imagenet(results: pd.DataFrame) -> dict[tuple[str, str], float]:
    """The paper's ImageNet zero-shot top-1 (points) per (run name, architecture) of its results.

    Parameters
    ----------
    results : DataFrame
        The paper's results (rows of the results schema).
    """
    part = results[results["downstream_dataset"] == "imagenet1k"]
    return {(n, a): 100 * float(v) for n, a, v in zip(part["name"], part["arch"], part["acc1"])}


def membership(candidate: str, arch: str, imagenet_points: float, paper_points: dict[tuple[str, str], float],
               released_before_paper: str) -> tuple[str, str, float]:
    """The membership category (:data:`MEMBERSHIPS`) of a checkpoint, the evidence for it and the
    ImageNet gap to the paper's run of the same configuration (points; NaN without one).

    Parameters
    ----------
    candidate : str
        The paper's run of the same configuration (:func:`paper_run`), ``""`` if none.
    arch : str
        The architecture without its activation variant (:func:`base_architecture`).
    imagenet_points : float
        The checkpoint's ImageNet zero-shot top-1 in open_clip's benchmark (points).
    paper_points : dict
        :func:`paper_imagenet` of the paper's results.
    released_before_paper : str
        Why the documents date the checkpoint before the paper's runs (e.g. open_clip's LAION-400M
        release v0.2, which holds the paper's ViT-B/16 LAION-400M checkpoint); ``""`` when nothing does.
    """
    gap = float("nan")
    if candidate:
        theirs = paper_points.get((candidate, arch))
        if theirs is None:
            raise SchemaError(f"paper results: no imagenet1k row for run {candidate!r} ({arch})")
        gap = imagenet_points - theirs
        text = f"ImageNet {imagenet_points:.2f} vs the paper's run {theirs:.2f} ({gap:+.2f} points; tolerance " \
               f"{MEMBERSHIP_TOLERANCE_POINTS:g})"
        if abs(gap) <= MEMBERSHIP_TOLERANCE_POINTS:
            return IN_FIT, f"{candidate.split('_lr')[0]}: {text}", gap
        text = f"same configuration as {candidate.split('_lr')[0]}, but {text}: another run"
    else:
        text = "no run of the paper has its architecture, data and samples seen"
    if released_before_paper:
        return BEFORE_PAPER, f"{text}; {released_before_paper}", gap
    return LATER, text, gap


def run_id(name: str, tag: str) -> str:
    """One id per training run: consecutive epochs of a run (``laion400m_e31``, ``_e32``) and one
    checkpoint listed under two activations (``ViT-B-32`` / ``ViT-B-32-quickgelu``) are one run.

    Parameters
    ----------
    name : str
        The open_clip architecture name.
    tag : str
        The pretrained tag.
    """
    return f"{base_architecture(name)} {_EPOCH_SUFFIX.sub('', tag)}"


def outside_clip_tower(families: dict[str, str], info: TagInfo) -> str:
    """The tower pre-trained outside CLIP, or ``""``: EVA's image towers (masked-image modelling,
    EVA-CLIP), a frozen image tower (LiT), a Hugging Face text tower (a pre-trained language model).

    Parameters
    ----------
    families : dict
        :func:`architecture_families` of the model's architecture.
    info : TagInfo
        :func:`parse_tag` of the model's pretrained tag.
    """
    parts = []
    if families["image_tower"] == "EVA":
        parts.append("EVA image tower")
    if info.frozen_image_tower:
        parts.append("frozen image tower")
    if families["text_tower"] in ("RoBERTa", "XLM-RoBERTa", "NLLB encoder"):
        parts.append(f"{families['text_tower']} text tower")
    return " + ".join(parts)


def kind_of(families: dict[str, str], info: TagInfo, outside: str) -> str:
    """The audit kind (:data:`KINDS`): fine-tuning on a downstream task first (no zero-shot model),
    then towers pre-trained outside CLIP, objective, data and towers.

    Parameters
    ----------
    families, info : dict, TagInfo
        As in :func:`outside_clip_tower`.
    outside : str
        :func:`outside_clip_tower` of the model.
    """
    if info.fine_tuned_on:
        return FINE_TUNED_KIND
    if outside:
        return "towers pre-trained outside CLIP"
    if families["objective"] != "CLIP":
        return "other objectives"
    if info.data_family in ("DataComp", "CommonPool", "DFN"):
        return POOL_KIND
    if info.data_family.startswith("LAION"):
        own = families["image_tower"] == "ViT" and families["text_tower"] == "open_clip transformer"
        if own and info.data_family in ("LAION-400M", "LAION-2B"):
            return IN_FAMILY
        return "other towers on LAION"
    return "other data"


def duplicates(benchmark: pd.DataFrame) -> pd.Series:
    """For each row of the benchmark, the row it duplicates (``"name pretrained"``, then
    ``(identical metrics)`` or ``(same checkpoint, evaluated without QuickGELU)``) or ``""``.

    One checkpoint listed under an architecture and its ``-quickgelu`` twin is one model, counted
    once by its ``-quickgelu`` row: identical metrics (OpenAI's weights load with QuickGELU either
    way), or lower scores without the activation the weights were trained with (LAION-400M ViT-B/32:
    open_clip's notes give 62.96%, the ``-quickgelu`` row's ImageNet).

    Parameters
    ----------
    benchmark : DataFrame
        open_clip's benchmark (:func:`repro.data.load_openclip_benchmark`).
    """
    keys = benchmark["name"].map(base_architecture) + " " + benchmark["pretrained"]
    out = pd.Series("", index=benchmark.index)
    for key, part in benchmark.groupby(keys, sort=False):
        if len(part) < 2:
            continue
        keep = part[part["name"].str.endswith("-quickgelu")]
        if len(keep) != 1:
            raise SchemaError(f"open_clip benchmark: {key} is listed {len(part)} times without one -quickgelu row")
        kept = keep.index[0]
        for idx in part.index.difference(keep.index):
            note = "identical metrics" if identical_metrics(benchmark, idx, kept) else \
                "same checkpoint, evaluated without QuickGELU"
            out[idx] = f"{benchmark.at[kept, 'name']} {benchmark.at[kept, 'pretrained']} ({note})"
    return out


def identical_metrics(benchmark: pd.DataFrame, a: int, b: int) -> bool:
    """Whether two benchmark rows carry the same scores on every dataset.

    Parameters
    ----------
    benchmark : DataFrame
        open_clip's benchmark.
    a, b : int
        Two row positions of it.
    """
    numeric = benchmark.select_dtypes("number").columns.difference(["params (M)", "FLOPs (B)"])
    x, y = benchmark.loc[a, numeric].astype(float), benchmark.loc[b, numeric].astype(float)
    return bool(((x == y) | (x.isna() & y.isna())).all())


def model_table(benchmark: pd.DataFrame, runs: pd.DataFrame, facts: pd.DataFrame | None = None,
                paper_results: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every benchmarked model in the paper's terms, one row per (name, pretrained).

    Parameters
    ----------
    benchmark : DataFrame
        open_clip's benchmark (:func:`repro.data.load_openclip_benchmark`): ``name``, ``pretrained``
        (and ``ImageNet 1k`` for the membership evidence).
    runs : DataFrame
        The paper's training runs (:func:`repro.data.load_models_info`).
    facts : DataFrame, optional
        Documented training facts (:func:`repro.data.openclip_notes.documented_facts`); without them
        only the tags are read.
    paper_results : DataFrame, optional
        The paper's results (:func:`repro.data.load_results`) for the membership evidence; without
        them a configuration match alone decides (never used by the chapter).

    Returns
    -------
    DataFrame
        ``name``, ``pretrained``, the :class:`TagInfo` fields (``data_family``, ``samples_seen``,
        ``samples_source`` ...), ``objective``, ``image_tower``, ``text_tower``, ``quote`` (the
        documented sentence, if any), ``base_name`` and ``finetune_samples`` (compute as trained),
        ``global_batch``, ``paper_run`` (the run of the same configuration), ``membership``,
        ``evidence``, ``imagenet_gap_points`` (against that run), ``run`` (:func:`run_id`), ``duplicate_of``, ``outside_clip_tower``, ``kind``
        and ``problem`` (why the row could not be read; empty when it could). A row with a problem
        keeps NaN samples seen: it is listed, never placed.
    """
    missing = [c for c in ("name", "pretrained") if c not in benchmark.columns]
    if missing:
        raise SchemaError(f"open_clip benchmark: missing column(s) {', '.join(missing)}")
    documented = {} if facts is None else {(r["name"], r["pretrained"]): r for r in facts.to_dict("records")}
    points = paper_imagenet(paper_results) if paper_results is not None else None
    dup = duplicates(benchmark)
    records = []
    for idx, (name, tag) in zip(benchmark.index, benchmark[["name", "pretrained"]].itertuples(index=False)):
        row: dict[str, object] = {"name": name, "pretrained": tag, "quote": "", "base_name": "",
                                  "finetune_samples": 0.0, "global_batch": float("nan"), "run": run_id(name, tag),
                                  "duplicate_of": dup[idx], "outside_clip_tower": ""}
        try:
            info = parse_tag(tag)
            families = architecture_families(name)
        except SchemaError as err:
            row.update(problem=str(err), samples_seen=float("nan"), samples_source="not placed", kind="not placed",
                       membership=LATER, evidence="", paper_run="", imagenet_gap_points=float("nan"))
            records.append(row)
            continue
        row.update(asdict(info))
        row.pop("tag")
        row.update(families)
        fact = documented.get((name, tag))
        before = ""
        if fact is not None:
            before = str(fact["released_before_paper"] or "")
            row.update(quote=fact["quote"], global_batch=fact["global_batch"])
            if np.isfinite(fact["samples_seen"]):
                row.update(samples_seen=float(fact["samples_seen"]), samples_source=f"documented: {fact['source']}",
                           base_name=fact["base_name"], finetune_samples=float(fact["finetune_samples"]))
        if (name, tag) in FINETUNE_NOT_STATED:
            row.update(samples_seen=float("nan"),
                       samples_source=f"not placed (fine-tuning compute not stated): {FINETUNE_NOT_STATED[(name, tag)]}")
        candidate = paper_run(name, info, runs)
        if points is None:
            member, evidence, gap = (IN_FIT, "configuration only", np.nan) if candidate else (LATER, "", np.nan)
        else:
            imagenet = 100 * float(benchmark.loc[idx, "ImageNet 1k"])
            member, evidence, gap = membership(candidate, base_architecture(name), imagenet, points, before)
        outside = outside_clip_tower(families, info)
        row.update(paper_run=candidate, membership=member, evidence=evidence, imagenet_gap_points=gap,
                   outside_clip_tower=outside,
                   kind=kind_of(families, info, outside), problem="")
        records.append(row)
    return pd.DataFrame.from_records(records)
