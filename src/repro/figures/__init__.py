"""Figures: one plotting style (``style``), one function per figure family."""

from repro.figures.plotly_html import show_plotly
from repro.figures.zeroshot import compute_vs_error


def install_display_hook() -> None:
    """Show a bare ``matplotlib.figure.Figure`` as PNG in IPython / papermill kernels.

    Figure functions build figures without pyplot (no global state), so the inline backend's
    formatter, which pyplot installs, is absent; this registers the same kind of formatter. Importing
    this package changes nothing: the book's kernel setup (:func:`repro.book.kernel.setup`) calls it."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    import io

    from matplotlib.figure import Figure

    def to_png(fig: Figure) -> bytes:
        buffer = io.BytesIO()
        # no "Software: Matplotlib version ..." chunk: the same figure gives the same bytes (deterministic builds)
        fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
        return buffer.getvalue()

    shell.display_formatter.formatters["image/png"].for_type(Figure, to_png)

