"""The cluster path on a real SLURM (scripts/local-slurm.sh start: one node, 2 CPUs, MaxArraySize 4):
a toy grid of 2-rank CPU runs submitted with sbatch/srun and with submitit; a chained run whose
first job is cancelled mid-run resumes from its checkpoint and ends at the uninterrupted step
count; the 2-rank run with the paper's sharded loss trains the same model as one rank at the same
global batch; a submitit run sent the signal of a time limit mid-epoch is requeued by submitit and
resumes; arrays split at the cluster's MaxArraySize; scheduler errors are one line.

No stub of sbatch, srun or scontrol: every job here goes through the real scheduler."""

from __future__ import annotations

import dataclasses
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from repro.errors import SchedulerError
from repro.executors import TRAIN_MODULE, scheduler
from repro.executors.arrays import SlurmOptions, Task
from repro.launch import RunSpec, get_executor
from repro.launch.cli import main as train_main
from repro.launch.ddp_check import LOSS_TOLERANCE, WEIGHT_TOLERANCE
from repro.launch.executors import LaunchOptions
from repro.launch.rundir import RunDir
from repro.launch.scheduler_run import resumed_steps, scheduler_run, toy_specs, wait_for_epoch

pytestmark = pytest.mark.cluster

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cluster():
    """The local SLURM must be up (CI starts it; `sudo scripts/local-slurm.sh start` does it by hand)."""
    if shutil.which("sinfo") is None or "idle" not in subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True,
                                                                    text=True).stdout:
        pytest.fail("no idle SLURM node: run `sudo scripts/local-slurm.sh start` first (CI does)")
    return scheduler.max_array_size()


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    return toy_specs(tmp_path_factory.mktemp("flat"))


@pytest.fixture(scope="module")
def scheduled(cluster, tmp_path_factory):
    """The training chapter's scheduler run: the toy grid with sbatch/srun and --chain 2, the long
    run's first job cancelled mid-run (repro.launch.scheduler_run)."""
    work = tmp_path_factory.mktemp("scheduler-run")
    record, curves = scheduler_run(work)
    return {"work": work, "record": record, "curves": curves}


def test_two_rank_runs_finish_on_the_scheduler_with_srun(scheduled):
    jobs = pd.DataFrame(scheduled["record"].jobs)
    first = jobs[jobs["job"] == "first"].set_index("run")
    assert first.loc["ddp-2rank", "state"] == first.loc["ddp-1rank", "state"] == "COMPLETED"
    assert first.loc["long-2rank", "state"] == "CANCELLED"
    assert (jobs[jobs["job"] == "chained"]["state"] == "COMPLETED").all()
    runs = scheduled["work"] / "runs"
    for run_dir in [d for d in runs.iterdir() if d.is_dir()]:
        log = (run_dir / "out.log").read_text()
        assert len(list((run_dir / "checkpoints").glob("epoch_*.pt"))) in (4, 6)
        if "2rank" in run_dir.name:
            assert "total 2." in log and "dist_backend: gloo" in log
    script = next(runs.glob("ddp-2rank-*.sbatch")).read_text()
    assert "gpus" not in script and "accel-bind" not in script and "#SBATCH --cpus-per-task=1" in script


def test_the_cancelled_run_resumes_and_ends_at_the_uninterrupted_step_count(scheduled):
    resumed = scheduled["record"].resumed
    at = resumed["resumed_from_epoch"]
    assert resumed["resumed"] and resumed["checkpoints_at_cancel"] >= 2
    # the chained job resumed from the latest checkpoint (one may have been saved while cancelling)
    assert resumed["checkpoints_at_cancel"] <= at <= resumed["checkpoints_at_cancel"] + 1 and at < 6
    assert resumed["first_step_after_resume"] == [at, 16]   # the first step of the epoch after it
    # no epoch before the checkpoint is trained twice; the run ends at the uninterrupted step count
    assert resumed["steps_before_resume"] == resumed["distinct_steps_before_resume"] == at * 8
    assert resumed["distinct_steps"] == resumed["uninterrupted_steps"] == 6 * 8
    assert resumed["final_checkpoint_epoch"] == 6 and resumed["steps_second_job"] == (6 - at) * 8


def test_two_ranks_with_the_sharded_loss_train_the_model_of_one_rank(scheduled):
    ddp, curves = scheduled["record"].ddp, scheduled["curves"]
    assert sorted(curves["epoch"].unique()) == [1, 2, 3, 4] and sorted(curves["ranks"].unique()) == [1, 2]
    assert ddp["loss_gap_max_abs"] < LOSS_TOLERANCE
    # the bound is far below what training moves the weights
    assert ddp["weight_gap_max_abs"] < WEIGHT_TOLERANCE < ddp["training_movement_max_abs"]


@pytest.fixture(scope="module")
def through_submitit(cluster, grid, tmp_path_factory):
    """Two 2-rank runs through submitit with ``--chain 2``: ``ddp-2rank``, and ``requeued-2rank``
    (4 epochs of 8 steps) sent, once it has saved 2 checkpoints and trains its third epoch, the
    signal SLURM sends before a job's time limit (the ``--signal`` of submitit's own sbatch
    script), so that submitit checkpoints the call and requeues the job."""
    out = tmp_path_factory.mktemp("submitit") / "out"
    specs = {"ddp-2rank": grid["ddp-2rank"],
             "requeued": dataclasses.replace(grid["long-2rank"], name="requeued-2rank", epochs=4)}
    options = LaunchOptions(chain=2, slurm=SlurmOptions(time="10:00", setup=("export REPRO_SETUP_RAN=1",),
                                                        extra={"comment": "repro-test"}))
    executor = get_executor("submitit", options)
    results = {name: executor.launch(spec, out) for name, spec in specs.items()}
    requeued, job = RunDir.for_spec(specs["requeued"], out), results["requeued"].job_id
    wait_for_epoch(requeued, 2, job_id=job, timeout_s=300)
    checkpoints_at_signal = len(requeued.checkpoints())
    script = next((requeued.path / "submitit").glob("*_submission.sh")).read_text()
    # SLURM sends SIG to the job's steps at the time limit minus the delay (SIG@DELAY; B:SIG: to the batch shell)
    signal = re.search(r"^#SBATCH --signal=(B:)?(\w+)@\d+$", script, flags=re.M)
    assert signal is not None, script
    subprocess.run(["scancel", f"--signal={signal[2]}", *(["--batch"] if signal[1] else []), job], check=True)
    states = scheduler.wait([r.job_id for r in results.values()], timeout_s=400)
    return {"out": out, "specs": specs, "results": results, "states": states, "signal": signal[2],
            "checkpoints_at_signal": checkpoints_at_signal}


def test_submitit_runs_two_ranks_on_the_scheduler_and_passes_the_slurm_options(through_submitit):
    states, out = through_submitit["states"], through_submitit["out"]
    assert all(s.state == "COMPLETED" for s in states.values()), [s.describe("job") for s in states.values()]
    for spec in through_submitit["specs"].values():
        run_dir = RunDir.for_spec(spec, out)
        assert run_dir.state() == "finished" and "world_size: 2" in run_dir.log_file.read_text()
        submitted = next((run_dir.path / "submitit").glob("*_submission.sh")).read_text()
        assert "export REPRO_SETUP_RAN=1" in submitted and "#SBATCH --comment=repro-test" in submitted
        assert "gpus" not in submitted


def test_submitit_requeues_a_run_signalled_before_its_time_limit_and_it_resumes(through_submitit):
    """The signal of a time limit, mid-epoch: submitit requeues the same job (the scheduler counts
    Restarts=1 for that job id), the requeued job resumes from the latest checkpoint, no epoch before it trains
    twice, and the run ends at the uninterrupted step count."""
    spec, job = through_submitit["specs"]["requeued"], through_submitit["results"]["requeued"].job_id
    state = through_submitit["states"][job]
    assert (state.job_id, state.state, state.restarts) == (job, "COMPLETED", 1)
    run_dir = RunDir.for_spec(spec, through_submitit["out"])
    # the requeued job's own log (srun truncates it on the restart) ends with submitit's success
    submitit_log = "".join(p.read_text() for p in (run_dir.path / "submitit").glob(f"{job}_*_log.*"))
    assert "Job completed successfully" in submitit_log
    resumed, at, per_epoch = resumed_steps(run_dir), through_submitit["checkpoints_at_signal"], spec.steps_per_epoch
    assert resumed["resumed"] and 2 <= at < spec.epochs
    # the latest checkpoint when the job stopped (one more may have been saved after the signal)
    assert at <= resumed["resumed_from_epoch"] <= at + 1 < spec.epochs + 1
    from_epoch = resumed["resumed_from_epoch"]
    assert resumed["steps_first_job"] > at * per_epoch              # the signal came mid-epoch
    assert resumed["first_step_after_resume"] == [from_epoch, spec.global_batch_size]
    assert resumed["steps_before_resume"] == resumed["distinct_steps_before_resume"] == from_epoch * per_epoch
    assert resumed["distinct_steps"] == spec.total_steps == spec.epochs * per_epoch
    assert resumed["steps_second_job"] == (spec.epochs - from_epoch) * per_epoch
    assert resumed["final_checkpoint_epoch"] == spec.epochs


def test_an_array_longer_than_max_array_size_is_split_and_runs(cluster, tmp_path):
    marker = tmp_path / "done"
    marker.mkdir()
    tasks = [Task(("touch", str(marker / str(i)))) for i in range(cluster + 2)]  # MaxArraySize + 2 tasks
    for name in ("slurm", "submitit"):
        result = get_executor(name, LaunchOptions()).submit_array(tasks, tmp_path / name, name=f"t{name}")
        assert len(result.job_ids) == (2 if name == "slurm" else len(tasks))
        scheduler.wait(sorted({j.split("_")[0] for j in result.job_ids}), timeout_s=120)
        assert sorted(int(p.name) for p in marker.iterdir()) == list(range(len(tasks)))
        shutil.rmtree(marker)
        marker.mkdir()


def test_scheduler_errors_are_one_line_with_the_run_the_script_and_the_message(cluster, grid, tmp_path, capsys):
    grid_file = tmp_path / "grid.yaml"
    spec = grid["ddp-2rank"]
    grid_file.write_text(f"defaults: {{model: {spec.model}, data: flat, train_data: {spec.train_data}, "
                         "dataset_type: csv, samples_per_epoch: 16, epochs: 1, lr: 1.0e-3, warmup_steps: 1, "
                         "batch_size_per_gpu: 8, gpus: 2, device: cpu, precision: fp32, workers_per_gpu: 0}\n"
                         "runs: [{name: err}]\n")
    base = ["train", "--grid", str(grid_file), "--executor", "slurm", "--python", sys.executable, "--time", "5:00"]
    # an unknown partition: sbatch refuses the script
    assert train_main([*base, "--out", str(tmp_path / "a"), "--partition", "nowhere"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "run err-" in err and ".sbatch" in err and "partition" in err.lower()
    # a failed rank (rank 1 exits 3): the job fails, --wait says so in one line
    failing = tmp_path / "rank1-fails.sh"
    failing.write_text('#!/bin/bash\n[ "$SLURM_PROCID" = 1 ] && exit 3\nexit 0\n')
    failing.chmod(0o755)
    base[base.index("--python") + 1] = str(failing)
    assert train_main([*base, "--out", str(tmp_path / "b"), "--wait", "--wait-timeout", "120"]) == 1
    out, err = capsys.readouterr()
    assert "run err: job" in out and "failed (FAILED)" in out      # the state changes, as they come
    assert len(err.strip().splitlines()) == 1
    assert re.search(r"run err: job \d+ FAILED .*exit code 3:0; script .*err-\w+\.sbatch; log .*\.out$", err.strip())
    with pytest.raises(SchedulerError, match="job 999999"):
        scheduler.job_states("999999")


def test_the_evaluation_array_runs_on_the_scheduler_into_one_registry(scheduled, tmp_path, capsys):
    """`repro eval --runs ... --executor slurm --wait`: 2 checkpoints x the tiny suite, one registry."""
    from test_evaluate_run import CLASSNAMES, N_PER_CLASS, N_RETRIEVAL, TEMPLATES, _captions, _images

    from repro.data.loaders import read_results
    from repro.evaluate.cli import main as eval_main
    from repro.evaluate.wds import Split, write_wds_dataset

    data = tmp_path / "data"
    images, labels = _images(3 * N_PER_CLASS, seed=0)
    write_wds_dataset(data, "colours", {"test": Split(images, labels=labels)}, classnames=CLASSNAMES,
                      templates=TEMPLATES, samples_per_shard=16)
    r_images, r_labels = _images(N_RETRIEVAL, seed=1)
    write_wds_dataset(data, "colour_captions", {"test": Split(r_images, captions=_captions(r_labels))},
                      dataset_type="retrieval", samples_per_shard=10)
    suite = tmp_path / "suite.yaml"
    suite.write_text("name: tiny\ndatasets:\n"
                     "  - {name: colours, dataset: colours, task: zeroshot_classification, metric: acc1}\n"
                     "  - {name: colour_captions, dataset: colour_captions, task: zeroshot_retrieval, "
                     "metric: image_retrieval_recall@5}\n")
    runs = sorted(str(p) for p in (scheduled["work"] / "runs").glob("ddp-*") if p.is_dir())
    registry = tmp_path / "results.csv"
    argv = ["eval", "--runs", *runs, "--suite", str(suite), "--dataset-root", str(data), "--results", str(registry),
            "--executor", "slurm", "--out", str(tmp_path / "jobs"), "--num-workers", "0", "--wait"]
    assert eval_main(argv) == 0, capsys.readouterr().err
    rows = read_results(registry)
    assert sorted(rows["name"].unique()) == ["ddp-1rank", "ddp-2rank"]
    assert len(rows) == 4 and set(rows["downstream_dataset"]) == {"colours", "colour_captions"}
    assert "done: 4 task(s) merged" in capsys.readouterr().out


def test_the_mini_study_gives_the_same_rows_locally_and_as_a_slurm_array(cluster, tmp_path):
    """`repro mini --executor slurm`: the same rows as the local executor (two runs of the smoke
    profile), results.csv in the grid's order whatever order the runs finished in."""
    from repro.data.loaders import read_results
    from repro.mini.profiles import get_profile
    from repro.mini.study import grid, run_study

    smoke = get_profile("smoke")
    profile = dataclasses.replace(smoke, name="smoke-cluster-local", budgets=(0.0, 0.0),
                                  points=(("mini-RN-XS", 100, 256), ("mini-RN-S", 100, 256)))
    on_slurm = dataclasses.replace(profile, name="smoke-cluster-slurm")
    # one work folder: the data and tasks are written once; each profile trains its own runs
    local = run_study(profile, results_root=tmp_path, work_root=tmp_path / "work", progress=None)
    slurm = run_study(on_slurm, results_root=tmp_path, work_root=tmp_path / "work", progress=None, executor="slurm")
    assert (local.trained, slurm.trained) == (2, 2)
    a, b = (read_results(tmp_path / p.name / "results.csv") for p in (profile, on_slurm))
    pd.testing.assert_frame_equal(a, b)
    assert list(dict.fromkeys(a["name"])) == [point.name for point in grid(profile)]


def test_quoting_survives_hostile_paths_through_the_real_sbatch_and_srun(cluster, tmp_path):
    """A generated script submitted as it is: sbatch reads its quoted directives, srun starts the
    interpreter (a recorder here) with every argument intact, and nothing in the paths runs."""
    from open_clip_train.params import parse_args

    from repro.launch.slurm import write_sbatch

    hostile = tmp_path / "out dir; touch PWNED $(touch PWNED2) 'q'"
    data_dir = tmp_path / "data `touch PWNED3` \"x\""
    argv_file = tmp_path / "argv.bin"
    recorder = tmp_path / "record.sh"
    recorder.write_text(f'#!/bin/bash\nprintf "%s\\0" "$@" > {shlex.quote(str(argv_file))}\n')
    recorder.chmod(0o755)
    setup = ("echo setup-ran > " + shlex.quote(str(tmp_path / "setup.txt")),)
    spec = RunSpec(name="q", model="ViT-B-32", data="LAION-80M", train_data="${data_dir}/shards {00..09}.tar",
                   samples_per_epoch=1000, epochs=1, lr=1e-3, warmup_steps=1, batch_size_per_gpu=10,
                   device="cpu", precision="fp32", workers_per_gpu=0)
    script = write_sbatch(spec, hostile, options=SlurmOptions(python=str(recorder), time="2:00", setup=setup),
                          data_dir=data_dir)
    assert hostile.is_dir()  # write_sbatch made it: the job's log goes there (opened before the script runs)
    job = scheduler.sbatch(script, what="quoting")
    state = scheduler.wait([job], timeout_s=180)[job]
    assert state.state == "COMPLETED", state.describe("quoting")
    argv = argv_file.read_bytes().decode().split("\0")[:-1]
    args = parse_args(argv[argv.index(TRAIN_MODULE) + 1:])
    assert args.train_data == f"{data_dir}/shards {{00..09}}.tar"
    assert args.logs == str(hostile.resolve())
    assert (tmp_path / "setup.txt").read_text() == "setup-ran\n"
    assert not list(tmp_path.rglob("PWNED*"))
