"""The SLURM path without a cluster: `repro train --dry-run` writes 29 sbatch scripts that are valid
bash, whose open_clip_train arguments parse and match Table 18; submitit's local executor trains a
tiny run for real. What needs the scheduler (quoting through a real srun, submissions, errors) is in
tests/test_cluster_slurm.py, on a real SLURM."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from open_clip_train.params import parse_args

from repro.data import load_reported
from repro.launch import RunSpec, load_grid
from repro.launch.cli import main
from repro.launch.rundir import RunDir
from repro.executors import TRAIN_MODULE
from repro.executors.arrays import SlurmOptions
from repro.launch.slurm import sbatch_script, submit_submitit
from repro.launch.toydata import write_caption_csv

# the miniature study's smallest tower (repro.mini owns the configs)
TINY_CONFIG = (Path(__file__).resolve().parents[1] / "src" / "repro" / "mini" / "model_configs"
               / "mini-ViT-XS.json")
LABEL_RANGES_B = {"3B": (2.44, 2.56), "13B": (12.2, 13.2), "34B": (32.0, 34.7)}


def _directive(script: str, key: str) -> str:
    return re.search(rf"^#SBATCH --{key}=(\S+)$", script, re.MULTILINE).group(1)


def _open_clip_args(script: str) -> list[str]:
    srun = next(line for line in script.splitlines() if line.startswith("srun "))
    words = shlex.split(srun)
    return words[words.index(TRAIN_MODULE) + 1:]


@pytest.fixture(scope="module")
def dry_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("paper-launch")
    assert main(["train", "--grid", "paper", "--executor", "slurm", "--dry-run", "--out", str(out)]) == 0
    return out


def test_dry_run_writes_29_scripts_and_nothing_else(dry_run):
    scripts = sorted(dry_run.glob("*.sbatch"))
    assert len(scripts) == 29
    assert sorted(p.name for p in dry_run.iterdir()) == [p.name for p in scripts]  # no run started


def test_scripts_are_valid_bash(dry_run):
    for script in dry_run.glob("*.sbatch"):
        done = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
        assert done.returncode == 0, (script.name, done.stderr)


def test_script_arguments_parse_and_match_table18(dry_run):
    table18 = load_reported("table18")
    specs = load_grid("paper")
    assert len(specs) == len(table18)
    for spec, row in zip(specs, table18.itertuples(index=False)):
        script = (dry_run / f"{spec.run_dir_name}.sbatch").read_text()
        args = parse_args(_open_clip_args(script))
        processes = int(_directive(script, "nodes")) * int(_directive(script, "ntasks-per-node"))
        assert processes == row.gpus, spec.name
        assert processes * args.batch_size == row.global_batch, spec.name
        low, high = LABEL_RANGES_B[row.samples_seen]
        assert low <= round(args.epochs * args.train_num_samples / 1e9, 2) <= high + 0.05, spec.name
        assert args.resume == "latest" and args.precision == spec.precision
        assert args.train_data.startswith("$DATA_DIR/")  # filled in by the job's environment


def test_missing_data_dir_stops_the_job(tmp_path):
    spec = load_grid("paper")[0]
    script = tmp_path / "job.sbatch"
    script.write_text(sbatch_script(spec, tmp_path))
    env = {k: v for k, v in os.environ.items() if k != "DATA_DIR"}
    done = subprocess.run(["bash", str(script)], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert done.returncode != 0 and "set DATA_DIR" in done.stderr


@pytest.mark.slow
def test_submitit_local_executor_trains_a_tiny_run(tmp_path):
    csv = write_caption_csv(tmp_path / "data", n_samples=64)
    spec = RunSpec(name="submitit-tiny", model=str(TINY_CONFIG), data="toy", train_data=str(csv), dataset_type="csv",
                   samples_per_epoch=64, epochs=1, lr=1e-3, warmup_steps=1, batch_size_per_gpu=16, device="cpu",
                   precision="fp32", workers_per_gpu=0, log_every_n_steps=1)
    job = submit_submitit(spec, tmp_path / "out", cluster="local", timeout_min=5)
    assert job.result() == 0
    run_dir = RunDir.for_spec(spec, tmp_path / "out")
    assert run_dir.state() == "finished"
    assert submit_submitit(spec, tmp_path / "out", cluster="local") is None  # finished: skipped


def _cpu_spec(**fields) -> RunSpec:
    values = dict(name="cpu", model=str(TINY_CONFIG), data="toy", train_data="/data/train.csv", dataset_type="csv",
                  samples_per_epoch=64, epochs=1, lr=1e-3, warmup_steps=1, batch_size_per_gpu=8, gpus=2,
                  device="cpu", precision="fp32", workers_per_gpu=0)
    return RunSpec(**{**values, **fields})


def test_a_cpu_script_asks_no_gpu_and_at_most_the_node_cpus(tmp_path):
    script = sbatch_script(_cpu_spec(workers_per_gpu=3), tmp_path, node_cpus=2)
    assert "gpus" not in script and "accel-bind" not in script
    assert _directive(script, "cpus-per-task") == "1"        # 4 wanted, 2 CPUs shared by 2 tasks
    assert 'export OMP_NUM_THREADS="$SLURM_CPUS_PER_TASK"' in script
    assert _open_clip_args(script)[_open_clip_args(script).index("--dist-backend") + 1] == "gloo"
    assert _directive(sbatch_script(_cpu_spec(workers_per_gpu=3), tmp_path), "cpus-per-task") == "4"  # no node known
    gpu = sbatch_script(_cpu_spec(device="cuda", precision="amp", workers_per_gpu=6), tmp_path, node_cpus=32)
    assert _directive(gpu, "gpus-per-node") == "2" and "--accel-bind=gn" in gpu and "OMP_NUM_THREADS" not in gpu
    assert _directive(gpu, "cpus-per-task") == "8"
    assert _open_clip_args(gpu)[_open_clip_args(gpu).index("--dist-backend") + 1] == "nccl"
    one = sbatch_script(_cpu_spec(gpus=1), tmp_path)
    assert "--dist-backend" not in _open_clip_args(one)


def test_submitit_parameters_carry_account_setup_and_extra_options():
    from repro.executors.arrays import submitit_parameters

    options = SlurmOptions(partition="booster", account="laion", setup=("module load cuda",),
                           extra={"qos": "normal", "mail-type": "END"})
    assert submitit_parameters(options, name="r", timeout_min=90) == {
        "name": "r", "timeout_min": 90, "slurm_partition": "booster", "slurm_account": "laion",
        "slurm_setup": ["module load cuda"], "slurm_additional_parameters": {"qos": "normal", "mail_type": "END"}}
