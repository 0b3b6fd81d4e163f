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
import pandas as pd
html = shell.display_formatter.formatters["text/html"]
assert "reproITables" in html(pd.DataFrame({"x": range(30)}))
assert "reproITables" not in html(pd.DataFrame({"x": range(3)}))
print("ok")
"""


def test_import_has_no_display_side_effect_and_setup_registers_png():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("ok")


def _frame(rows: int, columns: int = 2, width: int = 4):
    import pandas as pd

    return pd.DataFrame({f"c{j}": [f"{i:0{width}d}" for i in range(rows)] for j in range(columns)})


def test_long_or_wide_tables_are_interactive_and_small_ones_stay_plain():
    from repro.book import kernel

    assert not kernel.is_interactive(_frame(kernel.INTERACTIVE_ROWS))
    assert kernel.is_interactive(_frame(kernel.INTERACTIVE_ROWS + 1))
    wide = _frame(3, columns=12, width=10)
    assert kernel.table_width_characters(wide) == (1 + 3) + 12 * (10 + 3) > kernel.PAGE_WIDTH_CHARACTERS
    assert kernel.is_interactive(wide)
    small = _frame(5)
    assert kernel._frame_html(small) == small._repr_html_()


def test_interactive_table_keeps_every_row_takes_the_sites_bundle_and_is_deterministic():
    from repro.book import kernel

    frame = _frame(150)
    html = kernel._frame_html(frame)
    assert html == kernel._frame_html(frame.copy()), "the same table gives the same bytes"
    assert "0149" in html, "no row dropped (itables downsamples large tables by default)"
    assert f"window.{kernel.ITABLES_GLOBAL} ??" in html and "<link href=" not in html
    assert '"colvis"' in html and '"scrollX": true' in html
    styled = kernel._styler_html(frame.style.highlight_max("c0"))
    assert styled == kernel._styler_html(frame.style.highlight_max("c0"))
    table_id = f"T_{kernel._digest(frame)}"
    assert styled.count(f'<table id="{table_id}"') == 1 and f'id="{table_id}_preview"' in styled


def test_the_sites_itables_bundle_is_a_classic_script_defining_one_global():
    import pytest
    from sphinx.errors import ExtensionError

    from repro.book.sphinx_ext import classic_itables_bundle

    script = classic_itables_bundle("var a=1,b=2;export{a as ITable,b as jQuery};/* licence */", global_name="g")
    assert script.startswith("(function () {") and "export" not in script
    assert "window.g = {ITable: a, jQuery: b};" in script
    with pytest.raises(ExtensionError, match="single export statement"):
        classic_itables_bundle("import x from './y.js';export{x as a};")
    with pytest.raises(ExtensionError, match="2 found"):
        classic_itables_bundle("export{a};export{b};")


def test_long_text_columns_wrap_and_the_others_stay_on_one_line():
    import pandas as pd

    from repro.book import kernel

    frame = pd.DataFrame({"model": [f"m{i}" for i in range(30)], "why": ["a reason " * 10] * 30, "x": 1.0})
    assert kernel.wrapped_columns(frame) == [1]
    html = kernel._frame_html(frame)
    assert '"className": "repro-wrap", "targets": [1]' in html or '"targets": [1], "className": "repro-wrap"' in html
    indexed = kernel._frame_html(frame.set_index("model"))   # the index is shown: the column moves right
    assert '"targets": [1]' in indexed and '"className": "repro-wrap"' in indexed
    assert "nowrap" in html and kernel.wrapped_columns(frame[["model", "x"]]) == []
