"""The executor table: one name -> executor map behind `repro train` and `repro eval`, the same
interface for training runs (dry-run scripts per executor) and arrays of tasks (run here in turn,
written as SLURM arrays split at the cluster's MaxArraySize, or run as a submitit job array). Real
submissions to a real SLURM are in tests/test_cluster_slurm.py."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

from repro.errors import SpecError
from repro.evaluate.cli import _parser as eval_parser
from repro.launch import load_grid
from repro.launch.cli import parser as train_parser
from repro.executors import TRAIN_MODULE
from repro.executors.arrays import SlurmOptions, Task, time_limit_minutes
from repro.launch.executors import EXECUTORS, LaunchOptions, get_executor


def _choices(parser, flag: str) -> list[str]:
    (action,) = [a for a in parser._actions if flag in a.option_strings]
    return list(action.choices)


def test_one_table_names_the_four_executors_of_both_commands():
    assert list(EXECUTORS) == ["local", "torchrun", "slurm", "submitit"]
    assert _choices(train_parser(), "--executor") == list(EXECUTORS)
    assert _choices(eval_parser(), "--executor") == list(EXECUTORS)
    assert all(type(get_executor(name)) is cls for name, cls in EXECUTORS.items())
    with pytest.raises(SpecError, match="unknown executor 'pbs'; known: local, torchrun, slurm, submitit"):
        get_executor("pbs")


@pytest.mark.parametrize("name, suffix, launcher", [("local", ".sh", "python"), ("torchrun", ".sh", "torchrun"),
                                                    ("slurm", ".sbatch", "srun"), ("submitit", ".sbatch", "srun")])
def test_dry_run_writes_one_valid_script_per_run_and_starts_nothing(tmp_path, name, suffix, launcher):
    specs = load_grid("paper")[:2]
    results = get_executor(name, LaunchOptions(nproc_per_node=2)).submit(specs, tmp_path, dry_run=True)
    assert [r.state for r in results] == ["written", "written"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(s.run_dir_name + suffix for s in specs)
    for spec in specs:
        script = tmp_path / f"{spec.run_dir_name}{suffix}"
        subprocess.run(["bash", "-n", str(script)], check=True)
        command = next(line for line in script.read_text().splitlines() if TRAIN_MODULE in line)
        assert shlex.split(command)[0] == launcher
    if name == "torchrun":
        assert "--nproc-per-node=2" in script.read_text()


def _tasks(tmp_path: Path) -> list[Task]:
    marker = tmp_path / "out put"
    return [Task(("bash", "-c", 'printf %s "$1" > "$2"', "-", "one; $(touch PWNED)", str(marker))),
            Task((sys.executable, "-c", "import sys; sys.exit(3)")),
            Task(("bash", "-c", 'printf %s "$1" >> "$2"', "-", "two", str(marker)))]


def test_local_array_runs_every_task_in_turn_and_reports_the_failures(tmp_path):
    out = tmp_path / "jobs"
    result = get_executor("local").submit_array(_tasks(tmp_path), out, name="t")
    assert result.state == "failed" and result.returncodes == (0, 3, 0)
    assert [p.name for p in result.scripts] == ["job_00000.sh", "job_00001.sh", "job_00002.sh"]
    assert (tmp_path / "out put").read_text() == "one; $(touch PWNED)two"
    assert sorted(p.name for p in (out / "logs").iterdir()) == ["job_00000.out", "job_00001.out", "job_00002.out"]
    # the dry run's launcher does the same from a shell
    (tmp_path / "out put").unlink()
    written = get_executor("local").submit_array(_tasks(tmp_path), out, name="t", dry_run=True)
    assert written.state == "written" and written.launcher == out / "run_all.sh"
    assert subprocess.run(["bash", str(written.launcher)]).returncode == 1
    assert (tmp_path / "out put").read_text() == "one; $(touch PWNED)two"
    assert not list(tmp_path.rglob("PWNED"))


def test_slurm_array_is_written_with_the_given_directives_and_split_at_the_array_size(tmp_path):
    options = LaunchOptions(slurm=SlurmOptions(time="01:00:00", partition="booster", setup=("export REPRO_SETUP=1",),
                                               extra={"gres": "gpu:1"}), max_array_size=2)
    out = tmp_path / "jobs"
    result = get_executor("slurm", options).submit_array(_tasks(tmp_path), out, name="t", dry_run=True)
    assert result.state == "written" and result.launcher == out / "submit.sh"
    arrays = [(out / f"t_array_{k}.sbatch").read_text() for k in (0, 1)]
    assert not (out / "t_array_2.sbatch").exists()
    directives = [line for line in arrays[0].splitlines() if line.startswith("#SBATCH")]
    assert directives == ["#SBATCH --job-name=repro-t", f"#SBATCH --output={out.resolve()}/logs/%A_%a.out",
                          "#SBATCH --time=01:00:00", "#SBATCH --partition=booster", "#SBATCH --gres=gpu:1",
                          "#SBATCH --array=0-1"]
    assert "#SBATCH --array=0-0" in arrays[1]
    assert result.scripts[0].read_text().splitlines()[2] == "export REPRO_SETUP=1"
    # task 1 of the first array runs job_00001.sh (exit 3); task 0 of the second runs job_00002.sh
    env = {**os.environ, "SLURM_ARRAY_TASK_ID": "1"}
    assert subprocess.run(["bash", str(out / "t_array_0.sbatch")], env=env).returncode == 3
    env["SLURM_ARRAY_TASK_ID"] = "0"
    assert subprocess.run(["bash", str(out / "t_array_1.sbatch")], env=env).returncode == 0
    assert (tmp_path / "out put").read_text() == "two"


def test_torchrun_refuses_an_array(tmp_path):
    with pytest.raises(SpecError, match="torchrun executor starts distributed training runs"):
        get_executor("torchrun").submit_array(_tasks(tmp_path), tmp_path, name="t")


def test_submitit_local_array_runs_each_task(tmp_path):
    marker = tmp_path / "marker"
    tasks = [Task(("bash", "-c", f"echo {i} >> {shlex.quote(str(marker))}")) for i in range(2)]
    result = get_executor("submitit", LaunchOptions(cluster="local")).submit_array(tasks, tmp_path, name="t")
    assert result.state == "submitted" and len(result.job_ids) == 2 and result.launcher is None
    deadline = time.monotonic() + 120
    while not (marker.exists() and len(marker.read_text().split()) == 2) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sorted(marker.read_text().split()) == ["0", "1"]


def test_time_limits_become_submitit_minutes():
    limits = ("24:00:00", "1-02:30:00", "90", "10:30", "2-12", "1-00:01")
    assert [time_limit_minutes(t) for t in limits] == [1440, 1590, 90, 11, 3600, 1441]
    with pytest.raises(SpecError, match="expected one of SLURM's formats"):
        time_limit_minutes("a day")
