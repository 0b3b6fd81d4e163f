"""Figures: one plotting style (``style``), one function per figure family."""

from repro.figures.plotly_html import show_plotly
from repro.figures.zeroshot import compute_vs_error
