"""What a chapter's kernel does first: the book's display setup, called explicitly by each notebook.

Every notebook's first cell runs ``repro.book.kernel.setup()``; nothing in the library changes the
IPython display on import.
"""

from __future__ import annotations

from repro.figures import install_display_hook


def setup() -> None:
    """Show bare ``matplotlib.figure.Figure`` objects as PNG in this kernel (figures are built
    without pyplot, see :mod:`repro.figures`)."""
    install_display_hook()
