"""Importing the library changes nothing in IPython; the book's kernel setup registers the display."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
from IPython.core.interactiveshell import InteractiveShell
from matplotlib.figure import Figure
shell = InteractiveShell.instance()
png = shell.display_formatter.formatters["image/png"]
import repro.figures, repro.chapters.fig1
assert Figure not in png.type_printers, "importing repro registered a display formatter"
import repro.book.kernel
repro.book.kernel.setup()
fig = Figure()
fig.add_subplot().plot([0, 1], [1, 0])
data = png(fig)
assert data[:8] == b"\\x89PNG\\r\\n\\x1a\\n", data[:8]
assert b"Matplotlib version" not in data
assert png(fig) == data
print("ok")
"""


def test_import_has_no_display_side_effect_and_setup_registers_png():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("ok")
