"""What open_clip's own notes (and the models' own papers) document about how a pretrained model
was trained: samples seen, global batch, resolution, release; every value with the sentence it
comes from.

Two sources:

* open_clip's notes at the registry's pinned commit (``open-clip/PRETRAINED.md`` and
  ``open-clip/datacomp_models.md``). DataComp / CommonPool bullets are parsed by a grammar
  (:func:`datacomp_facts`: "A ViT-B/16 trained on ..., for 1.28B steps and batch size 8k."); the
  other facts are listed in :data:`NOTE_FACTS` with the exact sentence, which :func:`note_facts`
  finds in the pinned file (a sentence no longer there is an error, never a silent value).
* sentences of the models' own papers or repositories, quoted with their reference
  (:data:`PAPER_FACTS`): they cannot be checked against a pinned file, so each carries its
  reference key (``book/references.bib``) and where it is printed.

A model no source documents keeps what its tag states, or "not stated".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from repro.data.registry import fetch
from repro.errors import SchemaError

PRETRAINED_NOTES = "open-clip/PRETRAINED.md"
DATACOMP_NOTES = "open-clip/datacomp_models.md"
NOTES = (PRETRAINED_NOTES, DATACOMP_NOTES)

#: OpenAI's WIT pairs per epoch: "a new dataset of 400 million (image, text) pairs" (CLIP, Sec. 2.2).
WIT_EPOCH = 400e6
#: YFCC15M's size: "This reduces the dataset by a factor of 6 to only 15 million photos." (CLIP, Sec. 2.2).
YFCC15M_SIZE = 15e6
#: The release the notes name for the LAION-400M runs (it holds the paper's ViT-B/16 LAION-400M checkpoint).
LAION400M_RELEASE_SENTENCE = ("Trained weights can be found in release "
                              "[v0.2](https://github.com/mlfoundations/open_clip/releases/tag/v0.2-weights).")
V02_RELEASE = ("open_clip's LAION-400M release v0.2, which holds the paper's ViT-B/16 LAION-400M checkpoint "
               "(\"Trained weights can be found in release v0.2\")")
#: The notes call ``laion2b_s34b_b79k`` (a checkpoint of the paper's runs) "A second iteration of B/32".
SECOND_ITERATION_SENTENCE = ("A second iteration of B/32 was trained on stability.ai cluster with a larger global "
                             "batch size and learning rate, hitting 66.6% top-1.")


@dataclass(frozen=True)
class Fact:
    """One documented training fact of one checkpoint (``name`` may be a list of architectures
    sharing the fact, separated by ``|``).

    ``samples_seen`` is the total; where a base run of architecture ``base_name`` (at its base
    resolution) was continued at the model's own higher resolution, ``finetune_samples`` of the total
    ran at that resolution (compute as trained: base GMACs x base samples + own GMACs x fine-tuning
    samples).
    """

    name: str
    pretrained: str
    quote: str
    source: str                       # registry key of the notes, or "<bib key>, <where>"
    samples_seen: float = float("nan")
    global_batch: float = float("nan")
    resolution_px: float = float("nan")
    finetune_samples: float = 0.0
    base_name: str = ""
    released_before_paper: str = ""   # why the checkpoint predates the paper's runs ("" when nothing says so)


#: The LAION-400M runs of release v0.2 in open_clip's PRETRAINED.md: architectures -> (the notes' sentence,
#: the global batch it states, resolution in px).
V02_RUNS: dict[str, tuple[str, float, float]] = {
    "ViT-B-32|ViT-B-32-quickgelu": ("ViT-B/32 was trained with 128 A100 (40 GB) GPUs for ~36 hours, 4600 GPU-hours. The per-GPU batch size was 256 for a global batch size of 32768.", 32768, 224),
    "ViT-B-16": ("ViT-B/16 was trained with 176 A100 (40 GB) GPUS for ~61 hours, 10700 GPU-hours. Batch size per GPU was 192 for a global batch size of 33792.", 33792, 224),
    "ViT-B-16-plus-240": ("ViT-B/16+ was trained with 224 A100 (40 GB) GPUS for ~61 hours, 13620 GPU-hours. Batch size per GPU was 160 for a global batch size of 35840.", 35840, 240),
    "ViT-L-14": ("ViT-L/14 was trained with 400 A100 (40 GB) GPUS for ~127 hours, 50800 GPU-hours. Batch size per GPU was 96 for a global batch size of 38400.", 38400, 224),
}

#: Facts from open_clip's PRETRAINED.md, each with its sentence (checked against the pinned file).
NOTE_FACTS: tuple[Fact, ...] = tuple(
    Fact(model, "laion400m_e31|laion400m_e32", quote, PRETRAINED_NOTES, global_batch=global_batch,
         resolution_px=resolution_px, released_before_paper=V02_RELEASE)
    for model, (quote, global_batch, resolution_px) in V02_RUNS.items()) + (
    Fact("ViT-B-32", "laion2b_e16",
         "ViT-B/32 was trained with 112 A100 (40 GB) GPUs. The per-GPU batch size was 416 for a global batch size "
         "of 46592.", PRETRAINED_NOTES, global_batch=46592, resolution_px=224,
         released_before_paper="the first LAION-2B ViT-B/32: the notes go on, \"" + SECOND_ITERATION_SENTENCE
                               + "\", and that second iteration (laion2b_s34b_b79k) is the paper's own run"),
    Fact("ViT-g-14", "laion2b_s12b_b42k",
         "This model was trained with a shorted schedule than other LAION-2B models with 12B samples seen instead "
         "of 32+B.", PRETRAINED_NOTES, samples_seen=12e9, resolution_px=224),
)

#: Facts from the models' own papers and repositories, quoted with their reference.
PAPER_FACTS: tuple[Fact, ...] = (
    Fact("RN50|RN50-quickgelu|RN101|RN101-quickgelu", "yfcc15m",
         "These models were trained using 8 GPUs and the same hyperparameters described in the \"Sample running "
         "code\" section, with the exception of `lr=5e-4` and `epochs=32`. [open_clip's notes] + \"This reduces "
         "the dataset by a factor of 6 to only 15 million photos.\" [radford2021learning, Sec. 2.2: YFCC15M]",
         PRETRAINED_NOTES + " + radford2021learning, Sec. 2.2", samples_seen=32 * YFCC15M_SIZE, resolution_px=224),
    Fact("ViT-L-14-336", "openai",
         "\"For the ViT-L/14 we also pre-train at a higher 336 pixel resolution for one additional epoch to boost "
         "performance similar to FixRes.\" [radford2021learning, Sec. 2.5]: 32 epochs at 224 px (the paper's "
         "12.8B convention) plus one epoch of the 400M pairs at 336 px",
         "radford2021learning, Sec. 2.5", samples_seen=12.8e9 + WIT_EPOCH, resolution_px=224,
         finetune_samples=WIT_EPOCH, base_name="ViT-L-14"),
) + tuple(
    Fact(name, tag, f"| `{name}` | `{upstream}` | ... | 12.8B | 224 | {gpus} | {acc} | (table 'Pre-trained Models': "
                    "# of Seen Pairs, Res.)", "xu2023metaclip, facebookresearch/MetaCLIP README.md (commit 00c39e8)",
         samples_seen=12.8e9, resolution_px=224)
    for name, tag, upstream, gpus, acc in (
        ("ViT-B-32-quickgelu", "metaclip_400m", "metaclip_400m", "64 x V100", "65.5"),
        ("ViT-B-16-quickgelu", "metaclip_400m", "metaclip_400m", "64 x V100", "70.8"),
        ("ViT-L-14-quickgelu", "metaclip_400m", "metaclip_400m", "128 x V100", "76.2"),
        ("ViT-B-32-quickgelu", "metaclip_fullcc", "metaclip_2_5b", "64 x V100", "67.6"),
        ("ViT-B-16-quickgelu", "metaclip_fullcc", "metaclip_2_5b", "64 x V100", "72.1"),
        ("ViT-L-14-quickgelu", "metaclip_fullcc", "metaclip_2_5b", "128 x V100", "79.2"),
        ("ViT-H-14-quickgelu", "metaclip_fullcc", "metaclip_2_5b", "256 x A100", "80.5"),
    )) + tuple(
    Fact(name, "dfn2b", "- **Examples Seen:** 12.8B (model card 'Model Details'; its ImageNet 1k "
                        f"{acc} is the benchmark's)", f"fang2023data, Hugging Face model card apple/{card}",
         samples_seen=12.8e9, resolution_px=224)
    for name, card, acc in (("ViT-L-14-quickgelu", "DFN2B-CLIP-ViT-L-14", "0.81396"),
                            ("ViT-B-16", "DFN2B-CLIP-ViT-B-16", "0.76236")))

#: Checkpoints fine-tuned at a higher resolution whose fine-tuning compute no source states: not placed.
FINETUNE_NOT_STATED: dict[tuple[str, str], str] = {
    ("convnext_large_d_320", "laion2b_s29b_b131k_ft"):
        "fine-tuned at 320 px from a 256 px run (convnext_large_d laion2b_s26b_b102k_augreg); the tag counts "
        "29B samples in all, the split between 256 and 320 px is not stated",
    ("convnext_large_d_320", "laion2b_s29b_b131k_ft_soup"):
        "a soup of 320 px fine-tunes of a 256 px run; the fine-tuning compute is not stated",
    ("EVA02-L-14-336", "merged2b_s6b_b61k"):
        "336 px; how many of the tag's 6B samples ran at 336 px and how many at 224 px is not stated",
}

_DATACOMP_BULLET = re.compile(
    r"^\*\s+`(?P<tag>[a-z0-9_]+)`:\s+(?P<sentence>A (?P<arch>ViT-[A-Za-z]+/\d+) trained on (?P<data>.+?),? for "
    r"(?P<samples>\d+(?:\.\d+)?)(?P<unit>[MB]) steps and batch size (?P<batch>\d+)k\.)")


@lru_cache(maxsize=None)
def read_notes(key: str) -> str:
    """The text of one of open_clip's notes (registry key in :data:`NOTES`), checked by sha256.

    Parameters
    ----------
    key : str
        A registry key of :data:`NOTES`.
    """
    if key not in NOTES:
        raise SchemaError(f"open_clip notes {key!r}: expected one of {', '.join(NOTES)}")
    return fetch(key).read_text(encoding="utf-8")


def _architecture(arch: str) -> str:
    """The notes' "ViT-B/16" as open_clip's architecture name "ViT-B-16"."""
    return arch.replace("/", "-")


def datacomp_facts(text: str, source: str = DATACOMP_NOTES) -> list[Fact]:
    """Every DataComp / CommonPool bullet of the notes: samples seen and global batch, with the sentence.

    Parameters
    ----------
    text : str
        The notes (``datacomp_models.md``).
    source : str
        Where the text comes from (named in the facts and in errors).

    Raises
    ------
    SchemaError
        A bullet naming a DataComp / CommonPool tag does not follow the grammar.
    """
    facts = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not re.match(r"^\*\s+`(datacomp|commonpool)_", line):
            continue
        m = _DATACOMP_BULLET.match(line)
        if m is None:
            raise SchemaError(f"{source}, line {number}: a DataComp / CommonPool bullet without 'A <ViT> trained on "
                              f"..., for <N>[MB] steps and batch size <N>k.': {line[:120]!r}")
        scale = 1e9 if m.group("unit") == "B" else 1e6
        facts.append(Fact(_architecture(m.group("arch")), m.group("tag"), m.group("sentence").strip(), source,
                          samples_seen=float(m.group("samples")) * scale,
                          global_batch=float(m.group("batch")) * 1e3))
    return facts


def note_facts(text: str, source: str = PRETRAINED_NOTES) -> list[Fact]:
    """The facts of :data:`NOTE_FACTS` whose sentence is in ``text``.

    Parameters
    ----------
    text : str
        The notes' text (:func:`read_notes`).
    source : str
        The notes' registry key, recorded with each fact.

    Raises
    ------
    SchemaError
        A listed sentence is not in the notes (they changed: the value would be unsupported).
    """
    flat = " ".join(text.split())
    missing = [f.quote for f in NOTE_FACTS if " ".join(f.quote.split()) not in flat]
    if missing:
        raise SchemaError(f"{source}: sentence(s) not found: " + " | ".join(repr(q[:80]) for q in missing))
    for sentence in (LAION400M_RELEASE_SENTENCE, SECOND_ITERATION_SENTENCE):
        if " ".join(sentence.split()) not in flat:
            raise SchemaError(f"{source}: the release sentence is not found: {sentence!r}")
    return list(NOTE_FACTS)


def documented_facts(pretrained_text: str | None = None, datacomp_text: str | None = None) -> pd.DataFrame:
    """Every documented fact, one row per (name, pretrained): ``samples_seen``, ``global_batch``,
    ``resolution_px``, ``finetune_samples``, ``base_name``, ``released_before_paper``, ``quote``
    and ``source``.

    Parameters
    ----------
    pretrained_text, datacomp_text : str, optional
        The notes' texts; by default the pinned files (:func:`read_notes`).

    Raises
    ------
    SchemaError
        Two facts give one checkpoint different samples seen.
    """
    pretrained_text = read_notes(PRETRAINED_NOTES) if pretrained_text is None else pretrained_text
    datacomp_text = read_notes(DATACOMP_NOTES) if datacomp_text is None else datacomp_text
    facts = note_facts(pretrained_text) + datacomp_facts(datacomp_text) + list(PAPER_FACTS)
    rows: dict[tuple[str, str], dict] = {}
    for fact in facts:
        for name in fact.name.split("|"):
            for tag in fact.pretrained.split("|"):
                row = {"name": name, "pretrained": tag, "samples_seen": fact.samples_seen,
                       "global_batch": fact.global_batch, "resolution_px": fact.resolution_px,
                       "finetune_samples": fact.finetune_samples, "base_name": fact.base_name,
                       "released_before_paper": fact.released_before_paper, "quote": fact.quote,
                       "source": fact.source}
                if (name, tag) in rows:
                    raise SchemaError(f"documented facts: {name} {tag} is documented twice "
                                      f"({rows[(name, tag)]['source']} and {fact.source})")
                rows[(name, tag)] = row
    return pd.DataFrame(list(rows.values()))
