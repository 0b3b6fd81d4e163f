"""Every function of the library stays readable: cyclomatic complexity (radon's count of the
paths through a function) at most :data:`MAX_COMPLEXITY`, checked on the source of ``src/repro``."""

from __future__ import annotations

from pathlib import Path

import pytest

radon_complexity = pytest.importorskip("radon.complexity", reason="radon is in the test extra of pyproject.toml")

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "repro"
#: Above this many paths a function is split (radon grades 21 to 30 "D": more than a reader holds at once).
MAX_COMPLEXITY = 20


def _complexities(path: Path) -> dict[str, int]:
    """``relative/path.py:function`` (``Class.method`` for methods) -> cyclomatic complexity."""
    where = path.relative_to(PACKAGE).as_posix()
    found = {}
    for block in radon_complexity.cc_visit(path.read_text()):
        name = f"{block.classname}.{block.name}" if getattr(block, "classname", None) else block.name
        found[f"{where}:{name}"] = block.complexity
        for method in getattr(block, "methods", []):
            found[f"{where}:{block.name}.{method.name}"] = method.complexity
    return found


def test_no_function_above_the_complexity_limit():
    measured = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        measured |= _complexities(path)
    assert len(measured) > 300  # every module was read
    over = {name: cc for name, cc in measured.items() if cc > MAX_COMPLEXITY}
    assert not over, f"functions above cyclomatic complexity {MAX_COMPLEXITY} (split them): {over}"


def test_the_count_sees_a_branchy_function(tmp_path):
    """The measure counts what it should: 21 ``if`` branches make complexity 22."""
    body = "".join(f"    if x == {i}:\n        return {i}\n" for i in range(21))
    (tmp_path / "branchy.py").write_text(f"def branchy(x):\n{body}    return -1\n")
    (block,) = radon_complexity.cc_visit((tmp_path / "branchy.py").read_text())
    assert block.name == "branchy" and block.complexity == 22 > MAX_COMPLEXITY
