"""Pure figure functions for the Resident trust page: DataFrames in, a plotly Figure out. No Streamlit.

Small multiples instead of one chart of tangled lines: one small panel per district, all on the SAME
y-axis (``shared_yaxes="all"``), so the same height is the same score in every panel and a reader
compares districts by looking down a column. Each panel carries its district's change from a year earlier
in its heading; the districts whose change stands out from normal variation (``trust_stats.
district_trust_from``, ``stands_out``) are drawn in the highlight colour, the others in one calm blue.
The chosen period is shaded in every panel. An empty input gives a figure with a plain note.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from community_policing.district_figures import GRID, PERIOD_FILL, _layout, empty_figure
from community_policing.figures import POINT_COLOR
from community_policing.i18n import _

HIGHLIGHT = "#D55E00"  # Okabe-Ito vermillion: a change beyond normal variation
MARGIN_BAR = "rgba(33, 102, 172, 0.35)"
COLUMNS = 3


def change_words(row) -> str:
    """A panel's heading line: "+4.6 points (±2.6) · possible change", or why there is no change."""
    if row is None or pd.isna(row.get("change")):
        return _("no change from a year earlier")
    change = f"{row['change']:+.1f}".replace("-", "−")
    text = (_("{change} points (±{margin})").format(change=change, margin=f"{row['margin']:.1f}")
            if pd.notna(row.get("margin")) else _("{change} points").format(change=change))
    reading = row.get("noise")
    if reading:
        text += " · " + _(reading)
    return text


def trust_small_multiples(table: pd.DataFrame, changes: pd.DataFrame | None, title: str, subtitle: str,
                          period_start, period_end) -> go.Figure:
    """One panel per district (in the order of ``table``) of its survey scores by period, with the 95%
    margin of error as error bars when published.

    ``table``: ``metrics.trust_by_district`` rows (period_start, district_id, district_name as shown,
    score, margin_of_error, respondents); ``changes``: ``trust_stats.district_trust_from`` rows (district_id,
    change, margin, noise, stands_out) or None; ``period_start``/``period_end``: the chosen period, shaded."""
    order = list(dict.fromkeys(table["district_id"].astype(str))) if len(table) else []
    if not order or table["score"].notna().sum() == 0:
        return empty_figure(title, _("No survey scores to draw for these months"), subtitle)
    by_id = {} if changes is None else {str(r["district_id"]): r for _i, r in changes.iterrows()}
    names = dict(zip(table["district_id"].astype(str), table["district_name"].astype(str)))
    cols = min(COLUMNS if len(order) <= 12 else COLUMNS + 1, len(order))  # many districts: a wider grid
    rows = math.ceil(len(order) / cols)
    headings = [f"<b>{names[d]}</b><br><span style='font-size:11px'>{change_words(by_id.get(d))}</span>"
                for d in order]
    fig = make_subplots(rows=rows, cols=cols, shared_xaxes="all", shared_yaxes="all", subplot_titles=headings,
                        horizontal_spacing=0.04, vertical_spacing=0.42 / rows if rows > 1 else 0.1)
    for ann in fig.layout.annotations:
        ann.font = dict(size=13)
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
    fig.update_yaxes(range=[max(0.0, low - pad), min(100.0, high + pad)], gridcolor=GRID, showticklabels=True)
    fig.update_yaxes(title_text=_("Score (0–100)"), col=1)
    fig.update_xaxes(gridcolor=GRID, tickformat="%b<br>%Y", showticklabels=True, nticks=4)
    fig = _layout(fig, title, subtitle, height=150 + 190 * rows, showlegend=False, hovermode="closest")
    # Room above the first row for its two-line panel headings (and a subtitle on two lines).
    extra = 44 + 18 * subtitle.count("<br>")
    fig.update_layout(height=fig.layout.height + extra, margin={"t": fig.layout.margin.t + extra})
    return fig
