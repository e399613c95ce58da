"""Pure figure functions for the Compare districts page: DataFrame in, plotly Figure out. No Streamlit.

Small multiples: one column per district, in the order chosen, with SHARED y-axes (``make_subplots(
shared_yaxes=True)``) so that the same height means the same number in every column. Each district
keeps one Okabe-Ito colour (``figures.CATEGORICAL``) on every chart; the year-earlier comparison is
always grey and dashed. Titles state the takeaway, subtitles say what is counted, axes carry units,
and an empty input gives a figure with a plain note rather than an exception.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from community_policing import i18n
from community_policing.data import series_breaks
from community_policing.views import privacy
from community_policing.i18n import _
from community_policing.figures.district import (GRID, PRIOR_COLOR, _layout, add_hidden_markers, add_series_breaks,
                                                 empty_figure, preliminary_word, shade_preliminary)
from community_policing.figures.style import CATEGORICAL

BOTTOM_LEGEND = dict(orientation="h", yanchor="top", y=-0.2, xanchor="left", x=0)


def district_colors(ids: list[str]) -> dict[str, str]:
    """One Okabe-Ito colour per district, by its position in the chosen order."""
    return {d: CATEGORICAL[i % len(CATEGORICAL)] for i, d in enumerate(ids)}


def _order(table: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(table["district_id"]))


def _titles(table: pd.DataFrame) -> list[str]:
    return [table.loc[table["district_id"] == d, "title"].iloc[0] for d in _order(table)]


def _facets(table: pd.DataFrame, spacing: float = 0.035) -> go.Figure:
    n = len(_order(table))
    fig = make_subplots(rows=1, cols=n, shared_yaxes=True, horizontal_spacing=spacing,
                        subplot_titles=[f"<b>{t}</b>" for t in _titles(table)])
    for ann in fig.layout.annotations:  # subplot titles: the district names
        ann.font = dict(size=13)
    return fig


def _finish(fig: go.Figure, title: str, subtitle: str, height: int, y_title: str, x_title: str | None,
            legend: bool = True, **extra) -> go.Figure:
    fig = _layout(fig, title, subtitle, height=height, showlegend=legend,
                  legend=BOTTOM_LEGEND if legend else None, **extra)
    fig.update_layout(margin={**fig.layout.margin.to_plotly_json(), "b": 70 if legend else 10,
                              "t": fig.layout.margin.t - (22 if legend else 0) + 24})
    fig.update_yaxes(title_text=y_title, row=1, col=1)
    fig.update_yaxes(showticklabels=True, gridcolor=GRID)  # ticks in every column: no eye-travel
    if x_title:
        fig.update_xaxes(title_text=x_title)
    return fig


def _data_span(monthly: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First day and the day after the last day the monthly table covers."""
    last = monthly["last_day"] if "last_day" in monthly else pd.to_datetime(monthly["month"]) + pd.offsets.MonthEnd(0)
    return pd.to_datetime(monthly["month"]).min(), pd.Timestamp(max(pd.to_datetime(last))) + pd.Timedelta(days=1)


def monthly_incidents(monthly: pd.DataFrame, title: str, subtitle: str = "", breaks: pd.DataFrame | None = None,
                      preliminary_from=None) -> go.Figure:
    """Per district, incidents per month (solid, its colour) beside the same month a year earlier
    (dashed grey), from ``compare.monthly_table``.

    ``breaks`` (``series_breaks`` rows for this offense filter) are drawn in the column of each
    district they concern (``series_breaks.for_place``); ``preliminary_from`` shades the days whose
    counts by date occurred are still preliminary."""
    data = monthly.dropna(subset=["incidents"]) if len(monthly) else monthly
    if data.empty:
        return empty_figure(title, _("No incident counts for these months"), subtitle)
    fig = _facets(monthly)
    colors = district_colors(_order(monthly))
    for col, did in enumerate(_order(monthly), start=1):
        part = monthly[monthly["district_id"] == did]
        x = pd.to_datetime(part["month"])
        prior_labels = [i18n.format_month_short(pd.Timestamp(m)) for m in part["prior_month"]]
        name = _("District {id}").format(id=did)
        fig.add_trace(go.Scatter(
            x=x, y=part["incidents_prior_year"].astype("Float64").astype(float), mode="lines",
            name=_("Same month a year earlier"), legendgroup="prior", showlegend=col == 1,
            line=dict(color=PRIOR_COLOR, width=1.5, dash="dash"), customdata=prior_labels,
            hovertemplate=_("%{customdata}: %{y:,} incidents<extra>a year earlier</extra>"),
        ), row=1, col=col)
        fig.add_trace(go.Scatter(
            x=x, y=part["incidents"].astype("Float64").astype(float), mode="lines+markers",
            name=name, line=dict(color=colors[did], width=2.5), marker=dict(size=4),
            customdata=[preliminary_word(m, d, preliminary_from) for m, d in _month_ends(part)],
            hovertemplate=f"{name}, " + _("%{x|%b %Y}%{customdata}: %{y:,} incidents<extra></extra>"),
        ), row=1, col=col)
        # Public mode: months whose count is hidden ("fewer than 4") get a cross on the baseline.
        add_hidden_markers(fig, x, part, (("incidents", "", colors[did]),
                                          ("incidents_prior_year", _(" a year earlier"), PRIOR_COLOR)),
                           showlegend=False, prefix=f"{name}, ", row=1, col=col)
    first, end = _data_span(data)
    for col, did in enumerate(_order(monthly), start=1):
        add_series_breaks(fig, series_breaks.for_place(breaks, did), first, end - pd.Timedelta(days=1),
                          row=1, col=col, font_size=10)
        _shade_preliminary_in(fig, preliminary_from, first, end, col)
    fig.update_xaxes(dtick="M6", tickformat="%b<br>%Y")
    fig.update_yaxes(rangemode="tozero", tickformat=",")
    return _finish(fig, title, subtitle, 400, _("Incidents per month"), None, hovermode="closest")


def _month_ends(part: pd.DataFrame) -> list[tuple]:
    last = part["last_day"] if "last_day" in part else pd.to_datetime(part["month"]) + pd.offsets.MonthEnd(0)
    return list(zip(part["month"], last))


def _shade_preliminary_in(fig: go.Figure, preliminary_from, first: pd.Timestamp, end: pd.Timestamp, col: int) -> None:
    """The preliminary shading in one column of a faceted figure (labelled in the first only)."""
    if preliminary_from is None or pd.Timestamp(preliminary_from) >= end:
        return
    lo = max(pd.Timestamp(preliminary_from), first)
    label = dict(annotation_text=_("preliminary"), annotation_position="top right",
                 annotation_font=dict(size=10, color="#333333")) if col == 1 else {}
    fig.add_vrect(x0=lo, x1=end, fillcolor="rgba(120, 120, 120, 0.16)", line_width=0, layer="below", row=1, col=col,
                  **label)


def rate_lines(monthly: pd.DataFrame, title: str, subtitle: str = "", breaks: pd.DataFrame | None = None,
               preliminary_from=None) -> go.Figure:
    """One line per district: incidents per 1,000 residents per month, on one axis, from
    ``compare.monthly_table``. ``breaks`` that concern any district shown are dashed lines (a break
    of one district only names it); ``preliminary_from`` shades the preliminary days."""
    data = monthly.dropna(subset=["rate_per_1000"]) if len(monthly) else monthly
    if data.empty:
        return empty_figure(title, _("No district has enough residents for a rate"), subtitle)
    fig = go.Figure()
    colors = district_colors(_order(monthly))
    for did in _order(monthly):
        part = monthly[monthly["district_id"] == did]
        if part["rate_per_1000"].isna().all():
            continue
        custom = list(zip(part["incidents"].astype("Float64").astype(float),
                          part["population"].astype("Float64").astype(float), part["population_year"].astype(str)))
        fig.add_trace(go.Scatter(
            x=pd.to_datetime(part["month"]), y=part["rate_per_1000"].astype("Float64").astype(float),
            mode="lines+markers", name=part["title"].iloc[0], line=dict(color=colors[did], width=2.5),
            marker=dict(size=5), customdata=custom,
            hovertemplate=_("%{x|%b %Y}: %{y:.2f} per 1,000 residents<br>%{customdata[0]:,} incidents ÷ "
                            "%{customdata[1]:,} residents (%{customdata[2]})<extra>%{fullData.name}</extra>"),
        ))
    first, end = _data_span(data)
    shade_preliminary(fig, preliminary_from, first, end)
    shown = series_breaks.for_places(breaks, _order(monthly))
    if len(shown):  # a break of one district names it, as all districts share this axis
        shown = shown.assign(label=[lbl if d is None or pd.isna(d) else f"{lbl}, " + _("District {id}").format(id=d)
                                    for lbl, d in zip(shown["label"], shown["district_id"])])
    add_series_breaks(fig, shown, first, end - pd.Timedelta(days=1))
    return _layout(fig, title, subtitle, height=420, hovermode="x unified",
                   xaxis=dict(title=_("Month"), dtick="M3", tickformat="%b<br>%Y"),
                   yaxis=dict(title=_("Incidents per 1,000 residents per month"), rangemode="tozero"))


def offense_mix(mix: pd.DataFrame, title: str, subtitle: str = "") -> go.Figure:
    """Per district, each offense group's share (%) of its incidents in the period, with the count
    in the hover; the groups line up across columns (largest overall at the top), from
    ``compare.offense_mix_table``."""
    data = mix.dropna(subset=["share_pct"]) if len(mix) else mix
    if data.empty:
        return empty_figure(title, _("No incidents in the period to break down by offense"), subtitle)
    mix = mix.assign(label=[_(label) for label in mix["label"]])  # the groups' names in the current language
    order = list(mix.groupby("label")["incidents"].sum().sort_values(ascending=False).index)
    fig = _facets(mix, spacing=0.045)
    colors = district_colors(_order(mix))
    top = float(data["share_pct"].max())
    for col, did in enumerate(_order(mix), start=1):
        part = mix[mix["district_id"] == did].set_index("label").reindex(order)
        present = part["district_id"].notna().to_list()
        rows = [r for _, r in part.iterrows()]
        # Counts as text: 0 where the group had none, the note ("fewer than 4") where public mode hides it.
        counts = [_(privacy.row_text(r, "incidents")) if p else "0" for p, r in zip(present, rows)]
        prior = [_(privacy.row_text(r, "incidents_prior_year")) if p else "0" for p, r in zip(present, rows)]
        share = part["share_pct"].astype(float)
        shares = share.fillna(0.0)
        hid = privacy.hidden(part, "incidents").to_list()
        # No share where the count is hidden (its note instead), nor anywhere the district total is.
        text = [f"{v:.0f}%" if pd.notna(v) else c if h else _("share not shown") if p else "0%"
                for v, c, h, p in zip(share, counts, hid, present)]
        name = _("District {id}").format(id=did)
        fig.add_trace(go.Bar(
            y=order, x=shares, orientation="h", name=name, marker_color=colors[did],
            text=text, textposition="outside", cliponaxis=False,
            customdata=list(zip(counts, prior)),
            hovertemplate=(f"{name}, " + _("%{y}: %{x:.1f}% of its incidents<br>%{customdata[0]} incidents "
                                           "(%{customdata[1]} a year earlier)<extra></extra>")),
        ), row=1, col=col)
    fig.update_xaxes(range=[0, top * 1.3], matches="x", ticksuffix="%")
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=order)
    fig = _finish(fig, title, subtitle, 130 + 34 * len(order), "", _("Share of incidents (%)"), legend=False)
    # The groups line up across the columns, so their names are needed only once, on the left.
    for col in range(2, len(_order(mix)) + 1):
        fig.update_yaxes(showticklabels=False, row=1, col=col)
    return fig


def engagement_rates(engagement: pd.DataFrame, title: str, subtitle: str = "") -> go.Figure:
    """Per district, engagement activities per 1,000 residents per month (bars), with the activity
    count and officer hours in the hover, from ``compare.engagement_table``."""
    if engagement.empty or engagement["events"].sum() == 0:
        return empty_figure(title, _("No engagement activities recorded in these months"), subtitle)
    if engagement["events_per_1000"].isna().all():
        return empty_figure(title, _("No district has enough residents for a rate"), subtitle)
    fig = _facets(engagement)
    colors = district_colors(_order(engagement))
    for col, did in enumerate(_order(engagement), start=1):
        part = engagement[engagement["district_id"] == did]
        name = _("District {id}").format(id=did)
        fig.add_trace(go.Bar(
            x=pd.to_datetime(part["month"]), y=part["events_per_1000"].astype("Float64").astype(float),
            name=name, marker_color=colors[did], xperiod="M1", xperiodalignment="middle",
            customdata=list(zip(part["events"], part["officer_hours"], part["population"].astype("Float64"))),
            hovertemplate=(f"{name}, " + _("%{x|%b %Y}: %{y:.2f} per 1,000 residents<br>%{customdata[0]:,} "
                                           "activities, %{customdata[1]:,.0f} officer hours<extra></extra>")),
        ), row=1, col=col)
    fig.update_xaxes(dtick="M6", tickformat="%b<br>%Y")
    fig.update_yaxes(rangemode="tozero")
    return _finish(fig, title, subtitle, 380, _("Activities per 1,000 residents per month"), None, legend=False,
                   bargap=0.15)


def trust_trends(trust: pd.DataFrame, title: str, subtitle: str = "") -> go.Figure:
    """Per district, the survey score (its colour, 95% margin of error as error bars where
    published) beside the city average (dotted grey), from ``compare.trust_table``. Scores from
    too few respondents are blank and leave gaps."""
    if trust.empty or trust["score"].notna().sum() == 0:
        return empty_figure(title, _("No survey result with enough respondents"), subtitle)
    fig = _facets(trust)
    colors = district_colors(_order(trust))
    for col, did in enumerate(_order(trust), start=1):
        part = trust[trust["district_id"] == did].sort_values("period_start")
        x = pd.to_datetime(part["period_start"])
        if "city_score" in part and part["city_score"].notna().any():
            fig.add_trace(go.Scatter(
                x=x, y=part["city_score"].astype(float), mode="lines", name=_("City average"), legendgroup="city",
                showlegend=col == 1, line=dict(color=PRIOR_COLOR, width=1.5, dash="dot"),
                hovertemplate=_("%{x|%b %Y}: city average %{y:.1f}<extra></extra>")), row=1, col=col)
        moe = part["margin_of_error"].astype(float)
        respondents = part["respondents"].map(lambda r: _("not published") if pd.isna(r) else f"{int(r):,}")
        name = _("District {id}").format(id=did)
        fig.add_trace(go.Scatter(
            x=x, y=part["score"].astype(float), mode="lines+markers", name=name, connectgaps=False,
            line=dict(color=colors[did], width=2.5), marker=dict(size=4),
            error_y=dict(type="data", array=moe.fillna(0), visible=bool(moe.notna().any()), thickness=1, width=0,
                         color=colors[did]),
            customdata=list(zip(respondents, moe.map(lambda m: _("not published") if pd.isna(m) else f"±{m:.1f}"))),
            hovertemplate=(f"{name}, " + _("%{x|%b %Y}: %{y:.1f}<br>respondents: %{customdata[0]}<br>"
                                           "margin of error: %{customdata[1]}<extra></extra>")),
        ), row=1, col=col)
    fig.update_xaxes(tickformat="%b<br>%Y", nticks=5)
    return _finish(fig, title, subtitle, 400, _("Score (0–100, higher is better)"), None, hovermode="closest")
