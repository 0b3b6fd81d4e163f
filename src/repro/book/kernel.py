"""What a chapter's kernel does first: the book's display setup, called explicitly by each notebook.

Every notebook's first cell runs ``repro.book.kernel.setup()``; nothing in the library changes the
IPython display on import.
"""

from __future__ import annotations

import hashlib
import io

from matplotlib.figure import Figure
from pandas.io.formats.style import Styler

from repro import report


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


def publish(section: str, page) -> None:
    """Publish a chapter's page from its notebook: save its report rows under ``section`` and glue
    the numbers its prose quotes.

    Every chapter module exposes ``compute(**parameters) -> Page``; a page has ``report_rows()``
    (a list of :class:`repro.report.ReportRow`, possibly empty) and ``glue_values()`` (a mapping
    of glue names to plain values). A notebook's publishing is this one call.

    Parameters
    ----------
    section : str
        The notebook's name (its section in the reproduction report), e.g. ``"fig1"``.
    page
        What the chapter's ``compute`` returned.
    """
    report.save_rows(section, list(page.report_rows()))
    report.glue_all(page.glue_values())
