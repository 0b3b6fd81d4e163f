"""Table 18 recomputed from the run table (INFO) and Table 25 counted from open_clip configs."""

import pandas as pd
import pytest

from repro.data import load_models_info
from repro.errors import SchemaError
from repro.paper.architectures import _millions, table25, table25_report_rows
from repro.paper.resources import table18, table18_report_rows


@pytest.fixture(scope="module")
def table():
    return table18()


def test_table18_derived_columns_match_the_print(table):
    assert len(table) == 29
    assert (table["global_batch"] == table["paper_global_batch"]).all()
    assert (table["gpus"] == table["paper_gpus"]).all() and (table["local_batch"] == table["paper_local_batch"]).all()
    # Hours and GPU-hours: the paper's are samples seen / recorded throughput, to the printed hour.
    assert ((table["hours"] - table["paper_hours"]).abs() <= 0.5 + 1e-9).all()
    assert ((table["gpu_hours"] - table["paper_gpu_hours"]).abs() <= 0.5 + 1e-9).all()
    # The MWh column is GPU-hours x 0.35 kW throughout (printed to two decimals).
    assert table["implied_kw_per_gpu"].between(0.345, 0.355).all()


def test_table18_report_rows_explain_the_nominal_samples_label(table):
    rows = table18_report_rows(table)
    assert len(rows) == 4 * 29
    differing = [r for r in rows if r.status.startswith("differs")]
    # Only L/14 LAION-2B "34B": the run saw 32.0 B samples.
    assert [r.quantity for r in differing] == ["samples_seen_billions ViT-L/14 LAION-2B 34B"]
    assert differing[0].status == "differs, explained" and "32.00 B" in differing[0].explanation


def test_table18_from_another_run_table():
    info = load_models_info().head(3)
    ours = table18(info, reported=pd.DataFrame())
    assert list(ours["global_batch"]) == list(info["gpus"] * info["local_bs"])
    bad = info.assign(samples_per_sec=[0.0, 1.0, 1.0])
    with pytest.raises(SchemaError, match="row 2, column 'samples_per_sec'"):
        table18(bad, reported=pd.DataFrame())
    with pytest.raises(SchemaError, match="local_bs"):
        table18(info.drop(columns=["local_bs"]), reported=pd.DataFrame())


def test_table25_counts_match_the_print():
    rows = table25_report_rows(table25())
    assert len(rows) == 6 * 7
    assert {r.status for r in rows} <= {"exact", "within rounding"}


@pytest.mark.parametrize("printed, expected", [("151M", (151.0, 0)), ("1.37B", (1370.0, -1)), ("2.54B", (2540.0, -1))])
def test_printed_parameter_counts_are_parsed_with_their_precision(printed, expected):
    assert _millions(printed) == pytest.approx(expected)


def test_setup_glue_values_name_the_worst_model():
    import pytest

    from repro.compute import compare_with_arch
    from repro.errors import SpecError
    from repro.paper.architectures import glue_values, models_to_compare

    assert models_to_compare("all") is None and len(models_to_compare("table25")) == 6
    with pytest.raises(SpecError, match="compare_models"):
        models_to_compare("some")
    macs = compare_with_arch(models=["ViT-B-32", "ViT-B-16"])
    values = glue_values(macs)
    assert values["n_arch"] == 2.0 and values["n_within"] <= 2.0
    worst = macs.loc[macs["rel_diff_total"].abs().idxmax(), "model"]
    assert values["worst_model"].data == f"`{worst}`"
    assert values["worst_total_pct"] == pytest.approx(100 * macs["rel_diff_total"].abs().max())
    assert values["worst_tower_pct"] >= 0


def test_setup_display_views_keep_the_named_columns(table):
    from repro.compute import compare_with_arch
    from repro.paper.architectures import MACS_DISPLAY_COLUMNS, macs_display
    from repro.paper.resources import TABLE18_DISPLAY_COLUMNS, table18_display

    view = table18_display(table)
    assert tuple(view.columns) == TABLE18_DISPLAY_COLUMNS and len(view) == len(table)
    assert view["hours"].equals(table["hours"].round(2))
    macs = compare_with_arch(models=["ViT-B-32"])
    assert tuple(macs_display(macs).columns) == MACS_DISPLAY_COLUMNS
