"""Figures: one plotting style (``style``), one function per figure family.

Figure functions return a ``matplotlib.figure.Figure`` built without pyplot (no global state);
importing this package changes nothing in IPython: the book's kernel setup
(:func:`repro.book.kernel.setup`) registers how a bare figure is shown."""

from repro.figures.plotly_html import show_plotly
from repro.figures.zeroshot import compute_vs_error, extra_results_panels
