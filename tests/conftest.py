"""Tests read the authors' published results from a local copy (never the network):
REPRO_DATA_DIR defaults to ../shared/paper-data beside the checkout, as in CI."""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "paper-data"

if not os.environ.get("REPRO_DATA_DIR"):
    os.environ["REPRO_DATA_DIR"] = str(SHARED_DATA)


@pytest.fixture(scope="session")
def paper_rows():
    """The published zero-shot results (32 models x 41 downstream datasets)."""
    from repro.data import load_results

    return load_results()
