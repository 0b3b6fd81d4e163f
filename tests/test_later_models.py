"""The chapter on the models trained since the paper: compute as trained, like-for-like forecasts,
the verdict, coverage, groups named for their members, duplicates counted once, report rows."""

import warnings

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from matplotlib.figure import Figure

from repro.chapters import later_models as chapter
from repro.data import load_reported
from repro.data.openclip_models import BEFORE_PAPER, IN_FIT, LATER
from repro.errors import FitError, ParameterError, SchemaError
from repro.scaling.forecast import forecaster, pick_interval_method
from repro.scaling.paper_fit import fit_paper_law


@pytest.fixture(scope="module")
def page():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return chapter.compute(law="best", task="mscoco_captions", n_bootstrap=50)


def test_models_placed_on_compute_as_trained(page):
    models = page.models
    placed = models[models["placed"]]
    assert (placed["duplicate_of"] == "").sum() >= 85
    counted = page.gmacs.set_index("model")["gmacs"]
    plain = placed[placed["base_name"] == ""]
    assert np.allclose(plain["gmacs"], plain["name"].map(counted))
    assert np.allclose(placed["gmacs_total"], placed["gmacs"] * placed["samples_seen"])
    l336 = placed.set_index(["name", "pretrained"]).loc[("ViT-L-14-336", "openai")]
    assert l336["gmacs_total"] == pytest.approx(counted["ViT-L-14"] * 12.8e9 + counted["ViT-L-14-336"] * 0.4e9)
    assert l336["gmacs_total"] < counted["ViT-L-14-336"] * l336["samples_seen"] / 2
    unplaced = set(models.loc[~models["placed"], "reason"])
    assert all(r == "not stated" or r.startswith("not placed (fine-tuning compute not stated)") for r in unplaced)
    assert (page.ratios["why"] != "not explained").all()
    # every model placed from a document quotes its sentence
    documented = placed[placed["samples_source"].str.startswith("documented")]
    assert (documented["quote"].str.len() > 20).all()


def test_paper_law_is_the_papers_exact_fit(page, paper_rows):
    for task in chapter.AUDIT_TASKS:
        fit = fit_paper_law(paper_rows, task)
        ours = page.laws.paper[task]
        assert ours.fit.alpha == pytest.approx(fit.alpha, rel=1e-9)
        assert ours.predict(1e12)[0] == pytest.approx(fit.predict(1e12), rel=1e-9)


def test_in_family_set_and_residual_sign(page):
    family = page.in_family()
    assert set(family["membership"]) == {BEFORE_PAPER, LATER}
    assert IN_FIT not in set(chapter.scored(page.table)["membership"])
    assert {"ViT-bigG-14", "ViT-g-14", "ViT-B-16-plus-240"} <= set(family["name"])
    # one checkpoint under two activation names is one forecast; e31 / e32 are one run
    assert "ViT-B-32" not in set(family["name"])
    assert family["run"].nunique() == 5
    for law in chapter.LAWS:
        assert (family[f"{law}_lo"] <= family[f"{law}_forecast"]).all()
        assert (family[f"{law}_forecast"] <= family[f"{law}_hi"]).all()
        assert np.allclose(family[f"{law}_residual"], family["measured"] - family[f"{law}_forecast"])


def test_verdict_and_coverage(page):
    family = page.in_family()
    verdict = page.verdict().set_index(["law", "task"])
    paper = verdict.loc[("paper", "all")]
    assert paper["n"] == len(family) and paper["below"] + paper["above"] <= paper["n"]
    assert paper["below"] == (family["paper_residual"] < 0).sum()
    im = family[family["task"] == "imagenet1k"]
    run_means = im.groupby("run")["paper_residual"].mean()
    assert verdict.loc[("paper", "imagenet1k"), "mean_residual"] == pytest.approx(run_means.mean())
    assert verdict.loc[("paper", "imagenet1k"), "ci_low"] < run_means.mean() < verdict.loc[("paper", "imagenet1k"),
                                                                                          "ci_high"]
    later = family[family["membership"] == LATER]
    assert verdict.loc[("best", "all"), "later_mae"] == pytest.approx(later["best_residual"].abs().mean())
    cov = page.coverage().set_index(["law", "task"])
    for (law, task), r in cov.iterrows():
        assert r["cp_low"] <= r["rate"] <= r["cp_high"] and r["runs"] == 5


def test_clopper_pearson_and_verdict_sentences():
    low, high = chapter.clopper_pearson(8, 8, level=0.9)
    assert high == 1.0 and low == pytest.approx(0.05 ** (1 / 8))
    low, high = chapter.clopper_pearson(0, 10, level=0.9)
    assert low == 0.0 and high == pytest.approx(1 - 0.05 ** (1 / 10))
    with pytest.raises(ParameterError, match="hits"):
        chapter.clopper_pearson(3, 2)
    assert chapter.direction_sentence(8, 8, -1.5, -0.4).startswith("the law over-forecast")
    assert chapter.direction_sentence(2, 8, 0.1, 0.9).startswith("the law under-forecast")
    assert chapter.direction_sentence(5, 8, -0.5, 0.4).startswith("no direction")
    assert "about as well" in chapter.law_sentence(1.0, 1.0 + chapter.LAW_TIE_POINTS / 2, 8)
    assert "paper's law" in chapter.law_sentence(0.6, 1.0, 8)
    assert "best law" in chapter.law_sentence(1.0, 0.6, 8)


def test_table04_is_like_for_like(page):
    audit = page.table04()
    printed = load_reported("table04").set_index(["model", "samples_seen"])
    assert len(audit) == 4
    big = audit[(audit["model"] == "ViT-G/14") & (audit["task"] == "ImageNet")].iloc[0]
    assert big["printed"] == printed.loc[("ViT-G/14", "34B"), "imagenet_top1"]
    assert big["measured_samples_seen"] == big["forecast_samples_seen"] == 39e9
    assert big["residual"] == pytest.approx(big["measured"] - big["forecast"])
    # the law reproduces the printed value at the printed samples: only the samples seen differ
    assert big["law_at_printed_samples"] == pytest.approx(big["printed"], abs=0.01)
    assert big["forecast"] > big["printed"]
    unlike = audit.copy()
    unlike.loc[unlike.index[2], "forecast_samples_seen"] = unlike.loc[unlike.index[2], "printed_samples_seen"]
    with pytest.raises(SchemaError, match="unlike compared"):
        chapter.check_like_for_like(unlike)


def test_group_labels_name_their_members(page):
    groups = page.groups("imagenet1k")
    members = chapter.group_members(page.table, "imagenet1k")
    assert chapter.check_group_labels(groups, members) is groups
    assert groups["models"].sum() == len(members)
    pools = groups[groups["kind"] == "CommonPool and its filtered subsets"]
    assert {"below the paper's runs", "inside the paper's runs"} <= set(pools["qualifier"])
    assert "DFN" in groups.loc[groups["qualifier"] == "inside the paper's runs", "names"].iloc[0]
    assert "DFN" not in groups.loc[groups["qualifier"] == "below the paper's runs", "names"].iloc[0]
    # a label naming a family with no member fails
    lying = groups.copy()
    i = lying.index[lying["qualifier"] == "below the paper's runs"][0]
    lying.loc[i, "names"] = lying.loc[i, "names"] + " / DFN"
    with pytest.raises(SchemaError, match="DFN"):
        chapter.check_group_labels(lying, members)
    objectives = groups[groups["kind"] == "other objectives"].iloc[0]
    assert objectives["group"] == "other objectives: CoCa"


def test_a_duplicate_counted_twice_fails(page):
    family = page.in_family()
    twin = page.table[(page.table["name"] == "ViT-B-32") & (page.table["pretrained"] == "laion400m_e32")]
    assert len(twin) == 4 and (twin["duplicate_of"] != "").all()
    with pytest.raises(SchemaError, match="counted twice"):
        chapter.check_counted_once(pd.concat([family, twin]))
    with pytest.raises(SchemaError, match="counted twice"):
        chapter.check_counted_once(pd.concat([family, family.head(1)]))
    openai = page.table[page.table["pretrained"] == "openai"]
    assert chapter.scored(openai)["name"].isin(["RN50", "RN101", "ViT-B-32"]).sum() == 0


def test_report_rows(page):
    rows = page.report_frame()
    assert set(rows["status"]) == {"forecast checked", "measured"} and set(rows["item"]) == {"later_models"}
    checked = rows[rows["status"] == "forecast checked"]
    # one sign convention: difference = measured (reproduced column) - forecast (paper column)
    assert np.allclose(checked["difference"], checked["reproduced"] - checked["paper"])
    per_forecast = checked[checked["quantity"].str.startswith("best law")]
    assert len(per_forecast) == len(page.in_family())
    t4 = checked[checked["quantity"].str.startswith("Table 4")]
    assert len(t4) == 4 and t4["quantity"].str.contains("own compute").all()
    audit = page.table04()
    assert sorted(t4["paper"].round(6)) == sorted(audit["forecast"].round(6))
    front = rows.set_index("quantity")
    verdict = page.verdict().set_index(["law", "task"])
    assert front.loc["in_family n", "reproduced"] == len(page.in_family())
    assert front.loc["in_family independent runs", "reproduced"] == 5
    assert front.loc["in_family measured below forecast", "reproduced"] == verdict.loc[("paper", "all"), "below"]
    for name in ("in_family mean residual imagenet1k", "in_family mean residual imagenet1k ci90 low",
                 "in_family mean residual imagenet1k ci90 high"):
        assert front.loc[name, "status"] == "measured"
    assert front.loc["samples seen datacomp_l_s1b_b8k (billions)", "reproduced"] == pytest.approx(1.28)
    assert front.loc["models placed, duplicates counted once", "reproduced"] >= 85
    group_rows = rows[rows["quantity"].str.startswith("paper law ImageNet median residual")]
    assert len(group_rows) == len(page.groups("imagenet1k"))
    values = page.glue_values()
    assert values["n_placed_unique"] >= 85 and values["datacomp_l_samples_billions"] == pytest.approx(1.28)
    assert values["n_forecasts"] == len(page.in_family())
    cov = page.coverage().set_index(["law", "task"]).loc[("paper", "all")]
    assert f"{cov['rate']:.2f}" in values["cov_paper_all_sentence"]


def test_figures(page):
    assert isinstance(chapter.residuals_figure(page), Figure)
    fig = chapter.explorer(page)
    assert isinstance(fig, go.Figure) and len(fig.layout.updatemenus[0].buttons) >= 38


def test_bad_parameters_are_refused():
    with pytest.raises(ParameterError, match="law"):
        chapter.compute(law="mine")
    with pytest.raises(ParameterError, match="task"):
        chapter.compute(task="cifar10")
    with pytest.raises(ParameterError, match="n_bootstrap"):
        chapter.compute(n_bootstrap=2)
    with pytest.raises(ParameterError, match="interval_method"):
        chapter.fit_laws(chapter.load_results(), n_bootstrap=10, interval_method="guess")


def test_forecaster_intervals(paper_rows, page):
    law = forecaster(paper_rows, "imagenet1k")
    with pytest.raises(FitError, match="interval study"):
        law.interval([1e12], "conformal")
    with pytest.raises(FitError, match="interval method"):
        law.interval([1e12], "guess")
    lo, hi = law.interval([1e12, 1e13], "textbook")
    assert (lo < law.predict([1e12, 1e13])).all() and (law.predict([1e12, 1e13]) < hi).all()
    assert pick_interval_method(page.laws.scores) == page.laws.method
