"""The library's layers hold: checked on the real import graph by import-linter, plus what a layers
contract cannot see (every package is placed in a layer; no function-local import of ``repro``)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "repro"


def _contract_layers() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["id"] == "layers"]
    return [name.strip() for layer in contract["layers"] for name in layer.split("|")]


def test_import_linter_layers_contract_holds():
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert lint, "import-linter is not installed (it is in the test extra of pyproject.toml)"
    done = subprocess.run([lint, "--config", str(ROOT / "pyproject.toml")], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout, done.stdout


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
