"""The project's entry point around open_clip_train (repro.executors.openclip): needed, right, and
used by every executor and by the miniature study. Fails when an upstream release makes the
CPU-DDP shim wrong or unnecessary."""

from __future__ import annotations

import inspect
import os
import socket

import pytest
import torch
import torch.distributed as dist

from repro.executors import TRAIN_MODULE
from repro.executors.openclip import cpu_aware_ddp, install


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def one_process_group(monkeypatch):
    # monkeypatch, not os.environ: a MASTER_ADDR left behind would reach later tests' jobs
    monkeypatch.setenv("MASTER_ADDR", "127.0.0.1")
    monkeypatch.setenv("MASTER_PORT", str(_free_port()))
    dist.init_process_group("gloo", rank=0, world_size=1)
    yield
    dist.destroy_process_group()


def test_open_clip_train_still_passes_device_ids_for_every_device():
    """The shim exists because open_clip_train wraps the model with device_ids=[device] whatever the
    device; when upstream stops doing that, this fails and the shim can go."""
    from open_clip_train import main as upstream

    assert "DistributedDataParallel(model, device_ids=[device]" in inspect.getsource(upstream.main)


def test_torch_still_refuses_device_ids_for_a_cpu_module(one_process_group):
    """When PyTorch accepts device_ids for a CPU module, the shim is unnecessary: this fails."""
    DDP = torch.nn.parallel.distributed.DistributedDataParallel  # the original class
    with pytest.raises(ValueError, match="device_ids and output_device arguments only work"):
        DDP(torch.nn.Linear(2, 2), device_ids=[torch.device("cpu")])


def test_the_shim_wraps_a_cpu_module_as_open_clip_train_calls_it(one_process_group):
    wrapped = cpu_aware_ddp()(torch.nn.Linear(2, 2), device_ids=[torch.device("cpu")])
    assert wrapped.device_ids is None
    assert isinstance(wrapped, torch.nn.parallel.distributed.DistributedDataParallel)  # open_clip's checks hold
    loss = wrapped(torch.ones(3, 2)).sum()
    loss.backward()
    assert wrapped.module.weight.grad is not None


def test_install_replaces_the_class_open_clip_train_looks_up():
    original = torch.nn.parallel.DistributedDataParallel
    try:
        install()
        assert torch.nn.parallel.DistributedDataParallel is cpu_aware_ddp()
    finally:
        torch.nn.parallel.DistributedDataParallel = original


def test_every_executor_and_the_mini_study_train_through_the_entry_point():
    from repro.launch import argv, local, slurm, torchrun
    from repro.mini import study

    assert TRAIN_MODULE == "repro.executors.openclip"
    assert argv.TRAIN_MODULE is TRAIN_MODULE
    assert "TRAIN_MODULE" in inspect.getsource(local.train_command)
    assert "TRAIN_MODULE" in inspect.getsource(torchrun.torchrun_command)
    assert "SubmititTrain" in inspect.getsource(slurm.submit_submitit)
    assert "train_openclip(argv)" in inspect.getsource(study._train_in_process)
