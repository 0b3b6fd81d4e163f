"""Executors: how jobs start, on this machine or on a scheduler, for whatever layer submits them.

Below :mod:`repro.launch` (training runs), :mod:`repro.evaluate` (the evaluation array) and
:mod:`repro.mini` (the miniature study), which all use it:

* :mod:`~repro.executors.scheduler`: SLURM through its commands (``sbatch``, ``scontrol``,
  ``scancel``): submission, the cluster's ``MaxArraySize``, job states, waiting for jobs, errors
  a user can act on (:class:`repro.errors.SchedulerError`);
* :mod:`~repro.executors.arrays`: arrays of independent tasks (one command each) run in turn
  here (``local``), as ``#SBATCH --array`` scripts split at the cluster's ``MaxArraySize``
  (``slurm``) or as submitit job arrays (``submitit``);
* :mod:`~repro.executors.openclip`: the project's entry point around open_clip_train (DDP on a
  CPU through gloo, no fork of open_clip_train); it imports torch, so it is not imported here;
* :mod:`~repro.executors.shards`: array shards (decoded uint8 images, pre-tokenised captions)
  read in whole batches, a dataset type that entry point adds to open_clip_train.
"""

#: The module every training command runs (``python -m``): :mod:`repro.executors.openclip`.
TRAIN_MODULE = "repro.executors.openclip"

__all__ = ["TRAIN_MODULE"]
