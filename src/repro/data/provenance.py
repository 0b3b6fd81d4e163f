"""Where results come from: the commit of the code that made them, whether the working tree was
clean, and the refusal to write committed results from uncommitted code unless forced.

Committed results (``runs/mini/<profile>/``, for instance) are only worth keeping when someone can
check out the code that made them. :func:`require_clean` is called before a command writes into
the repository: it refuses when the tree has uncommitted changes, unless the caller forces it, in
which case the record says so (``"forced": true``) and the book's environment page shows it.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from repro.constants import REPO_ROOT, RUNS_DIR
from repro.errors import ReproError

#: the file, beside committed results, that records their provenance
PROVENANCE_FILE = "provenance.json"


class DirtyTreeError(ReproError, RuntimeError):
    """Committed results would be written from a working tree with uncommitted changes."""


@dataclass(frozen=True)
class GitState:
    """The code version of a working tree."""

    commit: str         # full hash of HEAD, or "unknown" outside git
    dirty: bool         # tracked files modified, or untracked files that are not ignored
    changed: tuple[str, ...] = ()   # the first few changed paths (for the message)
    committed_at: str | None = None  # HEAD's commit time (ISO 8601), None outside git

    @property
    def describe(self) -> str:
        """``<short hash>`` or ``<short hash>-dirty`` (as ``git describe --always --dirty``)."""
        return self.commit[:7] + ("-dirty" if self.dirty else "") if self.commit != "unknown" else "unknown"


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


def git_state(root: Path = REPO_ROOT) -> GitState:
    """HEAD and whether the tree differs from it (``unknown`` and clean outside a git checkout).

    Parameters
    ----------
    root : Path
        The checkout (default: this repository).
    """
    try:
        commit = _git(root, "rev-parse", "HEAD").strip()
        status = _git(root, "status", "--porcelain", "--untracked-files=normal").splitlines()
        committed_at = _git(root, "show", "-s", "--format=%cI", "HEAD").strip()
    except (OSError, subprocess.CalledProcessError):
        return GitState("unknown", False)
    return GitState(commit, bool(status), tuple(line[3:] for line in status[:10]), committed_at)


def inside_checkout(path: Path, root: Path = REPO_ROOT) -> bool:
    """Whether files written to ``path`` would be committed: inside the checkout and not ignored by git.

    Parameters
    ----------
    path : Path
        The folder the files would be written to.
    root : Path
        The checkout (default: this repository).
    """
    path = Path(path).resolve()
    if not path.is_relative_to(root.resolve()):
        return False
    try:
        ignored = subprocess.run(["git", "check-ignore", "-q", str(path)], cwd=root, capture_output=True).returncode == 0
    except OSError:
        return False
    return not ignored


def require_clean(output: Path, *, force: bool = False, root: Path = REPO_ROOT) -> dict[str, object]:
    """The provenance record of results about to be written to ``output``.

    Parameters
    ----------
    output : Path
        The folder the results go to.
    force : bool
        Write them even from a tree with uncommitted changes (recorded as ``forced``).
    root : Path
        The checkout (default: this repository).

    Raises
    ------
    DirtyTreeError
        ``output`` is inside the checkout (the results would be committed), the tree has
        uncommitted changes and ``force`` is false.
    """
    state = git_state(root)
    committed = inside_checkout(output, root)
    if committed and state.dirty and not force:
        shown = ", ".join(state.changed) + (", ..." if len(state.changed) == 10 else "")
        raise DirtyTreeError(
            f"{output} holds committed results, and the working tree has uncommitted changes ({shown}): "
            f"commit them first so the results name the code that made them, or force it (--force-dirty), "
            f"which the results' provenance and the book's environment page will say")
    return {"commit": state.commit, "dirty": state.dirty, "forced": bool(force and state.dirty and committed),
            "code_version": state.describe, "committed_at": state.committed_at}


def committed_provenance(runs: Path = RUNS_DIR) -> list[dict[str, object]]:
    """Every ``provenance.json`` under ``runs/``: its folder, commit, and whether it was made from a
    dirty tree (``forced``: on purpose; an old record with a ``-dirty`` code version: before the check).

    Parameters
    ----------
    runs : Path
        The folder searched (default ``runs/`` of the repository).
    """
    records = []
    for path in sorted(Path(runs).rglob(PROVENANCE_FILE)):
        data = json.loads(path.read_text())
        version = str(data.get("code_version", "unknown"))
        records.append({
            "results": str(path.parent.relative_to(runs.parent)) if path.is_relative_to(runs.parent) else str(path.parent),
            "commit": data.get("commit") or version.removesuffix("-dirty"),
            "dirty": bool(data.get("dirty", version.endswith("-dirty"))),
            "forced": bool(data.get("forced", False)),
        })
    return records


__all__ = ["DirtyTreeError", "GitState", "PROVENANCE_FILE", "committed_provenance", "git_state",
           "inside_checkout", "require_clean"]
