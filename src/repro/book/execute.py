"""Execute notebook sources with papermill, reusing what is current.

A section's executed notebook is current when its stamp records the same *key*: a sha256 over
the source text, the parameters, the library code (``src/repro``), the published-data pins, the
project's own committed results (``runs/**/results.csv``) and, for the summary sections, the
gathered report. Anything else re-executes it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from repro.report import REPORT_DIR_ENV
from repro.book.sections import Section, repo_root
from repro.data.registry import FILES
from repro.errors import NotebookExecutionError

log = logging.getLogger(__name__)
KERNEL = "python3"
# papermill logs every cell at INFO; our progress lines say what runs
logging.getLogger("papermill").setLevel(logging.WARNING)


@dataclass(frozen=True)
class Execution:
    """What happened to one section."""

    section: str
    notebook: Path
    executed: bool      # False: the current copy was reused
    seconds: float


def _hash_files(digest, paths) -> None:
    for path in sorted(paths):
        digest.update(str(path.relative_to(repo_root())).encode())
        digest.update(path.read_bytes())


def committed_results(root: Path) -> list[Path]:
    """The results tables committed under ``runs/`` (the mini study's, for instance). Files that a
    build or a rerun writes itself are untracked and left out, so a build never makes itself stale."""
    import subprocess

    try:
        listed = subprocess.run(["git", "ls-files", "runs"], cwd=root, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return sorted((root / "runs").rglob("results.csv"))
    return [root / line for line in listed.splitlines() if line.endswith("results.csv") and (root / line).is_file()]


def library_fingerprint() -> str:
    """sha256 over the library's source, the data pins and the committed results tables."""
    digest = hashlib.sha256()
    root = repo_root()
    _hash_files(digest, (root / "src" / "repro").rglob("*.py"))
    _hash_files(digest, (root / "src" / "repro").rglob("*.csv"))
    _hash_files(digest, (root / "src" / "repro").rglob("*.json"))
    _hash_files(digest, committed_results(root))
    digest.update(json.dumps(FILES, sort_keys=True).encode())
    return digest.hexdigest()


def execution_key(section: Section, params: dict, *, extra: str = "", library: str | None = None) -> str:
    digest = hashlib.sha256()
    digest.update(section.source.read_bytes())
    digest.update(json.dumps(params, sort_keys=True, default=str).encode())
    digest.update((library or library_fingerprint()).encode())
    digest.update(extra.encode())
    return digest.hexdigest()


def is_current(section: Section, key: str) -> bool:
    if not (section.executed.is_file() and section.stamp.is_file()):
        return False
    try:
        return json.loads(section.stamp.read_text()).get("key") == key
    except (OSError, json.JSONDecodeError):
        return False


@contextmanager
def _environment(**values: str):
    old = {k: os.environ.get(k) for k in values}
    os.environ.update({k: v for k, v in values.items() if v is not None})
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def execute_notebook(section: Section, params: dict, output: Path, *, report_dir: Path, cwd: Path | None = None) -> float:
    """Run one source through papermill into ``output``; return the seconds it took.

    Raises
    ------
    NotebookExecutionError
        Naming the failing cell; the partly executed copy stays at ``output``.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    section.check_parameters(params)
    output.parent.mkdir(parents=True, exist_ok=True)
    report_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    from repro.book.sections import BOOK_DIR_ENV

    env = {REPORT_DIR_ENV: str(report_dir.resolve()), "MPLBACKEND": "Agg", BOOK_DIR_ENV: str(section.book.resolve())}
    with _environment(**env):
        try:
            papermill.execute_notebook(section.read(), str(output), parameters=params, kernel_name=KERNEL,
                                       cwd=str(cwd or output.parent), progress_bar=False, log_output=False)
        except PapermillExecutionError as err:
            raise NotebookExecutionError(
                f"section '{section.name}' ({section.source}) failed in cell {err.exec_count} "
                f"(cell index {err.cell_index}): {err.ename}: {err.evalue}\n"
                f"The partly executed notebook is kept at {output}."
            ) from err
    if section.is_summary:
        _hide_injected_parameters(output)
    return time.perf_counter() - start


def _hide_injected_parameters(notebook: Path) -> None:
    """The summary pages receive the report path from the build: not something to show a reader."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            cell.metadata["tags"] = [*tags, "remove-cell"]
    nbformat.write(nb, notebook)


def execute_if_stale(section: Section, params: dict, *, report_dir: Path, extra_key: str = "",
                     library: str | None = None, force: bool = False) -> Execution:
    """Execute ``section`` into ``book/executed`` unless its current copy matches the key."""
    key = execution_key(section, params, extra=extra_key, library=library)
    if not force and is_current(section, key):
        return Execution(section.name, section.executed, False, 0.0)
    section.stamp.unlink(missing_ok=True)
    seconds = execute_notebook(section, params, section.executed, report_dir=report_dir, cwd=section.executed.parent)
    section.stamp.write_text(json.dumps({"key": key, "params": params, "seconds": round(seconds, 2),
                                         "executed_at": time.strftime("%Y-%m-%dT%H:%M:%S")}, default=str, indent=1))
    return Execution(section.name, section.executed, True, seconds)


def extract_figures(notebook: Path, folder: Path) -> list[Path]:
    """Write every image output of an executed notebook to ``folder`` (``cell<N>-<k>.png|svg``)."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for index, cell in enumerate(nb.cells):
        k = 0
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            for mime, suffix in (("image/png", "png"), ("image/svg+xml", "svg")):
                if mime in data:
                    k += 1
                    path = folder / f"cell{index:02d}-{k}.{suffix}"
                    payload = data[mime]
                    path.write_bytes(base64.b64decode(payload) if suffix == "png" else "".join(payload).encode())
                    written.append(path)
    return written
