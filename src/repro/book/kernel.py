"""What a chapter's kernel does first: the book's display setup, called explicitly by each notebook.

Every notebook's first cell runs ``repro.book.kernel.setup()``; nothing in the library changes the
IPython display on import. Tables longer than :data:`INTERACTIVE_ROWS` rows or wider than the page
(:data:`PAGE_WIDTH_CHARACTERS`) render as interactive tables (itables: sort, search, column
visibility, a horizontal scrollbar instead of cut-off columns); their JavaScript is shipped with the
site (:mod:`repro.book.sphinx_ext`), so they work offline.
"""

from __future__ import annotations

import hashlib
import io

import pandas as pd
from itables import to_html_datatable
from itables.utils import UNPKG_DT_BUNDLE_URL
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
    formatters["text/html"].for_type(pd.DataFrame, _frame_html)
    formatters["text/plain"].for_type(Styler, _styler_text)


def _figure_png(fig: Figure) -> bytes:
    """The PNG the inline backend would show (pyplot, which installs that formatter, is never
    imported), without the "Software: Matplotlib version" chunk: the same figure, the same bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


def _styler_html(styler: Styler) -> str:
    """A pandas ``Styler`` with element ids derived from its data (pandas draws a random uuid);
    interactive when it is long or wide (:func:`is_interactive`)."""
    digest = _digest(styler.data)
    if is_interactive(styler.data):
        return interactive_table_html(styler.set_uuid(digest), table_id=f"T_{digest}")
    return styler.set_uuid(f"t{digest}").to_html()


def _frame_html(frame: pd.DataFrame) -> str:
    """A DataFrame as pandas shows it, or as an interactive table when it is long or wide."""
    if is_interactive(frame):
        return interactive_table_html(frame, table_id=f"itables_{_digest(frame)}")
    return frame._repr_html_()


def _digest(frame: pd.DataFrame) -> str:
    """Eight hex digits that identify a table by its content (deterministic element ids)."""
    return hashlib.sha256(frame.to_csv().encode()).hexdigest()[:8]


#: a table of more rows than this renders as an interactive table (paged, sortable, searchable)
INTERACTIVE_ROWS = 20
#: a table whose rows are wider than this many characters renders as an interactive table (with a
#: horizontal scrollbar and column visibility): about what the book's text column holds at 1400 px
PAGE_WIDTH_CHARACTERS = 110
#: the global that the site's copy of itables' DataTables bundle defines (see repro.book.sphinx_ext)
ITABLES_GLOBAL = "reproITables"
#: what an interactive table offers besides sorting and searching: the page length and a column chooser
TABLE_OPTIONS = {"buttons": ["pageLength", "colvis"], "scrollX": True, "classes": "display nowrap compact",
                 "text_in_header_can_be_selected": False,   # a click on a header sorts by that column
                 "lengthMenu": [10, 25, 50, 100, -1]}
#: a text column whose longest value is longer than this many characters wraps (in cells at least
#: a column of prose wide, see repro.book.sphinx_ext.SITE_STYLE) instead of stretching its table
LONG_TEXT_CHARACTERS = 40
#: the class of such a column's cells
WRAP_CLASS = "repro-wrap"


def wrapped_columns(frame: pd.DataFrame) -> list[int]:
    """The positions of ``frame``'s columns that wrap (longest value over :data:`LONG_TEXT_CHARACTERS`).

    Parameters
    ----------
    frame : DataFrame
        The table.
    """
    return [i for i in range(frame.shape[1])
            if max((len(str(v)) for v in frame.iloc[:, i]), default=0) > LONG_TEXT_CHARACTERS]


def _shows_index(frame: pd.DataFrame) -> bool:
    """Whether the interactive table shows the index: a named or non-trivial one (itables' rule)."""
    return any(name is not None for name in frame.index.names) or not isinstance(frame.index, pd.RangeIndex)


def table_width_characters(frame: pd.DataFrame) -> int:
    """The width of ``frame``'s widest rendering in characters: for each column (and the index) the
    longer of its header and its longest value, plus three characters of padding.

    Parameters
    ----------
    frame : DataFrame
        The table as it would be displayed.
    """
    columns = [frame.index.to_series(), *(frame.iloc[:, i] for i in range(frame.shape[1]))]
    headers = [str(frame.index.name or ""), *map(str, frame.columns)]
    widths = [max([len(header), *(len(str(v)) for v in column)]) + 3 for header, column in zip(headers, columns)]
    return sum(widths)


def is_interactive(frame: pd.DataFrame) -> bool:
    """Whether ``frame`` renders as an interactive table: more than :data:`INTERACTIVE_ROWS` rows,
    or wider than :data:`PAGE_WIDTH_CHARACTERS` characters (:func:`table_width_characters`).

    Parameters
    ----------
    frame : DataFrame
        The table (a Styler's ``data``).
    """
    return len(frame) > INTERACTIVE_ROWS or table_width_characters(frame) > PAGE_WIDTH_CHARACTERS


def interactive_table_html(table: pd.DataFrame | Styler, *, table_id: str) -> str:
    """``table`` as an itables DataTable that takes its JavaScript from the book's site.

    itables' connected template imports its bundle from a CDN; here the table takes the bundle the
    site ships (``window.reproITables``, a classic script every page loads) and falls back to the
    CDN only where that is absent (the notebook opened in Jupyter). Every row is kept (no
    downsampling); the output depends only on the table (deterministic builds).

    Parameters
    ----------
    table : DataFrame or Styler
        The table; a Styler keeps its formatting and colours.
    table_id : str
        The HTML element id (``T_...`` for a Styler, as itables requires).
    """
    frame = table.data if isinstance(table, Styler) else table
    shows_index = _shows_index(frame)
    offset = frame.index.nlevels if shows_index else 0
    wrapped = [offset + i for i in wrapped_columns(frame)]
    options = {**TABLE_OPTIONS, "showIndex": shows_index,
               **({"columnDefs": [{"targets": wrapped, "className": WRAP_CLASS}]} if wrapped else {})}
    if isinstance(table, Styler):
        html = to_html_datatable(table, table_id=table_id, connected=True, allow_html=True, **options)
    else:
        html = to_html_datatable(table, table_id=table_id, connected=True, maxBytes=0,
                                 display_logo_when_loading=False, **options)
    css = UNPKG_DT_BUNDLE_URL[:-3] + ".css"
    for old, new in ((f"import {{ ITable, jQuery as $ }} from '{UNPKG_DT_BUNDLE_URL}';",
                      f"const {{ ITable, jQuery: $ }} = window.{ITABLES_GLOBAL} ?? await import('{UNPKG_DT_BUNDLE_URL}');"),
                     (f'<link href="{css}" rel="stylesheet">', ""),
                     ("from the internet...", "...")):
        if html.count(old) != 1:
            raise RuntimeError(f"itables' table template changed: {old!r} found {html.count(old)} times "
                               "(repro.book.kernel.interactive_table_html expects it once)")
        html = html.replace(old, new)
    # the static preview (shown where scripts do not run) of a Styler repeats the table's id: the
    # table script would make a second, hidden DataTable of it
    start = html.find(f'<div id="{table_id}_fallback">')
    end = html.find("</div>", start)
    if start >= 0 and end > start:
        html = html[:start] + html[start:end].replace(f'id="{table_id}"', f'id="{table_id}_preview"') + html[end:]
    return html


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
