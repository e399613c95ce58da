"""Figure functions for the District page: DataFrame in, Vega-Lite chart out (``figures.vega``). No Streamlit.

The page's charts (the month-by-month series, the seasonal pattern, the offense mix, engagement, trust,
training and the small locator map) are Vega-Lite, so that a first visit loads no Plotly script
(``figures.vega`` says why). Same conventions as every chart: a title that states the takeaway with a subtitle
saying what is counted, units on the axes, the Okabe-Ito palette (``style.CATEGORICAL``) for categories, the
columns a reader may see ("Show data") named in the reader's words, and a chart with a plain sentence in it
rather than an exception when there is nothing to draw. The honesty marks: the selected period shaded, the
same month a year earlier grey and dashed, preliminary days shaded, series breaks as dashed lines with their
label, and in public mode a grey cross (never a number) where a small count is hidden.

The Plotly helpers below (``_layout``, ``empty_figure``, ``add_series_breaks``, ``shade_preliminary``,
``add_hidden_markers``, ``preliminary_word`` and the colours) draw the same marks on the briefing's Plotly
charts (``figures.briefing``: the PDF is rendered by kaleido from Plotly figures).
"""

from __future__ import annotations

import datetime as dt
import json

import altair as alt
import pandas as pd
import plotly.graph_objects as go

from community_policing import i18n
from community_policing.accessibility import CHART_TEXT
from community_policing.figures import vega
from community_policing.views import privacy
from community_policing.views.district import COURSE_LABELS, ENGAGEMENT_LABELS, course_label, type_label
from community_policing.i18n import N_, _
from community_policing.figures.style import CATEGORICAL, FONT, SUBTITLE_WIDTH, TITLE_WIDTH, wrap_title  # noqa: F401 - re-exported

CURRENT_COLOR = CATEGORICAL[0]  # blue
PRIOR_COLOR = "#8c8c8c"  # the year-earlier comparison is always grey and dashed
PERIOD_FILL = "rgba(0, 114, 178, 0.07)"
GRID = "#eeeeee"
TOP_LEGEND = dict(orientation="h", yanchor="bottom", y=1.01, xanchor="left", x=0)
# Below the chart, not beside it: a legend at the side takes half of a phone's width from the plot.
SIDE_LEGEND = dict(orientation="h", yref="container", yanchor="bottom", y=0.0, xanchor="left", x=0,
                   traceorder="reversed")


# --- Plotly helpers, shared with the briefing's charts (figures.briefing) -----------------------------------


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


# --- The District page's charts (Vega-Lite) -------------------------------------------------------------------

PERIOD_SHADE = "#0072B2"  # the selected period: the current colour, faint (PERIOD_OPACITY)
PERIOD_OPACITY = 0.07
PRELIMINARY_SHADE = "#787878"
PRELIMINARY_OPACITY = 0.16
DASH = [6, 4]  # the year-earlier line and series breaks
DOTTED = [2, 3]  # the city average
# A thin "x" (a path, not a filled cross): the mark of a hidden count, as the Plotly charts draw it.
CROSS = "M-1,-1L1,1M-1,1L1,-1"
NOTE_INK = "#555555"
CHART_HEIGHT = 260  # the plot, without title and legend: a phone shows it whole with its title
# Streamlit fits a chart into its height, the axes and legend included ("fit"): room for them on top of the plot.
AXIS_ROOM, LEGEND_ROW = 50, 22
LEGEND_COLUMNS = 2  # a legend of many entries in two columns: a phone's width holds two


def _y_title(text: str, plot_height: int = CHART_HEIGHT):
    """A y-axis title in lines no longer than the plot is tall (a longer one runs above the plot and pushes the
    chart's title out of the top of the chart)."""
    return vega.lines(text, max(plot_height // 7, 20))


def _legend(columns: int | None = None, **options) -> alt.Legend:
    """A legend under the plot (``vega.finish``) in ``columns`` (None: one row). A legend under the plot starts at
    the plot's left edge and is cut at the chart's right edge, so that a phone's width holds about 300 px of it:
    long labels go one to a row."""
    return alt.Legend(columns=alt.Undefined if columns is None else columns, **options)


def _ms(day) -> int:
    """A day as milliseconds since 1970 in UTC, as Vega reads the charts' dates (``vega.month_x``)."""
    stamp = pd.Timestamp(day)
    return int((stamp.tz_convert(None) if stamp.tz is not None else stamp).value // 1_000_000)


def _domain(first, last) -> list:
    """A month axis's span, ``first`` to ``last``, as Vega-Lite date-times in UTC (a domain given in milliseconds
    draws nothing on a time-unit axis)."""
    return [alt.DateTime(year=d.year, month=d.month, date=d.day, utc=True) for d in map(pd.Timestamp, (first, last))]


def _month_x(field: str, title: str, first, last, **axis) -> alt.X:
    """``vega.month_x`` over ``first`` to ``last``."""
    x = vega.month_x(field, title, **axis)
    x["scale"] = alt.Scale(type="utc", domain=_domain(first, last))
    return x


def _field(name: str) -> str:
    """``name`` as a field in a Vega expression (``datum["Not shown"]``)."""
    return f"datum[{json.dumps(name)}]"


def _time_x(field: str, **options) -> alt.X:
    """A date field on a chart's month axis (same UTC scale as ``vega.month_x``), for shaded spans and lines."""
    return alt.X(field=field, type="temporal", scale=alt.Scale(type="utc"), **options)


def _shaded_span(start, end, first: pd.Timestamp, last: pd.Timestamp, label: str, colour: str, opacity: float,
                 at_top: bool) -> list:
    """A shaded span from ``start`` to ``end`` (clipped to the chart's ``first`` to ``last``) under the marks,
    named at its top (``at_top``: left, or right when the span starts far to the right) or bottom right; [] when
    it lies outside the chart."""
    if start is None or end is None:
        return []
    lo, hi = max(pd.Timestamp(start), pd.Timestamp(first)), min(pd.Timestamp(end), pd.Timestamp(last))
    if lo >= hi:
        return []
    frame = pd.DataFrame({_("From"): [lo], _("To"): [hi]})
    base = alt.Chart(frame)
    rect = base.mark_rect(color=colour, opacity=opacity).encode(x=_time_x(_("From")), x2=alt.X2(field=_("To")))
    # Named inside the span: from its left edge, or from its right edge when it starts far to the right.
    rightwards = at_top and (lo - pd.Timestamp(first)) / max(pd.Timestamp(last) - pd.Timestamp(first), pd.Timedelta(days=1)) < 0.6
    note = base.mark_text(text=label, fontSize=11, color=NOTE_INK, align="left" if rightwards else "right",
                          baseline="top" if at_top else "bottom", dx=3 if rightwards else -3,
                          y=4 if at_top else alt.expr("height - 4")).encode(
        x=_time_x(_("From") if rightwards else _("To")))
    return [rect, note]


def _break_marks(breaks: pd.DataFrame | None, first: pd.Timestamp, last: pd.Timestamp) -> list:
    """A dashed line and its label (``series_breaks.chart_label``) at each series break after ``first`` and up to
    ``last``, as ``add_series_breaks`` draws them: the label at the foot of the line (stacked when breaks are
    close; leftwards near the right edge), the break's description in its tooltip."""
    from community_policing.data import series_breaks

    inside = series_breaks.within(breaks, pd.Timestamp(first).date(), pd.Timestamp(last).date())
    if inside.empty:
        return []
    day, label, what = _("Day"), _("Series break"), _("What changed")
    frame = pd.DataFrame({day: [pd.Timestamp(d) for d in inside["day"]],
                          label: [series_breaks.chart_label(r) for _i, r in inside.iterrows()],
                          what: [str(d) for d in inside["description"]]})
    tooltip = [alt.Tooltip(field=label, type="nominal"), alt.Tooltip(field=what, type="nominal")]
    marks = [alt.Chart(frame).mark_rule(color=BREAK_COLOR, strokeWidth=1.5, strokeDash=DASH).encode(
        x=_time_x(day), tooltip=tooltip)]
    span = max((pd.Timestamp(last) - pd.Timestamp(first)).days, 1)
    for i in range(len(frame)):
        right = (frame[day].iloc[i] - pd.Timestamp(first)).days / span > 0.65
        marks.append(alt.Chart(frame.iloc[[i]]).mark_text(
            fontSize=11, color=BREAK_COLOR, align="right" if right else "left", baseline="bottom",
            dx=-3 if right else 3, y=alt.expr(f"height * {1 - 0.01 - 0.08 * (i % 3):.2f}")).encode(
            x=_time_x(day), text=alt.Text(field=label, type="nominal"), tooltip=tooltip))
    return marks


def _hidden_crosses(shown_as: str, colour=None, size: int = 90, orient: str = "bottom") -> dict:
    """The mark of a hidden count (public mode): a thin cross on the baseline, named in the legend (``orient``
    "top" on a chart whose other legend is below it: two legends below sit side by side, past a phone's edge)."""
    return dict(shape=alt.Shape(field=shown_as, type="nominal", title=None, scale=alt.Scale(range=[CROSS]),
                                legend=_legend(1, symbolStrokeColor=NOTE_INK, symbolStrokeWidth=2, orient=orient)),
                size=alt.value(size), **({} if colour is None else {"color": colour}))


def monthly_incidents(series: pd.DataFrame, title: str, subtitle: str = "", period_start: dt.date | None = None,
                      period_end: dt.date | None = None, breaks: pd.DataFrame | None = None,
                      preliminary_from: dt.date | None = None):
    """Incidents per month (solid blue) beside the same month a year earlier (dashed grey), from
    ``district.monthly_series``. A month cut short by the end of the period has a hollow marker; the selected
    period is shaded.

    ``breaks`` (``series_breaks`` rows that concern this series) inside the months shown are dashed vertical lines
    with their label; ``preliminary_from`` (counts by date occurred only) shades the days still preliminary and
    says so in the tooltip.

    In public mode (a ``privacy``-suppressed series) a hidden month has no value on the line and a cross on the
    baseline whose tooltip says why ("fewer than 4"), unlike a month with no data, which leaves a gap."""
    keep = series["incidents"].notna() | privacy.hidden(series, "incidents") if len(series) else None
    data = series[keep] if len(series) else series
    if data.empty:
        return vega.empty(title, _("No incident counts for these months"), subtitle)
    month, line, count, counted, not_shown = _("Month"), _("Series"), _("Incidents"), _("Counted"), _("Not shown")
    now, before = _("Incidents"), _("Same month a year earlier")
    hidden = {column: privacy.hidden(data, column).to_numpy() for column in ("incidents", "incidents_prior_year")}
    rows = []
    for i, (_i, r) in enumerate(data.iterrows()):
        end = _("to {day}").format(day=i18n.format_day_month(r["last_day"])) if r["partial"] else ""
        for name, column, when, extra in (
                (now, "incidents", r["month"], preliminary_word(r["month"], r["last_day"], preliminary_from)),
                (before, "incidents_prior_year", r["prior_month"], "")):
            gone = bool(hidden[column][i])
            rows.append({month: pd.Timestamp(r["month"]), line: name,
                         count: None if gone or pd.isna(r[column]) else float(r[column]),
                         counted: " ".join(p for p in (i18n.format_month_short(pd.Timestamp(when)), end) if p) + extra,
                         not_shown: _(str(r[privacy.note_column(column)])) if gone else ""})
    frame = pd.DataFrame(rows)
    frame[count] = frame[count].astype(float)
    first = pd.Timestamp(data["month"].min())
    last = pd.Timestamp(data["month"].max()) + pd.DateOffset(months=1)
    data_end = pd.Timestamp(max(data["last_day"])) + pd.Timedelta(days=1)
    x = _month_x(month, _("Month"), first, max(last, data_end),
                 tickCount=alt.TimeIntervalStep(interval="month", step=3))
    x["bandPosition"] = 0.5  # each month's point in the middle of its month
    colour = alt.Color(field=line, type="nominal", title=None, sort=[now, before],
                       scale=alt.Scale(domain=[now, before], range=[CURRENT_COLOR, PRIOR_COLOR]),
                       legend=_legend(symbolType="stroke", symbolSize=500, symbolStrokeWidth=2.5))
    tooltip = [alt.Tooltip(field=line, type="nominal"), alt.Tooltip(field=counted, type="nominal", title=month),
               alt.Tooltip(field=count, type="quantitative", format=vega.COUNT)]
    base = alt.Chart().encode(x=x)
    # From zero; counts this small (public mode hides those under 4) still get an axis up to 4.
    y_scale = alt.Scale(zero=True) if (frame[count].max(skipna=True) or 0) >= 4 else alt.Scale(domain=[0, 4])
    # The year-earlier line under this year's, thinner (one layer each: a width scale would hide the legend).
    lines = [base.mark_line(strokeWidth=width).encode(
        y=alt.Y(field=count, type="quantitative", title=_y_title(_("Incidents per month")),
                axis=alt.Axis(format=vega.COUNT, tickMinStep=1), scale=y_scale),
        color=colour,
        strokeDash=alt.StrokeDash(field=line, type="nominal", title=None, sort=[now, before],
                                  scale=alt.Scale(domain=[now, before], range=[[1, 0], DASH])),
    ).transform_filter(f"{_field(line)} === {json.dumps(name)}") for name, width in ((before, 2), (now, 3))]
    points = base.mark_point(filled=True, size=45, opacity=1).encode(
        y=alt.Y(field=count, type="quantitative"), color=colour, tooltip=tooltip)
    partial = [_ms(m) for m, p in zip(data["month"], data["partial"]) if p]
    layers = _shaded_span(period_start, None if period_end is None else pd.Timestamp(period_end) + pd.Timedelta(days=1),
                          first, last, _("selected period"), PERIOD_SHADE, PERIOD_OPACITY, at_top=True)
    if preliminary_from is not None:
        layers += _shaded_span(preliminary_from, data_end, first, data_end, _("preliminary"), PRELIMINARY_SHADE,
                               PRELIMINARY_OPACITY, at_top=False)
    layers += [*lines, points]
    if partial:  # the month cut short by the end of the period: hollow
        layers.append(base.mark_point(filled=True, size=45, opacity=1, fill="white", stroke=CURRENT_COLOR,
                                      strokeWidth=2).encode(y=alt.Y(field=count, type="quantitative"),
                                                            tooltip=tooltip).transform_filter(
            f"{_field(line)} === {json.dumps(now)} && indexof({json.dumps(partial)}, time({_field(month)})) >= 0"))
    if frame[not_shown].ne("").any():  # public mode: a cross on the baseline where a count is hidden
        legend = "shown_as"
        layers.append(base.mark_point(filled=False, strokeWidth=2, opacity=1).encode(
            y=alt.datum(0), **_hidden_crosses(legend, colour, orient="top"),
            tooltip=[alt.Tooltip(field=line, type="nominal"), alt.Tooltip(field=counted, type="nominal", title=month),
                     alt.Tooltip(field=not_shown, type="nominal")]).transform_filter(
            f"{_field(not_shown)} !== ''").transform_calculate(**{legend: (
                f"{_field(line)} === {json.dumps(now)} ? {json.dumps(_('not shown{what}: small count').format(what=''))}"
                f" : {json.dumps(_('not shown{what}: small count').format(what=_(' a year earlier')))}")}))
    layers += _break_marks(breaks, first, data_end - pd.Timedelta(days=1))
    rows = 1 + frame.loc[frame[not_shown].ne(""), line].nunique()  # the lines, and the crosses of hidden counts
    chart = alt.layer(*layers, data=frame).properties(height=CHART_HEIGHT + AXIS_ROOM + LEGEND_ROW * rows)
    return vega.finish(chart, title, subtitle)


def seasonal_pattern(pattern: pd.DataFrame, title: str, subtitle: str = ""):
    """Average incidents per calendar month (bars), with the lowest and highest year in the tooltip, from
    ``district.seasonal_pattern(...).table`` (in public mode averages only, and a cross on the baseline with its
    note for a month hidden for its small count)."""
    data = pattern.dropna(subset=["average"]) if len(pattern) else pattern
    if data.empty:
        return vega.empty(title, _("No complete year of data for a seasonal pattern"), subtitle)
    month, average, years, not_shown = _("Calendar month"), _("Average"), _("Years"), _("Not shown")
    staff = "lowest" in data.columns  # public mode (privacy.protect_seasonal): no single year's count
    hidden = privacy.hidden(pattern, "average")
    frame = pd.DataFrame({month: list(pattern["month_name"]), average: pattern["average"].astype(float)})
    tooltip = [alt.Tooltip(field=month, type="nominal"), alt.Tooltip(field=average, type="quantitative",
                                                                      format=vega.ONE_DECIMAL)]
    if staff:
        lowest, highest = _("Lowest year"), _("Highest year")
        frame[lowest] = pattern["lowest"].astype(float)
        frame[highest] = pattern["highest"].astype(float)
        tooltip += [alt.Tooltip(field=lowest, type="quantitative", format=vega.COUNT),
                    alt.Tooltip(field=highest, type="quantitative", format=vega.COUNT)]
    frame[years] = pattern["years"].astype(float)
    tooltip.append(alt.Tooltip(field=years, type="quantitative", format=vega.COUNT))
    if hidden.any():
        frame[not_shown] = [_("{note} over the years").format(note=_(str(n))) if h else ""
                            for n, h in zip(pattern[privacy.note_column("average")], hidden)]
    order = list(pattern["month_name"])
    x = alt.X(field=month, type="nominal", title=_("Calendar month"), sort=order, scale=alt.Scale(domain=order),
              axis=alt.Axis(labelExpr="slice(datum.label, 0, 3)", labelAngle=0))
    bars = alt.Chart().mark_bar(color=CURRENT_COLOR).encode(
        x=x, y=alt.Y(field=average, type="quantitative", title=_y_title(_("Average incidents per month"), CHART_HEIGHT - 20),
                     axis=alt.Axis(format=vega.COUNT, tickMinStep=1)), tooltip=tooltip)
    layers = [bars]
    if hidden.any():
        legend = "shown_as"
        layers.append(alt.Chart().mark_point(filled=False, strokeWidth=2, opacity=1).encode(
            x=x, y=alt.datum(0), **_hidden_crosses(legend, alt.value(PRIOR_COLOR)),
            tooltip=[alt.Tooltip(field=month, type="nominal"), alt.Tooltip(field=not_shown, type="nominal")],
        ).transform_filter(f"{_field(not_shown)} !== ''").transform_calculate(
            **{legend: json.dumps(_("not shown{what}: small count").format(what=""))}))
    height = CHART_HEIGHT - 20 + AXIS_ROOM + (LEGEND_ROW if hidden.any() else 0)
    return vega.finish(alt.layer(*layers, data=frame).properties(height=height), title, subtitle)


def offense_mix(mix: pd.DataFrame, title: str, subtitle: str = ""):
    """Horizontal bars per offense group: the period (blue) and the same days a year earlier (grey), largest
    group at the top, counts at the ends of the bars (in public mode a hidden count has no bar and its note,
    "fewer than 4", where the bar would be). From ``district.offense_mix``."""
    if mix.empty:
        return vega.empty(title, _("No incidents in the period or a year earlier"), subtitle)
    group, period, count, not_shown = _("Offense group"), _("Period"), _("Incidents"), _("Not shown")
    change, reading = _("% change"), _("Reading")
    now, before = _("Selected period"), _("Same days a year earlier")
    hidden = {column: privacy.hidden(mix, column).to_numpy() for column in ("incidents", "incidents_prior_year")}
    rows = []
    names = [_(label) for label in mix["label"]]  # offense groups in the page's language
    for i, (_i, r) in enumerate(mix.iterrows()):
        pct = _("no %") if pd.isna(r["pct_change"]) else f"{float(r['pct_change']):+.1f}%"
        for name, column in ((now, "incidents"), (before, "incidents_prior_year")):
            gone = bool(hidden[column][i])
            rows.append({group: names[i], period: name,
                         count: None if gone or pd.isna(r[column]) else float(r[column]),
                         not_shown: _(str(r[privacy.note_column(column)])) if gone else "", change: pct,
                         reading: _(str(r["noise"]))})
    frame = pd.DataFrame(rows)
    frame[count] = frame[count].astype(float)
    top = max(float(frame[count].max(skipna=True)) if frame[count].notna().any() else 0.0, 1.0)
    order = list(dict.fromkeys(frame[group]))
    y = alt.Y(field=group, type="nominal", title=None, sort=order, axis=alt.Axis(labelLimit=170))
    offset = alt.YOffset(field=period, type="nominal", sort=[now, before], scale=alt.Scale(domain=[now, before]))
    x = alt.X(field=count, type="quantitative", title=_("Incidents"), scale=alt.Scale(domain=[0, top * 1.2]),
              axis=alt.Axis(format=vega.COUNT, tickMinStep=1))
    tooltip = [alt.Tooltip(field=group, type="nominal"), alt.Tooltip(field=period, type="nominal"),
               alt.Tooltip(field="shown", type="nominal", title=count), alt.Tooltip(field=change, type="nominal"),
               alt.Tooltip(field=reading, type="nominal")]
    base = alt.Chart().encode(y=y, yOffset=offset).transform_calculate(
        shown=f"isValid({_field(count)}) ? format({_field(count)}, {json.dumps(vega.COUNT)}) : {_field(not_shown)}",
        at=f"isValid({_field(count)}) ? {_field(count)} : 0")
    bars = base.mark_bar().encode(x=x, tooltip=tooltip, color=alt.Color(
        field=period, type="nominal", title=None, sort=[now, before],
        scale=alt.Scale(domain=[now, before], range=[CURRENT_COLOR, PRIOR_COLOR]), legend=_legend(1)))
    labels = base.mark_text(align="left", dx=3, fontSize=11, color=CHART_TEXT).encode(
        x=alt.X(field="at", type="quantitative"), text=alt.Text(field="shown", type="nominal"), tooltip=tooltip)
    chart = alt.layer(bars, labels, data=frame).properties(height=max(36 * len(order), 90) + AXIS_ROOM + LEGEND_ROW * 2)
    return vega.finish(chart, title, subtitle)


def _not_recorded(field: str, number_format: str, words: str | None = None) -> str:
    """A Vega expression: ``field`` formatted, or "not recorded" (never 0) when the record has none."""
    words = _("not recorded") if words is None else words
    return f"isValid({_field(field)}) ? format({_field(field)}, {json.dumps(number_format)}) : {json.dumps(words)}"


def engagement_timeline(timeline: pd.DataFrame, title: str, subtitle: str = "", start: dt.date | None = None,
                        end: dt.date | None = None):
    """Engagement activities per month stacked by type (one Okabe-Ito colour per type), from
    ``district.engagement_timeline``; officer hours and attendees in the tooltip ("not recorded" where the
    ledger has none, never 0)."""
    if timeline.empty or timeline["events"].sum() == 0:
        return vega.empty(title, _("No engagement activities recorded in these months"), subtitle)
    types = [t for t in ENGAGEMENT_LABELS if t in set(timeline["type"])]
    types += sorted(set(timeline["type"]) - set(types))
    labels = [type_label(t) for t in types]
    month, kind, events, hours, attendees = _("Month"), _("Type"), _("Activities"), _("Officer hours"), _("Attendees")
    frame = pd.DataFrame({month: pd.to_datetime(timeline["month"]), kind: timeline["type"].map(type_label),
                          events: timeline["events"].astype(float), hours: timeline["officer_hours"].astype(float),
                          attendees: timeline["attendees"].astype(float)})
    first = pd.Timestamp(start) if start is not None else frame[month].min()
    last = pd.Timestamp(end) + pd.Timedelta(days=1) if end is not None else frame[month].max() + pd.DateOffset(months=1)
    x = _month_x(month, _("Month"), first, last, tickCount=alt.TimeIntervalStep(interval="month", step=3))
    bars = alt.Chart(frame).mark_bar(width=alt.RelativeBandSize(0.85)).encode(
        x=x, y=alt.Y(field=events, type="quantitative", stack="zero", title=_y_title(_("Engagement activities per month")),
                     axis=alt.Axis(format=vega.COUNT, tickMinStep=1)),
        color=alt.Color(field=kind, type="nominal", title=None, sort=labels, scale=vega.categorical(labels),
                        legend=_legend(1)),
        order=alt.Order(field="order", type="quantitative"),
        tooltip=[vega.month_tooltip(month, month), alt.Tooltip(field=kind, type="nominal"),
                 alt.Tooltip(field=events, type="quantitative", format=vega.COUNT),
                 alt.Tooltip(field="hours_shown", type="nominal", title=hours),
                 alt.Tooltip(field="attendees_shown", type="nominal", title=attendees)],
    ).transform_calculate(hours_shown=_not_recorded(hours, vega.COUNT),
                          attendees_shown=_not_recorded(attendees, vega.COUNT),
                          order=f"indexof({json.dumps(labels)}, {_field(kind)})")
    height = CHART_HEIGHT + AXIS_ROOM + LEGEND_ROW * len(labels)  # the types' names, one a row
    return vega.finish(bars.properties(height=height), title, subtitle)


def trust_trend(trend: pd.DataFrame, title: str, subtitle: str = "", district_name: str = N_("This district"),
                program_starts: pd.DataFrame | None = None, period_start: dt.date | None = None,
                period_end: dt.date | None = None):
    """The district's survey score over time with its 95% margin of error as a band, beside the city average
    (dotted grey); hidden scores (too few respondents) leave gaps. Program start dates are dashed vertical lines
    with the program's name; the selected period is shaded. From ``district.trust_trend``."""
    if trend.empty or trend["score"].notna().sum() == 0:
        return vega.empty(title, _("No survey result with enough respondents"), subtitle)
    district_name = _(district_name)
    data = trend.sort_values("period_start").reset_index(drop=True)
    month, score, moe, respondents, city = (_("Survey month"), _("Score"), _("Margin of error"), _("Respondents"),
                                            _("City average"))
    band_name = _("95% margin of error")
    frame = pd.DataFrame({month: pd.to_datetime(data["period_start"]), score: data["score"].astype(float),
                          moe: data["margin_of_error"].astype(float),
                          respondents: data["respondents"].astype("Float64").astype(float)})
    has_city = "city_score" in data and data["city_score"].notna().any()
    if has_city:
        frame[city] = data["city_score"].astype(float)
    has_band = bool((frame[score].notna() & frame[moe].notna()).any())
    domain = [district_name] + ([city] if has_city else []) + ([band_name] if has_band else [])
    colours = [CURRENT_COLOR] + ([PRIOR_COLOR] if has_city else []) + (["#d9eaf3"] if has_band else [])
    scale = alt.Scale(domain=domain, range=colours)

    def named(chart, name: str):
        """``chart`` drawn in the colour of ``name``, which the legend shows."""
        return chart.transform_calculate(drawn=json.dumps(name)).encode(
            color=alt.Color(field="drawn", type="nominal", scale=scale, sort=domain, title=None,
                            legend=_legend(1, symbolType="stroke", symbolStrokeWidth=4, symbolSize=400)))

    first, last = frame[month].min(), frame[month].max()
    x = _month_x(month, _("Survey month"), first, last + pd.DateOffset(months=1),
                 tickCount=alt.TimeIntervalStep(interval="year", step=1))
    x["axis"]["format"] = "%Y"  # years of monthly surveys: a tick a year (the tooltip names the month)
    y_title = _y_title(_("Score (0–100, higher is better)"), CHART_HEIGHT + 20)
    base = alt.Chart().encode(x=x)
    layers = _shaded_span(period_start, None if period_end is None else pd.Timestamp(period_end) + pd.Timedelta(days=1),
                          first, last + pd.DateOffset(months=1), _("selected period"), PERIOD_SHADE, PERIOD_OPACITY,
                          at_top=True)
    if has_band:
        # The band breaks where a score is hidden (no band stretched across a gap); a lone month gets a short one.
        layers.append(named(base.mark_area(opacity=1).encode(
            y=alt.Y(field="low", type="quantitative", title=y_title, scale=alt.Scale(zero=False)),
            y2=alt.Y2(field="high")), band_name).transform_calculate(
            low=f"isValid({_field(moe)}) && isValid({_field(score)}) ? {_field(score)} - {_field(moe)} : null",
            high=f"isValid({_field(moe)}) && isValid({_field(score)}) ? {_field(score)} + {_field(moe)} : null"))
        has = (frame[score].notna() & frame[moe].notna()).to_numpy()
        lone = [i for i in range(len(has)) if has[i] and (i == 0 or not has[i - 1]) and (i == len(has) - 1 or not has[i + 1])]
        if lone:
            low, high = _("Low end"), _("High end")
            spans = pd.DataFrame({_("From"): [frame[month].iloc[i] - pd.Timedelta(days=8) for i in lone],
                                  _("To"): [frame[month].iloc[i] + pd.Timedelta(days=8) for i in lone],
                                  low: [frame[score].iloc[i] - frame[moe].iloc[i] for i in lone],
                                  high: [frame[score].iloc[i] + frame[moe].iloc[i] for i in lone]})
            layers.append(named(alt.Chart(spans).mark_rect(opacity=1).encode(
                x=_time_x(_("From")), x2=alt.X2(field=_("To")), y=alt.Y(field=low, type="quantitative"),
                y2=alt.Y2(field=high)), band_name))
    if has_city:
        layers.append(named(base.mark_line(strokeWidth=2, strokeDash=DOTTED).encode(
            y=alt.Y(field=city, type="quantitative", title=y_title, scale=alt.Scale(zero=False)),
            tooltip=[vega.month_tooltip(month, month),
                     alt.Tooltip(field=city, type="quantitative", format=vega.ONE_DECIMAL)]), city))
    tooltip = [vega.month_tooltip(month, month), alt.Tooltip(field=score, type="quantitative", format=vega.ONE_DECIMAL),
               alt.Tooltip(field="respondents_shown", type="nominal", title=respondents),
               alt.Tooltip(field="moe_shown", type="nominal", title=moe)]
    published = {"respondents_shown": _not_recorded(respondents, vega.COUNT, _("not published")),
                 "moe_shown": f"isValid({_field(moe)}) ? '±' + format({_field(moe)}, '.1f') : "
                              f"{json.dumps(_('not published'))}"}
    layers.append(named(base.mark_line(strokeWidth=2.5).encode(
        y=alt.Y(field=score, type="quantitative", title=y_title, scale=alt.Scale(zero=False))), district_name))
    layers.append(named(base.mark_point(filled=True, size=30, opacity=1).encode(
        y=alt.Y(field=score, type="quantitative"), tooltip=tooltip).transform_calculate(**published), district_name))
    if program_starts is not None and len(program_starts):
        starts = [(_("{name} starts").format(name=name), pd.Timestamp(start))
                  for name, start in zip(program_starts["name"], program_starts["start_date"])
                  if first <= pd.Timestamp(start) <= last]
        if starts:
            program, start = _("Program"), _("Start")
            frame_starts = pd.DataFrame({program: [s[0] for s in starts], start: [s[1] for s in starts]})
            layers.append(alt.Chart(frame_starts).mark_rule(color=NOTE_INK, strokeWidth=1, strokeDash=DASH).encode(
                x=_time_x(start)))
            layers.append(alt.Chart(frame_starts).mark_text(align="left", baseline="top", dx=3, y=18, fontSize=11,
                                                            color=NOTE_INK).encode(
                x=_time_x(start), text=alt.Text(field=program, type="nominal")))
    chart = alt.layer(*layers, data=frame).properties(height=CHART_HEIGHT + 20 + AXIS_ROOM + LEGEND_ROW * len(domain))
    return vega.finish(chart, title, subtitle)


def training_hours(training: pd.DataFrame, title: str, subtitle: str = "", quarters: list[str] | None = None):
    """Officer training hours (officers x hours) per quarter stacked by course, from ``district.training_hours``.
    ``quarters`` (labels like "2025 Q1") keeps quarters without training on the axis."""
    if training.empty or training["officer_hours"].sum() == 0:
        return vega.empty(title, _("No officer training recorded in these quarters"), subtitle)
    quarters = quarters or list(dict.fromkeys(training.sort_values("quarter")["quarter_label"]))
    courses = [c for c in COURSE_LABELS if c in set(training["course"])]
    courses += sorted(set(training["course"]) - set(courses))
    labels = [course_label(c) for c in courses]
    quarter, course, hours, officers, sessions = (_("Quarter"), _("Course"), _("Officer training hours"),
                                                  _("Officers"), _("Sessions"))
    frame = pd.DataFrame({quarter: training["quarter_label"], course: training["course"].map(course_label),
                          hours: training["officer_hours"].astype(float), officers: training["officers"].astype(float),
                          sessions: training["sessions"].astype(float)})
    bars = alt.Chart(frame).mark_bar().encode(
        x=alt.X(field=quarter, type="nominal", title=_("Quarter"), sort=quarters, scale=alt.Scale(domain=quarters),
                axis=alt.Axis(labelAngle=0, labelOverlap=True)),
        y=alt.Y(field=hours, type="quantitative", stack="zero", title=_y_title(_("Officer training hours (officers × hours)")),
                axis=alt.Axis(format=vega.COUNT, tickMinStep=1)),
        color=alt.Color(field=course, type="nominal", title=None, sort=labels, scale=vega.categorical(labels),
                        legend=_legend(LEGEND_COLUMNS)),
        order=alt.Order(field="order", type="quantitative"),
        tooltip=[alt.Tooltip(field=quarter, type="nominal"), alt.Tooltip(field=course, type="nominal"),
                 alt.Tooltip(field=hours, type="quantitative", format=vega.COUNT),
                 alt.Tooltip(field=officers, type="quantitative", format=vega.COUNT),
                 alt.Tooltip(field=sessions, type="quantitative", format=vega.COUNT)],
    ).transform_calculate(order=f"indexof({json.dumps(labels)}, {_field(course)})")
    height = CHART_HEIGHT + AXIS_ROOM + LEGEND_ROW * -(-len(labels) // LEGEND_COLUMNS)
    return vega.finish(bars.properties(height=height), title, subtitle)


# --- Where the district is --------------------------------------------------------------------------------------

# The chosen district: mid blue with a dark edge and its number in dark blue (5.4:1 on the fill; white on a dark
# fill would read as white on the page's white to a contrast check of chart text).
LOCATOR_FILL, LOCATOR_EDGE = "#6baed6", "#08306b"
OTHER_FILL = "#e4e4e4"


def _clockwise(geometry, box) -> dict | None:
    """A shape as GeoJSON for Vega: simplified, cut to ``box`` and with its outer rings clockwise (d3 reads a
    counter-clockwise ring as the whole globe but the shape)."""
    import shapely
    from shapely.geometry import mapping, shape
    from shapely.geometry.polygon import orient

    geom = shapely.clip_by_rect(shape(geometry).simplify(box[4], preserve_topology=True), *box[:4])
    if geom.is_empty:
        return None
    if geom.geom_type == "Polygon":
        geom = orient(geom, sign=-1.0)
    elif geom.geom_type == "MultiPolygon":
        from shapely.geometry import MultiPolygon

        geom = MultiPolygon([orient(p, sign=-1.0) for p in geom.geoms])
    return json.loads(json.dumps(mapping(geom)))  # plain lists, not tuples


def locator_map(features: dict, area_id: str, title: str = "", context: dict | None = None):
    """A small locator for the District page: every district in light grey with its number, the chosen one filled
    blue with a dark edge, over the city's context lines (city limits, rivers, roads: ``areamap.CONTEXT_STYLE``). Static: no
    tooltip, no legend; its marks are hidden from screen readers, which read the chart's text alternative (the
    title). Vega-Lite shapes on a flat (Mercator) projection: no WebGL map, no tiles."""
    from shapely.geometry import shape

    from community_policing.figures.areamap import CONTEXT_STYLE, label_point

    shapes = [f for f in features.get("features", []) if f.get("geometry")]
    if not shapes:
        return vega.empty(title, _("No district boundaries are loaded"), height=60)
    bounds = [shape(f["geometry"]).bounds for f in shapes]
    minx, miny = min(b[0] for b in bounds), min(b[1] for b in bounds)
    maxx, maxy = max(b[2] for b in bounds), max(b[3] for b in bounds)
    size = max(maxx - minx, maxy - miny)
    box = (minx - size * 0.02, miny - size * 0.02, maxx + size * 0.02, maxy + size * 0.02, size / 300)

    def feature(f, **properties) -> dict | None:
        geometry = _clockwise(f["geometry"], box)
        return None if geometry is None else {"type": "Feature", "geometry": geometry, "properties": properties}

    others = [g for f in shapes if str(f["id"]) != str(area_id) for g in [feature(f, district=str(f["id"]))] if g]
    chosen = [g for f in shapes if str(f["id"]) == str(area_id) for g in [feature(f, district=str(f["id"]))] if g]
    layers = []
    for kind, (colour, width) in CONTEXT_STYLE.items():
        lines = [g for f in (context or {}).get("features", []) if f.get("properties", {}).get("kind", "other") == kind
                 for g in [feature(f, kind=kind)] if g]
        if lines:
            layers.append(alt.Chart(alt.InlineData(values=lines)).mark_geoshape(
                aria=False, filled=False, stroke=colour, strokeWidth=width).project(type="mercator"))
    layers.append(alt.Chart(alt.InlineData(values=others)).mark_geoshape(
        aria=False, fill=OTHER_FILL, stroke="#ffffff", strokeWidth=1.2).project(type="mercator"))
    layers.append(alt.Chart(alt.InlineData(values=chosen)).mark_geoshape(
        aria=False, fill=LOCATOR_FILL, stroke=LOCATOR_EDGE, strokeWidth=2).project(type="mercator"))
    # A number or short code fits a small map; longer ids are in the title and the page.
    labels = []  # as GeoJSON points, kept in the spec (a plain table would show under the toolbar's "Show data")
    for f in shapes:
        if len(str(f["id"])) <= 4:
            labels.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": list(label_point(f["geometry"]))},
                           "properties": {"label": str(f["id"]), "chosen": str(f["id"]) == str(area_id)}})
    for chosen_one, ink, weight in ((False, "#333333", "normal"), (True, LOCATOR_EDGE, "bold")):
        part = [label for label in labels if label["properties"]["chosen"] == chosen_one]
        if part:
            layers.append(alt.Chart(alt.InlineData(values=part)).mark_text(fontSize=12, color=ink, fontWeight=weight, aria=False)
                          .transform_calculate(lon="datum.geometry.coordinates[0]", lat="datum.geometry.coordinates[1]",
                                               label="datum.properties.label")
                          .encode(longitude=alt.Longitude(field="lon", type="quantitative"),
                                  latitude=alt.Latitude(field="lat", type="quantitative"),
                                  text=alt.Text(field="label", type="nominal")).project(type="mercator"))
    chart = alt.layer(*layers).properties(height=220)
    if title:  # a smaller title than the charts': the map sits in a third of the page's width
        chart = chart.properties(title=alt.TitleParams(text=vega.lines(title, 34), anchor="start", fontSize=14,
                                                       color=CHART_TEXT, fontWeight=600))
    return vega.finish(chart)
