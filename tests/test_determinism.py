"""Two executions of the same notebook give byte-identical report rows and figure files, and
notebooks that differ only in timing metadata (no versions or dates in image metadata, no random
element ids, fixed seeds). benchmarks/bench_build.py checks the same for two whole builds."""

import hashlib
import io

import plotly.graph_objects as go
import pytest
from matplotlib.figure import Figure
from PIL import Image

from repro.book.execute import execute_notebook, extract_figures, without_timings
from repro.book.sections import get_section, profile_overrides
from repro.figures import show_plotly


def _digests(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.mark.slow
def test_a_chapter_executed_twice_gives_identical_report_figures_and_notebook(tmp_path):
    section = get_section("fig1")
    params = profile_overrides("smoke").get("fig1", {})
    runs = []
    for name in ("first", "second"):
        out = tmp_path / name
        execute_notebook(section, params, out / "fig1.ipynb", report_dir=out / "report", cwd=out)
        figures = extract_figures(out / "fig1.ipynb", out / "figures")
        assert figures, "fig1 draws figures"
        runs.append(out)
    first, second = runs
    assert (first / "report" / "fig1.csv").read_bytes() == (second / "report" / "fig1.csv").read_bytes()
    assert _digests(first / "figures") == _digests(second / "figures")
    assert without_timings(first / "fig1.ipynb") == without_timings(second / "fig1.ipynb")
    png = next((first / "figures").glob("*.png"))
    assert not {k.lower() for k in Image.open(png).info} & {"software", "creation time", "date"}, Image.open(png).info


def test_png_and_plotly_outputs_carry_no_version_date_or_random_id():
    fig = Figure()
    fig.add_subplot().plot([1, 2], [3, 4])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    assert b"Matplotlib" not in buffer.getvalue()
    figure = go.Figure(go.Scatter(x=[1, 2], y=[3, 4]))
    assert show_plotly(figure).data == show_plotly(figure).data
