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


def _toy_registry(path):
    """A results registry as `repro eval --runs ... --executor slurm` writes it for the cluster
    tests' toy runs: 2 checkpoints x a classification and a retrieval set of its own, plus one
    row on ImageNet (a dataset of Figure 1's panels)."""
    import pandas as pd

    from repro.data.schema import RESULTS_COLUMNS

    base = {"arch": "mini-ViT-XS", "gmacs": 0.001, "upstream_dataset": "flat-colours", "acc5": None,
            "mean_per_class_recall": None, "text_retrieval_recall@5": None, "mean_average_precision": None}
    records = []
    for name, seen in (("ddp-1rank", 64.0), ("ddp-2rank", 128.0)):
        run = {**base, "name": name, "samples_seen": seen, "gmacs_total": 0.001 * seen, "samples_seen_pretty": f"{seen:.0f}"}
        records.append({**run, "downstream_dataset": "colours", "task": "zeroshot_classification", "acc1": 0.4,
                        "image_retrieval_recall@5": None})
        records.append({**run, "downstream_dataset": "colour_captions", "task": "zeroshot_retrieval", "acc1": None,
                        "image_retrieval_recall@5": 0.6})
    records.append({**records[0], "downstream_dataset": "imagenet1k", "acc1": 0.01})
    pd.DataFrame(records, columns=list(RESULTS_COLUMNS)).to_csv(path, index=False)
    return path


def test_extra_results_on_other_datasets_get_panels_of_their_own(tmp_path):
    registry = _toy_registry(tmp_path / "results.csv")
    page = chapter.compute(extra_results=str(registry))
    # the paper's panels are unchanged; the toy datasets are drawn, none dropped
    assert page.panels == chapter.PANELS and page.extra_panels == ("colours", "colour_captions")
    fig = chapter.extra_figure(page)
    axes = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in axes] == ["your runs: colours", "your runs: colour_captions"]
    assert str(registry) in fig._suptitle.get_text()
    for ax in axes:
        points = sum(len(c.get_offsets()) for c in ax.collections)
        assert points == 2 and sorted(t.get_text() for t in ax.texts) == ["ddp-1rank", "ddp-2rank"]
    # the row on ImageNet is drawn in Figure 1a, as before
    assert "ddp-1rank" in set(page.rows[page.rows["downstream_dataset"] == "imagenet1k"]["name"])
    # without extra results there is no extra figure, and Figure 1 labels no point
    default = chapter.compute()
    assert default.extra is None and default.extra_panels == () and chapter.extra_figure(default) is None
    assert not any(ax.texts for item in chapter.PANELS for ax in chapter.figure(default, item).axes)
