from __future__ import annotations

import pytest

from repro.chapters import datasets
from repro.errors import ParameterError
from repro.data import load_reported


def test_table03_sorts_by_overlap_only_when_asked():
    printed = datasets.table03()
    assert printed.equals(load_reported("table03"))
    ranked = datasets.table03(sort_by_overlap=True)
    assert ranked["Overlap %"].is_monotonic_decreasing and len(ranked) == len(printed)


def test_suite_glue_values_count_table26():
    suite = datasets.table26()
    assert suite.equals(load_reported("table26")) and datasets.table02().equals(load_reported("table02"))
    values = datasets.suite_glue_values(suite)
    assert values == {"n_suite": float(len(suite)), "suite_test_images": float(suite["Test size"].sum())}
    assert values["n_suite"] > 30 and all(type(v) is float for v in values.values())


def test_compute_is_the_page_and_rejects_a_non_bool_sort():
    page = datasets.compute(sort_overlap=True)
    assert page.report_rows() == []
    assert page.glue_values() == datasets.suite_glue_values(page.suite)
    assert page.overlap["Overlap %"].is_monotonic_decreasing
    assert page.pretraining.equals(load_reported("table02"))
    with pytest.raises(ParameterError, match="sort_overlap"):
        datasets.compute(sort_overlap="yes")
