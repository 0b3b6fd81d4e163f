"""One module per chapter of the book: what a notebook in ``book/notebooks/`` shows.

``book/notebooks/<name>.md`` calls ``repro.chapters.<name>`` and nothing else of the library's
internals: the chapter module gathers the computations of the lower layers (``data``, ``scaling``,
``compute``, ``launch``, ``evaluate``, ``mini``), builds the report rows and glue values of its page,
the display tables, and hands figures drawn by ``repro.figures``.
"""
