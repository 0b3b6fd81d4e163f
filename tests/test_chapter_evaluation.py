"""The evaluation chapter: the aggregate check's report rows, glue values and tables."""

import pytest

from repro.chapters import evaluation as chapter
from repro.errors import DataNotFoundError, SchemaError, SpecError


@pytest.fixture(scope="module")
def suite():
    return chapter.load_the_suite("paper")


@pytest.fixture(scope="module")
def check(paper_rows, suite):
    return chapter.aggregate_check(paper_rows, suite)


def test_glue_values_name_each_aggregate(check):
    values = chapter.glue_values(check)
    assert set(values) == {"agg_max_imagenet_robustness", "agg_max_vtab_plus", "agg_max_vtab", "agg_models"}
    assert values["agg_models"] == 32.0
    assert all(type(v) is float for v in values.values()) and values["agg_max_vtab_plus"] < 1e-6


def test_report_rows_leave_the_paper_column_empty(check):
    rows = chapter.report_rows(check)
    assert [r.quantity for r in rows] == [f"max |recomputed - published| {name} over 32 models (points)"
                                          for name in ("imagenet_robustness", "vtab+", "vtab")]
    # the paper prints no such number: no paper value, status "reproduced", no explanation
    assert all(r.paper is None and r.status == "reproduced" and not r.explanation for r in rows)
    assert all(0 <= r.reproduced < 1e-4 for r in rows)


def test_an_aggregate_that_does_not_reproduce_stops_the_page(paper_rows, suite):
    broken = paper_rows.copy()
    first_vtab = broken.index[broken["downstream_dataset"] == "vtab"][0]
    broken.loc[first_vtab, "acc1"] += 0.01
    check = chapter.aggregate_check(broken, suite)
    with pytest.raises(SchemaError, match=r"vtab \(0.01\)"):
        chapter.report_rows(check)


def test_summary_and_candidates(check, paper_rows):
    table = chapter.summary(check)
    assert list(table["aggregate"]) == ["imagenet_robustness", "vtab+", "vtab"] and table.iloc[:, -1].all()
    assert len(chapter.vtab_candidates(paper_rows)) == 3


def test_compute_is_the_page_and_names_a_missing_source(tmp_path):
    page = chapter.compute("paper", "paper")
    assert page.report_rows() == chapter.report_rows(page.check)
    assert page.glue_values() == chapter.glue_values(page.check)
    assert page.check.n_models == 32 and len(page.rows) == len(chapter.load_results("paper"))
    with pytest.raises(DataNotFoundError, match="no_such.csv"):
        chapter.compute(str(tmp_path / "no_such.csv"))
    with pytest.raises(SpecError, match="no such suite file"):
        chapter.compute("paper", str(tmp_path / "no_such.yaml"))
