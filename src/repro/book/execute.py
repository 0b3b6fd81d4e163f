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
import subprocess
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from traitlets.config import Config

from repro.report import REPORT_DIR_ENV
from repro.book.sections import Section, repo_root
from repro.constants import BOOK_DIR_ENV
from repro.data.registry import FILES
from repro.errors import NotebookExecutionError

log = logging.getLogger(__name__)
KERNEL = "python3"
#: a warnings filter for the kernels: tqdm.autonotebook's "IProgress not found" (on every page otherwise)
QUIET_WARNING = "ignore:IProgress not found"
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
    try:
        listed = subprocess.run(["git", "ls-files", "runs"], cwd=root, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return sorted([*(root / "runs").rglob("results.csv"), *(root / "runs").rglob("provenance.json")])
    return [root / line for line in listed.splitlines()
            if line.endswith(("results.csv", "provenance.json")) and (root / line).is_file()]


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


_ENV_LOCK = threading.Lock()
_ENV_STATE: dict = {"depth": 0, "values": None, "old": None}


@contextmanager
def _environment(**values: str):
    """Set ``values`` in this process's environment for a ``with`` block, safely across threads:
    sections executed at once share one setting (set by the first to enter, restored by the last
    to leave), so one thread never restores the environment under another's kernel; entering
    with other values while a setting is active is refused."""
    values = {k: v for k, v in values.items() if v is not None}
    with _ENV_LOCK:
        if _ENV_STATE["depth"] == 0:
            _ENV_STATE["old"] = {k: os.environ.get(k) for k in values}
            _ENV_STATE["values"] = values
            os.environ.update(values)
        elif values != _ENV_STATE["values"]:
            raise NotebookExecutionError(
                "sections executed at once need the same kernel environment (book folder and report "
                f"folder); one has {_ENV_STATE['values']}, another asks for {values}")
        _ENV_STATE["depth"] += 1
    try:
        yield
    finally:
        with _ENV_LOCK:
            _ENV_STATE["depth"] -= 1
            if _ENV_STATE["depth"] == 0:
                for k, v in _ENV_STATE["old"].items():
                    if v is None:
                        os.environ.pop(k, None)
                    else:
                        os.environ[k] = v


def kernel_environment(book: Path, report_dir: Path) -> dict[str, str]:
    """What a section's kernel finds in its environment: where to save report rows, the book
    folder, a non-interactive matplotlib backend, and no warning that tqdm (imported by pooch) has
    no notebook progress bar: nothing on the pages downloads anything."""
    existing = os.environ.get("PYTHONWARNINGS", "")
    warnings = existing if QUIET_WARNING in existing else ",".join(filter(None, [existing, QUIET_WARNING]))
    return {REPORT_DIR_ENV: str(report_dir.resolve()), "MPLBACKEND": "Agg", BOOK_DIR_ENV: str(book.resolve()),
            "PYTHONWARNINGS": warnings}


def kernel_environment_set(book: Path, report_dir: Path):
    """:func:`kernel_environment` set for the duration of a ``with`` block. A build sets it once
    around all its executions: the values are the same for every section, so sections executed
    at once (``repro build -j N``) never restore each other's environment too early."""
    return _environment(**kernel_environment(book, report_dir))


def _ipc_transport(folder: Path) -> Config:
    """Kernel sockets as files in a private folder (IPC), not TCP ports on localhost: nothing
    listens on the network, and ipykernel has no reason to warn that TCP is unencrypted."""
    return Config({"KernelManager": {"transport": "ipc", "ip": str(folder / "kernel")}})


def kernel_resources(folder: Path) -> dict:
    """nbclient's ``resources`` that start a notebook's kernel in ``folder`` (the kernel process's
    working directory), leaving this process's own working directory alone.

    Parameters
    ----------
    folder : Path
        The folder the notebook's relative paths start from.
    """
    return {"metadata": {"path": str(Path(folder).resolve())}}


def execute_notebook(section: Section, params: dict, output: Path, *, report_dir: Path, cwd: Path | None = None) -> float:
    """Run one source through papermill into ``output``; return the seconds it took.

    Raises
    ------
    NotebookExecutionError
        Naming the failing cell; the partly executed copy stays at ``output``.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    params = section.check_parameters(params)
    output.parent.mkdir(parents=True, exist_ok=True)
    report_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with kernel_environment_set(section.book, report_dir), tempfile.TemporaryDirectory(prefix="repro-kernel-") as sockets:
        try:
            # the kernel starts in its folder (nbclient's resources), not this process: papermill's
            # own ``cwd=`` is a process-wide os.chdir, wrong for sections executed at once in threads
            papermill.execute_notebook(section.read(), str(output), parameters=params, kernel_name=KERNEL,
                                       cwd=None, resources=kernel_resources(cwd or output.parent),
                                       progress_bar=False, log_output=False, config=_ipc_transport(Path(sockets)))
        except PapermillExecutionError as err:
            raise NotebookExecutionError(
                f"section '{section.name}' ({section.source}) failed in cell {err.exec_count} "
                f"(cell index {err.cell_index}): {err.ename}: {err.evalue}\n"
                f"The partly executed notebook is kept at {output}."
            ) from err
    _settle_injected_parameters(output, hide=section.is_summary)
    return time.perf_counter() - start


def _settle_injected_parameters(notebook: Path, *, hide: bool) -> None:
    """Give papermill's injected-parameters cell a fixed id instead of a random one (deterministic
    builds), and hide it on the summary pages: they receive the report path from the build, not
    something to show a reader."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    changed = False
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" not in tags:
            continue
        cell["id"], changed = "injected-parameters", True
        if hide and "remove-cell" not in tags:
            cell.metadata["tags"] = [*tags, "remove-cell"]
    if changed:
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


#: notebook and cell metadata that record when and how long (differs between two identical builds)
TIMING_KEYS = ("execution", "papermill", "start_time", "end_time", "duration", "exception", "status")


def without_timings(notebook: Path) -> dict:
    """An executed notebook as JSON with its timing metadata left out: two builds of the same
    commit, lock and data give equal results (``benchmarks/bench_build.py`` and the tests compare them)."""
    nb = json.loads(Path(notebook).read_text())
    nb["metadata"] = {k: v for k, v in nb.get("metadata", {}).items() if k not in TIMING_KEYS}
    for cell in nb.get("cells", []):
        cell["metadata"] = {k: v for k, v in cell.get("metadata", {}).items() if k not in TIMING_KEYS}
    return nb


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
