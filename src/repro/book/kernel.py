"""What a chapter's kernel does first: the book's display setup, called explicitly by each notebook.

Every notebook's first cell runs ``repro.book.kernel.setup()``; nothing in the library changes the
IPython display on import.
"""

from __future__ import annotations

import hashlib
import io

from matplotlib.figure import Figure
from pandas.io.formats.style import Styler


def setup() -> None:
    """Show bare ``matplotlib.figure.Figure`` objects as PNG in this kernel (figures are built
    without pyplot, see :mod:`repro.figures`), and styled tables without anything that changes from
    one execution to the next (deterministic builds). Outside IPython it does nothing."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    formatters = shell.display_formatter.formatters
    formatters["image/png"].for_type(Figure, _figure_png)
    formatters["text/html"].for_type(Styler, _styler_html)
    formatters["text/plain"].for_type(Styler, _styler_text)


def _figure_png(fig: Figure) -> bytes:
    """The PNG the inline backend would show (pyplot, which installs that formatter, is never
    imported), without the "Software: Matplotlib version" chunk: the same figure, the same bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


def _styler_html(styler: Styler) -> str:
    """A pandas ``Styler`` with element ids derived from its data (pandas draws a random uuid)."""
    digest = hashlib.sha256(styler.data.to_csv().encode()).hexdigest()[:8]
    return styler.set_uuid(f"t{digest}").to_html()


def _styler_text(styler: Styler, printer, cycle) -> None:
    """The plain-text form of a ``Styler``: its data, without the object's memory address."""
    printer.text(styler.data.to_string())
