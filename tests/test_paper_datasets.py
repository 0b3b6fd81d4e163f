from __future__ import annotations

from repro.data import load_reported
from repro.paper import datasets


def test_table03_sorts_by_overlap_only_when_asked():
    printed = datasets.table03()
    assert printed.equals(load_reported("table03"))
    ranked = datasets.table03(sort_by_overlap=True)
    assert ranked["Overlap %"].is_monotonic_decreasing and len(ranked) == len(printed)


def test_suite_glue_values_count_table26():
    suite = load_reported("table26")
    values = datasets.suite_glue_values(suite)
    assert values == {"n_suite": float(len(suite)), "suite_test_images": float(suite["Test size"].sum())}
    assert values["n_suite"] > 30 and all(type(v) is float for v in values.values())
