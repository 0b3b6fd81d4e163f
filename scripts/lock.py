"""Write requirements.lock.txt: every package `make setup` installs, at an exact version with the
hashes the index gives, resolved by uv from pyproject.toml (which keeps the ranges).

    python scripts/lock.py            # refresh the lock (make lock)
    python scripts/lock.py --check    # exit 1 if pyproject.toml changed since the lock was written

The lock's second line records a sha256 of pyproject.toml's dependency lists, so a range changed
without refreshing the lock is caught (tests/test_lock.py). Versions already in the lock are kept
where the ranges still allow them (uv prefers the versions of an existing output file).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock.txt"
#: The platform the lock is resolved for: the project's machines, CI, GitHub Actions and Binder.
PYTHON_VERSION = "3.11.5"
PLATFORM = "x86_64-manylinux_2_28"
STAMP = "# pyproject.toml dependencies sha256: "


def dependencies_digest(pyproject: Path = ROOT / "pyproject.toml") -> str:
    """sha256 over ``requires-python``, ``dependencies`` and ``optional-dependencies``."""
    project = tomllib.loads(pyproject.read_text())["project"]
    chosen = {k: project.get(k) for k in ("requires-python", "dependencies", "optional-dependencies")}
    return hashlib.sha256(json.dumps(chosen, sort_keys=True).encode()).hexdigest()


def recorded_digest(lock: Path = LOCK) -> str | None:
    for line in lock.read_text().splitlines()[:5]:
        if line.startswith(STAMP):
            return line[len(STAMP):].strip()
    return None


def write_lock(extra_args: list[str]) -> None:
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv is None:
        sys.exit("scripts/lock.py: uv not found (pip install uv)")
    subprocess.run([uv, "pip", "compile", str(ROOT / "pyproject.toml"), "--all-extras", "--generate-hashes",
                    "--python-version", PYTHON_VERSION, "--python-platform", PLATFORM, "--no-emit-package", "repro",
                    "--custom-compile-command", "make lock", "-o", str(LOCK), *extra_args], check=True, cwd=ROOT)
    lines = LOCK.read_text().splitlines(keepends=True)
    lines = [line for line in lines if not line.startswith(STAMP)]
    lines.insert(2, f"{STAMP}{dependencies_digest()}\n")
    LOCK.write_text("".join(lines))


def main(argv: list[str]) -> int:
    if argv[:1] == ["--check"]:
        if recorded_digest() != dependencies_digest():
            print(f"{LOCK.name} is older than pyproject.toml's dependency lists: run `make lock`", file=sys.stderr)
            return 1
        return 0
    write_lock(argv)
    print(f"wrote {LOCK.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
