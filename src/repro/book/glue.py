"""Numbers for the prose of a page: ``myst_nb.glue`` of plain Python values (never NumPy scalars)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def plain(value):
    """A value ``glue`` renders as the prose expects: NumPy scalars become Python floats/ints."""
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return value


def glue_all(values: Mapping[str, object]) -> None:
    """``myst_nb.glue(name, value, display=False)`` for every entry, values made plain first."""
    from myst_nb import glue

    for name, value in values.items():
        glue(name, plain(value), display=False)
