"""GMACs of timm and Hugging Face towers, counted on the meta device, against open_clip's profile."""

import pandas as pd
import pytest

from repro.compute import count_gmacs
from repro.compute.towers import HF_TEXT_CONFIGS, count_any_gmacs, gmacs_table, tower_kinds
from repro.compute.macs import load_model_config
from repro.data import load_openclip_profile
from repro.errors import SpecError


@pytest.fixture(scope="module")
def profile():
    return load_openclip_profile().set_index("model")


def test_own_towers_are_counted_as_before():
    assert count_any_gmacs("ViT-B-32") == count_gmacs("ViT-B-32")


@pytest.mark.parametrize("model", ["convnext_base", "EVA02-B-16", "ViT-B-16-SigLIP"])
def test_timm_towers_match_the_profile(model, profile):
    counted = count_any_gmacs(model)
    row = profile.loc[model]
    assert counted.image_gmacs == pytest.approx(row["image_gflops"] / 2, rel=0.01)
    assert counted.text_gmacs == pytest.approx(row["text_gflops"] / 2, rel=0.01)
    assert counted.mparams == pytest.approx(row["mparams"], rel=0.001)


def test_hugging_face_tower_from_published_hyperparameters(profile):
    counted = count_any_gmacs("roberta-ViT-B-32")
    row = profile.loc["roberta-ViT-B-32"]
    # the published hyperparameters give open_clip's parameter count exactly
    assert counted.mparams == pytest.approx(row["mparams"], rel=1e-4)
    # training reads 77 tokens; the profile feeds the tower its 514 positions
    assert counted.context_length == 77 and counted.text_gmacs < 0.2 * row["text_gflops"] / 2
    at_profile = count_any_gmacs("roberta-ViT-B-32", context_length=514)
    assert at_profile.text_gmacs == pytest.approx(row["text_gflops"] / 2, rel=0.01)


def test_coca_counts_its_decoder_with_the_text_tower():
    coca = count_any_gmacs("coca_ViT-B-32")
    assert tower_kinds(load_model_config("coca_ViT-B-32")[1])["decoder"] == "CoCa decoder"
    assert coca.text_gmacs > 3 * count_gmacs("ViT-B-32").text_gmacs


def test_unknown_hugging_face_tower_is_an_error():
    _, config = load_model_config("roberta-ViT-B-32")
    config["text_cfg"]["hf_model_name"] = "bert-base-uncased"
    assert "bert-base-uncased" not in HF_TEXT_CONFIGS
    with pytest.raises(SpecError, match="no published config"):
        count_any_gmacs(config)


def test_table_rows_record_failures_and_reuse_the_cache(tmp_path):
    cache = tmp_path / "gmacs.json"
    table = gmacs_table(["ViT-B-32", "No-Such-Model"], cache=cache)
    assert isinstance(table, pd.DataFrame) and list(table["model"]) == ["ViT-B-32", "No-Such-Model"]
    assert table["problem"].iloc[0] == "" and table["gmacs"].iloc[0] == pytest.approx(7.4, abs=0.01)
    assert "No-Such-Model" in table["problem"].iloc[1] and pd.isna(table["gmacs"].iloc[1])
    assert cache.is_file()
    again = gmacs_table(["ViT-B-32"], cache=cache)
    assert again["gmacs"].iloc[0] == table["gmacs"].iloc[0]
