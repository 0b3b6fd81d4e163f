"""The science and data layers document their public functions the numpydoc way: every public
function and method of ``repro.scaling``, ``repro.compute`` and ``repro.data`` that takes
arguments has a ``Parameters`` section naming each of them."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "repro"
DOCUMENTED = ("scaling", "compute", "data")


def _public_functions(path: Path) -> list[tuple[str, ast.FunctionDef]]:
    """Module-level functions and methods of public classes, without private names and properties.

    A method without a docstring of its own that overrides a method of a base class defined in the
    same module is that method's documentation (``inspect.getdoc`` inherits it too): it is checked
    there, once."""
    tree = ast.parse(path.read_text())
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    found = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            found.append((node.name, node))
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            found += [(f"{node.name}.{sub.name}", sub) for sub in node.body
                      if isinstance(sub, ast.FunctionDef) and not _inherits_its_doc(sub, node, classes)]
    return [(name, fn) for name, fn in found if not name.rsplit(".", 1)[-1].startswith("_")
            and not any(isinstance(d, ast.Name) and d.id == "property" for d in fn.decorator_list)]


def _inherits_its_doc(method: ast.FunctionDef, owner: ast.ClassDef, classes: dict[str, ast.ClassDef]) -> bool:
    if ast.get_docstring(method):
        return False
    for base in owner.bases:
        parent = classes.get(base.id) if isinstance(base, ast.Name) else None
        if parent is not None and any(isinstance(sub, ast.FunctionDef) and sub.name == method.name
                                      and ast.get_docstring(sub) for sub in parent.body):
            return True
    return False


def _arguments(fn: ast.FunctionDef) -> list[str]:
    names = [a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs]
    names += [a.arg for a in (fn.args.vararg, fn.args.kwarg) if a is not None]
    return [n for n in names if n not in ("self", "cls")]


def _documented_names(doc: str) -> set[str] | None:
    """The names a numpydoc ``Parameters`` section documents (``x, y : array`` names two), or None
    without such a section."""
    match = re.search(r"^Parameters\n-{10,}\n(.*?)(?=^\S[^\n]*\n-{3,}\n|\Z)", doc, re.M | re.S)
    if not match:
        return None
    names = set()
    for line in match.group(1).splitlines():
        if line and not line[0].isspace():
            names |= {n.strip().lstrip("*") for n in line.split(":")[0].split(",")}
    return names


def _undocumented(path: Path) -> list[str]:
    lacking = []
    for name, fn in _public_functions(path):
        arguments = _arguments(fn)
        if not arguments:
            continue
        documented = _documented_names(ast.get_docstring(fn) or "")
        if documented is None:
            lacking.append(f"{name}: no Parameters section")
        elif missing := [a for a in arguments if a not in documented]:
            lacking.append(f"{name}: {', '.join(missing)} not in its Parameters")
    return lacking


@pytest.mark.parametrize("package", DOCUMENTED)
def test_every_public_function_documents_its_parameters(package):
    files = sorted((PACKAGE / package).rglob("*.py"))
    assert files
    lacking = {str(p.relative_to(PACKAGE)): found for p in files if (found := _undocumented(p))}
    assert not lacking, f"public functions without numpydoc Parameters: {lacking}"


def test_the_check_sees_an_undocumented_parameter(tmp_path):
    module = tmp_path / "m.py"
    module.write_text('def f(x, y):\n    """F.\n\n    Parameters\n    ----------\n    x : int\n        X.\n    """\n\n\n'
                      'def g(a):\n    """G."""\n\n\ndef h(p, q):\n    """H.\n\n    Parameters\n    ----------\n'
                      '    p, q : float\n        Both.\n\n    Returns\n    -------\n    y : float\n        Y.\n    """\n')
    assert _undocumented(module) == ["f: y not in its Parameters", "g: no Parameters section"]
