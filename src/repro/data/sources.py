"""Which results a notebook reads: the paper's, the miniature study's, or any results file, plus
optional extra rows (new evaluations) that slot into the same figures."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from repro.data.loaders import load_results, read_results
from repro.data.mini_outputs import MiniOutputs
from repro.data.schema import validate_results
from repro.errors import DataNotFoundError

#: the named sources a notebook's ``results_source`` parameter accepts (or a path to a CSV)
SOURCES = ("paper", "mini")


def load_mini_results(profile: str = "laptop", *, root: Path | None = None) -> pd.DataFrame:
    """The committed results of one miniature-study profile (``runs/mini/<profile>/results.csv``), validated.

    Parameters
    ----------
    profile : str
        The mini profile whose results to read (``laptop``, ``smoke``, ...).
    root : Path, optional
        Folder holding one subfolder per profile; default ``runs/mini`` of the repository.
    """
    path = MiniOutputs.for_profile(profile, root).results
    if not path.is_file():
        raise DataNotFoundError(f"{path}: no mini results for profile '{profile}'; produce them with "
                                f"'repro mini --profile {profile}'")
    return read_results(path)


def load_source(results_source: str = "paper", extra_results: str | Path = "") -> pd.DataFrame:
    """Rows of the results schema for a notebook.

    Parameters
    ----------
    results_source : str
        ``"paper"``: the authors' published results; ``"mini"``: the miniature study's committed
        results (laptop profile); ``"mini:<profile>"``: another profile's; otherwise a path to a
        results CSV in the schema of zeroshot_results.csv.
    extra_results : str or Path
        Optional path to a results CSV whose rows are added (e.g. a new model evaluated with
        ``repro eval``); rows for a (model, dataset) already present are refused.
    """
    if results_source == "paper":
        rows = load_results()
    elif results_source == "mini" or results_source.startswith("mini:"):
        rows = load_mini_results(results_source.partition(":")[2] or "laptop")
    else:
        path = Path(results_source)
        if not path.is_file():
            raise DataNotFoundError(
                f"results_source={results_source!r}: not one of {SOURCES} and no such file")
        rows = read_results(path)
    if extra_results:
        extra = read_results(extra_results)
        rows = validate_results(pd.concat([rows, extra], ignore_index=True),
                                source=f"{results_source} + {extra_results}")
    return rows
