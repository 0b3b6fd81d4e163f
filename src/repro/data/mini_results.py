"""The committed outputs of a miniature-study profile (``runs/mini/<profile>/``), read back.

``results.csv`` (rows of the results schema) is read by :func:`repro.data.sources.load_mini_results`;
this module reads the rest of a profile's folder: the training-loss curves, the provenance, and
the held-out losses of an isoFLOP profile joined to the zero-shot error of each run. The
statistics computed from them are in :mod:`repro.scaling.mini_study`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from repro.constants import HEADLINE_TASK
from repro.data.mini_outputs import MiniOutputs
from repro.data.schema import error_of
from repro.data.sources import load_mini_results
from repro.errors import DataNotFoundError

#: The file of an isoFLOP profile's held-out losses, beside its ``results.csv``
#: (:attr:`MiniOutputs.heldout_loss`).
HELDOUT_FILE = MiniOutputs(Path(".")).heldout_loss.name
#: The isoFLOP study's profile (compute-optimal allocation, beyond the paper).
ISOFLOP_PROFILE = "isoflop-v2"


def _profile_file(profile: str, root: Path | None, name: str, what: str) -> Path:
    """The file ``name`` (an attribute of :class:`MiniOutputs`) of a profile's folder; a
    :class:`DataNotFoundError` saying how to make it when it is missing (``what`` names it)."""
    path = getattr(MiniOutputs.for_profile(profile, root), name)
    if not path.is_file():
        raise DataNotFoundError(f"{path}: no {what} for profile '{profile}'; run 'repro mini --profile {profile}'")
    return path


def load_loss_curves(profile: str = "laptop", *, root: Path | None = None) -> pd.DataFrame:
    """The training-loss curves of a profile's runs (``loss_curves.csv``).

    Parameters
    ----------
    profile : str
        The mini profile whose curves to read.
    root : Path, optional
        Folder holding one subfolder per profile (:meth:`MiniOutputs.for_profile`).

    Raises
    ------
    DataNotFoundError
        The profile has no loss curves.
    """
    return pd.read_csv(_profile_file(profile, root, "loss_curves", "loss curves"))


def load_provenance(profile: str = "laptop", *, root: Path | None = None) -> dict:
    """The provenance of a profile's results (``provenance.json``): seeds, versions, timings.

    Parameters
    ----------
    profile, root : str, Path
        As in :func:`load_loss_curves`; a profile without provenance raises :class:`DataNotFoundError`.
    """
    return json.loads(_profile_file(profile, root, "provenance", "provenance").read_text())


def load_isoflop_runs(profile: str = ISOFLOP_PROFILE, task: str | None = None, *,
                      root: Path | None = None) -> pd.DataFrame:
    """One row per run of an isoFLOP profile: size (GMACs per sample and parameters), samples
    seen, compute, budget, held-out contrastive loss and the zero-shot error on ``task``.

    Parameters
    ----------
    profile : str
        The isoFLOP profile whose runs to read.
    task : str, optional
        The downstream dataset whose error each run gets (default :data:`repro.constants.HEADLINE_TASK`).
    root : Path, optional
        Folder holding one subfolder per profile (:meth:`MiniOutputs.for_profile`).

    Raises
    ------
    DataNotFoundError
        The profile has no held-out losses, or a run has no row of ``task`` in ``results.csv``.
    """
    path = _profile_file(profile, root, "heldout_loss", "held-out losses")
    runs = pd.read_csv(path)
    rows = load_mini_results(profile, root=root)
    task = task or HEADLINE_TASK
    chosen = rows[rows["downstream_dataset"] == task].assign(error=lambda f: error_of(f))
    errors = chosen.set_index("name")["error"]
    missing = sorted(set(runs["name"]) - set(errors.index))
    if missing:
        raise DataNotFoundError(f"{path}: run(s) {', '.join(missing)} have no {task} row in results.csv; "
                                f"rerun 'repro mini --profile {profile}'")
    if "seed" not in runs.columns:   # a one-seed profile written before runs recorded their seed
        seed = json.loads(_profile_file(profile, root, "provenance", "provenance").read_text()).get("seed", 0)
        runs = runs.assign(seed=int(seed))
    return runs.assign(error=runs["name"].map(errors).astype(float)).sort_values(["budget_gmacs", "gmacs", "seed"],
                                                                                 ignore_index=True)


def load_wsd_runs(profile: str = "wsd-v2", *, root: Path | None = None) -> pd.DataFrame:
    """One row per warmup-stable-decay branch of a WSD profile (``heldout_loss.csv``: size, samples
    seen, decay samples, budget, seed and held-out contrastive loss; :mod:`repro.mini.wsd`).

    Parameters
    ----------
    profile : str
        The WSD profile whose branches to read.
    root : Path, optional
        Folder holding one subfolder per profile (:meth:`MiniOutputs.for_profile`).

    Raises
    ------
    DataNotFoundError
        The profile has no held-out losses.
    """
    return pd.read_csv(_profile_file(profile, root, "heldout_loss", "WSD branch losses"))
