"""The training chapter: the launch specs' resources beside Table 18, the page's glue values and
each run's command."""

import pytest

from repro.chapters import training as chapter
from repro.data import load_reported
from repro.errors import DataNotFoundError, SpecError


@pytest.fixture(scope="module")
def specs():
    return chapter.load_specs("paper")


@pytest.fixture(scope="module")
def runs(specs):
    return chapter.resources_table(specs)


def test_every_spec_value_agrees_with_table18(runs):
    values = chapter.glue_values(runs)
    assert values["n_runs"] == 29.0 and values["n_compared"] == 3 * 29
    # global batch exactly, hours and GPU-hours to the printed hour: all 87
    assert values["n_agree"] == values["n_compared"]
    assert values["paper_total_gpu_hours"] == float(load_reported("table18")["gpu_hours"].sum())
    # each run within half a printed hour of GPU-hours, so the total within 29 halves
    assert abs(values["total_gpu_hours"] - values["paper_total_gpu_hours"]) <= 29 * 0.5
    assert all(type(v) is float for v in values.values())


def test_a_wrong_hour_is_counted_as_disagreeing(runs):
    broken = runs.copy()
    broken.loc[0, "paper_hours"] += 2
    assert chapter.glue_values(broken)["n_agree"] == 3 * 29 - 1


def test_commands_carry_each_run_and_its_data_dir(specs):
    commands = chapter.commands_table(specs[:2], out_dir="OUT")
    assert list(commands["name"]) == [s.name for s in specs[:2]]
    assert all("repro.executors.openclip" in c and "$DATA_DIR" in c and "--resume latest" in c for c in commands["command"])
    assert "name" not in chapter.resources_display(chapter.resources_table(specs)).columns


def test_the_page_without_a_scheduler_run_has_no_rows_and_the_table18_values():
    page = chapter.compute(scheduler_run="")
    assert page.report_rows() == [] and page.glue_values()["n_runs"] == 29.0
    with pytest.raises(SpecError, match="without a scheduler run"):
        page.loss_figure()


def test_a_missing_scheduler_run_says_how_to_make_it(tmp_path):
    with pytest.raises(DataNotFoundError, match="repro.launch.scheduler_run"):
        chapter.compute(scheduler_run=str(tmp_path))
