"""Evaluation of checkpoints with CLIP_benchmark into rows of the results schema (the book's
evaluation chapter): the suite spec, the aggregates, the runner (which merges into the results
registry of :mod:`repro.data.results_registry`), the webdataset writer, the linear probe and the
evaluation jobs (arrays run by the executors of :mod:`repro.launch.executors`). Submodules import
torch only where they need it."""
