"""requirements.lock.txt against pyproject.toml: the lock was written from the current dependency
lists, pins every package (with hashes) inside pyproject's ranges, and `make setup` installs it."""

import hashlib
import importlib.util
import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from conftest import REPO

LOCK = REPO / "requirements.lock.txt"
#: the machine's local wheel cache (a file index); torch and torchvision install from it offline
LOCAL_WHEELS = Path("/opt/pypi-more/files")


def _lock_script():
    spec = importlib.util.spec_from_file_location("lock_script", REPO / "scripts" / "lock.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def locked() -> dict[str, tuple[str, list[str]]]:
    """package -> (version, sha256 hashes) of the lock."""
    found = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", LOCK.read_text()):
        head = re.match(r"([A-Za-z0-9_.\-]+)==([^\s\\;]+)", block)
        if head:
            found[canonicalize_name(head[1])] = (head[2], re.findall(r"--hash=sha256:([0-9a-f]{64})", block))
    return found


def _requirements() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    listed = [*project["dependencies"], *(r for extra in project["optional-dependencies"].values() for r in extra)]
    return [Requirement(r) for r in listed if canonicalize_name(Requirement(r).name) != "repro"]


def test_lock_was_written_from_the_current_dependency_lists():
    script = _lock_script()
    assert script.recorded_digest(LOCK) == script.dependencies_digest(REPO / "pyproject.toml"), \
        "pyproject.toml's dependencies changed since the lock was written: run `make lock`"


def test_a_changed_range_is_detected(tmp_path):
    script = _lock_script()
    changed = tmp_path / "pyproject.toml"
    changed.write_text((REPO / "pyproject.toml").read_text().replace('"pandas>=2.1"', '"pandas>=2.2"'))
    assert changed.read_text() != (REPO / "pyproject.toml").read_text()
    assert script.dependencies_digest(changed) != script.recorded_digest(LOCK)


def test_every_requirement_is_locked_inside_its_range_with_hashes():
    pins = locked()
    assert len(pins) > 100
    for requirement in _requirements():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} is not in the lock"
        version, hashes = pins[name]
        assert requirement.specifier.contains(version, prereleases=True), f"lock has {name}=={version}, pyproject {requirement}"
    assert all(hashes for _, hashes in pins.values()), "every locked package carries the index's hashes"


def test_torch_keeps_its_pins_and_the_local_wheels_match_the_lock():
    pins = locked()
    assert pins["torch"][0] == "2.14.1" and pins["torchvision"][0] == "0.29.1"
    wheels = sorted(LOCAL_WHEELS.glob("torch*-2.14.1-cp311-*.whl")) + sorted(LOCAL_WHEELS.glob("torchvision-0.29.1-cp311-*.whl"))
    if not wheels:
        pytest.skip(f"no local wheel cache at {LOCAL_WHEELS}")
    for wheel in wheels:
        name = canonicalize_name(wheel.name.split("-")[0])
        assert hashlib.sha256(wheel.read_bytes()).hexdigest() in pins[name][1], wheel.name


def test_make_setup_installs_from_the_lock():
    makefile = (REPO / "Makefile").read_text()
    assert "--require-hashes -r requirements.lock.txt" in makefile
    assert "--no-deps -e ." in makefile and "scripts/lock.py --check" in makefile
    assert re.search(r"^lock:", makefile, re.M)
