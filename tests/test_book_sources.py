"""From a page to its code: every chapter page links to the source of its chapter module (a
highlighted copy inside the site, so it works offline) and of the library modules it calls."""

import ast
import textwrap

from repro.book.sections import sections
from repro.book.sphinx_ext import chapter_module, library_imports, library_modules, source_page


def test_every_section_has_a_chapter_module_and_a_source_page_name():
    modules = library_modules()
    assert modules["repro.chapters.fig1"].name == "fig1.py" and modules["repro"].name == "__init__.py"
    for section in sections():
        module = chapter_module(f"executed/{section.name}", modules)
        assert module == f"repro.chapters.{section.name}", section.name
    assert chapter_module("executed/nope", modules) is None and chapter_module("fig1", modules) is None
    assert source_page("repro.chapters.fig1") == "_modules/repro/chapters/fig1"


def test_library_imports_name_modules_not_the_names_imported_from_them(tmp_path):
    root = tmp_path / "repro"
    for module in ("__init__", "errors", "report", "figures/__init__", "figures/zeroshot", "chapters/__init__",
                   "chapters/page"):
        (root / f"{module}.py").parent.mkdir(parents=True, exist_ok=True)
        (root / f"{module}.py").write_text("")
    (root / "chapters" / "page.py").write_text(textwrap.dedent("""\
        import json
        from repro.errors import ReproError
        from repro.figures import zeroshot, draw
        from repro import report
        import repro.figures.zeroshot
        """))
    modules = library_modules(root)
    assert library_imports(root / "chapters" / "page.py", modules) == [
        "repro.figures.zeroshot", "repro.figures", "repro.report"]


def test_chapter_pages_link_to_their_module_source(built_book):
    modules = library_modules()
    for section in sections():
        page = (built_book.html / "executed" / f"{section.name}.html").read_text()
        link = f'href="../_modules/repro/chapters/{section.name}.html"'
        assert 'class="repro-source"' in page and link in page, section.name
        source = (built_book.html / "_modules" / "repro" / "chapters" / f"{section.name}.html").read_text()
        functions = [n.name for n in ast.parse(modules[f"repro.chapters.{section.name}"].read_text()).body
                     if isinstance(n, ast.FunctionDef)]
        assert functions and all(f'<span class="nf">{f}</span>' in source for f in functions), section.name
