"""The Figure 1 chapter: exponents against the paper's text, the mini study's stand-ins, and the
page under the paper's and other settings."""

import pytest

from repro.chapters import fig1 as chapter
from repro.constants import N_BINS
from repro.data import load_reported
from repro.errors import FitError


def test_figure1_exponents_match_the_text_to_two_decimals(paper_rows):
    fits = chapter.fit_panels(paper_rows, chapter.ALL_PANELS)
    stated = load_reported("text_exponents").set_index("downstream_dataset")
    for dataset, panel in fits.items():
        assert round(panel.openclip.alpha, 2) == stated.loc[dataset, "alpha_openclip"], dataset
        assert round(panel.openai.alpha, 2) == stated.loc[dataset, "alpha_openai"], dataset
    rows = chapter.report_rows(fits)
    assert {r.status for r in rows if r.paper is not None} == {"exact"}


def test_the_page_compares_with_the_paper_only_under_its_setting():
    page = chapter.compute()
    assert page.paper_setting and page.n_bins == N_BINS
    assert page.panels == chapter.PANELS
    values = page.glue_values()
    assert values["paper_alpha_openclip_imagenet1k"] == -0.11 and values["paper_alpha_openai_flickr30k"] == -0.10
    assert round(values["alpha_openclip_imagenet1k"], 2) == -0.11
    other = chapter.compute(n_bins=7)
    assert not other.paper_setting
    assert all(r.paper is None for r in other.report_rows())
    assert other.fits["imagenet1k"].openclip.alpha != page.fits["imagenet1k"].openclip.alpha


def test_stand_ins_and_target(paper_rows):
    mini_like = paper_rows[paper_rows["downstream_dataset"] == "imagenet1k"].replace(
        {"downstream_dataset": {"imagenet1k": "mini_shape"}})
    assert chapter.stand_ins(mini_like) == {"imagenet1k": "mini_shape"}
    assert chapter.resolve_target(paper_rows, "") == "vtab+"
    with pytest.raises(FitError, match="not-a-set"):
        chapter.resolve_target(paper_rows, "not-a-set")


def test_claims_are_stated_in_point_estimates_and_the_span_in_decades():
    values = chapter.compute().glue_values()
    assert values["compute_span"].startswith("2.56 decades")
    assert values["claim_fig1a_verdict"].startswith("In point estimates OpenAI is steeper on 2 of 2")
    assert values["claim_fig1b_verdict"].startswith("In point estimates OpenCLIP is steeper on 2 of 2")
