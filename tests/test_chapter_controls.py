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
    assert all(type(v) is float for v in values.values())
