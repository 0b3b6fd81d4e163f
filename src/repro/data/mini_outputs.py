"""One miniature-study profile's committed output folder, ``runs/mini/<profile>/``, as one value.

Every module that writes or reads these files names them through :class:`MiniOutputs` (as the
launcher names a run's files through ``repro.launch.rundir.RunDir``)::

    outputs = MiniOutputs.for_profile("laptop")        # runs/mini/laptop/
    outputs.results, outputs.loss_curves, outputs.provenance, outputs.heldout_loss
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from repro.constants import MINI_RESULTS_DIR


@dataclass(frozen=True)
class MiniOutputs:
    """The files of one profile's output folder.

    Attributes
    ----------
    folder : Path
        ``<root>/<profile>``.
    """

    folder: Path

    @classmethod
    def for_profile(cls, profile: str, root: str | Path | None = None) -> MiniOutputs:
        """The folder of ``profile`` under ``root`` (default: ``runs/mini`` of the repository).

        Parameters
        ----------
        profile : str
            The profile's name.
        root : str or Path, optional
            Folder holding one subfolder per profile.
        """
        return cls(Path(root or MINI_RESULTS_DIR) / profile)

    @property
    def profile(self) -> str:
        """The profile's name (the folder's)."""
        return self.folder.name

    @property
    def results(self) -> Path:
        """One row per (run, task), the schema of ``zeroshot_results.csv``."""
        return self.folder / "results.csv"

    @property
    def loss_curves(self) -> Path:
        """The training loss of every run, from open_clip_train's ``out.log``."""
        return self.folder / "loss_curves.csv"

    @property
    def provenance(self) -> Path:
        """Seeds, code version, profile, package versions, timings per run."""
        return self.folder / "provenance.json"

    @property
    def heldout_loss(self) -> Path:
        """An isoFLOP profile's held-out contrastive loss per run."""
        return self.folder / "heldout_loss.csv"
