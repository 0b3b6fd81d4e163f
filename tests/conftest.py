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


class BuiltBook:
    def __init__(self, preparation, exit_code, log_tail, html):
        self.preparation, self.exit_code, self.log_tail, self.html = preparation, exit_code, log_tail, html


@pytest.fixture(scope="session")
def built_book():
    """Every notebook executed with the smoke profile (stale ones only), then the strict build."""
    import subprocess
    import sys

    from repro.book.build import prepare
    from repro.book.sections import book_dir

    preparation = prepare("smoke")
    book = book_dir()
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(book), "-W", "-n", "--keep-going"]
    done = subprocess.run(command, env={**os.environ, "REPRO_PROFILE": "smoke"}, capture_output=True, text=True)
    return BuiltBook(preparation, done.returncode, (done.stdout + done.stderr)[-5000:], book / "_build" / "html")
