"""The chapter protocol: every page of the book has its chapter module, the module exposes
``compute(**parameters) -> Page``, and the notebook publishes the page under its own name."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book" / "notebooks").glob("*.md"))
MODULES = sorted(p.stem for p in (ROOT / "src" / "repro" / "chapters").glob("*.py") if p.stem != "__init__")


def test_every_notebook_has_its_chapter_module_and_every_module_its_notebook():
    assert [p.stem for p in NOTEBOOKS] == MODULES


@pytest.mark.parametrize("name", MODULES)
def test_the_chapter_exposes_compute_returning_a_page(name):
    module = importlib.import_module(f"repro.chapters.{name}")
    assert callable(getattr(module, "compute", None)), f"repro.chapters.{name} has no compute()"
    page_type = inspect.signature(module.compute).return_annotation
    page_type = getattr(module, page_type, None) if isinstance(page_type, str) else page_type
    assert page_type is not None and callable(getattr(page_type, "report_rows", None)) \
        and callable(getattr(page_type, "glue_values", None)), \
        f"repro.chapters.{name}.compute is not annotated with a page type that has report_rows() and glue_values()"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_notebook_publishes_under_its_own_name(path):
    """The report section a notebook writes is its own name (``publish``, or a direct
    ``report.save_rows``), exactly once."""
    text = path.read_text()
    published = re.findall(r"(?:repro\.book\.kernel\.publish|report\.save_rows)\(\s*['\"]([^'\"]+)['\"]", text)
    assert published in ([], [path.stem]), f"{path.name} writes the report section(s) {published}"
    assert published == [path.stem], f"{path.name} publishes no page"


def test_the_publishing_check_sees_a_wrong_name(tmp_path):
    wrong = tmp_path / "fig1.md"
    wrong.write_text((ROOT / "book" / "notebooks" / "datasets.md").read_text())
    with pytest.raises(AssertionError, match="writes the report section"):
        test_a_notebook_publishes_under_its_own_name(wrong)
