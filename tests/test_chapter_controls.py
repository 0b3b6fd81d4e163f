"""The chapter "Control experiments" (repro.chapters.controls): Tables 12-15 as printed, with the
differences the paper's text talks about."""

import numpy as np
import pytest

from repro.chapters import controls as chapter
from repro.errors import SchemaError


def test_control_differences_show_the_papers_inconsistencies():
    batch = chapter.table12()
    np.testing.assert_allclose(batch["gain"], [0.47, 0.52, 0.18], atol=1e-9)
    assert chapter.control("table14")["difference"].iloc[1] == pytest.approx(0.39)
    with pytest.raises(SchemaError, match="table99"):
        chapter.control("table99")


def test_controls_glue_values_summarise_tables_12_and_14():
    batch, repeat = chapter.table12(), chapter.control("table14")
    values = chapter.controls_glue_values(batch, repeat)
    assert values["batch_gain_min"] <= values["batch_gain_max"]
    assert values["batch_gain_max"] == float(batch["gain"].max())
    assert values["repeat_gap"] == float(repeat["difference"].abs().max()) >= 0
    assert all(type(v) is float for k, v in values.items() if not k.endswith("_verdict"))


def test_controls_verdicts_round_every_gain_alike_and_weigh_them_against_the_repeat_gap():
    page = chapter.compute()
    values = page.glue_values()
    # 0.18 and 0.52 both round into the stated 0.2-0.5 at its one decimal
    assert values["batch_range_verdict"].startswith("All 3 values round into the stated 0.2-0.5")
    # the gains are within two repeat gaps (2 x 0.39)
    assert "0 of 3 exceed" in values["batch_noise_verdict"]
    assert values["repeat_gap_over_stated"] == pytest.approx(3.9)
    assert page.report_rows() == []
