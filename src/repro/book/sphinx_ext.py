"""Sphinx extension named in ``book/_config.yml``: makes a plain ``jupyter-book build book/``
execute what is missing or stale with papermill first (profile from ``REPRO_PROFILE``, default
``paper``), and ships plotly.js with the site so interactive figures work offline."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from sphinx.errors import ExtensionError

from repro.book.build import PROFILE_ENV, prepare
from repro.errors import ReproError
from repro.figures.plotly_html import plotly_js_path

log = logging.getLogger(__name__)


def _prepare(app, config) -> None:
    profile = os.environ.get(PROFILE_ENV, "").strip() or "paper"
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    book = Path(app.srcdir)
    try:
        done = prepare(profile, book=book)
    except ReproError as err:
        raise ExtensionError(str(err)) from err
    log.info("repro: profile '%s': executed %d section(s) %s, reused %d, in %.1f s; report: %s", profile,
             len(done.executed), done.executed, len(done.executions) - len(done.executed), done.seconds, done.report)
    static = book / "_static"
    static.mkdir(exist_ok=True)
    target = static / "plotly.min.js"
    source = plotly_js_path()
    if not target.is_file() or target.stat().st_size != source.stat().st_size:
        shutil.copyfile(source, target)


def setup(app):
    app.connect("config-inited", _prepare, priority=100)
    app.add_js_file("plotly.min.js")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
