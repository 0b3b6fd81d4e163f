"""The chapter "The study in miniature" (repro.chapters.mini): report rows on a hand-made table,
and the study's claims on the committed laptop results (checked where they are stored)."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from repro.chapters import mini as chapter
from repro.mini import analysis
from repro.mini.analysis import HEADLINE_TASK, ISOFLOP_PROFILE
from repro.mini.profiles import HELDOUT_BATCH

from test_mini_analysis import _power_law_with_bottleneck, _table


def test_report_rows_carry_every_number():
    rows = _table(_power_law_with_bottleneck)
    report = chapter.report_rows(rows)
    quantities = {r.quantity for r in report}
    assert {"r2_frontier_mini_shape", "compute_decades_mini_shape", "bottleneck_gain_mini-500",
            "bottleneck_gain_mini-8k", "larger_model_margin", "more_data_margin", "top_accuracy_over_chance_mini_shape",
            "alpha_mini_shape", "alpha_mini_retrieval"} <= quantities
    assert all(r.paper is None and r.status in ("measured", "check passed", "check failed") for r in report)
    statuses = {r.quantity: (r.status, r.target) for r in report}
    assert statuses["r2_frontier_mini_shape"][1] == ">= 0.95" and statuses["compute_decades_mini_shape"][1] == ">= 2"
    assert statuses["top_accuracy_over_chance_mini_shape"] == ("check passed", ">= 3")
    assert statuses["alpha_mini_retrieval"] == ("measured", "")
    wins = {r.quantity: r.reproduced for r in report}
    assert wins["larger_model_margin"] > 0 and wins["more_data_margin"] > 0
    assert "larger_model_margin_z" not in wins     # without the test size there is no z-score
    with_z = {r.quantity: r.reproduced for r in chapter.report_rows(rows, n_test=1000)}
    other, margin, se = chapter.winner_margin({"a": 0.5, "b": 0.4}, 1000)
    assert (other, margin) == ("a", pytest.approx(0.1)) and se == pytest.approx(np.hypot(0.5 / np.sqrt(1000), np.sqrt(0.24 / 1000)))
    assert with_z["larger_model_margin_z"] > 0
    assert wins["bottleneck_gain_mini-500"] == pytest.approx(0.0, abs=1e-12)
    # the largest model at the largest budget on the largest set: error 2 C^-0.1 / 10 at C = 1e-2 x 16384
    expected = (1 - 0.2 * (1e-2 * 16384) ** -0.1) / (1 / 8)
    assert wins["top_accuracy_over_chance_mini_shape"] == pytest.approx(expected)


def test_committed_laptop_results_show_the_papers_phenomena():
    """The claims of the chapter, on the committed results: the paper's frontier power law on
    zero-shot classification with R^2 >= 0.95 over >= 2 decades and no bin at chance, the largest
    model >= 3x chance, the larger model winning, the smallest set improving less than the largest
    and ending worst, and the page's sentences saying so."""
    page = chapter.compute("laptop", form="bounded", isoflop_profile=None)
    assert page.task == "mini_shape" and page.panels == ["mini_shape", "mini_shape_sketch", "mini_retrieval"]
    values = page.glue_values()
    assert values["mini_decades"] >= 2 and values["mini_r2"] >= chapter.R2_HOLDS
    assert values["mini_chance_multiple"] >= 3
    assert values["mini_larger_model_wins"] == 1.0
    assert values["mini_gain_small"] < values["mini_gain_large"]
    text = chapter.frontier_discussion(page)
    assert text.startswith("The paper's straight line holds here") and "No bin minimum is at chance" in text
    win = analysis.winners(page.rows, page.task)
    assert list(win.error_by_dataset.values())[0] == max(win.error_by_dataset.values())
    discussion = chapter.winners_discussion(page)
    assert "The smallest set is the worst" in discussion
    # the larger model's and the largest set's edges are within the binomial noise: not called wins
    assert discussion.count("within noise") == 2 and " wins" not in discussion
    table = chapter.error_table(page.rows, page.task)
    assert table.shape[0] == page.rows[["arch", "upstream_dataset"]].drop_duplicates().shape[0]
    assert list(chapter.models_table(page)["model"]) == list(chapter.analysis.models_of(page.rows))


def test_figures_of_the_page():
    page = chapter.compute("laptop", isoflop_profile=None)
    for fig in (chapter.frontier_figure(page), chapter.bottleneck_figure(page), chapter.sample_pairs(3)):
        assert isinstance(fig, Figure) and fig.axes
    titles = [ax.get_title() for ax in chapter.frontier_figure(page).axes if ax.get_title()]
    assert any(page.task in t or "retrieval" in t.lower() for t in titles)


def test_committed_isoflop_results_and_what_the_page_says_of_them():
    """The committed isoFLOP study: >= 3 budgets over >= 1 decade, >= 5 sizes each; fitted to the
    runs that learned, every budget's profile of the held-out loss and of the zero-shot error has
    an interior minimum, and both estimates of a and b come with intervals."""
    study = chapter.isoflop("isoflop", n_bootstrap=40, n_bootstrap_parametric=5, n_starts=200)   # v1
    profiles = study.profiles[study.metric]
    assert len(profiles) >= 3
    assert all((study.runs["budget_gmacs"] == budget).sum() >= 5 for budget in set(study.runs["budget_gmacs"]))
    budgets = [p.compute for p in profiles]
    assert max(budgets) / min(budgets) >= 9.9
    assert study.n_interior() == len(profiles) and study.n_interior("error") == len(profiles)
    assert study.fit is not None and study.fits.keys() == {"contrastive_loss", "error"}
    table = chapter.allocation_table(study)
    for row in (table.iloc[0], table.iloc[1]):
        assert row.a_lo <= row.a <= row.a_hi and row.b_lo <= row.b <= row.b_hi
        assert row.a + row.b == pytest.approx(1.0)
    text = chapter.allocation_discussion(study)
    assert "interior minimum" in text and "at chance left out" in text
    rows = {r.quantity for r in chapter.isoflop_report_rows(study)}
    assert {"a_parametric", "b_parametric"} <= rows
    runs = chapter.isoflop_runs_table(study)
    assert len(runs) == len(study.runs) and (runs["fitted"] == ~runs["at chance"]).all() and runs["at chance"].any()
    assert len(chapter.isoflop_profiles_table(study)) == len(profiles)
    for fig in (chapter.isoflop_figure(study), chapter.isoflop_figure(study, "error"), chapter.allocation_figure(study)):
        assert isinstance(fig, Figure) and fig.axes


def test_runs_at_chance_are_why_the_page_leaves_them_out():
    """Kept in the fit, the runs pinned at the chance loss pull the parabola of the largest budget
    below the smallest size tried: that budget loses its interior minimum."""
    kept = chapter.isoflop("isoflop", n_bootstrap=20, n_bootstrap_parametric=0, n_starts=50, chance_runs="keep")
    assert (kept.runs["at_chance"]).any() and len(kept.fitted_runs) == len(kept.runs)
    assert kept.n_interior() < len(kept.profiles[kept.metric])


def test_page_parameters_are_checked():
    with pytest.raises(ValueError, match="form must be one of"):
        chapter.compute("laptop", form="cubic", isoflop_profile=None)
    with pytest.raises(ValueError, match="isoflop_metric must be one of"):
        chapter.isoflop(metric="accuracy")
    with pytest.raises(ValueError, match="chance_runs must be one of"):
        chapter.isoflop(chance_runs="drop")
    with pytest.raises(ValueError, match="n_starts must be >= 0"):
        chapter.isoflop(n_starts=-1)


def test_runs_that_never_left_the_training_plateau_are_the_runs_at_the_chance_held_out_loss():
    """Two measurements of the same run agree: a run whose training loss never left ln(batch) ends
    with the held-out loss of a uniform guess among 256 pairs, and every run that left it is below."""
    runs = analysis.load_isoflop_runs("isoflop", HEADLINE_TASK).drop_duplicates("name").set_index("name")
    batch = analysis.load_provenance("isoflop")["profile"]["batch_size"]
    onsets = analysis.learning_onset(analysis.load_loss_curves("isoflop"), batch).set_index("name")
    assert set(onsets.index) == set(runs.index)
    at_chance = runs["contrastive_loss"] > np.log(HELDOUT_BATCH) - 0.01
    never_left = onsets["onset_samples"].isna().reindex(runs.index)
    assert 0 < at_chance.sum() < len(runs)
    assert (at_chance == never_left).all()


def test_in_v2_the_two_measurements_of_a_stuck_run_disagree_only_at_their_thresholds():
    """In v2 (54 runs) the two rules need not name the same runs: each run where they disagree sits
    within a few hundredths of both chance losses, and the page names it with both numbers."""
    study = chapter.isoflop("isoflop-v2", n_bootstrap=2, n_bootstrap_parametric=2, n_starts=5)
    table = chapter.plateau_agreement(study)
    assert len(table) == 54 and table["never_left"].any() and table["at_chance"].any()
    off = table[~table["agree"]]
    assert 0 < len(off) <= 2
    assert (off["train_below"].abs() < analysis.ONSET_MARGIN).all()
    assert (off["heldout_below"].abs() < 3 * study.plan["chance_tolerance"]).all()
    text = chapter.plateau_agreement_discussion([study])
    assert f"{int(table['agree'].sum())} of 54 runs agree" in text
    for row in off.itertuples():
        assert f"`{row.name}`" in text and f"{row.heldout_below:.3f} below" in text


def test_onset_table_and_prose_numbers_of_the_committed_studies():
    studies = ("laptop", "isoflop")   # the v1 study: seven sizes, 17 runs
    table = chapter.onset_table(studies)
    assert set(table["study"]) == {"laptop", "isoflop"}
    assert len(table) == 3 + 7  # the laptop's three models and the isoFLOP study's seven
    glue = chapter.onset_glue(studies)
    assert glue["mini_onset_runs"] == 27 + 17
    # the tiny ResNets leave the plateau within a few thousand samples: some run of the laptop's
    # lowest budget (8k samples) already has
    assert glue["mini_onset_earliest"] < 8_192
    assert glue["mini_onset_earliest"] == table["earliest onset (samples)"].min()
    text = chapter.onset_discussion(studies)
    assert f"{glue['mini_onset_earliest']:,.0f} samples" in text
    assert ("Never left it" in text) == (glue["mini_chance_runs"] > 0)


def test_the_v2_study_shows_its_plan_seeds_and_gaps():
    """isoflop-v2: 5 budgets, 3 seeds a cell, its plan followed at the plan's resamples, seed noise
    measured, every gap with a z-score, and the cells it shares with v1 compared."""
    study = chapter.isoflop("isoflop-v2", n_bootstrap=1000, n_bootstrap_parametric=5, n_starts=50)
    assert study.plan is not None and study.seeds == 3 and study.plan_departures() == []
    assert len(study.profiles[study.metric]) == 5
    plan = chapter.plan_table(study).set_index("setting")["value"]
    assert plan["plan sha256 (recorded with the results)"] == plan["plan sha256 (the profile now)"]
    gaps = chapter.gaps_table(study)
    assert gaps["z"].notna().sum() >= 5
    text = chapter.seeds_discussion(study)
    assert "pooled standard deviation" in text
    v1 = chapter.isoflop("isoflop", n_bootstrap=20, n_bootstrap_parametric=5, n_starts=50)
    assert len(chapter.versions_table(study, v1)) >= 1


def test_the_wsd_study_is_read_against_its_base_cosine_runs_under_its_fixed_rule():
    """The committed WSD branches against isoflop-v2's cosine runs of the same cells: what the page
    says follows the numbers and the profile's rule, and the page can leave the study out."""
    from repro.mini import wsd

    profile = wsd.get_wsd_profile("wsd-v2")
    agreement = analysis.wsd_agreement("wsd-v2")
    cells = agreement.cells
    assert len(cells) == len(profile.models) * len(profile.budgets) == 10
    assert (cells["cosine_seeds"] == 3).all() and (cells["wsd_seeds"] == 3).all()
    assert cells["samples_ratio"].between(0.98, 1.02).all()      # both round to whole batches
    assert agreement.matches == (abs(agreement.mean_z) < profile.z_match
                                 and agreement.n_apart <= profile.max_cells_apart)
    assert 0.6 < agreement.compute_ratio < 0.8
    text = chapter.schedule_discussion(agreement, "wsd-v2")
    assert ("match the cosine runs within seed noise" in text) == agreement.matches
    assert f"z = {agreement.mean_z:.2f}" in text and f"{agreement.mean_difference:+.4f}" in text
    assert f"{agreement.n_apart} cell(s) are apart" in text
    table = chapter.schedule_table(agreement)
    assert list(table["apart"]) == list(cells["z"].abs() >= 2)
    rows = {r.quantity: r.reproduced for r in chapter.schedule_report_rows(agreement)}
    assert rows["wsd_minus_cosine_z"] == pytest.approx(agreement.mean_z)
    assert isinstance(chapter.schedule_figure(
        chapter.Page("laptop", HEADLINE_TASK, 5, "power", None, {}, [], wsd_profile="wsd-v2", wsd=agreement)), Figure)
    left_out = chapter.Page("laptop", HEADLINE_TASK, 5, "power", None, {}, [])
    assert "without the WSD study" in chapter.schedule_display(left_out).data


def test_the_warmup_runs_answer_their_question_under_the_rule_fixed_before_them():
    """isoflop-v2-warmup against isoflop-v2's cosine runs and the WSD branches: the verdict follows
    the two comparisons; its 4-GMAC runs are v2's runs again, and a run is deterministic on one machine."""
    agreements = analysis.warmup_agreements("isoflop-v2-warmup", "wsd-v2")
    assert {len(a.cells) for a in agreements.values()} == {8}
    rerun = analysis.rerun_differences("isoflop-v2-warmup", 4.0)
    assert len(rerun) == 6 and (rerun["difference"] == 0).all()
    page = chapter.Page("laptop", HEADLINE_TASK, 5, "power", None, {}, [], wsd_profile="wsd-v2",
                        wsd=analysis.wsd_agreement("wsd-v2"), warmup_profile="isoflop-v2-warmup", warmup=agreements,
                        rerun=rerun)
    text = chapter.warmup_discussion(page)
    explains = agreements["wsd"].matches and not agreements["cosine"].matches
    assert (f"the warm-up {'explains' if explains else 'does not explain'} the gap") in text
    assert f"z = {agreements['cosine'].mean_z:.2f}" in text and f"z = {agreements['wsd'].mean_z:.2f}" in text
    assert "identical to the last digit" in text
    table = chapter.warmup_table(page)
    assert list(table.columns) == ["budget (GMACs)", "model", "cosine", "short warm-up", "WSD", "z vs cosine", "z vs WSD"]
    four = table[table["budget (GMACs)"] == 4.0]
    assert (four["cosine"] == four["short warm-up"]).all()
    left_out = chapter.Page("laptop", HEADLINE_TASK, 5, "power", None, {}, [])
    assert "without the warm-up runs" in chapter.warmup_discussion(left_out)
