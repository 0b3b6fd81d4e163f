"""The environment page: what this build of the book ran on, so that a reader can rebuild it later
and get the same numbers: the commit and whether the tree was clean, the versions of the key
packages beside the lock, the published-data pins, the machine, each notebook's execution time,
and the commit every committed result was made from."""

from __future__ import annotations

import json
import os
import platform
import re
import sys
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pandas as pd

from repro.constants import REPO_ROOT, RUNS_DIR
from repro.data.provenance import committed_provenance, git_state
from repro.data.registry import FILES
from repro.errors import DataNotFoundError
from repro.report import ReportRow

#: The lock every setup installs (``make lock`` writes it from pyproject.toml's ranges).
LOCK_FILE = REPO_ROOT / "requirements.lock.txt"
#: The packages whose versions decide the book's numbers and pages.
KEY_PACKAGES = ("numpy", "pandas", "scipy", "matplotlib", "seaborn", "plotly", "pyyaml", "torch", "torchvision",
                "open_clip_torch", "clip_benchmark", "jupyter-book", "myst-nb", "papermill", "ipykernel")


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_versions(lock: Path = LOCK_FILE) -> dict[str, str]:
    """package (normalised name) -> the version pinned by the lock (empty without a lock)."""
    if not lock.is_file():
        return {}
    return {_normal(m[1]): m[2] for m in re.finditer(r"^([A-Za-z0-9_.\-]+)==([^\s\\;]+)", lock.read_text(), re.M)}


def checkout() -> dict[str, object]:
    """The commit of this build and whether the working tree differed from it."""
    state = git_state()
    return {"commit": state.commit, "commit_short": state.commit[:7], "tree_clean": not state.dirty,
            "tree_state": "clean" if not state.dirty else "with uncommitted changes"}


def package_versions(lock: Path = LOCK_FILE) -> pd.DataFrame:
    """The key packages: installed version, locked version, and whether they agree."""
    locked = locked_versions(lock)
    records = [{"package": "python", "installed": platform.python_version(), "locked": "3.11 (pyproject.toml)",
                "as locked": sys.version_info[:2] == (3, 11)}]
    for name in KEY_PACKAGES:
        try:
            installed = version(name)
        except PackageNotFoundError:
            installed = "not installed"
        pinned = locked.get(_normal(name), "")
        records.append({"package": name, "installed": installed, "locked": pinned,
                        "as locked": installed.split("+")[0] == pinned})
    return pd.DataFrame(records)


def data_pins() -> pd.DataFrame:
    """Every published data file the book reads: its upstream repository, commit and sha256."""
    return pd.DataFrame([{"file": key, "source": repository, "commit": commit[:12], "path upstream": path,
                          "sha256": sha}
                         for key, (repository, commit, path, sha) in FILES.items()])


def machine() -> pd.DataFrame:
    """The machine the notebooks were executed on."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return pd.DataFrame({"value": {"platform": platform.platform(), "processor": platform.machine(),
                                   "cores available": str(cores), "python": sys.version.split()[0]}})


def execution_times(executed_dir: str | Path = "") -> pd.DataFrame:
    """Each notebook's execution time in this build (from the stamps the build writes beside the
    executed notebooks; the summary pages run after the others and are not listed)."""
    folder = Path(executed_dir) if executed_dir else REPO_ROOT / "book" / "executed"
    records = []
    for stamp in sorted(folder.glob("*.stamp.json")):
        data = json.loads(stamp.read_text())
        records.append({"notebook": stamp.name.removesuffix(".stamp.json"), "seconds": data.get("seconds"),
                        "executed at": data.get("executed_at", "")})
    return pd.DataFrame(records, columns=["notebook", "seconds", "executed at"])


def committed_results(runs: Path = RUNS_DIR) -> pd.DataFrame:
    """The committed results under ``runs/`` and the commit each was made from; a result made from
    a tree with uncommitted changes is flagged (forced on purpose, or recorded before the check)."""
    records = []
    for record in committed_provenance(runs):
        if not record["dirty"]:
            note = "made from a clean checkout of this commit"
        elif record["forced"]:
            note = "FORCED: made from a tree with uncommitted changes (--force-dirty)"
        else:
            note = "made from a tree with uncommitted changes, before such results were refused"
        records.append({"results": record["results"], "commit": str(record["commit"])[:12], "note": note})
    return pd.DataFrame(records, columns=["results", "commit", "note"])


@dataclass(frozen=True)
class Page:
    """What the environment page shows, gathered once.

    Attributes
    ----------
    checkout : dict
        :func:`checkout`: the commit and whether the tree was clean.
    packages : DataFrame
        :func:`package_versions`.
    pins : DataFrame
        :func:`data_pins`.
    host : DataFrame
        :func:`machine`.
    times : DataFrame
        :func:`execution_times` of the build's executed notebooks.
    results : DataFrame
        :func:`committed_results`.
    """

    checkout: dict[str, object]
    packages: pd.DataFrame
    pins: pd.DataFrame
    host: pd.DataFrame
    times: pd.DataFrame
    results: pd.DataFrame

    def report_rows(self) -> list[ReportRow]:
        """None: the page describes the build and reproduces no quantity of the paper."""
        return []

    def glue_values(self) -> dict[str, object]:
        """The values the page's prose names: the checkout, and counts of the tables."""
        times, results, versions = self.times, self.results, self.packages
        return {**self.checkout, "n_notebooks_timed": int(len(times)),
                "total_seconds": round(float(times["seconds"].sum()), 1) if len(times) else 0.0,
                "n_packages": int(len(versions)), "n_not_as_locked": int((~versions["as locked"]).sum()),
                "n_data_files": len(self.pins), "n_committed_results": int(len(results)),
                "n_dirty_results": int(results["note"].str.contains("uncommitted").sum()) if len(results) else 0,
                "n_forced_results": int(results["note"].str.startswith("FORCED").sum()) if len(results) else 0}


def compute(executed_dir: str | Path = "") -> Page:
    """The environment page.

    Parameters
    ----------
    executed_dir : str or Path
        Folder of the executed notebooks and their stamps; ``""``: ``book/executed`` (the build
        passes its own).

    Raises
    ------
    DataNotFoundError
        ``executed_dir`` is given and is not a folder.
    """
    if executed_dir and not Path(executed_dir).is_dir():
        raise DataNotFoundError(f"environment: executed_dir={str(executed_dir)!r} is not a folder")
    return Page(checkout(), package_versions(), data_pins(), machine(), execution_times(executed_dir),
                committed_results())
