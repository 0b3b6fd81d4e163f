"""open_clip's benchmark in the paper's terms: the tag grammar, unknown words and architectures,
the pinned tables, and which models the paper itself trained."""

import numpy as np
import pandas as pd
import pytest

from repro.data import FILES, load_models_info, load_openclip_benchmark, load_openclip_profile, read_openclip_benchmark
from repro.data.openclip_models import (
    IN_FAMILY_GROUP,
    LAION_400M_EPOCH,
    architecture_families,
    model_table,
    parse_tag,
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


def test_the_pinned_tables_and_the_models_the_paper_trained():
    assert {"open-clip/openclip_results.csv", "open-clip/openclip_retrieval_results.csv",
            "open-clip/model_profile.csv"} <= set(FILES)
    bench = load_openclip_benchmark()
    assert len(bench) == 121 and bench["MSCOCO image retr. R@5"].notna().all()
    assert len(load_openclip_profile()) == 85
    table = model_table(bench, load_models_info()).set_index(["name", "pretrained"])
    assert (table["problem"] == "").all()
    assert table["samples_seen"].notna().sum() >= 80
    # the released checkpoints of the paper's runs are in its fit, not forecasts
    assert table.loc[("ViT-H-14", "laion2b_s32b_b79k"), "paper_run"].startswith("Model-H-14_Data-2B_Samples-34B")
    assert table.loc[("ViT-B-16", "laion400m_e32"), "paper_run"].startswith("Model-B-16_Data-400M_Samples-13B")
    assert table.loc[("ViT-B-32", "openai"), "paper_run"] == "OpenAI fit"
    # the later models the laws describe
    later = table[(table["group"] == IN_FAMILY_GROUP) & (table["paper_run"] == "") & table["samples_seen"].notna()]
    assert {("ViT-bigG-14", "laion2b_s39b_b160k"), ("ViT-g-14", "laion2b_s34b_b88k")} <= set(later.index)
    assert table.loc[("coca_ViT-B-32", "mscoco_finetuned_laion2b_s13b_b90k"), "group"] == "fine-tuned on a downstream task"


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
