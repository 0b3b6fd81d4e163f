"""torchrun executor: one node, one process per GPU, PyTorch DDP.

The command is ``torchrun --standalone --nproc-per-node G -m open_clip_train.main ...``;
open_clip_train reads ``RANK``/``WORLD_SIZE``/``LOCAL_RANK`` from torchrun's environment. The
run directory, status and resume behaviour are those of :func:`repro.launch.local.run_local`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from repro.launch.argv import TRAIN_MODULE
from repro.launch.local import RunResult, execute, result_of, train_command
from repro.launch.rundir import RunDir
from repro.launch.spec import RunSpec

log = logging.getLogger(__name__)


def torchrun_command(spec: RunSpec, run_dir: RunDir, *, nproc_per_node: int | None = None,
                     data_dir: str | Path | None = None, train_data: Mapping[str, str] | None = None,
                     workers_per_gpu: int | None = None, torchrun: str = "torchrun") -> list[str]:
    """``torchrun --standalone --nproc-per-node G -m open_clip_train.main ...`` for one node.

    ``nproc_per_node`` defaults to ``spec.gpus``; fewer processes than the spec's GPUs train
    with a smaller global batch (a warning says by how much).
    """
    nproc = spec.gpus if nproc_per_node is None else nproc_per_node
    if nproc != spec.gpus:
        log.warning("run %s: %d processes instead of the spec's %d GPUs: global batch %d instead of %d",
                    spec.name, nproc, spec.gpus, nproc * spec.batch_size_per_gpu, spec.global_batch_size)
    python_command = train_command(spec, run_dir, data_dir=data_dir, train_data=train_data,
                                   workers_per_gpu=workers_per_gpu)
    module_args = python_command[python_command.index(TRAIN_MODULE) + 1:]
    return [torchrun, "--standalone", f"--nproc-per-node={nproc}", "-m", TRAIN_MODULE, *module_args]


def run_torchrun(spec: RunSpec, out_dir: str | Path, *, nproc_per_node: int | None = None,
                 data_dir: str | Path | None = None, train_data: Mapping[str, str] | None = None,
                 workers_per_gpu: int | None = None, env: Mapping[str, str] | None = None,
                 timeout_s: float | None = None, torchrun: str = "torchrun") -> RunResult:
    """Train one run on this node's GPUs with torchrun; skipped if finished, resumed if partial.

    Parameters and result as :func:`repro.launch.local.run_local`, plus ``nproc_per_node``
    (default ``spec.gpus``) and the ``torchrun`` executable.
    """
    run_dir = RunDir.for_spec(spec, out_dir)
    if run_dir.state() == "finished":
        log.info("run %s: finished already, skipped", run_dir.name)
        return result_of(run_dir, "skipped")
    command = torchrun_command(spec, run_dir, nproc_per_node=nproc_per_node, data_dir=data_dir,
                               train_data=train_data, workers_per_gpu=workers_per_gpu, torchrun=torchrun)
    run_dir.prepare()
    return execute(run_dir, command, executor="torchrun", env=env, timeout_s=timeout_s)
