"""The library's layers hold: checked on the real import graph by import-linter, plus what a layers
contract cannot see (every package is placed in a layer; no function-local import of ``repro``)."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "repro"
#: Every module of the library by dotted name (``from repro import report`` imports a module).
_REPRO_MODULES = {"repro." + ".".join(p.relative_to(PACKAGE).with_suffix("").parts)
                  for p in PACKAGE.rglob("*.py") if p.stem != "__init__"}


def _contracts() -> list[dict]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def _contract_layers() -> list[str]:
    (contract,) = [c for c in _contracts() if c["id"] == "layers"]
    return [name.strip() for layer in contract["layers"] for name in layer.split("|")]


def test_import_linter_layers_contract_holds():
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert lint, "import-linter is not installed (it is in the test extra of pyproject.toml)"
    done = subprocess.run([lint, "--config", str(ROOT / "pyproject.toml")], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    summary = re.search(r"Contracts: (\d+) kept, (\d+) broken", done.stdout)
    assert summary, done.stdout
    kept, broken = map(int, summary.groups())
    assert broken == 0, done.stdout
    assert kept == len(_contracts()), f"{kept} kept of {len(_contracts())} contracts:\n{done.stdout}"


def test_chapters_are_independent_by_contract():
    """No chapter module imports another (a chapter is what one page shows): an independence
    contract over every module of ``repro.chapters``, checked by the test above."""
    (contract,) = [c for c in _contracts() if c["id"] == "chapters-independent"]
    assert contract["type"] == "independence"
    assert contract["modules"] == ["repro.chapters.*"]


def _notebook_code(path: Path) -> str:
    """The code cells of a jupytext-MyST notebook, concatenated."""
    return "\n".join(re.findall(r"^```\{code-cell\}[^\n]*\n(.*?)^```", path.read_text(), re.M | re.S))


def _strip_cell_options(code: str) -> str:
    return "\n".join(line for line in code.splitlines() if not line.startswith(":"))


def _imports(code: str) -> set[str]:
    """The modules a piece of code imports, by dotted name (a module of the library, when a
    ``from ... import`` names one, else the package it imports from)."""
    imported = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            imported |= {f"{base}.{alias.name}" if f"{base}.{alias.name}" in _REPRO_MODULES else base
                         for alias in node.names}
    return imported


def _stray_imports(path: Path) -> set[str]:
    """What the notebook at ``path`` imports beyond its chapter, ``repro.report`` and ``repro.book.kernel``."""
    allowed = {f"repro.chapters.{path.stem}", "repro.report", "repro.book.kernel"}
    return _imports(_strip_cell_options(_notebook_code(path))) - allowed


def test_every_notebook_imports_only_its_chapter_the_report_and_the_kernel():
    """A notebook is thin: it imports ``repro.chapters.<its name>``, ``repro.report`` and
    ``repro.book.kernel`` and nothing else (no other module of the library, no third-party
    package); the logic lives in its chapter module, where tests reach it."""
    notebooks = sorted((ROOT / "book" / "notebooks").glob("*.md"))
    assert len(notebooks) >= 10
    wrong = {str(path.relative_to(ROOT)): sorted(extra) for path in notebooks if (extra := _stray_imports(path))}
    assert not wrong, f"notebooks importing more than their chapter, repro.report and repro.book.kernel: {wrong}"


def test_the_notebook_import_check_catches_a_stray_import(tmp_path):
    """The check parses what it should: another chapter, a lower layer or a third-party package
    imported by a notebook is caught, its own chapter is not."""
    text = (ROOT / "book" / "notebooks" / "fig1.md").read_text()
    stray = text + ("\n```{code-cell} ipython3\n:tags: [hide-input]\nfrom repro.chapters import zeroshot\n"
                    "from repro.scaling import binned_line_fit\nimport numpy as np\n```\n")
    (tmp_path / "fig1.md").write_text(stray)
    assert _stray_imports(tmp_path / "fig1.md") == {"repro.chapters.zeroshot", "repro.scaling", "numpy"}
    assert _stray_imports(ROOT / "book" / "notebooks" / "fig1.md") == set()


def test_every_package_and_module_of_repro_has_a_layer():
    placed = {name.removeprefix("repro.") for name in _contract_layers()}
    present = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    present |= {p.stem for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "__main__")}
    assert present == placed, f"not in a layer: {sorted(present - placed)}; in the contract only: {sorted(placed - present)}"


def test_no_function_local_import_of_repro():
    """A lower layer never reaches a higher one by importing inside a function (which would dodge the
    contract's intent even where import-linter sees it): every ``repro`` import is at module level."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and (inner.level or (inner.module or "").startswith("repro")):
                    found.append(f"{path.relative_to(ROOT)}:{inner.lineno}")
                elif isinstance(inner, ast.Import) and any(a.name.startswith("repro") for a in inner.names):
                    found.append(f"{path.relative_to(ROOT)}:{inner.lineno}")
    assert not found, "function-local imports of repro: " + ", ".join(sorted(set(found)))
