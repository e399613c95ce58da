"""The look shared by the charts drawn with Vega-Lite (through Altair): titles, readable text, the page's
language for dates and numbers, and a chart that says why it is empty. Pure: DataFrame in, chart out.

Why a second chart library. Streamlit draws a Plotly figure with a 4.6 MB script that the browser loads and
compiles before the first chart appears: about a second of every first visit to a chart page on a 2-core
machine, most of what stood between the pages and their 3 s target (benchmarks/README.md, "Page speed").
A Vega-Lite chart needs about 20 kB beyond what every page already loads. So every chart a page draws on its
first view is Vega-Lite: Overview (``figures.overview``: the area map and the engagement scatter), Map
(``figures.maps``: its layers and the bivariate key; ``figures.areamap`` is what the maps share), District,
Compare districts, Engagement vs outcomes, Program evaluation (``figures.programs``) and Resident trust.
Plotly stays where only it will do: the Overview's funnel plot (built only when "How we know" is opened), the
staff place picker, and the briefing's PDF (kaleido renders Plotly figures, offline).

Conventions, as for the Plotly charts (``figures.district``): a title that states the takeaway with a
subtitle saying what is counted, units on the axes, the Okabe-Ito palette (``style.CATEGORICAL``) for
categories, tooltips with thousands separators, and a chart with a plain sentence in it rather than an
exception when there is nothing to draw. Tooltips are plain text (Vega escapes them), so area names and
titles typed by staff are never read as markup.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from community_policing import i18n
from community_policing.accessibility import CHART_TEXT
from community_policing.figures.style import CATEGORICAL, FONT, wrap_title

# Vega cuts a title line wider than the chart ("…"): a 390 px phone's chart (358 px) holds about 46 title
# characters at 15 px bold, about 50 subtitle characters at 13 px (Spanish runs wider).
TITLE_WIDTH, SUBTITLE_WIDTH = 44, 48
# d3 number formats: always with a type (a bare "," draws 1.5e+3).
COUNT, ONE_DECIMAL, SIGNED_PERCENT = ",.0f", ",.1f", "+.0%"
GRID = "#eeeeee"
PRIOR_COLOR = "#8c8c8c"  # a year-earlier comparison is grey (and dashed), as on the Plotly charts
MUTED = "#555555"  # the sentence of an empty chart, notes inside a chart
FONT_FAMILY = FONT["family"]


def lines(text: str | None, width: int = TITLE_WIDTH) -> list[str] | str:
    """``text`` broken into lines of about ``width`` characters (``style.wrap_title``'s places: after a
    semicolon, a comma, before a parenthesis, else a space). Vega does not wrap titles; a 390 px phone holds
    about 54 title characters."""
    if not text:
        return ""
    parts = [part for line in str(text).split("<br>") for part in wrap_title(line, width).split("<br>")]
    return parts if len(parts) > 1 else parts[0]


def title(text: str, subtitle: str | None = None) -> alt.TitleParams:
    """The takeaway as the title (left-aligned, wrapped) with what is counted as its subtitle."""
    return alt.TitleParams(text=lines(text), subtitle=lines(subtitle, SUBTITLE_WIDTH) if subtitle else alt.Undefined,
                           anchor="start", color=CHART_TEXT, subtitleColor=CHART_TEXT, fontSize=15,
                           subtitleFontSize=13, fontWeight=600, subtitleFontWeight="normal", offset=10)


def finish(chart, text: str | None = None, subtitle: str | None = None):
    """``chart`` with its title and the shared look: text dark enough to read (WCAG 1.4.3: Streamlit's chart
    theme draws ticks and legends in a 3.8:1 grey), no frame around the plot, the legend below it (beside it,
    a legend takes half of a phone's width), and dates and numbers in the page's language
    (``i18n.vega_locale``). The last step: a finished chart is a whole spec and cannot be layered again."""
    if text:
        chart = chart.properties(title=title(text, subtitle))
        # Streamlit sizes a chart to "fit": its height holds the title too, so each line of title is added
        # to the height asked for, and the plot keeps it.
        height = getattr(chart, "height", alt.Undefined)
        if isinstance(height, (int, float)) and not isinstance(height, bool):
            drawn = chart.title
            count = lambda value: len(value) if isinstance(value, list) else 1 if isinstance(value, str) and value else 0  # noqa: E731
            chart = chart.properties(height=int(height + 20 * count(drawn.text) + 17 * count(drawn.subtitle) + 12))
    locale = i18n.vega_locale()
    # One configure call: each configure_* copies the whole chart (a third of a chart's build time).
    return chart.configure(
        axis=alt.AxisConfig(labelColor=CHART_TEXT, titleColor=CHART_TEXT, gridColor=GRID, labelFontSize=12,
                            titleFontSize=12, titleFontWeight="normal", labelFont=FONT_FAMILY, titleFont=FONT_FAMILY),
        legend=alt.LegendConfig(labelColor=CHART_TEXT, titleColor=CHART_TEXT, orient="bottom", labelFontSize=12,
                                titleFontSize=12, labelLimit=320, labelFont=FONT_FAMILY, titleFont=FONT_FAMILY),
        header=alt.HeaderConfig(labelColor=CHART_TEXT, titleColor=CHART_TEXT, labelFontSize=13, labelFont=FONT_FAMILY),
        title=alt.TitleConfig(font=FONT_FAMILY, subtitleFont=FONT_FAMILY),
        view=alt.ViewConfig(stroke=None),
        **({"locale": locale} if locale else {}))


def field(name: str) -> str:
    """A column name (in the reader's words) as a Vega field reference: backslash, ".", brackets and quotes
    escaped. Vega reads "a.b" as a nested field (a Spanish "1.000" has a dot), and a chart with an apostrophe in
    a field name ("the district's average") draws nothing."""
    for c in "\\.[]'\"":
        name = name.replace(c, "\\" + c)
    return name


def month_x(field: str, title: str | None = None, **axis) -> alt.X:
    """A month axis: each month a tick labelled "Jan 2024" (in the page's language), read in UTC, so that a
    first-of-the-month is that month for a reader in any time zone (local time put 1 March in February west
    of Greenwich and labelled two ticks "Mar"). The UTC time unit formats in UTC too: Vega-Lite 6 reads
    ``formatType="utc"`` as a custom format type and drops the format."""
    return alt.X(field=field, type="temporal", timeUnit="utcyearmonth", title=title if title else None,
                 scale=alt.Scale(type="utc"),
                 axis=alt.Axis(format="%b %Y", labelOverlap=True, **axis))


def month_tooltip(field: str, title: str) -> alt.Tooltip:
    """A month in a tooltip, "January 2024" (in the page's language), read in UTC as ``month_x`` is."""
    # No formatType here: a tooltip given formatType "utc" reads "NaN" (the UTC time unit is enough).
    return alt.Tooltip(field=field, type="temporal", timeUnit="utcyearmonth", format="%B %Y", title=title)


def categorical(domain: list[str]) -> alt.Scale:
    """The Okabe-Ito colours for ``domain``, in order (the first category is blue)."""
    return alt.Scale(domain=list(domain), range=[CATEGORICAL[i % len(CATEGORICAL)] for i in range(len(domain))])


def empty(text: str, message: str, subtitle: str | None = None, height: int = 220):
    """A blank chart that says why there is nothing to draw (finished: title, look and language)."""
    wrapped = lines(message, 70)
    note = alt.Chart(pd.DataFrame({"message": ["\n".join(wrapped) if isinstance(wrapped, list) else wrapped]})
                     ).mark_text(fontSize=15, color=MUTED, font=FONT_FAMILY, lineBreak="\n").encode(text="message:N")
    return finish(note.properties(height=height), text, subtitle)


def message_of(chart) -> str | None:
    """The sentence of an ``empty`` chart, else None (for tests and the text alternative)."""
    spec = chart.to_dict() if hasattr(chart, "to_dict") else chart
    if spec.get("mark", {}).get("type") == "text" and "datasets" in spec:
        values = next(iter(spec["datasets"].values()))
        if len(values) == 1 and "message" in values[0]:
            return str(values[0]["message"]).replace("\n", " ")
    return None
