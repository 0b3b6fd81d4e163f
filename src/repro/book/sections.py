"""The book's sections: one jupytext MyST notebook source per section, its parameters, and the
parameter profiles.

Layout::

    book/notebooks/<section>.md      sources (reviewed like code), one cell tagged ``parameters``
    book/profiles/<profile>.yml      overrides per section: {section: {parameter: value}}
    book/executed/<section>.ipynb    executed by papermill (generated, git-ignored); the toc renders these
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml

from repro.constants import BOOK_DIR_ENV, REPO_ROOT, book_dir
from repro.book.parameters import check_types, current_names
from repro.errors import UnknownSectionError

#: sections that summarise the others: executed after every other section, from the gathered report
SUMMARY_SECTIONS = ("status", "environment", "index")
PROFILES = ("paper", "smoke")


def repo_root() -> Path:
    """The checkout this package runs from."""
    return REPO_ROOT


@dataclass(frozen=True)
class Section:
    """One notebook of the book."""

    name: str
    source: Path
    book: Path = field(repr=False)

    @property
    def executed(self) -> Path:
        return self.book / "executed" / f"{self.name}.ipynb"

    @property
    def stamp(self) -> Path:
        return self.book / "executed" / f"{self.name}.stamp.json"

    @property
    def is_summary(self) -> bool:
        return self.name in SUMMARY_SECTIONS

    def read(self):
        """The source as a notebook node (papermill cannot read text notebooks itself), its cells
        numbered ``cell-000``, ``cell-001``, ... rather than given random ids (deterministic builds)."""
        import jupytext

        notebook = jupytext.read(self.source)
        for index, cell in enumerate(notebook.cells):
            cell["id"] = f"cell-{index:03d}"
        return notebook

    @cached_property
    def parameters(self) -> dict[str, object]:
        """Names and default values of the cell tagged ``parameters``."""
        cells = [c for c in self.read().cells if "parameters" in c.get("metadata", {}).get("tags", [])]
        if len(cells) != 1:
            raise UnknownSectionError(f"{self.source}: expected exactly one cell tagged 'parameters', found {len(cells)}")
        values: dict[str, object] = {}
        for node in ast.parse(cells[0].source).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                values[node.targets[0].id] = ast.literal_eval(node.value)
        return values

    def check_parameters(self, params: dict[str, object]) -> dict[str, object]:
        """``params`` checked against the parameters cell before any kernel starts: every name known
        (renamed ones are accepted under their old name, see :data:`repro.book.parameters.RENAMED_PARAMETERS`),
        every value of its default's type. Returns them under their current names."""
        params = current_names(self.name, params, self.parameters)
        unknown = sorted(set(params) - set(self.parameters))
        if unknown:
            raise UnknownSectionError(
                f"section '{self.name}' has no parameter {', '.join(repr(u) for u in unknown)}; "
                f"its parameters: {', '.join(f'{k}={v!r}' for k, v in self.parameters.items())}"
            )
        check_types(self.name, params, self.parameters)
        return params


def sections(book: Path | None = None) -> list[Section]:
    """Every section, content sections first (sorted by name), then the summary sections."""
    book = book or book_dir()
    found = [Section(p.stem, p, book) for p in sorted((book / "notebooks").glob("*.md"))]
    return [s for s in found if not s.is_summary] + sorted(
        (s for s in found if s.is_summary), key=lambda s: SUMMARY_SECTIONS.index(s.name))


def get_section(name: str, book: Path | None = None) -> Section:
    by_name = {s.name: s for s in sections(book)}
    if name not in by_name:
        raise UnknownSectionError(f"unknown section '{name}'; sections: {', '.join(by_name)}")
    return by_name[name]


def profile_overrides(profile: str, book: Path | None = None) -> dict[str, dict[str, object]]:
    """``{section: {parameter: value}}`` of a profile (``paper`` = the notebooks' own defaults)."""
    book = book or book_dir()
    path = book / "profiles" / f"{profile}.yml"
    if not path.is_file():
        known = sorted(p.stem for p in (book / "profiles").glob("*.yml"))
        raise UnknownSectionError(f"unknown profile '{profile}' (no {path}); profiles: {', '.join(known)}")
    data = yaml.safe_load(path.read_text()) or {}
    if not isinstance(data, dict):
        raise UnknownSectionError(f"{path}: expected a mapping of section -> parameters, got {type(data).__name__}")
    known = {s.name: s for s in sections(book)}
    for name, params in data.items():
        if name not in known:
            raise UnknownSectionError(f"{path}: unknown section '{name}'; sections: {', '.join(known)}")
        data[name] = known[name].check_parameters(params or {})
    return {k: dict(v or {}) for k, v in data.items()}
