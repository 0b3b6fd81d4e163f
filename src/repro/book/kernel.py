"""What a chapter's kernel does first: the book's display setup, called explicitly by each notebook.

Every notebook's first cell runs ``repro.book.kernel.setup()``; nothing in the library changes the
IPython display on import.
"""

from __future__ import annotations

import hashlib

from repro.figures import install_display_hook


def setup() -> None:
    """Show bare ``matplotlib.figure.Figure`` objects as PNG in this kernel (figures are built
    without pyplot, see :mod:`repro.figures`), and styled tables without anything that changes from
    one execution to the next (deterministic builds)."""
    install_display_hook()
    _stable_styled_tables()


def _stable_styled_tables() -> None:
    """A pandas ``Styler`` shows with element ids derived from its data (pandas draws a random
    uuid) and a plain-text form without its memory address."""
    try:
        from IPython import get_ipython
        from pandas.io.formats.style import Styler
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return

    def to_html(styler: Styler) -> str:
        digest = hashlib.sha256(styler.data.to_csv().encode()).hexdigest()[:8]
        return styler.set_uuid(f"t{digest}").to_html()

    def to_text(styler: Styler, printer, cycle) -> None:
        printer.text(styler.data.to_string())

    shell.display_formatter.formatters["text/html"].for_type(Styler, to_html)
    shell.display_formatter.formatters["text/plain"].for_type(Styler, to_text)
