"""A real run through the local executor: a tiny ViT CLIP trained on CPU (fp32) on a generated
image-caption CSV, killed with SIGKILL after its first checkpoint, resumed with `repro train`
(--resume latest) to the same final step count, then skipped when launched again."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest
import torch
import yaml

from repro.launch import RunDir, RunSpec, run_local
from repro.launch.cli import main
from repro.launch.throughput import run_throughput
from repro.launch.toydata import write_caption_csv

# the miniature study's smallest tower (repro.mini owns the configs)
TINY_CONFIG = (Path(__file__).resolve().parents[1] / "src" / "repro" / "mini" / "model_configs"
               / "mini-ViT-XS.json")


def _wait_for(predicate, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what}")
        time.sleep(0.05)


@pytest.mark.slow
def test_kill_after_first_checkpoint_then_resume_to_the_same_step_count(tmp_path):
    csv = write_caption_csv(tmp_path / "data", n_samples=192)
    spec_fields = dict(name="tiny-resume", model=str(TINY_CONFIG), data="toy", train_data=str(csv), dataset_type="csv",
                       samples_per_epoch=192, epochs=3, lr=1.0e-3, warmup_steps=2, batch_size_per_gpu=32,
                       device="cpu", precision="fp32", workers_per_gpu=0, log_every_n_steps=1)
    spec = RunSpec(**spec_fields)
    assert spec.total_steps == 18
    out = tmp_path / "out"
    run_dir = RunDir.for_spec(spec, out)

    results = []
    worker = threading.Thread(target=lambda: results.append(run_local(spec, out)))
    worker.start()
    # "Start epoch 1" is logged after epoch_1.pt is saved: kill the process in its second epoch
    _wait_for(lambda: run_dir.log_file.exists() and "Start epoch 1" in run_dir.log_file.read_text(), 120,
              "the second epoch")
    pid = run_dir.read_status()["pid"]
    os.kill(pid, signal.SIGKILL)
    worker.join(60)
    (killed,) = results
    assert killed.state == "interrupted" and killed.returncode == -signal.SIGKILL
    assert 1 <= killed.epochs_completed < spec.epochs
    assert run_dir.state() == "partial"
    assert run_dir.read_status()["state"] == "interrupted"

    # resume through the CLI, from a grid file, as a user would
    grid = tmp_path / "grid.yaml"
    grid.write_text(yaml.safe_dump({"defaults": {}, "runs": [spec_fields]}))
    assert main(["train", "--grid", str(grid), "--executor", "local", "--out", str(out)]) == 0
    assert run_dir.state() == "finished"
    log = run_dir.log_file.read_text()
    assert f"resuming checkpoint '{run_dir.checkpoints_dir / f'epoch_{killed.epochs_completed}.pt'}'" in log

    final = torch.load(run_dir.final_checkpoint, map_location="cpu", weights_only=True)
    assert final["epoch"] == spec.epochs
    optimizer_steps = {int(state["step"]) for state in final["optimizer"]["state"].values()}
    assert optimizer_steps == {spec.total_steps}  # 18 AdamW steps in all, none lost or repeated
    assert run_dir.read_status()["state"] == "finished"
    assert run_throughput(run_dir.log_file).samples_per_sec > 0

    again = run_local(spec, out)  # finished: no process is started
    assert again.state == "skipped" and again.returncode is None and again.epochs_completed == spec.epochs
