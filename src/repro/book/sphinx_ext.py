"""Sphinx extension named in ``book/_config.yml``: makes a plain ``jupyter-book build book/``
execute what is missing or stale with papermill first (profile from ``REPRO_PROFILE``, default
``paper``; ``REPRO_JOBS`` notebooks at once, default the number of cores), ships plotly.js,
MathJax and the interactive tables' DataTables bundle with the site so that every page works
offline, and links every chapter page to the source of its chapter module."""

from __future__ import annotations

import ast
import functools
import html
import logging
import os
import re
import shutil
from pathlib import Path

import itables

from sphinx.errors import ExtensionError
from sphinx.util import logging as sphinx_logging

from repro.book.build import PROFILE_ENV, prepare
from repro.book.kernel import ITABLES_GLOBAL, WRAP_CLASS
from repro.errors import ReproError
from repro.figures.plotly_html import plotly_js_path
from repro.report import load_report

log = logging.getLogger(__name__)


def _published_repository(config) -> None:
    """On GitHub Actions, the launch buttons (Binder) open the repository the site is built from
    (``GITHUB_REPOSITORY``), whatever ``repository.url`` of ``_config.yml`` says."""
    repository = os.environ.get("GITHUB_REPOSITORY", "").strip()
    if repository and isinstance(config.html_theme_options, dict):
        server = os.environ.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
        config.html_theme_options["repository_url"] = f"{server}/{repository}"


def _prepare(app, config) -> None:
    _published_repository(config)
    profile = os.environ.get(PROFILE_ENV, "").strip() or "paper"
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    book = Path(app.srcdir)
    try:
        done = prepare(profile, book=book)
    except ReproError as err:
        raise ExtensionError(str(err)) from err
    log.info("repro: profile '%s': executed %d section(s) %s, reused %d, in %.1f s; report: %s", profile,
             len(done.executed), done.executed, len(done.executions) - len(done.executed), done.seconds, done.report)
    # an unexplained difference is a Sphinx warning: the strict build (-W) fails on it
    rows = load_report(done.report)
    for row in rows[rows["status"] == "differs"].itertuples(index=False):
        sphinx_logging.getLogger(__name__).warning(
            f"reproduction report: {row.section}: {row.item} {row.quantity} = {row.reproduced:.6g} is more than one "
            f"unit from the paper's {row.paper:.6g}, and no explanation was written for it")
    _ship_javascript(book / "_vendor", config)


def _ship_javascript(static: Path, config) -> None:
    """Copy plotly.js, MathJax and the interactive tables' bundle into a static folder of the site,
    so no page needs a CDN.

    Not into ``book/_static``: Jupyter Book adds every ``.js`` file found there to every page."""
    static.mkdir(exist_ok=True)
    if str(static) not in config.html_static_path:
        config.html_static_path = [*config.html_static_path, str(static)]
    target = static / "plotly.min.js"
    source = plotly_js_path()
    if not target.is_file() or target.stat().st_size != source.stat().st_size:
        shutil.copyfile(source, target)
    mathjax = mathjax_es5_dir()
    if not (static / "mathjax" / "tex-mml-chtml.js").is_file():
        shutil.copytree(mathjax, static / "mathjax", dirs_exist_ok=True)
    config.mathjax_path = "mathjax/tex-mml-chtml.js"
    _ship_itables(static / "itables")
    if not (static / SITE_CSS).is_file() or (static / SITE_CSS).read_text() != SITE_STYLE:
        (static / SITE_CSS).write_text(SITE_STYLE)


#: the book's own stylesheet (in the static folder)
SITE_CSS = "repro.css"
#: on a narrow screen (a phone, ~400 px) long literals, glued values and headings wrap instead of
#: widening the page; tables and figures never exceed the text column (tests/test_browser.py)
SITE_STYLE = """\
.bd-article p, .bd-article li, .bd-article h1, .bd-article h2, .bd-article h3, .bd-article dt,
.bd-article dd, .bd-article .admonition-title { overflow-wrap: anywhere; }
.bd-article img { max-width: 100%; height: auto; }
.bd-article .cell_output { overflow-x: auto; }
.repro-source { font-size: 0.9em; }
""" + f"""\
table.dataTable.nowrap th.{WRAP_CLASS}, table.dataTable.nowrap td.{WRAP_CLASS} {{ white-space: normal; min-width: 24em; }}
"""


#: the site's copies of itables' DataTables bundle, relative to the static folder
ITABLES_JS, ITABLES_CSS = "itables/dt_bundle.js", "itables/dt_bundle.css"


def _ship_itables(folder: Path) -> None:
    """itables' DataTables bundle as a classic script that defines ``window.reproITables`` (an ES
    module, as itables ships it, cannot be imported by a page opened from disk: browsers refuse
    module files from ``file://``), and its stylesheet."""
    package = Path(itables.__file__).parent / "html"
    folder.mkdir(exist_ok=True)
    script = classic_itables_bundle((package / "dt_bundle.js").read_text(encoding="utf-8"))
    target = folder / "dt_bundle.js"
    if not target.is_file() or target.read_text(encoding="utf-8") != script:
        target.write_text(script, encoding="utf-8")
    shutil.copyfile(package / "dt_bundle.css", folder / "dt_bundle.css")


def classic_itables_bundle(module: str, *, global_name: str = ITABLES_GLOBAL) -> str:
    """itables' ES-module bundle rewritten as a classic script: the module's body in a function,
    its one ``export {...}`` statement replaced by ``window.<global_name> = {...}``.

    Parameters
    ----------
    module : str
        The text of itables' ``html/dt_bundle.js``.
    global_name : str
        The global the exports are assigned to (what :func:`repro.book.kernel.interactive_table_html`
        reads).

    Raises
    ------
    ExtensionError
        If the bundle has no single export statement, or imports anything (then it is no longer a
        self-contained bundle and this rewriting does not apply).
    """
    exports = list(re.finditer(r"export\s*\{([^{}]*)\};?", module))
    if len(exports) != 1 or re.search(r"(^|[;\n}])\s*import[\s{*]", module) or "import.meta" in module:
        raise ExtensionError(f"itables {itables.__version__}: its dt_bundle.js is not one self-contained module "
                             f"with a single export statement ({len(exports)} found); cannot ship it as a classic script")
    names = []
    for entry in exports[0].group(1).split(","):
        local, _, exported = (part.strip() for part in entry.strip().partition(" as "))
        names.append(f"{exported or local}: {local}")
    assignment = f"window.{global_name} = {{{', '.join(names)}}};"
    start, end = exports[0].span()
    return f'(function () {{\n"use strict";\n{module[:start]}{assignment}{module[end:]}\n}})();\n'


def mathjax_es5_dir() -> Path:
    """MathJax 3's es5 folder from the django-static-mathjax wheel (files only, no Django needed)."""
    import importlib.util

    spec = importlib.util.find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise ExtensionError("MathJax files not found: install django-static-mathjax (pip install -e '.[book]')")
    folder = Path(list(spec.submodule_search_locations)[0]) / "static" / "mathjax" / "es5"
    if not (folder / "tex-mml-chtml.js").is_file():
        raise ExtensionError(f"{folder}: MathJax's tex-mml-chtml.js is missing")
    return folder


def _dedupe_inline_scripts(app, pagename, templatename, context, doctree) -> None:
    """Drop repeated inline scripts from a page.

    Sphinx 7.4 registers an inline script added after the builder started twice (once with
    filename None, once with ''), and sphinx-thebe adds ``const THEBE_JS_URL = ...`` that way:
    the second copy is a console SyntaxError ("Identifier 'THEBE_JS_URL' has already been
    declared") on every page."""
    seen, kept = set(), []
    for script in context.get("script_files", []):
        key = (getattr(script, "filename", script) or "", str(getattr(script, "attributes", {}).get("body", "")))
        if key[0] == "" and key in seen:
            continue
        seen.add(key)
        kept.append(script)
    context["script_files"] = kept


#: where the site's highlighted copies of the library's modules live (as sphinx.ext.viewcode puts them)
SOURCE_PAGES = "_modules"
#: the library's source folder (src/repro)
LIBRARY = Path(__file__).resolve().parents[1]


@functools.cache
def library_modules(root: Path = LIBRARY) -> dict[str, Path]:
    """Every module of the library by dotted name (``repro.chapters.fig1``), packages by their
    ``__init__.py``; the folder is walked once per process (every page of a build asks).

    Parameters
    ----------
    root : Path
        The package folder (``src/repro``).
    """
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = [root.name, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def chapter_module(pagename: str, modules: dict[str, Path]) -> str | None:
    """The chapter module behind a page of the book (``executed/fig1`` -> ``repro.chapters.fig1``),
    or None for a page without one.

    Parameters
    ----------
    pagename : str
        Sphinx's name of the page.
    modules : dict
        :func:`library_modules`.
    """
    folder, _, name = pagename.rpartition("/")
    module = f"repro.chapters.{name}"
    return module if folder == "executed" and module in modules else None


def library_imports(path: Path, modules: dict[str, Path]) -> list[str]:
    """The library modules that the module at ``path`` imports (but the package itself, its errors
    and its constants).

    Parameters
    ----------
    path : Path
        A module of the library.
    modules : dict
        :func:`library_modules`.
    """
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # ``from repro.figures import zeroshot`` imports a module; ``from repro.data import load`` a name
            names = [f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in modules else node.module
                     for alias in node.names]
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name not in ("repro", "repro.errors", "repro.constants") and name not in found:
                found.append(name)
    return found


def source_page(module: str) -> str:
    """The site's page name of ``module``'s highlighted source.

    Parameters
    ----------
    module : str
        A dotted module name of the library.
    """
    return f"{SOURCE_PAGES}/{module.replace('.', '/')}"


def _collect_source_pages(app):
    """One page per library module with its highlighted source (offline, like sphinx.ext.viewcode)."""
    if app.builder.format != "html":
        return
    for module, path in library_modules().items():
        code = app.builder.highlighter.highlight_block(path.read_text(encoding="utf-8"), "python", linenos=False)
        relative = path.relative_to(LIBRARY.parents[1]).as_posix()
        body = f"<h1>Source code for {html.escape(module)}</h1>\n<p><code>{relative}</code></p>\n{code}"
        yield source_page(module), {"title": module, "body": body, "parents": []}, "page.html"


def _link_chapter_source(app, pagename, templatename, context, doctree) -> None:
    """Under a chapter page's title: links to the source of its chapter module (the site's own
    highlighted copy, and the repository's file) and of the library modules that module calls."""
    modules = library_modules()
    module = chapter_module(pagename, modules)
    body = context.get("body")
    if module is None or not isinstance(body, str) or "</h1>" not in body:
        return
    uri = app.builder.get_relative_uri

    def link(name: str) -> str:
        return f'<a class="reference internal" href="{uri(pagename, source_page(name))}"><code>{name}</code></a>'

    relative = modules[module].relative_to(LIBRARY.parents[1]).as_posix()
    options = app.config.html_theme_options if isinstance(app.config.html_theme_options, dict) else {}
    repository, branch = options.get("repository_url"), options.get("repository_branch") or "main"
    online = (f' (<a class="reference external" href="{repository}/blob/{branch}/{relative}">{relative}</a>)'
              if repository else f" (<code>{relative}</code>)")
    calls = library_imports(modules[module], modules)
    called = f"; it calls {', '.join(link(m) for m in calls)}" if calls else ""
    note = (f'<p class="repro-source">The code behind this page: {link(module)}{online}{called}.</p>')
    head, _, tail = body.partition("</h1>")
    context["body"] = f"{head}</h1>\n{note}{tail}"


def setup(app):
    app.connect("config-inited", _prepare, priority=100)
    app.connect("html-page-context", _dedupe_inline_scripts, priority=900)
    app.connect("html-page-context", _link_chapter_source)
    app.connect("html-collect-pages", _collect_source_pages)
    app.add_js_file("plotly.min.js")
    app.add_js_file(ITABLES_JS)
    app.add_css_file(ITABLES_CSS)
    app.add_css_file(SITE_CSS)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
