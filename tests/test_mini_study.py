"""The study loop end to end with the smoke profile: real open_clip_train runs through the launcher's
run directories, real CLIP_benchmark scoring, rows in the results schema, idempotent reruns."""

import dataclasses
import json

import pandas as pd
import pytest

from repro.data.loaders import read_results
from repro.errors import SpecError
from repro.mini import cli
from repro.mini.profiles import Profile, get_profile
from repro.mini.study import grid, run_study, samples_pretty



def test_profiles_have_the_required_grids():
    laptop = get_profile("laptop")
    assert laptop.n_runs >= 27
    for axis in (laptop.dataset_sizes, laptop.samples_seen):
        assert all(b >= 4 * a for a, b in zip(axis, axis[1:]))
    with pytest.raises(SpecError, match="unknown mini profile 'huge'"):
        get_profile("huge")
    with pytest.raises(SpecError, match="multiples of the batch"):
        Profile("bad", models=("a", "b"), dataset_sizes=(1, 4), samples_seen=(100, 400), batch_size=64, lr=1e-3,
                test_size=10, probe_train_size=10)


def test_samples_pretty():
    assert [samples_pretty(s) for s in (256, 1024, 16384, 2_621_440)] == ["256", "1k", "16k", "2.6M"]


@pytest.mark.slow
def test_smoke_study_end_to_end_and_idempotent(tmp_path):
    """The smoke profile (CI's run of the whole loop), then two reruns."""
    smoke = get_profile("smoke")
    results_root, work_root = tmp_path / "results", tmp_path / "work"
    first = run_study(smoke, results_root=results_root, work_root=work_root)
    assert (first.trained, first.evaluated, first.skipped) == (8, 8, 0)
    rows = read_results(results_root / "smoke" / "results.csv")
    assert len(rows) == 8 * 5 and set(rows["upstream_dataset"]) == {"mini-100", "mini-400"}
    assert (rows["gmacs_total"] == rows["gmacs"] * rows["samples_seen"]).all()
    provenance = json.loads((results_root / "smoke" / "provenance.json").read_text())
    assert provenance["seed"] == 0 and provenance["code_version"] and len(provenance["runs"]) == 8
    # each run's folder relative to the profile's run folder, no absolute path of this machine
    assert all((work_root / "runs" / "smoke" / run["run_dir"]).is_dir() and not run["run_dir"].startswith("/")
               for run in provenance["runs"].values())
    assert (results_root / "smoke" / "loss_curves.csv").is_file()
    second = run_study(smoke, results_root=results_root, work_root=work_root)
    assert (second.trained, second.evaluated, second.skipped) == (0, 0, 8)
    # a run whose rows are lost but whose checkpoint remains is evaluated again, not retrained
    kept = rows[rows["name"] != grid(smoke)[0].name]
    kept.to_csv(results_root / "smoke" / "results.csv", index=False)
    third = run_study(smoke, results_root=results_root, work_root=work_root)
    assert (third.trained, third.evaluated, third.skipped) == (0, 1, 7)
    # the profile changes (another model for mini-RN-S): the runs of S leave every output
    changed = dataclasses.replace(smoke, models=("mini-RN-XXS", "mini-RN-XS"))
    said = []
    fourth = run_study(changed, results_root=results_root, work_root=work_root, progress=said.append)
    assert (fourth.trained, fourth.evaluated, fourth.skipped) == (4, 4, 4)
    rows = read_results(results_root / "smoke" / "results.csv")
    assert set(rows["arch"]) == {"mini-RN-XXS", "mini-RN-XS"} and len(rows) == 8 * 5
    assert set(pd.read_csv(results_root / "smoke" / "loss_curves.csv")["arch"]) == {"mini-RN-XXS", "mini-RN-XS"}
    provenance = json.loads((results_root / "smoke" / "provenance.json").read_text())
    assert len(provenance["runs"]) == 8 and not any(name.startswith("mini-RN-S_") for name in provenance["runs"])
    assert any("dropped 4 run(s) no longer in the profile" in line and "mini-RN-S_mini-100_s256" in line
               for line in said)


def test_cli_refuses_unknown_profile(capsys):
    with pytest.raises(SystemExit):
        cli.main(["mini", "--profile", "huge"])
    assert "invalid choice" in capsys.readouterr().err


def test_cli_reports_a_repro_error_in_one_line_with_exit_code_1(tmp_path, capsys):
    """As `repro train`, `repro eval` and the book's commands: `repro mini: error: ...` and exit code 1."""
    broken = tmp_path / "results" / "smoke" / "results.csv"
    broken.parent.mkdir(parents=True)
    broken.write_text("model,score\nx,1\n")  # not the results schema
    argv = ["mini", "--profile", "smoke", "--results-root", str(tmp_path / "results"),
            "--work-root", str(tmp_path / "work")]
    assert cli.main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("repro mini: error: ") and str(broken) in err and "\n" not in err


def test_rows_are_written_in_the_grid_order_whatever_order_the_runs_finish_in():
    from repro.mini.study import _grid_order

    smoke = get_profile("smoke")
    names = [point.name for point in grid(smoke)]
    rows = pd.DataFrame({"name": [n for n in reversed(names) for _ in range(2)],
                         "downstream_dataset": ["b", "a"] * len(names), "value": range(2 * len(names))})
    ordered = _grid_order(rows.sample(frac=1, random_state=0), smoke)
    assert list(ordered["name"]) == [n for n in names for _ in range(2)]
    assert list(ordered["downstream_dataset"]) == ["a", "b"] * len(names)
    assert _grid_order(ordered.sample(frac=1, random_state=1), smoke).equals(ordered)


def test_an_unknown_study_executor_is_refused(tmp_path):
    with pytest.raises(SpecError, match="unknown executor 'pbs' for the mini study; known: local, slurm, submitit"):
        run_study("smoke", results_root=tmp_path, work_root=tmp_path, executor="pbs")
