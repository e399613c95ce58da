"""Pure figure functions for the Resident trust page: DataFrames in, a plotly Figure out. No Streamlit.

Small multiples instead of one chart of tangled lines: one small panel per district, all on the SAME
y-axis (``shared_yaxes="all"``), so the same height is the same score in every panel and a reader
compares districts by looking across a row. Each panel carries its district's change from a year earlier
in its heading; the districts whose change stands out from normal variation (``trust_stats.
district_trust_from``, ``stands_out``) are drawn in the highlight colour, the others in one calm blue.
The chosen period is shaded in every panel. An empty input gives a figure with a plain note.

One grid for every screen. Plotly cannot see how wide the page is (Streamlit gives the server no
width), and the figure's height is fixed in pixels while its width follows the page. So the grid is two
columns everywhere: on a 390 px phone each panel is still about 155 px wide, on a desktop it is a wide
time series. Every text is laid out for the narrow case: headings are broken onto short lines
(``HEADING_CHARS``), the score ticks are drawn once, on the left column (the scale is shared, so the
right column's ticks would only take width), and every vertical gap is counted in pixels, so a heading
never runs into the tick labels of the row above it at any width.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from community_policing.figures.district import GRID, PERIOD_FILL, _layout, empty_figure, wrap_title
from community_policing.figures.style import POINT_COLOR
from community_policing.i18n import N_, _

# For "How to read these numbers" (the Methodology page): how to read the Resident trust page's panels.
TRUST_PANELS_METHOD = N_(
    "**Reading the resident trust panels.** The Resident trust page draws each district's survey score in a "
    "small panel of its own, two panels to a row on every screen, so that a phone shows them as large as a desktop "
    "shows their words. Every panel uses the same score scale (its numbers are on the left-hand panel of each "
    "row): the same height is the same score in every district, so compare districts by looking across a row or "
    "down the page. The shaded months are the period chosen in the sidebar; the months before it are the year "
    "earlier it is compared with. Above each panel: the district, its change from a year earlier in points with "
    "its 95% margin of error, and what the change is (within normal variation, a possible change, a significant "
    "change). A district drawn in orange changed by more than normal variation even after allowing for looking "
    "at every district at once; the others are drawn in blue. A vertical bar through a point is that month's "
    "margin of error, when the survey publishes it. A district with no panel is named under the page's title "
    "with the reason (no survey results, or too few respondents)."
)

HIGHLIGHT = "#D55E00"  # Okabe-Ito vermillion: a change beyond normal variation
MARGIN_BAR = "rgba(33, 102, 172, 0.35)"
COLUMNS = 2  # two columns on every screen: see the module docstring
# Characters per heading line: a 390 px phone gives each panel about 155 px, which holds about 20
# characters at 12 px and 24 at 11 px (Arial/Source Sans widths; Spanish words are longer, so they wrap).
HEADING_CHARS = {"name": 20, "change": 24}
SUBTITLE_CHARS = 54  # the chart's subtitle (about 11 px) in a 358 px wide chart
TITLE_CHARS = 48  # the chart's title (bold, about 6.4 px a character): a 358 px chart holds about 54
PANEL_PX = 150  # the height of each panel's plot area
TICKS_PX = 42  # the date ticks under each panel (two lines, month and year: about 39 px in Chromium)
LINE_PX = {"district": 17, "name": 16, "change": 15}  # one heading line of each kind, with its spacing


def _lines(text: str, width: int) -> list[str]:
    """``text`` broken at spaces into lines of at most ``width`` characters (a longer word stays whole)."""
    return wrap_title(text, width).split("<br>")


def change_words(row) -> str:
    """A panel's heading line: "+4.6 points (±2.6) · possible change", or why there is no change."""
    return " · ".join(change_parts(row))


def change_parts(row) -> list[str]:
    """The change ("+4.6 points (±2.6)") and its reading ("possible change") as separate parts, so a
    narrow panel puts them on lines of their own; or why there is no change."""
    if row is None or pd.isna(row.get("change")):
        return [_("no change from a year earlier")]
    change = f"{row['change']:+.1f}".replace("-", "−")
    text = (_("{change} points (±{margin})").format(change=change, margin=f"{row['margin']:.1f}")
            if pd.notna(row.get("margin")) else _("{change} points").format(change=change))
    reading = row.get("noise")
    return [text, _(reading)] if reading else [text]


def panel_heading(name: str, row) -> tuple[str, int]:
    """A panel's heading as plotly text, and its height in pixels: "District 6" in bold, the district's
    own name, then the change and its reading, each broken to fit a phone's panel."""
    number, _sep, own = name.partition(" – ")  # district.district_title: "District N – name"
    parts = [f"<b>{number}</b>"]
    height = LINE_PX["district"]
    for line in _lines(own, HEADING_CHARS["name"]) if own else []:
        parts.append(f"<span style='font-size:12px'>{line}</span>")
        height += LINE_PX["name"]
    for part in change_parts(row):
        for line in _lines(part, HEADING_CHARS["change"]):
            parts.append(f"<span style='font-size:11px'>{line}</span>")
            height += LINE_PX["change"]
    return "<br>".join(parts), height


def wrap_subtitle(subtitle: str, width: int = SUBTITLE_CHARS) -> str:
    """Each line of ``subtitle`` broken to fit a phone (plotly neither wraps nor shrinks a subtitle)."""
    return "<br>".join("<br>".join(_lines(line, width)) for line in subtitle.split("<br>"))


def trust_small_multiples(table: pd.DataFrame, changes: pd.DataFrame | None, title: str, subtitle: str,
                          period_start, period_end) -> go.Figure:
    """One panel per district (in the order of ``table``, two to a row) of its survey scores by period,
    with the 95% margin of error as error bars when published.

    ``table``: ``metrics.trust_by_district`` rows (period_start, district_id, district_name as shown,
    score, margin_of_error, respondents); ``changes``: ``trust_stats.district_trust_from`` rows (district_id,
    change, margin, noise, stands_out) or None; ``period_start``/``period_end``: the chosen period, shaded."""
    title, subtitle = wrap_title(title, TITLE_CHARS), wrap_subtitle(subtitle)
    order = list(dict.fromkeys(table["district_id"].astype(str))) if len(table) else []
    if not order or table["score"].notna().sum() == 0:
        return empty_figure(title, _("No survey scores to draw for these months"), subtitle)
    by_id = {} if changes is None else {str(r["district_id"]): r for _i, r in changes.iterrows()}
    names = dict(zip(table["district_id"].astype(str), table["district_name"].astype(str)))
    cols = min(COLUMNS, len(order))
    rows = math.ceil(len(order) / cols)
    headings = [panel_heading(names[d], by_id.get(d)) for d in order]
    heading_px = max(h for _t, h in headings)
    # Every gap in pixels: the date ticks of the row above, then the next row's heading, then a little air.
    gap_px = TICKS_PX + heading_px + 14
    plot_px = rows * PANEL_PX + (rows - 1) * gap_px
    # No axes in the grid's empty cells (an odd number of districts): nothing there to read.
    specs = [[{} if r * cols + c < len(order) else None for c in range(cols)] for r in range(rows)]
    fig = make_subplots(rows=rows, cols=cols, specs=specs, shared_xaxes="all", shared_yaxes="all",
                        subplot_titles=[t for t, _h in headings], horizontal_spacing=0.05,
                        vertical_spacing=gap_px / plot_px if rows > 1 else 0.0)
    for ann in fig.layout.annotations:
        ann.font = dict(size=13)
        ann.yshift = 2
    shade_start, shade_end = pd.Timestamp(period_start), pd.Timestamp(period_end) + pd.Timedelta(days=1)
    for i, did in enumerate(order):
        row, col = i // cols + 1, i % cols + 1
        part = table[table["district_id"].astype(str) == did]
        stands_out = bool(by_id[did]["stands_out"]) if did in by_id else False
        color = HIGHLIGHT if stands_out else POINT_COLOR
        has_moe = part["margin_of_error"].notna().any()
        respondents = part["respondents"].map(lambda r: _("not published") if pd.isna(r) else f"{int(r):,}")
        fig.add_trace(go.Scatter(
            x=pd.to_datetime(part["period_start"]), y=part["score"].astype(float), mode="lines+markers",
            name=names[did], showlegend=False, line=dict(color=color, width=2.5 if stands_out else 1.8),
            marker=dict(size=4, color=color),
            error_y=dict(type="data", array=part["margin_of_error"].astype(float), visible=True, thickness=1,
                         width=0, color=MARGIN_BAR) if has_moe else None,
            customdata=list(zip(respondents, part["margin_of_error"].astype(float))),
            hovertemplate=_("%{x|%b %Y}: %{y:.1f}<br>respondents: %{customdata[0]}"
                            "<br>margin of error: ±%{customdata[1]:.1f}<extra>%{fullData.name}</extra>"),
        ), row=row, col=col)
        fig.add_vrect(x0=shade_start, x1=shade_end, fillcolor=PERIOD_FILL, line_width=0, layer="below",
                      row=row, col=col)
    # One y range for every panel, from the scores and their margins, so no error bar is cut off.
    low = (table["score"] - table["margin_of_error"].fillna(0)).min()
    high = (table["score"] + table["margin_of_error"].fillna(0)).max()
    pad = max(2.0, (high - low) * 0.08)
    fig.update_yaxes(range=[max(0.0, low - pad), min(100.0, high + pad)], gridcolor=GRID, nticks=5)
    # The scale is shared: its ticks once, on the left column (the subtitle names it, "score 0–100").
    fig.update_yaxes(showticklabels=False)
    fig.update_yaxes(showticklabels=True, col=1)
    fig.update_xaxes(gridcolor=GRID, tickformat="%b<br>%Y", showticklabels=True, nticks=4)
    fig = _layout(fig, title, subtitle, showlegend=False, hovermode="closest")  # height set below
    # Room above the first row for the title's and the subtitle's lines and the first row's headings.
    top = 78 + 22 * title.count("<br>") + 18 * subtitle.count("<br>") + heading_px
    fig.update_layout(height=top + plot_px + TICKS_PX + 8,
                      margin={"t": top, "b": TICKS_PX + 8, "l": 4, "r": 4})
    fig.update_xaxes(automargin=False)  # the bottom margin already holds the last row's date ticks
    return fig
