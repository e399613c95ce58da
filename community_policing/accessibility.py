"""Charts that everyone can read (WCAG 2.1 AA). No Streamlit here; ``display.plotly_chart`` applies both
(``display.altair_chart`` the text alternative, ``vega_alt``; ``figures.vega.finish`` the contrast).

* ``chart_alt`` (1.1.1, text alternative): every chart is named for screen readers by what kind of chart
  it is, its title (the takeaway) and subtitle (what is counted), read from the figure itself so that the
  name always says what the chart says. The numbers behind each chart are a table one click away
  ("Show the numbers", ``downloads.numbers_behind``) or right beside it.
* ``readable_text`` (1.4.3, contrast): chart text the figure leaves to Streamlit's chart theme is drawn
  dark enough to read.
"""

from __future__ import annotations

import html
import re

import plotly.graph_objects as go

from community_policing.i18n import N_, _

_TAG = re.compile(r"<[^>]+>")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_SPACE = re.compile(r"\s+")

# What a reader is told the chart is, by the kind of its traces (the first trace that says most).
_KINDS = (
    ({"choroplethmap", "choroplethmapbox", "choropleth", "scattermap", "scattermapbox", "densitymap"}, N_("Map")),
    ({"heatmap"}, N_("Colour key")),
    ({"bar", "histogram"}, N_("Bar chart")),
    ({"box", "violin"}, N_("Box plot")),
)


# Chart text darker than Streamlit's chart theme draws it: its grey for ticks, axis titles, subtitles and
# bar labels (#808495) has 3.8:1 contrast on white, below WCAG's 4.5:1 for small text. This is Plotly's
# own default text colour (9.7:1).
CHART_TEXT = "#444444"


def readable_text(fig: go.Figure, color: str = CHART_TEXT) -> go.Figure:
    """The figure with every text colour it leaves to the theme set to ``color`` (colours a figure sets
    itself are kept): the chart-wide font, subtitle, legend, axis ticks and titles, colour bars."""
    layout = fig.layout
    if layout.font.color is None:
        layout.font.color = color
    if layout.title.subtitle.font.color is None and layout.title.subtitle.text:
        layout.title.subtitle.font.color = color
    if layout.legend.font.color is None:
        layout.legend.font.color = color
    if layout.legend.title.font.color is None:
        layout.legend.title.font.color = color
    for axis in [*fig.select_xaxes(), *fig.select_yaxes()]:
        if axis.tickfont.color is None:
            axis.tickfont.color = color
        if axis.title.font.color is None:
            axis.title.font.color = color
    bars = [layout.coloraxis.colorbar] if "coloraxis" in layout and layout.coloraxis.colorscale else []
    bars += [trace.colorbar for trace in fig.data if "colorbar" in trace and trace.colorbar is not None]
    for bar in bars:
        if bar.tickfont.color is None:
            bar.tickfont.color = color
        if bar.title.font.color is None:
            bar.title.font.color = color
    for trace in fig.data:  # labels drawn beside bars ("outside") take the theme's grey too
        if trace.type == "bar" and trace.outsidetextfont.color is None:
            trace.outsidetextfont.color = color
    return fig


def plain_text(markup: str | None) -> str:
    """Plotly's title markup (``<br>``, ``<b>``, ``<span style=…>``, entities) as one line of plain text."""
    if not markup:
        return ""
    text = _TAG.sub("", _BREAK.sub(" ", str(markup)))
    return _SPACE.sub(" ", html.unescape(text)).strip()


def chart_kind(fig: go.Figure) -> str:
    """"Map", "Bar chart", "Line chart", "Scatter plot"… from the figure's traces."""
    types = [trace.type for trace in fig.data]
    for kinds, label in _KINDS:
        if any(t in kinds for t in types):
            return _(label)
    # Lines, or points? Whichever draws more of the data (a trend line over a cloud of points is still
    # a scatter plot; a hollow marker on the last month of a line is still a line chart).
    on_lines = on_points = 0
    for trace in fig.data:
        if trace.type in ("scatter", "scattergl"):
            count = len(trace.x) if trace.x is not None else len(trace.y) if trace.y is not None else 0
            if "lines" in (trace.mode or "lines"):
                on_lines += count
            else:
                on_points += count
    if on_lines or on_points:
        return _("Scatter plot") if on_points > on_lines else _("Line chart")
    return _("Chart")


def _sentence(text: str) -> str:
    return text if not text or text[-1] in ".!?:;" else text + "."


def chart_alt(fig: go.Figure, kind: str | None = None) -> str:
    """A short name for a chart: "<kind>: <title>. <subtitle>." from the figure's own title."""
    title = fig.layout.title
    text = plain_text(title.text) if title else ""
    subtitle = plain_text(title.subtitle.text) if title and title.subtitle else ""
    parts = [_sentence(text), _sentence(subtitle)]
    body = " ".join(p for p in parts if p)
    return f"{kind or chart_kind(fig)}: {body}" if body else (kind or chart_kind(fig))


# The same names for a Vega-Lite chart, by the mark that draws its data (``_VEGA_PRECEDENCE``).
_VEGA_KINDS = {"geoshape": N_("Map"), "bar": N_("Bar chart"), "rect": N_("Colour key"), "boxplot": N_("Box plot"),
               "line": N_("Line chart"), "trail": N_("Line chart"), "area": N_("Line chart"),
               "point": N_("Scatter plot"), "circle": N_("Scatter plot"), "square": N_("Scatter plot")}


# Which mark names the chart when it has several: a shaded period (rect) or an interval band (area) under a
# line does not make a line chart a colour key.
_VEGA_PRECEDENCE = ("geoshape", "boxplot", "bar", "line", "trail", "point", "circle", "square", "area", "rect")


def _marks(spec: dict) -> list[str]:
    """Every mark type of a Vega-Lite spec, outermost first (layers, facets and concatenations opened)."""
    mark = spec.get("mark")
    found = [mark.get("type") if isinstance(mark, dict) else mark] if mark else []
    for key in ("layer", "hconcat", "vconcat", "concat"):
        for part in spec.get(key, []):
            found += _marks(part)
    if isinstance(spec.get("spec"), dict):
        found += _marks(spec["spec"])
    return found


def vega_alt(spec: dict, kind: str | None = None) -> str:
    """``chart_alt`` for a Vega-Lite chart (its spec as a dict): "<kind>: <title>. <subtitle>.", the kind
    from its marks unless given. Titles broken into lines are read as one sentence."""
    def joined(value) -> str:
        return plain_text(" ".join(value) if isinstance(value, list) else value)

    found = spec.get("title")
    found = found if isinstance(found, dict) else {"text": found} if found else {}
    body = " ".join(p for p in (_sentence(joined(found.get("text"))), _sentence(joined(found.get("subtitle")))) if p)
    if kind is None:  # what draws the data, not a shaded band or a background rectangle under it
        marks = set(_marks(spec))
        found = next((m for m in _VEGA_PRECEDENCE if m in marks), None)
        kind = _(_VEGA_KINDS[found]) if found else _("Chart")
    return f"{kind}: {body}" if body else kind
