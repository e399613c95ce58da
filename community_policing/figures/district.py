"""Pure figure functions for the District page: DataFrame in, plotly Figure out. No Streamlit.

Same conventions as ``figures``: a title that states the takeaway with a subtitle saying what is
counted, units on the axes, the Okabe-Ito palette (``figures.CATEGORICAL``) for categories, and a
figure (with a plain note in it) rather than an exception when there is nothing to draw.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from community_policing import i18n
from community_policing.views import privacy
from community_policing.views.district import COURSE_LABELS, ENGAGEMENT_LABELS, course_label, type_label
from community_policing.i18n import N_, _
from community_policing.figures.style import CATEGORICAL, FONT

CURRENT_COLOR = CATEGORICAL[0]  # blue
PRIOR_COLOR = "#8c8c8c"  # the year-earlier comparison is always grey and dashed
PERIOD_FILL = "rgba(0, 114, 178, 0.07)"
GRID = "#eeeeee"
# Titles longer than this many characters are broken onto a second line (plotly does not wrap).
TITLE_WIDTH = 52  # a 390 px phone's chart (358 px) holds about 54 bold title characters
SUBTITLE_WIDTH = 62  # and about 66 subtitle characters
TOP_LEGEND = dict(orientation="h", yanchor="bottom", y=1.01, xanchor="left", x=0)
# Below the chart, not beside it: a legend at the side takes half of a phone's width from the plot.
SIDE_LEGEND = dict(orientation="h", yref="container", yanchor="bottom", y=0.0, xanchor="left", x=0,
                   traceorder="reversed")


def wrap_title(text: str, width: int = TITLE_WIDTH) -> str:
    """Break a long title with <br> so it is never cut off: after a semicolon, else after a comma or
    before a parenthesis outside parentheses, else at the last space that fits."""
    if len(text) <= width:
        return text
    depth, best = 0, {}
    for i, ch in enumerate(text[:width]):
        if ch == "(":
            if depth == 0 and i >= width * 0.4:
                best["("] = i
            depth += 1
        elif ch == ")":
            depth = max(depth - 1, 0)
        elif ch in ";," and depth == 0 and i >= width * 0.4 and text[i + 1:i + 2] == " ":
            best[ch] = i + 1
    for mark in (";", ",", "("):
        if mark in best:
            cut = best[mark]
            return text[:cut].rstrip() + "<br>" + wrap_title(text[cut:].lstrip(), width)
    cut = text[:width].rfind(" ")
    if cut <= 0:
        return text
    return text[:cut] + "<br>" + wrap_title(text[cut + 1:], width)


def _layout(fig: go.Figure, title: str, subtitle: str, height: int = 420, **extra) -> go.Figure:
    extra.setdefault("legend", TOP_LEGEND)
    title = wrap_title(title)
    if subtitle:
        subtitle = "<br>".join(wrap_title(line, SUBTITLE_WIDTH) for line in subtitle.split("<br>"))
    extra_lines = title.count("<br>") + subtitle.count("<br>")
    # Room above the plot for the title and subtitle, plus a row for a legend placed on top.
    top = 100 if extra["legend"] is not SIDE_LEGEND and extra.get("showlegend", True) else 78
    fig.update_layout(
        # Pinned to the top so that the subtitle never runs into a legend above the plot.
        title={"text": title, "subtitle": {"text": subtitle}, "yref": "container", "y": 1.0, "yanchor": "top",
               "pad": {"t": 14}},
        font=FONT, plot_bgcolor="white", height=height + 22 * extra_lines,
        margin=dict(l=10, r=10, t=top + 22 * extra_lines, b=10),
        **extra,
    )
    fig.update_xaxes(gridcolor=GRID, zeroline=False)
    fig.update_yaxes(gridcolor=GRID, zeroline=False)
    return fig


def empty_figure(title: str, message: str, subtitle: str = "") -> go.Figure:
    """A blank chart that says why there is nothing to draw."""
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5,
                       font=dict(size=15, color="#555555"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, title, subtitle, height=260)


def _shade_period(fig: go.Figure, start: dt.date | None, end: dt.date | None, first: pd.Timestamp,
                  last: pd.Timestamp, label: str | None = None) -> None:
    if start is None or end is None:
        return
    label = _("selected period") if label is None else label
    lo, hi = max(pd.Timestamp(start), first), min(pd.Timestamp(end) + pd.Timedelta(days=1), last)
    if lo < hi:
        fig.add_vrect(x0=lo, x1=hi, fillcolor=PERIOD_FILL, line_width=0, layer="below",
                      annotation_text=label, annotation_position="top left",
                      annotation_font=dict(size=11, color="#555555"))


def preliminary_word(month, last_day, preliminary_from: dt.date | None) -> str:
    """" (preliminary)" for a month that reaches into the preliminary days, for hovers."""
    if preliminary_from is None or pd.Timestamp(last_day).date() < preliminary_from:
        return ""
    return _(" (preliminary: still rising)")


BREAK_COLOR = "#444444"
PRELIMINARY_FILL = "rgba(120, 120, 120, 0.16)"


def add_series_breaks(fig: go.Figure, breaks: pd.DataFrame | None, first: pd.Timestamp, last: pd.Timestamp,
                      row: int | None = None, col: int | None = None, color: str = BREAK_COLOR,
                      font_size: int = 11) -> list[str]:
    """A dashed vertical line and a short label (``series_breaks.chart_label``) at each break whose
    day lies after ``first`` and up to ``last`` (the span the chart shows); breaks outside draw
    nothing. The label sits at the foot of the line, clear of the period and preliminary labels at
    the top, and its hover gives the description. Returns the labels drawn."""
    from community_policing.data import series_breaks

    inside = series_breaks.within(breaks, pd.Timestamp(first).date(), pd.Timestamp(last).date())
    span = max((pd.Timestamp(last) - pd.Timestamp(first)).days, 1)
    drawn = []
    for i, (_, brk) in enumerate(inside.iterrows()):
        when = pd.Timestamp(brk["day"])
        label = series_breaks.chart_label(brk)
        where = {} if row is None else {"row": row, "col": col}
        # Labels of breaks close together are stacked; one near the right edge runs leftwards.
        right = (when - pd.Timestamp(first)).days / span > 0.65
        fig.add_vline(x=when, line=dict(color=color, width=1.5, dash="dash"), **where)
        fig.add_annotation(x=when, y=0.01 + 0.08 * (i % 3), yref="y domain" if row is not None else "paper",
                           text=label, showarrow=False, xanchor="right" if right else "left", yanchor="bottom",
                           xshift=-3 if right else 3, hovertext=str(brk["description"]),
                           bgcolor="rgba(255, 255, 255, 0.85)", font=dict(size=font_size, color=color), **where)
        drawn.append(label)
    return drawn


def shade_preliminary(fig: go.Figure, preliminary_from: dt.date | None, first: pd.Timestamp, last: pd.Timestamp,
                      fill: str = PRELIMINARY_FILL, label: str | None = None, line: dict | None = None,
                      font_size: int = 11) -> bool:
    """Shade the preliminary days (``freshness``: occurred-date counts still rising with late
    reports) from ``preliminary_from`` to the end of the chart, labelled at the top right.
    Returns whether anything was shaded."""
    if preliminary_from is None:
        return False
    label = _("preliminary") if label is None else label
    lo, hi = max(pd.Timestamp(preliminary_from), pd.Timestamp(first)), pd.Timestamp(last)
    if lo >= hi:
        return False
    fig.add_vrect(x0=lo, x1=hi, fillcolor=fill, line=line or dict(width=0), layer="below",
                  annotation_text=label, annotation_position="bottom right",
                  annotation_font=dict(size=font_size, color="#333333"))
    return True


def monthly_incidents(series: pd.DataFrame, title: str, subtitle: str = "", period_start: dt.date | None = None,
                      period_end: dt.date | None = None, breaks: pd.DataFrame | None = None,
                      preliminary_from: dt.date | None = None) -> go.Figure:
    """Incidents per month (solid) beside the same month a year earlier (dashed grey), from
    ``district.monthly_series``. A month cut short by the end of the period has a hollow marker.

    ``breaks`` (``series_breaks`` rows that concern this series) inside the months shown are dashed
    vertical lines with their label; ``preliminary_from`` (counts by date occurred only) shades the
    days still preliminary and says so in the hover.

    In public mode (a ``privacy``-suppressed series) a hidden month has no value on the line and a
    grey cross on the baseline whose hover says why ("fewer than 4"), unlike a month with no data."""
    keep = series["incidents"].notna() | privacy.hidden(series, "incidents") if len(series) else None
    data = series[keep] if len(series) else series
    if data.empty:
        return empty_figure(title, _("No incident counts for these months"), subtitle)
    x = pd.to_datetime(data["month"])
    partial = data["partial"].astype(bool).to_list()
    ends = [_("to {day}").format(day=i18n.format_day_month(d)) if p else "" for d, p in zip(data["last_day"], partial)]
    prior_labels = [i18n.format_month_short(pd.Timestamp(m)) for m in data["prior_month"]]
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=x, y=data["incidents_prior_year"].astype("Float64").astype(float), mode="lines+markers",
        xperiod="M1", xperiodalignment="middle",
        name=_("Same month a year earlier"), line=dict(color=PRIOR_COLOR, width=2, dash="dash"),
        marker=dict(size=5, color=PRIOR_COLOR), customdata=list(zip(prior_labels, ends)),
        hovertemplate=_("%{customdata[0]} %{customdata[1]}: %{y:,} incidents<extra>a year earlier</extra>"),
    ))
    fig.add_trace(go.Scatter(
        x=x, y=data["incidents"].astype(float), mode="lines+markers", name=_("Incidents"),
        xperiod="M1", xperiodalignment="middle",
        line=dict(color=CURRENT_COLOR, width=3),
        marker=dict(size=7, color=["white" if p else CURRENT_COLOR for p in partial],
                    line=dict(color=CURRENT_COLOR, width=2)),
        customdata=[e + preliminary_word(m, d, preliminary_from) for e, m, d in zip(ends, data["month"], data["last_day"])],
        hovertemplate=_("%{x|%b %Y} %{customdata}: %{y:,} incidents<extra></extra>"),
    ))
    add_hidden_markers(fig, x, data, (("incidents", "", CURRENT_COLOR),
                                      ("incidents_prior_year", _(" a year earlier"), PRIOR_COLOR)))
    _shade_period(fig, period_start, period_end, x.min(), x.max() + pd.DateOffset(months=1))
    data_end = pd.Timestamp(max(data["last_day"])) + pd.Timedelta(days=1)
    shade_preliminary(fig, preliminary_from, x.min(), data_end)
    add_series_breaks(fig, breaks, x.min(), data_end - pd.Timedelta(days=1))
    return _layout(fig, title, subtitle, xaxis=dict(title=_("Month"), dtick="M3", tickformat="%b<br>%Y"),
                   yaxis=dict(title=_("Incidents per month"), rangemode="tozero", tickformat=","),
                   hovermode="x unified", legend={**TOP_LEGEND, "traceorder": "reversed"})


def add_hidden_markers(fig: go.Figure, x: pd.Series, data: pd.DataFrame, columns, y: float = 0.0,
                       showlegend: bool = True, prefix: str = "", **where) -> None:
    """Public mode: a cross on the baseline for each month whose count is hidden (``privacy``), one
    legend entry per column, the note ("fewer than 4") in the hover; never the number. ``where``
    (row, col) places it in a faceted figure. ``what`` (" a year earlier") is in the current language."""
    for column, what, colour in columns:
        mask = privacy.hidden(data, column).to_numpy()
        if not mask.any():
            continue
        notes = data[privacy.note_column(column)].to_numpy()[mask]
        fig.add_trace(go.Scatter(
            x=pd.Series(x).to_numpy()[mask], y=[y] * int(mask.sum()), mode="markers",
            name=_("not shown{what}: small count").format(what=what), legendgroup=f"hidden{what}",
            showlegend=showlegend,
            marker=dict(symbol="x-thin-open", size=10, color=colour, line=dict(width=2, color=colour)),
            xperiod="M1", xperiodalignment="middle",
            customdata=[_(n) for n in notes],
            hovertemplate=prefix + _("{month}{what}: {note} (not shown)").format(
                month="%{x|%b %Y}", what=what, note="%{customdata}") + "<extra></extra>"), **where)


def seasonal_pattern(pattern: pd.DataFrame, title: str, subtitle: str = "") -> go.Figure:
    """Average incidents per calendar month (bars), with the lowest and highest year in the hover,
    from ``district.seasonal_pattern(...).table`` (in public mode averages only, hidden months with
    their note)."""
    data = pattern.dropna(subset=["average"]) if len(pattern) else pattern
    if data.empty:
        return empty_figure(title, _("No complete year of data for a seasonal pattern"), subtitle)
    if "lowest" not in data.columns:  # public mode (privacy.protect_seasonal): no single year's count
        fig = go.Figure(go.Bar(
            x=[m[:3] for m in data["month_name"]], y=data["average"].astype(float), name=_("Average"),
            marker_color=CURRENT_COLOR, customdata=list(zip(data["month_name"], data["years"])),
            hovertemplate=_("%{customdata[0]}: %{y:,.1f} incidents on average (%{customdata[1]} years)"
                            "<extra></extra>")))
        hidden_rows = pattern[privacy.hidden(pattern, "average")]
        if len(hidden_rows):
            fig.add_trace(go.Scatter(
                x=[m[:3] for m in hidden_rows["month_name"]], y=[0.0] * len(hidden_rows), mode="markers",
                marker=dict(symbol="x-thin-open", size=10, color=PRIOR_COLOR, line=dict(width=2, color=PRIOR_COLOR)),
                name=_("not shown: small count"), customdata=[_(n) for n in hidden_rows["average_note"]],
                hovertemplate=_("%{x}: %{customdata} over the years (not shown)<extra></extra>")))
        return _layout(fig, title, subtitle, height=380, showlegend=False,
                       xaxis=dict(title=_("Calendar month"), categoryorder="array",
                                  categoryarray=[m[:3] for m in pattern["month_name"]]),
                       yaxis=dict(title=_("Average incidents per month"), rangemode="tozero", tickformat=","))
    fig = go.Figure(go.Bar(
        x=[m[:3] for m in data["month_name"]], y=data["average"].astype(float), name=_("Average"),
        marker_color=CURRENT_COLOR,
        customdata=list(zip(data["month_name"], data["lowest"], data["highest"], data["years"])),
        hovertemplate=_("%{customdata[0]}: %{y:,.1f} incidents on average<br>lowest year %{customdata[1]:,}, "
                        "highest %{customdata[2]:,} (%{customdata[3]} years)<extra></extra>"),
    ))
    return _layout(fig, title, subtitle, height=380, showlegend=False,
                   xaxis=dict(title=_("Calendar month")),
                   yaxis=dict(title=_("Average incidents per month"), rangemode="tozero", tickformat=","))


def offense_mix(mix: pd.DataFrame, title: str, subtitle: str = "") -> go.Figure:
    """Horizontal bars per offense group: the period (blue) and the same days a year earlier
    (grey), largest group at the top, counts on the bars. From ``district.offense_mix``."""
    if mix.empty:
        return empty_figure(title, _("No incidents in the period or a year earlier"), subtitle)
    labels = [_(label) for label in mix["label"]]
    # Counts as text (in public mode a hidden count reads "fewer than 4"; its bar is left out).
    current = [privacy.row_text(r, "incidents") for _, r in mix.iterrows()]
    prior = [privacy.row_text(r, "incidents_prior_year") for _, r in mix.iterrows()]
    pct = [_("no %") if pd.isna(p) else f"{float(p):+.1f}%" for p in mix["pct_change"]]
    current, prior = [_(c) for c in current], [_(c) for c in prior]  # a note ("fewer than 4") in words
    fig = go.Figure()
    fig.add_trace(go.Bar(
        y=labels, x=mix["incidents"].astype("Float64").astype(float), orientation="h", name=_("Selected period"),
        marker_color=CURRENT_COLOR, text=current, textposition="outside", cliponaxis=False,
        customdata=list(zip(prior, pct, [_(n) for n in mix["noise"]], current)),
        hovertemplate=_("%{y}: %{customdata[3]} incidents<br>a year earlier: %{customdata[0]} "
                        "(%{customdata[1]})<br>%{customdata[2]}<extra></extra>"),
    ))
    fig.add_trace(go.Bar(
        y=labels, x=mix["incidents_prior_year"].astype("Float64").astype(float), orientation="h",
        name=_("Same days a year earlier"), marker_color=PRIOR_COLOR, text=prior, textposition="outside",
        cliponaxis=False, customdata=prior,
        hovertemplate=_("%{y}: %{customdata} incidents a year earlier<extra></extra>"),
    ))
    top = max(int(mix["incidents"].max(skipna=True) if mix["incidents"].notna().any() else 0),
              int(mix["incidents_prior_year"].max(skipna=True) if mix["incidents_prior_year"].notna().any() else 0), 1)
    return _layout(fig, title, subtitle, height=150 + 48 * len(mix), barmode="group", bargap=0.25,
                   xaxis=dict(title=_("Incidents"), range=[0, top * 1.15], tickformat=","),
                   yaxis=dict(title=None, autorange="reversed"))


def engagement_timeline(timeline: pd.DataFrame, title: str, subtitle: str = "", start: dt.date | None = None,
                        end: dt.date | None = None) -> go.Figure:
    """Engagement activities per month stacked by type (one Okabe-Ito colour per type), from
    ``district.engagement_timeline``."""
    if timeline.empty or timeline["events"].sum() == 0:
        return empty_figure(title, _("No engagement activities recorded in these months"), subtitle)
    fig = go.Figure()
    types = [t for t in ENGAGEMENT_LABELS if t in set(timeline["type"])]
    types += sorted(set(timeline["type"]) - set(types))
    for i, kind in enumerate(types):
        part = timeline[timeline["type"] == kind]
        fig.add_trace(go.Bar(
            x=part["month"], y=part["events"], name=type_label(kind),
            xperiod="M1", xperiodalignment="middle",
            marker_color=CATEGORICAL[i % len(CATEGORICAL)],
            customdata=list(zip(part["officer_hours"], part["attendees"])),
            hovertemplate=_("%{x|%b %Y}: %{y:,} activities, %{customdata[0]:,.0f} officer hours, "
                            "%{customdata[1]:,} attendees<extra>%{fullData.name}</extra>"),
        ))
    xaxis = dict(title=_("Month"), dtick="M3", tickformat="%b<br>%Y")
    if start is not None and end is not None:
        xaxis["range"] = [pd.Timestamp(start), pd.Timestamp(end) + pd.Timedelta(days=1)]
    return _layout(fig, title, subtitle, barmode="stack", height=440, xaxis=xaxis,
                   yaxis=dict(title=_("Engagement activities per month"), rangemode="tozero", tickformat=","),
                   legend=SIDE_LEGEND)


def trust_trend(trend: pd.DataFrame, title: str, subtitle: str = "", district_name: str = N_("This district"),
                program_starts: pd.DataFrame | None = None, period_start: dt.date | None = None,
                period_end: dt.date | None = None) -> go.Figure:
    """The district's survey score over time with its 95% margin of error as a band, beside the
    city average (dotted grey); hidden scores (too few respondents) leave gaps. Program start
    dates are vertical lines. From ``district.trust_trend``."""
    if trend.empty or trend["score"].notna().sum() == 0:
        return empty_figure(title, _("No survey result with enough respondents"), subtitle)
    district_name = _(district_name)
    data = trend.sort_values("period_start")
    x = pd.to_datetime(data["period_start"])
    score = data["score"].astype(float)
    moe = data["margin_of_error"].astype(float)
    fig = go.Figure()
    # The margin of error as a band, drawn as one closed shape per run of shown scores so that a
    # hidden month leaves a gap instead of a band stretched across it.
    has = (score.notna() & moe.notna()).to_numpy()
    run_id = (pd.Series(has) != pd.Series(has).shift()).cumsum().to_numpy()
    first_band = True
    for run in sorted(set(run_id[has])):
        idx = [i for i in range(len(has)) if has[i] and run_id[i] == run]
        xs, upper, lower = x.iloc[idx], (score + moe).iloc[idx], (score - moe).iloc[idx]
        if len(idx) == 1:  # a lone month: a short band either side of it
            xs = pd.Series([xs.iloc[0] - pd.Timedelta(days=8), xs.iloc[0] + pd.Timedelta(days=8)])
            upper, lower = pd.concat([upper, upper]), pd.concat([lower, lower])
        fig.add_trace(go.Scatter(
            x=list(xs) + list(xs[::-1]), y=list(upper) + list(lower[::-1]), fill="toself", mode="lines",
            line=dict(width=0), fillcolor="rgba(0, 114, 178, 0.15)", name=_("95% margin of error"),
            legendgroup="moe", showlegend=first_band, hoverinfo="skip",
        ))
        first_band = False
    if "city_score" in data and data["city_score"].notna().any():
        fig.add_trace(go.Scatter(x=x, y=data["city_score"].astype(float), mode="lines", name=_("City average"),
                                 line=dict(color=PRIOR_COLOR, width=2, dash="dot"),
                                 hovertemplate=_("%{x|%b %Y}: city average %{y:.1f}<extra></extra>")))
    respondents = data["respondents"].map(lambda r: _("not published") if pd.isna(r) else f"{int(r):,}")
    moe_text = moe.map(lambda m: _("not published") if pd.isna(m) else f"±{m:.1f}")
    fig.add_trace(go.Scatter(
        x=x, y=score, mode="lines+markers", name=district_name, connectgaps=False,
        line=dict(color=CURRENT_COLOR, width=2.5), marker=dict(size=5),
        customdata=list(zip(respondents, moe_text)),
        hovertemplate=_("%{x|%b %Y}: %{y:.1f}<br>respondents: %{customdata[0]}<br>"
                        "margin of error: %{customdata[1]}<extra></extra>"),
    ))
    if program_starts is not None and len(program_starts):
        for name, start in zip(program_starts["name"], program_starts["start_date"]):
            when = pd.Timestamp(start)
            if x.min() <= when <= x.max():
                fig.add_vline(x=when, line=dict(color="#555555", width=1, dash="dash"))
                fig.add_annotation(x=when, y=1, yref="paper", text=_("{name} starts").format(name=name), showarrow=False,
                                   xanchor="left", yanchor="top", font=dict(size=11, color="#555555"))
    _shade_period(fig, period_start, period_end, x.min(), x.max() + pd.DateOffset(months=1))
    return _layout(fig, title, subtitle, height=440, xaxis=dict(title=_("Survey month")),
                   yaxis=dict(title=_("Score (0–100, higher is better)")))


def training_hours(training: pd.DataFrame, title: str, subtitle: str = "",
                   quarters: list[str] | None = None) -> go.Figure:
    """Officer training hours (officers x hours) per quarter stacked by course, from
    ``district.training_hours``. ``quarters`` (labels like "2025 Q1") keeps quarters without
    training on the axis."""
    if training.empty or training["officer_hours"].sum() == 0:
        return empty_figure(title, _("No officer training recorded in these quarters"), subtitle)
    quarters = quarters or list(dict.fromkeys(training.sort_values("quarter")["quarter_label"]))
    courses = [c for c in COURSE_LABELS if c in set(training["course"])]
    courses += sorted(set(training["course"]) - set(courses))
    fig = go.Figure()
    for i, course in enumerate(courses):
        part = training[training["course"] == course]
        fig.add_trace(go.Bar(
            x=part["quarter_label"], y=part["officer_hours"], name=course_label(course),
            marker_color=CATEGORICAL[i % len(CATEGORICAL)],
            customdata=list(zip(part["officers"], part["sessions"])),
            hovertemplate=_("%{x}: %{y:,.0f} officer hours (%{customdata[0]:,} officers, "
                            "%{customdata[1]} sessions)<extra>%{fullData.name}</extra>"),
        ))
    return _layout(fig, title, subtitle, barmode="stack", height=420, legend=SIDE_LEGEND,
                   xaxis=dict(title=_("Quarter"), categoryorder="array", categoryarray=quarters),
                   yaxis=dict(title=_("Officer training hours (officers × hours)"), rangemode="tozero", tickformat=","))
