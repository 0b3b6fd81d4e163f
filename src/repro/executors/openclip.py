"""The project's one entry point around open_clip_train: ``python -m repro.executors.openclip ARGS``
runs ``open_clip_train.main.main(ARGS)``, unchanged, with DDP usable on a CPU.

open_clip_train 3.3.0 wraps its model as ``DistributedDataParallel(model, device_ids=[device])``
whatever the device. PyTorch accepts ``device_ids`` only for modules on a GPU, so every
multi-process CPU run (gloo backend, which open_clip_train already picks for ``--device cpu``)
stops there. :func:`train` replaces ``torch.nn.parallel.DistributedDataParallel`` in this process
by ``CPUAwareDDP`` (:func:`cpu_aware_ddp`), a subclass that drops ``device_ids`` and ``output_device`` when the
module's parameters are on the CPU (what PyTorch expects for a CPU module) and changes nothing
otherwise. No file of open_clip_train is forked or copied. Single-process and GPU runs train
exactly as with ``python -m open_clip_train.main``.

``tests/test_launch_openclip.py`` fails when an upstream release makes this wrong or unnecessary:
when open_clip_train no longer passes ``device_ids=[device]``, or when PyTorch starts accepting
``device_ids`` for a CPU module.

The launcher (every executor's command, :data:`repro.executors.TRAIN_MODULE`) and the miniature study (in
process, :func:`train`) both train through this module.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Sequence

from repro.executors import shards


@functools.cache
def cpu_aware_ddp() -> type:
    """``CPUAwareDDP``: ``torch.nn.parallel.DistributedDataParallel`` that ignores ``device_ids``
    and ``output_device`` for a module whose parameters are all on the CPU (and changes nothing
    otherwise). Built on first use, so importing this module does not import torch."""
    import torch
    from torch.nn.parallel import DistributedDataParallel

    class CPUAwareDDP(DistributedDataParallel):
        def __init__(self, module: torch.nn.Module, device_ids=None, output_device=None, *args, **kwargs):
            if {p.device.type for p in module.parameters()} == {"cpu"}:
                device_ids = output_device = None
            super().__init__(module, device_ids, output_device, *args, **kwargs)

    CPUAwareDDP.__qualname__ = "CPUAwareDDP"
    CPUAwareDDP.__module__ = __name__
    return CPUAwareDDP


def install() -> None:
    """Make ``torch.nn.parallel.DistributedDataParallel`` the :func:`cpu_aware_ddp` class in this
    process (open_clip_train's ``main`` looks it up there at call time), and teach open_clip_train
    the array shards' dataset type (:func:`repro.executors.shards.install`)."""
    import torch

    torch.nn.parallel.DistributedDataParallel = cpu_aware_ddp()
    shards.install()  # --train-data X.arrays.json: the array shards' dataset type


def train(argv: Sequence[str]) -> int:
    """Run ``open_clip_train.main.main(argv)`` with :func:`install` applied; its return code (0
    when it returns None).

    Parameters
    ----------
    argv : Sequence[str]
        open_clip_train's flags, without the interpreter and module.
    """
    from open_clip_train.main import main as open_clip_main

    install()
    return open_clip_main(list(argv)) or 0


class SubmititTrain:
    """A submitit job's callable: export the distributed environment, then :func:`train`.

    It has submitit's ``checkpoint`` hook: on a time limit or a preemption submitit requeues the
    same call, which resumes the run (the argv carries ``--resume latest``).
    """

    def __call__(self, argv: Sequence[str]) -> int:
        import submitit

        # the job's distributed environment is the scheduler's: values inherited from the shell
        # that submitted it (a MASTER_ADDR of an earlier run) are overwritten, not an error
        submitit.helpers.TorchDistributedEnvironment().export(overwrite=True)
        return train(argv)

    def checkpoint(self, argv: Sequence[str]):
        """submitit's requeue hook: the same call again (the run resumes from its checkpoint)."""
        import submitit

        return submitit.helpers.DelayedSubmission(self, argv)


if __name__ == "__main__":
    sys.exit(train(sys.argv[1:]))
