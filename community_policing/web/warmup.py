"""Import the statistics and figure modules once, in the background, when the server starts.

Why: the first page a reader opens that needs scipy, statsmodels and the figure modules paid for importing
them (about 1 s on this 2-core machine, up to 3 s under load) on top of its own work. The server's first
script run (any page, through dashboard.py) starts this thread, so by the time a reader opens a statistics
page the modules are loaded. Importing is the only thing done here: no data is read, nothing is cached, and a
page that arrives first simply imports what it needs itself (Python's import locks make the two share one
import). Nothing fails if this does: an import error shows on the page that needs the module, as before.
"""

from __future__ import annotations

import importlib
import logging
import threading

# The modules the explore pages use beyond what every page imports (ui and its own imports), heaviest first.
MODULES = (
    "scipy.stats",
    "scipy.optimize",
    "statsmodels.genmod.generalized_linear_model",
    "statsmodels.regression.linear_model",
    "statsmodels.stats.multitest",
    "plotly.graph_objects",
    "altair",
    "community_policing.figures.vega",
    "community_policing.stats.did",
    "community_policing.views.evaluation",
    "community_policing.stats.funnel",
    "community_policing.stats.noise",
    "community_policing.stats.nowcast",
    "community_policing.stats.trust_stats",
    "community_policing.stats.engagement_stats",
    "community_policing.figures.base",
    "community_policing.figures.maps",
    "community_policing.views.district",
    "community_policing.figures.district",
    "community_policing.figures.compare",
    "community_policing.figures.trust",
    "community_policing.figures.engagement",
    "community_policing.stats.costs",
    "community_policing.views.overview",
    "community_policing.views.district_page",
    "community_policing.views.compare",
    "community_policing.views.engagement_view",
    "community_policing.views.map_layers",
    "community_policing.views.trust_view",
)

_started = threading.Event()
_log = logging.getLogger(__name__)


def _import_all() -> None:
    for name in MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the page that needs it reports the error in its own words
            _log.debug("warm-up import of %s failed", name, exc_info=True)
    for touch in (_touch_altair, _touch_plotly):
        try:
            touch()
        except Exception:  # noqa: BLE001 - only a head start; the pages build their own figures
            _log.debug("warm-up figure failed", exc_info=True)


def _touch_altair() -> None:
    """Altair reads Vega-Lite's JSON schema and builds its validators the first time a chart is checked (about
    0.3 s on the first Vega-Lite chart): check one small layered chart now."""
    import altair as alt
    import pandas as pd

    from community_policing.figures import vega

    frame = pd.DataFrame({"Month": pd.to_datetime(["2024-01-01", "2024-02-01"]), "Count": [1, 2], "Kind": ["a", "b"]})
    base = alt.Chart(frame)
    layered = alt.layer(base.mark_rect().encode(x=vega.month_x("Month")),
                        base.mark_line(point=True).encode(x=vega.month_x("Month"),
                                                          y=alt.Y(field="Count", type="quantitative"),
                                                          color=alt.Color(field="Kind", type="nominal"),
                                                          tooltip=[vega.month_tooltip("Month", "Month")]),
                        base.mark_text().encode(text=alt.Text(field="Kind", type="nominal")))
    vega.finish(layered.properties(height=100), "Title", "Subtitle").to_dict()
    vega.empty("Title", "Nothing").to_dict()


def _touch_plotly() -> None:
    """Plotly makes each trace, layout and validator class the first time a figure uses it (0.1-0.2 s on a
    page's first chart): build one empty figure with the kinds still drawn with Plotly (the funnel, the staff place
    picker, the briefing), and encode it, to do that now."""
    import plotly.graph_objects as go
    import plotly.io as pio

    from community_policing.accessibility import readable_text

    fig = go.Figure()
    fig.add_scatter(x=[0, 1], y=[0, 1], mode="lines+markers", text=["", ""], hovertemplate="%{y}")
    fig.add_bar(x=[0], y=[0], text=[""], textposition="outside", error_y={"array": [0]})
    fig.add_choroplethmap(geojson={"type": "FeatureCollection", "features": []}, locations=[], z=[],
                          colorbar={"orientation": "h"})
    fig.add_scattermap(lat=[0], lon=[0], mode="lines+text", text=[""])
    fig.add_vrect(x0=0, x1=1, opacity=0.1)
    fig.add_hline(y=0)
    fig.add_annotation(x=0, y=0, text="", showarrow=False)
    fig.update_layout(title={"text": "", "subtitle": {"text": ""}}, legend={"orientation": "h"},
                      map={"style": "white-bg"})
    pio.to_json(readable_text(fig))


def start() -> bool:
    """Start the background imports once per process; True when this call started them."""
    if _started.is_set():
        return False
    _started.set()
    threading.Thread(target=_import_all, name="common-ground-warmup", daemon=True).start()
    return True
