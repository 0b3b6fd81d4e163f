"""open_clip's benchmark in the paper's terms: the tag grammar, unknown words and architectures,
the pinned tables, and which models the paper itself trained."""

import numpy as np
import pandas as pd
import pytest

from repro.data import (
    FILES,
    load_models_info,
    load_openclip_benchmark,
    load_openclip_profile,
    load_results,
    read_openclip_benchmark,
)
from repro.data.openclip_models import (
    BEFORE_PAPER,
    IN_FAMILY,
    IN_FIT,
    LAION_400M_EPOCH,
    LATER,
    MEMBERSHIP_TOLERANCE_POINTS,
    architecture_families,
    membership,
    model_table,
    parse_tag,
)
from repro.data.openclip_notes import (
    DATACOMP_NOTES,
    PRETRAINED_NOTES,
    datacomp_facts,
    documented_facts,
    note_facts,
    read_notes,
)
from repro.errors import SchemaError


@pytest.mark.parametrize("tag, family, samples, source", [
    ("laion2b_s39b_b160k", "LAION-2B", 39e9, "tag"),
    ("datacomp_m_s128m_b4k", "DataComp", 128e6, "tag"),
    ("laion400m_e32", "LAION-400M", 32 * 407_332_084, "epochs x LAION-400M"),
    ("laion2b_e16", "LAION-2B", np.nan, "not stated"),       # LAION-2B has no fixed epoch in the paper's runs
    ("webli", "WebLI", np.nan, "not stated"),
    ("dfn5b", "DFN", np.nan, "not stated"),
    ("metaclip_400m", "MetaCLIP", np.nan, "not stated"),
    ("openai", "OpenAI WIT", 12.8e9, "paper's convention for CLIP (Sec. 4.1)"),
])
def test_samples_seen_only_where_stated(tag, family, samples, source):
    info = parse_tag(tag)
    assert info.data_family == family and info.samples_source == source
    assert (np.isnan(info.samples_seen) and np.isnan(samples)) or info.samples_seen == pytest.approx(samples)


def test_pools_filters_and_recipes():
    cp = parse_tag("commonpool_xl_clip_s13b_b90k")
    assert (cp.data_family, cp.pool, cp.pool_filter, cp.samples_seen, cp.batch_k) == ("CommonPool", "XL", "clip", 13e9, 90)
    assert parse_tag("commonpool_s_s13m_b4k").pool_filter == "none"
    soup = parse_tag("laion2b_s34b_b82k_augreg_soup")
    assert soup.recipe == "augreg_soup" and soup.samples_seen == 34e9
    ft = parse_tag("mscoco_finetuned_laion2b_s13b_b90k")
    assert ft.fine_tuned_on == "MS-COCO" and ft.data_family == "LAION-2B"
    assert parse_tag("frozen_laion5b_s13b_b90k").frozen_image_tower
    assert LAION_400M_EPOCH == 407_332_084


@pytest.mark.parametrize("tag", ["laion3b_s1b", "laion2b_s34b_b82k_mystery", "commonpool_clip_s13b", "", "mscoco_finetuned"])
def test_unknown_tags_are_errors(tag):
    with pytest.raises(SchemaError):
        parse_tag(tag)


def test_architecture_families():
    assert architecture_families("coca_ViT-L-14") == {"objective": "CoCa", "image_tower": "ViT",
                                                      "text_tower": "open_clip transformer"}
    assert architecture_families("ViT-SO400M-14-SigLIP-384")["image_tower"] == "ViT (timm SigLIP)"
    assert architecture_families("xlm-roberta-large-ViT-H-14")["text_tower"] == "XLM-RoBERTa"
    assert architecture_families("nllb-clip-large-siglip")["objective"] == "SigLIP"
    assert architecture_families("convnext_xxlarge")["image_tower"] == "ConvNeXt"
    assert architecture_families("ViT-H-14-CLIPA-336")["objective"] == "CLIPA"
    with pytest.raises(SchemaError, match="unknown family"):
        architecture_families("MobileCLIP-S1")


@pytest.fixture(scope="module")
def table():
    return model_table(load_openclip_benchmark(), load_models_info(), documented_facts(),
                       load_results()).set_index(["name", "pretrained"])


def test_the_pinned_tables(table):
    assert {"open-clip/openclip_results.csv", "open-clip/openclip_retrieval_results.csv",
            "open-clip/model_profile.csv", PRETRAINED_NOTES, DATACOMP_NOTES} <= set(FILES)
    bench = load_openclip_benchmark()
    assert len(bench) == 121 and bench["MSCOCO image retr. R@5"].notna().all()
    assert len(load_openclip_profile()) == 85
    assert (table["problem"] == "").all()
    assert table["samples_seen"].notna().sum() >= 85


def test_membership_by_evidence(table):
    # configuration and ImageNet agree: the paper's own runs
    assert table.loc[("ViT-H-14", "laion2b_s32b_b79k"), "membership"] == IN_FIT
    assert table.loc[("ViT-B-16", "laion400m_e32"), "membership"] == IN_FIT
    assert table.loc[("ViT-B-32-quickgelu", "openai"), "membership"] == IN_FIT
    # the same configuration by name, but another run: ImageNet 0.3 points off, another global batch
    for name in ("ViT-B-32-quickgelu", "ViT-L-14"):
        row = table.loc[(name, "laion400m_e32")]
        assert row["membership"] == BEFORE_PAPER and "another run" in row["evidence"]
    assert table.loc[("ViT-B-32-quickgelu", "laion400m_e32"), "global_batch"] == 32768
    assert table.loc[("ViT-B-16-plus-240", "laion400m_e31"), "membership"] == BEFORE_PAPER
    assert table.loc[("ViT-bigG-14", "laion2b_s39b_b160k"), "membership"] == LATER
    assert table.loc[("ViT-B-32", "laion2b_e16"), "membership"] == BEFORE_PAPER
    assert "second iteration" in table.loc[("ViT-B-32", "laion2b_e16"), "evidence"]
    later = table[(table["kind"] == IN_FAMILY) & (table["membership"] == LATER) & table["samples_seen"].notna()]
    assert set(later.index) == {("ViT-bigG-14", "laion2b_s39b_b160k"), ("ViT-g-14", "laion2b_s34b_b88k")}
    points = {("run", "ViT-B-32"): 63.0}
    assert membership("run", "ViT-B-32", 63.0 + MEMBERSHIP_TOLERANCE_POINTS / 2, points, "")[0] == IN_FIT
    assert membership("run", "ViT-B-32", 63.0 + 2 * MEMBERSHIP_TOLERANCE_POINTS, points, "")[0] == LATER
    assert membership("run", "ViT-B-32", 62.0, points, "release v0.2")[0] == BEFORE_PAPER
    with pytest.raises(SchemaError, match="no imagenet1k row"):
        membership("other run", "ViT-B-32", 63.0, points, False)


def test_documented_facts_place_models_and_quote_them(table):
    # DataComp-L / CommonPool-L: the notes say 1.28B, the tag rounds to s1b
    for tag in ("datacomp_l_s1b_b8k", "commonpool_l_clip_s1b_b8k", "commonpool_l_s1b_b8k"):
        row = table.loc[("ViT-B-16", tag)]
        assert row["samples_seen"] == pytest.approx(1.28e9) and "for 1.28B steps" in row["quote"]
        assert row["samples_source"].startswith("documented: open-clip/datacomp_models.md")
    # a tag without a count placed from the model's own documentation (MetaCLIP's table)
    assert table.loc[("ViT-H-14-quickgelu", "metaclip_fullcc"), "samples_seen"] == pytest.approx(12.8e9)
    documented = table[table["samples_source"].str.startswith("documented")]
    assert (documented["quote"] != "").all() and len(documented) >= 40
    # compute as trained: OpenAI's ViT-L/14@336 ran 32 epochs at 224 px and one more at 336 px
    l336 = table.loc[("ViT-L-14-336", "openai")]
    assert l336["base_name"] == "ViT-L-14" and l336["finetune_samples"] == pytest.approx(0.4e9)
    assert np.isnan(table.loc[("convnext_large_d_320", "laion2b_s29b_b131k_ft"), "samples_seen"])
    assert table.loc[("convnext_large_d_320", "laion2b_s29b_b131k_ft"), "samples_source"].startswith(
        "not placed (fine-tuning compute not stated)")
    # towers pre-trained outside CLIP are flagged and kept apart
    assert table.loc[("EVA02-E-14", "laion2b_s4b_b115k"), "outside_clip_tower"] == "EVA image tower"
    assert table.loc[("EVA02-E-14", "laion2b_s4b_b115k"), "kind"] == "towers pre-trained outside CLIP"


def test_duplicates_are_marked(table):
    assert table.loc[("ViT-B-32", "openai"), "duplicate_of"] == "ViT-B-32-quickgelu openai (identical metrics)"
    assert table.loc[("RN50", "openai"), "duplicate_of"].endswith("(identical metrics)")
    assert table.loc[("ViT-B-32", "laion400m_e32"), "duplicate_of"].startswith("ViT-B-32-quickgelu laion400m_e32")
    assert table.loc[("ViT-B-32-quickgelu", "openai"), "duplicate_of"] == ""
    assert table.loc[("ViT-B-32-quickgelu", "laion400m_e31"), "run"] == table.loc[("ViT-B-32", "laion400m_e32"), "run"]


def test_notes_that_changed_are_errors():
    text = read_notes(PRETRAINED_NOTES)
    assert len(note_facts(text)) >= 5
    with pytest.raises(SchemaError, match="not found"):
        note_facts(text.replace("global batch size of 32768", "global batch size of 65536"))
    facts = datacomp_facts(read_notes(DATACOMP_NOTES))
    assert len(facts) == 25 and {f.samples_seen for f in facts} == {12.8e6, 128e6, 1.28e9, 12.8e9}
    with pytest.raises(SchemaError, match="line 1"):
        datacomp_facts("* `datacomp_q_s1b_b8k`: A ViT-B/16 trained somewhere.")
    with pytest.raises(SchemaError, match="notes"):
        read_notes("open-clip/README.md")


def test_unreadable_rows_are_listed_not_placed():
    bench = pd.DataFrame({"name": ["ViT-B-32", "Mystery-Net", "ViT-B-32"],
                          "pretrained": ["laion2b_s34b_b79k", "laion2b_s1b", "laion2b_s34b_odd"]})
    table = model_table(bench, load_models_info())
    assert table["problem"].iloc[0] == ""
    assert table["samples_source"].tolist()[1:] == ["not placed", "not placed"]
    assert table["samples_seen"].iloc[1:].isna().all()
    assert "unknown family" in table["problem"].iloc[1] and "'odd'" in table["problem"].iloc[2]
    with pytest.raises(SchemaError, match="pretrained"):
        model_table(bench.drop(columns="pretrained"), load_models_info())


def test_a_benchmark_table_without_a_needed_column_is_refused(tmp_path):
    src = load_openclip_benchmark()
    results, retrieval = tmp_path / "results.csv", tmp_path / "retrieval.csv"
    zero_shot_columns = ["name", "pretrained", "params (M)", "FLOPs (B)", "ImageNet 1k"]
    src[zero_shot_columns].to_csv(results, index=False)
    src[["name", "pretrained", "params (M)", "FLOPs (B)", "Flickr image retr. R@5"]].to_csv(retrieval, index=False)
    with pytest.raises(SchemaError, match="MSCOCO image retr. R@5"):
        read_openclip_benchmark(results, retrieval)
    doubled = pd.concat([src[zero_shot_columns], src[zero_shot_columns].head(1)])
    doubled.to_csv(results, index=False)
    src[["name", "pretrained", "params (M)", "FLOPs (B)", "Flickr image retr. R@5", "MSCOCO image retr. R@5"]].to_csv(
        retrieval, index=False)
    with pytest.raises(SchemaError, match="more than one row"):
        read_openclip_benchmark(results, retrieval)
