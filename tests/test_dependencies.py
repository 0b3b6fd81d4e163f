"""The project's dependencies against its imports (deptry): every module it imports is declared in
pyproject.toml, and every declared package is used (the exceptions are listed, with the reason, in
``[tool.deptry.per_rule_ignores]``)."""

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import REPO

DEPTRY = shutil.which("deptry", path=str(Path(sys.executable).parent)) or shutil.which("deptry")


def _deptry(root: Path) -> subprocess.CompletedProcess:
    assert DEPTRY, "deptry is not installed: pip install -e '.[test]'"
    return subprocess.run([DEPTRY, ".", "--no-ansi"], cwd=root, capture_output=True, text=True, timeout=300)


def test_every_import_is_declared_and_every_dependency_used():
    done = _deptry(REPO)
    assert done.returncode == 0, done.stdout + done.stderr


def test_deptry_catches_an_undeclared_import_and_an_unused_dependency(tmp_path):
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent("""\
        [project]
        name = "probe"
        version = "0"
        dependencies = ["pyyaml>=6"]
        """))
    (tmp_path / "probe.py").write_text("import pandas\nimport no_such_package\n")
    done = _deptry(tmp_path)
    assert done.returncode != 0
    said = done.stdout + done.stderr
    assert "DEP001 'no_such_package' imported but missing" in said, said
    assert "DEP003 'pandas' imported but it is a transitive dependency" in said and "DEP002 'pyyaml'" in said, said
