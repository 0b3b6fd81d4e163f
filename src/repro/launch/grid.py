"""A grid of run specs: one YAML file with shared ``defaults`` and a list of ``runs``.

Layout (``runs/paper/grid.yaml`` is the paper's 29 runs)::

    defaults:            # fields shared by every run (any RunSpec field)
      weight_decay: 0.2
    runs:
      - name: Model-B-32_Data-80M_Samples-3B_lr-5e-4_bs-32k
        model: ViT-B-32
        ...

A run's own keys override the defaults. Unknown keys, wrong types and duplicate names are
refused with the file, the run (1-based) and the key.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from repro.constants import RUNS_DIR
from repro.errors import SpecError
from repro.launch.spec import RunSpec, read_yaml, spec_from_mapping

#: Environment variable naming the folder of named grids (default: ``runs/`` of the checkout).
RUNS_DIR_ENV = "REPRO_RUNS_DIR"


def runs_dir() -> Path:
    """The folder holding named grids (``<name>/grid.yaml``)."""
    env = os.environ.get(RUNS_DIR_ENV)
    if env:
        return Path(env)
    return RUNS_DIR


def grid_path(grid: str | Path) -> Path:
    """Resolve a grid name (``"paper"`` -> ``runs/paper/grid.yaml``) or return a path as given."""
    path = Path(grid)
    if path.suffix in (".yaml", ".yml"):
        return path
    return runs_dir() / str(grid) / "grid.yaml"


def load_grid(grid: str | Path, *, only: Sequence[str] | None = None) -> list[RunSpec]:
    """Load the run specs of a grid.

    Parameters
    ----------
    grid : str or Path
        A grid name under ``runs/`` (``"paper"``) or a path to a grid YAML file.
    only : sequence of str, optional
        Keep only the runs with these names; an unknown name is an error.

    Returns
    -------
    list of RunSpec
        In file order.
    """
    path = grid_path(grid)
    defaults, entries = _grid_document(grid, path)
    specs = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise SpecError(f"{path}: run {number}: expected a mapping, got {type(entry).__name__}")
        specs.append(spec_from_mapping({**defaults, **entry}, source=f"{path}: run {number}", base_dir=path.parent))
    names = [s.name for s in specs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise SpecError(f"{path}: run name '{duplicates[0]}' appears more than once")
    if only:
        missing = [n for n in only if n not in names]
        if missing:
            raise SpecError(f"{path}: no run named '{missing[0]}' (runs: {', '.join(names)})")
        specs = [s for s in specs if s.name in set(only)]
    return specs


def _grid_document(grid: str | Path, path: Path) -> tuple[dict, list]:
    """The ``defaults`` mapping and the ``runs`` list of the grid file at ``path``, checked."""
    document = read_yaml(path, f"grid {grid!r}: file {path} not found (named grids live in {runs_dir()})")
    if not isinstance(document, dict):
        raise SpecError(f"{path}: expected a mapping with keys 'defaults' and 'runs'")
    unknown = sorted(set(document) - {"defaults", "runs"})
    if unknown:
        raise SpecError(f"{path}: unknown top-level key '{unknown[0]}' (expected 'defaults' and 'runs')")
    defaults = document.get("defaults") or {}
    entries = document.get("runs")
    if not isinstance(defaults, dict):
        raise SpecError(f"{path}: 'defaults' must be a mapping")
    if not isinstance(entries, list) or not entries:
        raise SpecError(f"{path}: 'runs' must be a non-empty list of run mappings")
    return defaults, entries
