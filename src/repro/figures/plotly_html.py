"""Interactive plotly figures in the static book, offline.

plotly.js is not fetched from a CDN (the readers' browser may be offline, and the browser check
fails on console errors): the book's Sphinx extension copies ``plotly.min.js`` from the installed
plotly package into the site's ``_static`` and loads it on every page, so each figure's HTML only
carries its data.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from IPython.display import HTML

from repro.errors import DataNotFoundError


def plotly_js_path() -> Path:
    """The plotly.min.js shipped inside the installed plotly package."""
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not path.is_file():
        raise DataNotFoundError(f"{path}: plotly.min.js not found in the installed plotly package")
    return path


def show_plotly(fig, *, height: int | None = None) -> HTML:
    """An HTML display object of a plotly figure that relies on the page-level plotly.js."""
    # the element id from the figure's content, not plotly's random uuid: the same figure gives the same page
    div_id = "plotly-" + hashlib.sha256(fig.to_json().encode()).hexdigest()[:16]
    html = fig.to_html(include_plotlyjs=False, full_html=False, default_height=height or "100%",
                       config={"displaylogo": False, "responsive": True}, div_id=div_id)
    return HTML(html)
