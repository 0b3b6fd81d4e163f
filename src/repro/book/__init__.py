"""The book: sections (notebook sources and profiles), papermill execution with staleness stamps,
the reproduction report, and the build."""

from repro.book import report
from repro.book.glue import glue_all
from repro.book.report import compare, save_rows
