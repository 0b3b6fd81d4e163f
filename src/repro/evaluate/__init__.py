"""Evaluation of checkpoints with CLIP_benchmark into rows of the results schema (DESIGN.md,
"evaluate"): the suite spec, the aggregates, the runner, the results registry, the webdataset
writer, the linear probe and the SLURM job arrays. Submodules import torch only where they need it."""
