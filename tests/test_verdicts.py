"""Verdict functions: each sentence changes when its numbers cross the threshold in the code."""

import pytest

from repro.errors import ReproError
from repro.scaling import verdicts as v


def test_difference_is_a_finding_only_beyond_two_standard_errors():
    assert "a finding" in v.difference_sentence("x", 2.01 * 0.5, 0.5)
    assert "within noise" in v.difference_sentence("x", 1.99 * 0.5, 0.5)
    assert "lower" in v.difference_sentence("x", -1.5, 0.5) and "a finding" in v.difference_sentence("x", -1.5, 0.5)
    assert v.is_finding(-2.0, 1.0) and not v.is_finding(1.9, 1.0)


def test_bad_standard_error_raises_a_repro_error_naming_it():
    with pytest.raises(ReproError, match="standard_error"):
        v.z_score(1.0, 0.0)
    with pytest.raises(ReproError, match="standard_error"):
        v.difference_sentence("x", 1.0, float("nan"))


def test_holds_counts_only_contrasts_that_clear_the_noise():
    # the zero-shot claim C contrasts with their binomial standard errors
    contrasts = [("Flickr text", 0.90, 0.90), ("Flickr image", 0.96, 0.77), ("COCO text", -0.26, 1.06),
                 ("COCO image", 1.70, 0.58)]
    sentence = v.holds_sentence("C", contrasts)
    assert sentence.startswith("C holds beyond noise (z >= 2) on 1 of 4 measures (COCO image)")
    assert "within noise on 2" in sentence and "other way on 1 (COCO text)" in sentence
    # one more standard error of evidence on Flickr image and it counts
    assert "on 2 of 4" in v.holds_sentence("C", [*contrasts[:1], ("Flickr image", 0.96, 0.47), *contrasts[2:]])
    with pytest.raises(ReproError, match="contrasts"):
        v.holds_sentence("C", [])


def test_trend_grows_only_when_every_step_rises_beyond_the_tolerance():
    assert "grows with k" in v.trend_sentence("e", {1: 0.1, 2: 0.1 + v.TREND_TOLERANCE_PP + 0.01, 3: 0.3})
    flat = v.trend_sentence("e", {1: 0.1, 2: 0.1 + v.TREND_TOLERANCE_PP - 0.01, 3: 0.3})
    assert "does not grow steadily" in flat and "stays within" in flat
    falls = v.trend_sentence("e", {1: 0.69, 2: 0.10, 3: 0.10, 5: 0.88})
    assert "falls from k = 1 to 2" in falls and "k = 2 to 3" in falls
    with pytest.raises(ReproError):
        v.trend_sentence("e", {1: 0.1})


def test_wins_needs_two_binomial_standard_errors_from_a_coin():
    # 31 datasets: sqrt(31)/2 = 2.78, so 2 SE above 15.5 is 21.07
    assert "no clear winner" in v.wins_sentence("A", "B", 21, 31)
    assert "a finding" in v.wins_sentence("A", "B", 22, 31) and v.wins_sentence("A", "B", 22, 31).startswith("A beats")
    assert v.wins_sentence("A", "B", 9, 31).startswith("B beats")
    with pytest.raises(ReproError, match="a_wins"):
        v.wins_sentence("A", "B", 5, 3)


def test_placement_biases_the_line_only_when_every_bin_count_clears_chance():
    assert "biases the line" in v.placement_sentence({4: (25, 31), 5: (26, 31)})
    mixed = v.placement_sentence({4: (13, 31), 5: (15, 31), 6: (21, 31), 7: (9, 31)})
    assert "no consistent improvement" in mixed and "at 0 of 4 bin counts" in mixed


def test_range_rounds_every_value_by_the_same_rule():
    assert v.range_sentence({"a": 0.18, "b": 0.52}, 0.2, 0.5, decimals=1).startswith("All 2 values round into")
    outside = v.range_sentence({"a": 0.18, "b": 0.52}, 0.2, 0.5, decimals=2)
    assert "a (0.18), b (0.52) lie outside" in outside
    assert "b (0.56) lies outside" in v.range_sentence({"a": 0.3, "b": 0.56}, 0.2, 0.5, decimals=1)
    with pytest.raises(ReproError):
        v.range_sentence({"a": 1}, 0.5, 0.2, decimals=1)


def test_noise_scale_counts_effects_beyond_two_repeat_gaps():
    assert "0 of 3 exceed" in v.noise_scale_sentence("gains", [0.47, 0.52, 0.18], 0.39, noise_name="gap")
    assert "each is beyond" in v.noise_scale_sentence("gains", [0.8, 0.9], 0.39, noise_name="gap")
    assert "1 of 2 exceed" in v.noise_scale_sentence("gains", [0.8, 0.7], 0.39, noise_name="gap")


def test_coverage_against_nominal_with_and_without_an_interval():
    assert "below nominal" in v.coverage_sentence("m", 0.58, 0.90)
    assert "near nominal" in v.coverage_sentence("m", 0.86, 0.90)
    assert "above nominal" in v.coverage_sentence("m", 0.99, 0.90)
    assert "consistent with nominal" in v.coverage_sentence("m", 0.88, 0.90, low=0.80, high=0.95)
    assert "below nominal" in v.coverage_sentence("m", 0.80, 0.90, low=0.70, high=0.89)


def test_widening_quick_only_at_the_threshold_factor_per_decade():
    assert "widen slowly" in v.widening_sentence({0.0: 2.95, 0.5: 4.34, 1.0: 5.27})
    assert "widen quickly" in v.widening_sentence({0.0: 1.0, 1.0: v.QUICK_WIDENING_PER_DECADE + 0.01})
    assert "widen slowly" in v.widening_sentence({0.0: 1.0, 1.0: v.QUICK_WIDENING_PER_DECADE - 0.01})


def test_readings_names_each_reading_that_reproduces_the_printed_number():
    both = v.readings_sentence(75.10, {"six bins": 75.099, "five bins": 75.03}, decimals=2)
    assert "reproduced by 1 reading: six bins" in both and "not by five bins" in both
    assert "by 0 readings" in v.readings_sentence(75.10, {"five bins": 75.03}, decimals=2)
    assert "by 2 readings" in v.readings_sentence(75.0, {"a": 75.03, "b": 74.96}, decimals=1)


def test_span_in_decades_not_orders_of_magnitude():
    assert v.span_phrase(9.0, 11.56) == "2.56 decades (a factor of 363)"
    with pytest.raises(ReproError):
        v.span_phrase(2.0, 1.0)


def test_sign_stability_names_the_datasets_that_flip():
    assert "same under every" in v.sign_stability_sentence({"a": {"3": -0.1, "8": -0.2}})
    flips = v.sign_stability_sentence({"a": {"3": -0.1, "8": 0.2}, "b": {"3": 0.1, "8": 0.2}})
    assert "on 1 of 2 datasets (a)" in flips


def test_probability_below_alpha_under_every_choice_or_borderline():
    assert "under every choice" in v.probability_sentence("p", 0.02, 0.017, 0.028)
    assert "borderline" in v.probability_sentence("p", 0.03, 0.017, 0.051)
    assert "not below" in v.probability_sentence("p", 0.2, 0.06, 0.3)


def test_interval_and_mean_residual_verdicts_follow_zero():
    assert "undecided" in v.interval_excludes_zero_sentence("d", -0.1, 0.1)
    assert "negative" in v.interval_excludes_zero_sentence("d", -0.2, -0.01)
    assert "positive" in v.interval_excludes_zero_sentence("d", 0.01, 0.2)
    assert "below the forecast" in v.mean_interval_verdict("r", -1.0, -1.5, -0.1)
    assert "consistent with" in v.mean_interval_verdict("r", -1.0, -1.5, 0.1)
    assert "above the forecast" in v.mean_interval_verdict("r", 1.0, 0.1, 1.5)


def test_reproduction_sentence_names_defects_and_empty_sections():
    assert v.reproduction_sentence(0, 0, 0, 0) == "not yet computed."
    assert v.reproduction_sentence(5, 0, 0, 0) == "reproduced: 5 of 5 printed values exact."
    assert v.reproduction_sentence(5, 0, 0, 1).startswith("not reproduced")


def test_direction_settled_only_when_most_intervals_exclude_zero():
    assert "point estimates" in v.direction_sentence(2, 1, 38, label_a="A", label_b="B")
    assert "settled" in v.direction_sentence(20, 1, 20, label_a="A", label_b="B")
    assert "point estimates" in v.direction_sentence(20, 0, 21, label_a="A", label_b="B")


def test_checks_sentence_lists_each_miss_with_its_target():
    assert v.checks_sentence([]) == "not yet computed."
    assert v.checks_sentence([("a", 1.0, ">= 0.5", True)]) == "1 of 1 targets met."
    assert "missed: b 0.2 (target >= 0.5)" in v.checks_sentence([("a", 1.0, ">= 0.5", True), ("b", 0.2, ">= 0.5", False)])


def test_later_models_sentence_waits_for_every_number():
    assert v.later_models_sentence(5, 3, 4, -1.0, -1.5, -0.2, ).startswith("5 in-family forecasts")
    assert "below the forecast." in v.later_models_sentence(5, 3, 4, -1.0, -1.5, -0.2)
    assert "consistent with the forecast" in v.later_models_sentence(5, 3, 4, -1.0, -1.5, 0.2)
    assert v.later_models_sentence(5, 3, None, -1.0, -1.5, 0.2) == "not yet computed."


def test_steeper_counts_the_claimed_side_in_point_estimates_only():
    assert "steeper on 2 of 2" in v.steeper_sentence("A", "B", {"x": (-0.2, -0.1), "y": (-0.3, -0.1)})
    assert "steeper on 1 of 2" in v.steeper_sentence("A", "B", {"x": (-0.2, -0.1), "y": (-0.1, -0.3)})
    assert "no pair" in v.steeper_sentence("A", "B", {"x": (float("nan"), -0.1)})


def test_difference_sentence_without_a_unit():
    assert v.difference_sentence("a", 0.0031, 0.0003, unit="", positive="above the truth", decimals=4) == \
        "a is above the truth by 0.0031 (z = 10.3, a finding at |z| >= 2)."
