"""The results registry: merge without duplicates, atomic writes, refusal of other schemas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from repro.data import RESULTS_COLUMNS
from repro.errors import SchemaError
from repro.data.results_registry import merge_results, read_registry


def _row(name: str, dataset: str, acc1: float, arch: str = "ViT-B-32") -> dict:
    row = {c: np.nan for c in RESULTS_COLUMNS}
    row.update(arch=arch, samples_seen=1e9, gmacs=7.4, gmacs_total=7.4e9, upstream_dataset="LAION-2B",
               downstream_dataset=dataset, acc1=acc1, task="zeroshot_classification", samples_seen_pretty="1B",
               name=name)
    return row


def test_merge_replaces_the_same_model_and_dataset_and_keeps_the_rest(tmp_path):
    path = tmp_path / "results.csv"
    merge_results(path, pd.DataFrame([_row("a", "x", 0.1), _row("a", "y", 0.2), _row("b", "x", 0.3)]))
    merged = merge_results(path, pd.DataFrame([_row("a", "x", 0.9)]))
    assert len(merged) == 3
    again = read_registry(path).set_index(["name", "downstream_dataset"])
    assert again.loc[("a", "x"), "acc1"] == 0.9 and again.loc[("b", "x"), "acc1"] == 0.3
    # OpenAI models share the name "openai": they are told apart by arch.
    merge_results(path, pd.DataFrame([_row("openai", "x", 0.5, "ViT-B-32"), _row("openai", "x", 0.6, "ViT-L-14")]))
    assert len(read_registry(path)) == 5
    assert not list(tmp_path.glob(".*.tmp"))


def test_bad_new_rows_leave_the_registry_as_it_was(tmp_path):
    path = tmp_path / "results.csv"
    merge_results(path, pd.DataFrame([_row("a", "x", 0.1)]))
    before = path.read_bytes()
    with pytest.raises(SchemaError, match="not a fraction"):
        merge_results(path, pd.DataFrame([_row("a", "y", 1.5)]), source="bad rows")
    with pytest.raises(SchemaError, match="duplicate row"):
        merge_results(path, pd.DataFrame([_row("a", "y", 0.1), _row("a", "y", 0.2)]))
    assert path.read_bytes() == before


def test_a_registry_in_another_schema_is_refused_with_its_name(tmp_path):
    path = tmp_path / "other.csv"
    pd.DataFrame({"model": ["m"], "top1": [0.3]}).to_csv(path, index=False)
    before = path.read_bytes()
    with pytest.raises(SchemaError, match="missing column") as info:
        merge_results(path, pd.DataFrame([_row("a", "x", 0.1)]))
    assert str(path) in str(info.value)
    assert path.read_bytes() == before


def test_missing_registry_reads_as_empty(tmp_path):
    assert list(read_registry(tmp_path / "none.csv").columns) == list(RESULTS_COLUMNS)


def test_a_lock_held_too_long_is_an_error_naming_the_lock_file(tmp_path):
    from filelock import FileLock

    from repro.errors import EvaluationError
    from repro.data.results_registry import registry_lock

    registry = tmp_path / "registry.csv"
    with FileLock(tmp_path / "registry.csv.lock"):
        with pytest.raises(EvaluationError, match=r"registry\.csv\.lock: the results registry is locked"):
            with registry_lock(registry, timeout_s=0.2):
                pass
    with registry_lock(registry, timeout_s=0.2):   # free again once released
        pass
