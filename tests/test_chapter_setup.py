"""The setup chapter: Table 18 recomputed from the run table (INFO) and Table 25 counted from
open_clip configs, each beside the print."""

import math

import pandas as pd
import pytest

from repro.chapters import setup as chapter
from repro.chapters.setup import _millions, table18, table18_report_rows, table25, table25_report_rows
from repro.compute import compare_with_arch
from repro.data import load_models_info
from repro.errors import ParameterError, SchemaError, SpecError


@pytest.fixture(scope="module")
def table():
    return table18()


@pytest.fixture(scope="module")
def arch_table():
    return table25()


def test_table18_derived_columns_match_the_print(table):
    assert len(table) == 29
    assert (table["global_batch"] == table["paper_global_batch"]).all()
    assert (table["gpus"] == table["paper_gpus"]).all() and (table["local_batch"] == table["paper_local_batch"]).all()
    # Hours and GPU-hours: the paper's are samples seen / recorded throughput, to the printed hour.
    assert ((table["hours"] - table["paper_hours"]).abs() <= 0.5 + 1e-9).all()
    assert ((table["gpu_hours"] - table["paper_gpu_hours"]).abs() <= 0.5 + 1e-9).all()
    # The MWh column is GPU-hours x 0.35 kW throughout (printed to two decimals).
    assert table["implied_kw_per_gpu"].between(0.345, 0.355).all()


def test_table18_samples_seen_rows_are_printed_names_with_the_actual_count(table):
    rows = table18_report_rows(table)
    assert len(rows) == 4 * 29
    names = [r for r in rows if r.quantity.startswith("samples_seen_billions")]
    assert len(names) == 29
    # "3B" / "13B" / "34B" are names: never compared with a count, never exact or within rounding.
    assert all(r.status == "printed name" and r.paper is None and r.difference is None for r in names)
    by_quantity = {r.quantity: r.reproduced for r in names}
    assert by_quantity["samples_seen_billions ViT-L/14 LAION-2B (printed as 34B)"] == pytest.approx(32.0)
    assert by_quantity["samples_seen_billions ViT-B/32 LAION-80M (printed as 3B)"] == pytest.approx(2.56001328)
    # Every other row (global batch, hours, GPU-hours) rounds to the printed whole number.
    others = [r for r in rows if r not in names]
    assert len(others) == 3 * 29
    assert [r.quantity for r in others if r.status != "exact"] == []
    assert all(not r.explanation for r in rows)


def test_table18_budget_ranges_are_the_runs_counts(table):
    values = chapter.budget_ranges(table)
    assert values["samples_3B_min"] == pytest.approx(2.443992504) and values["samples_3B_max"] == pytest.approx(2.56001328)
    assert values["samples_13B_min"] == pytest.approx(12.20814702) and values["samples_13B_max"] == pytest.approx(13.216)
    assert values["samples_34B_min"] == pytest.approx(32.0) and values["samples_34B_max"] == pytest.approx(34.725395968)
    assert values["n_hours"] == values["n_hours_exact"] == 58.0


def test_table18_from_another_run_table():
    info = load_models_info().head(3)
    ours = table18(info, reported=pd.DataFrame())
    assert list(ours["global_batch"]) == list(info["gpus"] * info["local_bs"])
    bad = info.assign(samples_per_sec=[0.0, 1.0, 1.0])
    with pytest.raises(SchemaError, match="row 2, column 'samples_per_sec'"):
        table18(bad, reported=pd.DataFrame())
    with pytest.raises(SchemaError, match="local_bs"):
        table18(info.drop(columns=["local_bs"]), reported=pd.DataFrame())


def test_table25_counts_equal_the_print(arch_table):
    rows = table25_report_rows(arch_table)
    assert len(rows) == 6 * 7
    assert [(r.quantity, r.status) for r in rows if r.status != "exact"] == []
    # ViT-L/14: 87.73 as printed with the final LayerNorm on the pooled token, 87.74 on every token.
    l14 = arch_table.set_index("Model").loc["L/14"]
    assert round(l14["gmacs_per_sample"], 2) == 87.73 and round(l14["gmacs_per_sample_every_token"], 2) == 87.74
    assert l14["gmacs_per_sample_every_token"] - l14["gmacs_per_sample"] == pytest.approx(256 * 1024 * 5 / 1e9)


@pytest.mark.parametrize("printed, expected", [("151M", (151.0, 0)), ("1.37B", (1370.0, -1)), ("2.54B", (2540.0, -1))])
def test_printed_parameter_counts_are_parsed_with_their_precision(printed, expected):
    assert _millions(printed) == pytest.approx(expected)


def test_setup_glue_values_name_the_worst_model():
    assert chapter.models_to_compare("all") is None and len(chapter.models_to_compare("table25")) == 6
    with pytest.raises(SpecError, match="compare_models"):
        chapter.models_to_compare("some")
    macs = compare_with_arch(models=["ViT-B-32", "ViT-L-14"])
    values = chapter.glue_values(macs)
    assert values["n_arch"] == values["n_within"] == values["n_exact"] == 2.0
    assert values["n_vit"] == values["n_vit_exact"] == 2.0
    worst = macs.loc[macs["rel_diff_total"].abs().idxmax(), "model"]
    assert values["worst_model"].data == f"`{worst}`"
    assert values["worst_total_pct"] == pytest.approx(100 * macs["rel_diff_total"].abs().max())
    tower = macs[["rel_diff_image", "rel_diff_text"]].abs().to_numpy().max()
    assert values["worst_tower_pct"] == pytest.approx(100 * tower) and values["worst_tower_pct"] > 0
    assert values["ln_post_gmacs_l14"] == pytest.approx(256 * 1024 * 5 / 1e9)
    assert math.isnan(chapter.glue_values(compare_with_arch(models=["ViT-B-32"]))["ln_post_gmacs_l14"])


def test_setup_display_views_keep_the_named_columns(table):
    view = chapter.table18_display(table)
    assert tuple(view.columns) == chapter.TABLE18_DISPLAY_COLUMNS and len(view) == len(table)
    assert view["hours"].equals(table["hours"].round(2))
    macs = compare_with_arch(models=["ViT-B-32"])
    assert tuple(chapter.macs_display(macs).columns) == chapter.MACS_DISPLAY_COLUMNS


def test_compute_is_the_page_and_checks_its_parameters():
    page = chapter.compute(0.01, "table25")
    assert len(page.macs) == 6 and page.macs["within_tolerance"].all()
    assert page.report_rows() == chapter.report_rows(page.arch_table, page.runs)
    assert page.glue_values()["n_arch"] == 6.0
    with pytest.raises(ParameterError, match="tolerance"):
        chapter.compute(-0.5)
    with pytest.raises(SpecError, match="compare_models"):
        chapter.compute(0.01, "some")
