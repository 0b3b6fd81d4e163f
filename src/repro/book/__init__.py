"""The book: sections (notebook sources and profiles), papermill execution with staleness stamps,
the build and its Sphinx extension."""
