"""The chapter on the models trained since the paper: placement on compute, the laws' forecasts
and intervals, Table 4's printed forecasts, report rows and figures."""

import warnings

import numpy as np
import plotly.graph_objects as go
import pytest
from matplotlib.figure import Figure

from repro.chapters import later_models as chapter
from repro.data import load_reported
from repro.errors import FitError, SchemaError
from repro.report import STATUSES
from repro.scaling.forecast import forecaster, pick_interval_method
from repro.scaling.paper_fit import fit_paper_law


@pytest.fixture(scope="module")
def page():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return chapter.compute(law="best", task="mscoco_captions", n_bootstrap=50)


def test_models_placed_on_counted_compute(page):
    models = page.models
    assert models["placed"].sum() >= 80
    placed = models[models["placed"]]
    # every placed model has a counted GMACs per sample (never the table's FLOPs), and compute = GMACs x samples
    counted = page.gmacs.set_index("model")["gmacs"]
    assert np.allclose(placed["gmacs"], placed["name"].map(counted))
    assert np.allclose(placed["gmacs_total"], placed["gmacs"] * placed["samples_seen"])
    assert set(models.loc[~models["placed"], "reason"]) == {"samples seen not stated"}
    assert (page.ratios["why"] != "not explained").all()


def test_paper_law_is_the_papers_exact_fit(page, paper_rows):
    for task in chapter.AUDIT_TASKS:
        fit = fit_paper_law(paper_rows, task)
        ours = page.laws.paper[task]
        assert ours.fit.alpha == pytest.approx(fit.alpha, rel=1e-9)
        assert ours.predict(1e12)[0] == pytest.approx(fit.predict(1e12), rel=1e-9)


def test_forecasts_and_intervals(page):
    family = page.in_family()
    assert len(family) == 4 * len(chapter.AUDIT_TASKS)
    assert {"ViT-bigG-14", "ViT-g-14"} <= set(family["name"])
    for law in chapter.LAWS:
        assert (family[f"{law}_lo"] <= family[f"{law}_forecast"]).all()
        assert (family[f"{law}_forecast"] <= family[f"{law}_hi"]).all()
        assert np.allclose(family[f"{law}_residual"], family["measured"] - family[f"{law}_forecast"])
    summary = page.summary().set_index(["task", "law"])
    paper_imagenet = family[family["task"] == "imagenet1k"]["paper_residual"]
    assert summary.loc[("imagenet1k", "paper"), "mae"] == pytest.approx(paper_imagenet.abs().mean())
    assert summary.loc[("imagenet1k", "paper"), "bias"] == pytest.approx(paper_imagenet.mean())
    assert 0 <= summary["coverage"].min() and summary["coverage"].max() <= 1


def test_table04_printed_forecasts_beside_later_measurements(page):
    audit = page.table04()
    printed = load_reported("table04").set_index(["model", "samples_seen"])
    assert len(audit) == 4
    g14 = audit[(audit["model"] == "ViT-g/14") & (audit["task"] == "ImageNet")].iloc[0]
    assert g14["table04"] == printed.loc[("ViT-g/14", "34B"), "imagenet_top1"]
    assert g14["difference"] == pytest.approx(g14["measured"] - g14["table04"])


def test_report_rows_are_forecasts_checked(page):
    rows = chapter.rows_frame(page.report_rows())
    assert "forecast checked" in STATUSES
    assert set(rows["status"]) == {"forecast checked"} and set(rows["item"]) == {"later_models"}
    per_forecast = rows[rows["quantity"].str.startswith("best law") & rows["paper"].notna()]
    assert len(per_forecast) == len(page.in_family())
    assert per_forecast["explanation"].str.contains("inside|outside").all()
    assert rows["quantity"].str.startswith("Table 4").sum() == 4
    summary = rows[rows["paper"].isna()]
    assert len(summary) == 3 * 2 * len(chapter.AUDIT_TASKS) and summary["difference"].isna().all()
    values = page.glue_values()
    assert values["n_placed"] >= 80 and values["n_forecasts"] == len(page.in_family())


def test_figures(page):
    assert isinstance(chapter.residuals_figure(page), Figure)
    fig = chapter.explorer(page)
    assert isinstance(fig, go.Figure) and len(fig.layout.updatemenus[0].buttons) >= 38


def test_bad_parameters_are_refused():
    with pytest.raises(SchemaError, match="law"):
        chapter.compute(law="mine")
    with pytest.raises(SchemaError, match="task"):
        chapter.compute(task="cifar10")


def test_forecaster_intervals(paper_rows, page):
    law = forecaster(paper_rows, "imagenet1k")
    with pytest.raises(FitError, match="interval study"):
        law.interval([1e12], "conformal")
    with pytest.raises(FitError, match="interval method"):
        law.interval([1e12], "guess")
    lo, hi = law.interval([1e12, 1e13], "textbook")
    assert (lo < law.predict([1e12, 1e13])).all() and (law.predict([1e12, 1e13]) < hi).all()
    assert pick_interval_method(page.laws.scores) == page.laws.method
