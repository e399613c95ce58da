"""Pure figure functions for the Compare districts page: DataFrame in, Vega-Lite chart (Altair) out. No Streamlit.

Small multiples: one panel per district, in the order chosen, two panels to a row (a 390 px phone shows
them at the size a desktop does: a concatenated Vega-Lite chart has a fixed width), with a SHARED y scale
(``resolve_scale(y="shared")``) so that the same height means the same number in every panel; each panel
has its own tick labels, so no eye-travel. Each district keeps one Okabe-Ito colour (``figures.CATEGORICAL``)
on every chart; the year-earlier comparison is always grey and dashed. Titles state the takeaway, subtitles
say what is counted, axes carry units, and an empty input gives a chart with a plain sentence rather than
an exception (``vega.empty``). The honesty features of the Plotly charts these replace stay: series breaks
as dashed rules with their label, the preliminary days shaded, and in public mode a cross on the baseline
for a hidden count (its note in the tooltip, never the number).

The data a chart carries is what Streamlit's "Show data" shows a reader: its columns are named in the
reader's words (``_("Month")``, ``_("Incidents")``) and hold only what the chart draws or its tooltips say.
"""

from __future__ import annotations

import json

import altair as alt
import pandas as pd

from community_policing import i18n
from community_policing.data import series_breaks
from community_policing.figures import vega
from community_policing.figures.style import CATEGORICAL
from community_policing.i18n import _
from community_policing.views import privacy

PRIOR_COLOR = vega.PRIOR_COLOR
BREAK_COLOR = "#444444"
PRELIMINARY_FILL, PRELIMINARY_OPACITY = "#787878", 0.16
COLUMNS = 2  # panels to a row, on every screen
PANEL_WIDTH, PANEL_HEIGHT = 114, 170  # two panels with their tick labels fit a 390 px phone (358 px of chart)
MIX_WIDTH = 100  # the offense-mix panels: the group names take the left-hand panel's room
HEADING_WIDTH = 17  # characters of a panel heading (13 px bold) in PANEL_WIDTH + its tick labels
SOLID, DASHED, DOTTED = [1, 0], [6, 4], [2, 3]


def district_colors(ids: list[str]) -> dict[str, str]:
    """One Okabe-Ito colour per district, by its position in the chosen order."""
    return {d: CATEGORICAL[i % len(CATEGORICAL)] for i, d in enumerate(ids)}


def _order(table: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(table["district_id"]))


def _titles(table: pd.DataFrame) -> list[str]:
    return [table.loc[table["district_id"] == d, "title"].iloc[0] for d in _order(table)]


def _name(did: str) -> str:
    return _("District {id}").format(id=did)


def _floats(values) -> pd.Series:
    return pd.Series(values).astype("Float64").astype(float).reset_index(drop=True)


def _headings(titles: list[str]) -> list[list[str]]:
    """Each panel's heading (the district's title), wrapped to its width, all with as many lines (so the
    panels of a row start at the same height)."""
    wrapped = [vega.lines(t, HEADING_WIDTH) for t in titles]
    wrapped = [w if isinstance(w, list) else [w] for w in wrapped]
    most = max(len(w) for w in wrapped)
    return [w + [" "] * (most - len(w)) for w in wrapped]


def _domain(high: pd.Series, low: pd.Series | None = None, step: float | None = None) -> list[float]:
    """One y domain for every panel (the shared scale, stated: the same height is the same number in each
    panel): from 0 (or the lowest of ``low`` rounded down to ``step``) to the highest of ``high``, rounded up."""
    top = float(pd.Series(high).astype("Float64").astype(float).max())
    top = 4.0 if pd.isna(top) or top <= 0 else top  # nothing shown (public mode hides counts below 4)
    if low is None:
        return [0.0, top]
    bottom = float(pd.Series(low).astype("Float64").astype(float).min())
    bottom = 0.0 if pd.isna(bottom) else bottom
    return [max(0.0, step * (bottom // step)), min(100.0, step * -(-top // step))]


def _axis_title(text: str, left: bool) -> list[str] | str | None:
    """The y axis title on the left-hand panel of each row only (the scale is shared), wrapped to the panel."""
    return vega.lines(text, 26) if left else None


def _facets(panels: list, titles: list[str]):
    """The panels (one layered chart per district, in order), headed by the district titles, two to a row,
    on one y scale (each panel also states the same domain: ``_domain``) and one x scale (months, or shares)."""
    headed = [panel.properties(width=PANEL_WIDTH if panel.width is alt.Undefined else panel.width,
                               height=PANEL_HEIGHT if panel.height is alt.Undefined else panel.height,
                               title=alt.TitleParams(text=heading, anchor="start", fontSize=13, fontWeight=600,
                                                     color=vega.CHART_TEXT,
                                                     offset=6))
              for panel, heading in zip(panels, _headings(titles))]
    return alt.concat(*headed, columns=COLUMNS, spacing=14).resolve_scale(y="shared", x="shared")


def _data_span(monthly: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First day and the day after the last day the monthly table covers."""
    last = monthly["last_day"] if "last_day" in monthly else pd.to_datetime(monthly["month"]) + pd.offsets.MonthEnd(0)
    return pd.to_datetime(monthly["month"]).min(), pd.Timestamp(max(pd.to_datetime(last))) + pd.Timedelta(days=1)


def _month_ends(part: pd.DataFrame) -> list[tuple]:
    last = part["last_day"] if "last_day" in part else pd.to_datetime(part["month"]) + pd.offsets.MonthEnd(0)
    return list(zip(part["month"], last))


def _preliminary_note(month, last_day, preliminary_from) -> str:
    """"preliminary: still rising" for a month reaching into the preliminary days, else ""."""
    if preliminary_from is None or pd.Timestamp(last_day).date() < pd.Timestamp(preliminary_from).date():
        return ""
    return _(" (preliminary: still rising)").strip().strip("()")


def _month_x(field: str, title: str | None = None, step: int = 6, time_unit: str | None = "utcyearmonth") -> alt.X:
    """Months on a narrow panel, read in UTC (``vega.month_x``): a tick every ``step`` months, named ("Jul"),
    with the year under each January ("Jan" over "2025"). Every label fits (none hidden for overlapping)."""
    return alt.X(field=field, type="temporal", timeUnit=time_unit or alt.Undefined, title=title,
                 scale=alt.Scale(type="utc"),
                 axis=alt.Axis(format="%b %Y", tickCount={"interval": "month", "step": step},
                               labelExpr="[utcFormat(datum.value, '%b'), utcmonth(datum.value) == 0 ? "
                                         "utcFormat(datum.value, '%Y') : '']",
                               labelOverlap=False, grid=False))


def _day_x(field: str) -> alt.X:
    """A day on the month axis (a break, the start of the preliminary days), read in UTC."""
    return alt.X(field=field, type="temporal", scale=alt.Scale(type="utc"), title=None)


def _series_scale(names: list[str], colors: list[str], dashes: list[list[int]]) -> tuple[alt.Scale, alt.Scale]:
    return alt.Scale(domain=names, range=colors), alt.Scale(domain=names, range=dashes)


def _legend_encodings(field: str, names: list[str], colors: list[str], dashes: list[list[int]]) -> dict:
    """Colour and dash of each line, one legend (below the chart) for both."""
    color, dash = _series_scale(names, colors, dashes)
    return {"color": alt.Color(field=field, type="nominal", scale=color, title=None,
                               legend=alt.Legend(symbolType="stroke", symbolStrokeWidth=2.5, columns=1)),
            "strokeDash": alt.StrokeDash(field=field, type="nominal", scale=dash, title=None, legend=None)}


def _break_layers(breaks: pd.DataFrame | None, first: pd.Timestamp, last: pd.Timestamp) -> list:
    """A dashed rule and its label (``series_breaks.chart_label``, written up the rule from its foot) at each
    break after ``first`` and up to ``last``; the tooltip gives the description."""
    inside = series_breaks.within(breaks, pd.Timestamp(first).date(), pd.Timestamp(last).date())
    if inside.empty:
        return []
    when, label, what = _("Date"), _("Series breaks"), _("Note")
    frame = pd.DataFrame({when: pd.to_datetime(inside["day"]).to_list(),
                          label: [series_breaks.chart_label(b) for _i, b in inside.iterrows()],
                          what: [str(d) for d in inside["description"]]})
    base = alt.Chart(frame)
    tooltip = [alt.Tooltip(field=label, type="nominal"), alt.Tooltip(field=what, type="nominal")]
    rule = base.mark_rule(color=BREAK_COLOR, strokeWidth=1.5, strokeDash=[5, 3]).encode(x=_day_x(when),
                                                                                         tooltip=tooltip)
    text = base.mark_text(angle=270, align="left", baseline="bottom", dx=4, dy=-3, fontSize=10, color=BREAK_COLOR,
                          font=vega.FONT_FAMILY).encode(x=_day_x(when), y=alt.value("height"),
                                                        text=alt.Text(field=label, type="nominal"), tooltip=tooltip)
    return [rule, text]


def _preliminary_layers(preliminary_from, first: pd.Timestamp, end: pd.Timestamp, labelled: bool) -> list:
    """The preliminary days shaded, from ``preliminary_from`` to ``end`` (labelled "preliminary" at the top
    right where ``labelled``, clear of the break labels and the hidden-count crosses at the foot)."""
    if preliminary_from is None or pd.Timestamp(preliminary_from) >= end:
        return []
    lo = max(pd.Timestamp(preliminary_from), first)
    start, stop, word = _("From"), _("Until"), _("Note")
    frame = pd.DataFrame({start: [lo], stop: [end], word: [_("preliminary")]})
    base = alt.Chart(frame)
    layers = [base.mark_rect(color=PRELIMINARY_FILL, opacity=PRELIMINARY_OPACITY).encode(
        x=_day_x(start), x2=alt.X2(field=stop))]
    if labelled:
        layers.append(base.mark_text(align="right", baseline="top", dx=-2, dy=2, fontSize=10, color="#333333",
                                     font=vega.FONT_FAMILY).encode(x=_day_x(stop), y=alt.value(0),
                                                                   text=alt.Text(field=word, type="nominal")))
    return layers


def _hidden_layer(part: pd.DataFrame, did: str, columns, month: str, line: str, count: str, district: str):
    """Public mode: a cross on the baseline for each month whose count is hidden (``privacy``), in the colour
    of its line, the note ("fewer than 4") in the tooltip; never the number. None when nothing is hidden."""
    rows = []
    for column, series_name in columns:
        mask = privacy.hidden(part, column).to_numpy()
        if not mask.any():
            continue
        notes = part[privacy.note_column(column)].to_numpy()[mask]
        for m, note in zip(pd.to_datetime(part["month"]).to_numpy()[mask], notes):
            rows.append({district: _name(did), month: pd.Timestamp(m), line: series_name,
                         count: _(str(note))})
    if not rows:
        return None
    return alt.Chart(pd.DataFrame(rows)).mark_point(shape="cross", angle=45, size=70, strokeWidth=2, filled=False
                                                    ).encode(
        x=_month_x(month), y=alt.datum(0), color=alt.Color(field=line, type="nominal"),
        tooltip=[alt.Tooltip(field=district, type="nominal"), vega.month_tooltip(month, month),
                 alt.Tooltip(field=line, type="nominal"), alt.Tooltip(field=count, type="nominal")])


def monthly_incidents(monthly: pd.DataFrame, title: str, subtitle: str = "", breaks: pd.DataFrame | None = None,
                      preliminary_from=None):
    """Per district, incidents per month (solid, its colour) beside the same month a year earlier
    (dashed grey), from ``compare.monthly_table``.

    ``breaks`` (``series_breaks`` rows for this offense filter) are drawn in the panel of each
    district they concern (``series_breaks.for_place``); ``preliminary_from`` shades the days whose
    counts by date occurred are still preliminary."""
    data = monthly.dropna(subset=["incidents"]) if len(monthly) else monthly
    if data.empty:
        return vega.empty(title, _("No incident counts for these months"), subtitle)
    order = _order(monthly)
    colors = district_colors(order)
    district, month, line, count = _("District"), _("Month"), _("Line"), _("Incidents")
    earlier, note = _("Month a year earlier"), _("Note")
    prior_name = _("Same month a year earlier")
    names = [_name(d) for d in order] + [prior_name]
    encodings = _legend_encodings(line, names, [colors[d] for d in order] + [PRIOR_COLOR],
                                  [SOLID] * len(order) + [DASHED])
    domain = _domain(pd.concat([monthly["incidents"], monthly["incidents_prior_year"]]))
    first, end = _data_span(data)
    panels = []
    for i, did in enumerate(order):
        part = monthly[monthly["district_id"] == did].reset_index(drop=True)
        months = pd.to_datetime(part["month"]).to_list()
        notes = [_preliminary_note(m, d, preliminary_from) for m, d in _month_ends(part)]
        current = pd.DataFrame({district: _name(did), month: months, line: _name(did),
                                count: _floats(part["incidents"])})
        tips = [alt.Tooltip(field=district, type="nominal"), vega.month_tooltip(month, month),
                alt.Tooltip(field=count, type="quantitative", format=vega.COUNT)]
        if any(notes):
            current[note] = notes
            tips.append(alt.Tooltip(field=note, type="nominal"))
        prior = pd.DataFrame({district: _name(did), month: months, line: prior_name,
                              earlier: [i18n.format_month_short(pd.Timestamp(m)) for m in part["prior_month"]],
                              count: _floats(part["incidents_prior_year"])})
        left = i % COLUMNS == 0
        y = alt.Y(field=count, type="quantitative", scale=alt.Scale(domain=domain),
                  axis=alt.Axis(format=vega.COUNT, tickMinStep=1), title=_axis_title(_("Incidents per month"), left))
        layers = [*_preliminary_layers(preliminary_from, first, end, labelled=i == 0),
                  alt.Chart(prior).mark_line(strokeWidth=1.5, invalid="break-paths-show-domains").encode(
                      x=_month_x(month), y=y, **encodings,
                      tooltip=[alt.Tooltip(field=district, type="nominal"), alt.Tooltip(field=line, type="nominal"),
                               alt.Tooltip(field=earlier, type="nominal"),
                               alt.Tooltip(field=count, type="quantitative", format=vega.COUNT)]),
                  alt.Chart(current).mark_line(strokeWidth=2.5, invalid="break-paths-show-domains",
                                               point=alt.OverlayMarkDef(size=14, filled=True)).encode(
                      x=_month_x(month), y=y, **encodings, tooltip=tips)]
        hidden = _hidden_layer(part, did, (("incidents", _name(did)), ("incidents_prior_year", prior_name)),
                               month, line, count, district)
        if hidden is not None:
            layers.append(hidden)
        layers += _break_layers(series_breaks.for_place(breaks, did), first, end - pd.Timedelta(days=1))
        panels.append(alt.layer(*layers))
    return vega.finish(_facets(panels, _titles(monthly)), title, subtitle)


def rate_lines(monthly: pd.DataFrame, title: str, subtitle: str = "", breaks: pd.DataFrame | None = None,
               preliminary_from=None):
    """One line per district: incidents per 1,000 residents per month, on one axis, from
    ``compare.monthly_table``. ``breaks`` that concern any district shown are dashed lines (a break
    of one district only names it); ``preliminary_from`` shades the preliminary days. One chart, the
    width of the page."""
    data = monthly.dropna(subset=["rate_per_1000"]) if len(monthly) else monthly
    if data.empty:
        return vega.empty(title, _("No district has enough residents for a rate"), subtitle)
    order = _order(monthly)
    colors = district_colors(order)
    district, month, rate = _("District"), _("Month"), _("Per 1,000 residents")
    count, residents, year = _("Incidents"), _("Residents"), _("Population year")
    frames = []
    for did in order:
        part = monthly[monthly["district_id"] == did].reset_index(drop=True)
        if part["rate_per_1000"].isna().all():
            continue
        frames.append(pd.DataFrame({
            district: part["title"].iloc[0], month: pd.to_datetime(part["month"]).to_list(),
            rate: _floats(part["rate_per_1000"]), count: _floats(part["incidents"]),
            residents: _floats(part["population"]), year: part["population_year"].astype(str).to_list()}))
    frame = pd.concat(frames, ignore_index=True)
    shown = [t for t in _titles(monthly) if t in set(frame[district])]
    lines = alt.Chart(frame).mark_line(strokeWidth=2.5, invalid="break-paths-show-domains",
                                       point=alt.OverlayMarkDef(size=22, filled=True)).encode(
        x=_month_x(month, _("Month"), step=3),
        y=alt.Y(field=rate, type="quantitative",  # from 0 (and to 1 at least: all rates 0 draw no scale)
                scale=alt.Scale(zero=True) if frame[rate].max() > 0 else alt.Scale(domain=[0, 1]),
                title=vega.lines(_("Incidents per 1,000 residents per month"), 30)),
        color=alt.Color(field=district, type="nominal", title=None,
                        scale=alt.Scale(domain=shown, range=[colors[did] for did in order
                                                             if _titles(monthly)[order.index(did)] in shown]),
                        legend=alt.Legend(columns=1, symbolType="stroke", symbolStrokeWidth=2.5)),
        tooltip=[alt.Tooltip(field=district, type="nominal"), vega.month_tooltip(month, month),
                 alt.Tooltip(field=rate, type="quantitative", format=",.2f"),
                 alt.Tooltip(field=count, type="quantitative", format=vega.COUNT),
                 alt.Tooltip(field=residents, type="quantitative", format=vega.COUNT),
                 alt.Tooltip(field=year, type="nominal")])
    first, end = _data_span(data)
    picked = series_breaks.for_places(breaks, order)
    if len(picked):  # a break of one district names it, as all districts share this axis
        picked = picked.assign(label=[lbl if d is None or pd.isna(d) else f"{lbl}, " + _name(d)
                                      for lbl, d in zip(picked["label"], picked["district_id"])])
    height = 440  # the whole chart (Streamlit fits it to the page's width): title, plot and legend
    layers = [*_preliminary_layers(preliminary_from, first, end, labelled=True), lines,
              *_break_layers(picked, first, end - pd.Timedelta(days=1))]
    return vega.finish(alt.layer(*layers).properties(height=height), title, subtitle)


def offense_mix(mix: pd.DataFrame, title: str, subtitle: str = ""):
    """Per district, each offense group's share (%) of its incidents in the period, with the count
    in the tooltip; the groups line up across panels (largest overall at the top), from
    ``compare.offense_mix_table``."""
    data = mix.dropna(subset=["share_pct"]) if len(mix) else mix
    if data.empty:
        return vega.empty(title, _("No incidents in the period to break down by offense"), subtitle)
    mix = mix.assign(label=[_(label) for label in mix["label"]])  # the groups' names in the current language
    order = list(mix.groupby("label")["incidents"].sum().sort_values(ascending=False).index)
    colors = district_colors(_order(mix))
    top = float(data["share_pct"].max())
    district, group, share = _("District"), _("Offense group"), _("Share of incidents (%)")
    count, prior, shown_text = _("Incidents"), _("A year earlier"), _("Share (%)")
    panels = []
    for i, did in enumerate(_order(mix)):
        part = mix[mix["district_id"] == did].set_index("label").reindex(order)
        present = part["district_id"].notna().to_list()
        rows = [r for _i, r in part.iterrows()]
        # Counts as text: 0 where the group had none, the note ("fewer than 4") where public mode hides it.
        counts = [_(privacy.row_text(r, "incidents")) if p else "0" for p, r in zip(present, rows)]
        prior_counts = [_(privacy.row_text(r, "incidents_prior_year")) if p else "0" for p, r in zip(present, rows)]
        shares = part["share_pct"].astype(float)
        hid = privacy.hidden(part, "incidents").to_list()
        # No share where the count is hidden (its note instead), nor anywhere the district total is.
        text = [f"{v:.0f}%" if pd.notna(v) else c if h else _("share not shown") if p else "0%"
                for v, c, h, p in zip(shares, counts, hid, present)]
        frame = pd.DataFrame({district: _name(did), group: order, share: shares.fillna(0.0).round(1).to_list(),
                              shown_text: text, count: counts, prior: prior_counts})
        left = i % COLUMNS == 0
        base = alt.Chart(frame).encode(
            y=alt.Y(field=group, type="nominal", sort=order, title=None,
                    axis=alt.Axis(labels=left, ticks=False, labelLimit=140, labelFontSize=11, domain=False)),
            x=alt.X(field=share, type="quantitative", scale=alt.Scale(domain=[0, top * 1.45], nice=False),
                    title=vega.lines(_("Share of incidents (%)"), 22),
                    axis=alt.Axis(tickCount=3, format=",.0f", labelFlush=True)),
            tooltip=[alt.Tooltip(field=district, type="nominal"), alt.Tooltip(field=group, type="nominal"),
                     alt.Tooltip(field=share, type="quantitative", format=vega.ONE_DECIMAL),
                     alt.Tooltip(field=count, type="nominal"), alt.Tooltip(field=prior, type="nominal")])
        bars = base.mark_bar(color=colors[did], height={"band": 0.75})
        labels = base.mark_text(align="left", dx=3, fontSize=11, color=vega.MUTED, font=vega.FONT_FAMILY).encode(
            text=alt.Text(field=shown_text, type="nominal"))
        panels.append(alt.layer(bars, labels).properties(width=MIX_WIDTH, height=22 * len(order)))
    return vega.finish(_facets(panels, _titles(mix)), title, subtitle)


def engagement_rates(engagement: pd.DataFrame, title: str, subtitle: str = ""):
    """Per district, engagement activities per 1,000 residents per month (bars), with the activity
    count and officer hours in the tooltip, from ``compare.engagement_table``."""
    if engagement.empty or engagement["events"].sum() == 0:
        return vega.empty(title, _("No engagement activities recorded in these months"), subtitle)
    if engagement["events_per_1000"].isna().all():
        return vega.empty(title, _("No district has enough residents for a rate"), subtitle)
    colors = district_colors(_order(engagement))
    district, month, rate = _("District"), _("Month"), _("Per 1,000 residents")
    events, hours = _("Activities"), _("Officer hours")
    domain = _domain(engagement["events_per_1000"])
    panels = []
    for i, did in enumerate(_order(engagement)):
        part = engagement[engagement["district_id"] == did].reset_index(drop=True)
        frame = pd.DataFrame({district: _name(did), month: pd.to_datetime(part["month"]).to_list(),
                              rate: _floats(part["events_per_1000"]), events: _floats(part["events"]),
                              hours: _floats(part["officer_hours"])})
        # Each bar spans its month (a bar on a time axis is otherwise a hairline), a pixel apart.
        panels.append(alt.Chart(frame).transform_calculate(
            start=f"datum[{json.dumps(month)}]", end=f"utcOffset('month', datum[{json.dumps(month)}], 1)",
        ).mark_bar(color=colors[did], xOffset=1, x2Offset=-1).encode(
            x=_month_x("start", time_unit=None), x2=alt.X2(field="end"), y2=alt.datum(0),
            y=alt.Y(field=rate, type="quantitative", scale=alt.Scale(domain=domain), axis=alt.Axis(format=",.1f"),
                    title=_axis_title(_("Activities per 1,000 residents per month"), i % COLUMNS == 0)),
            tooltip=[alt.Tooltip(field=district, type="nominal"), vega.month_tooltip(month, month),
                     alt.Tooltip(field=rate, type="quantitative", format=",.2f"),
                     alt.Tooltip(field=events, type="quantitative", format=vega.COUNT),
                     alt.Tooltip(field=hours, type="quantitative", format=vega.COUNT)]))
    return vega.finish(_facets(panels, _titles(engagement)), title, subtitle)


def trust_trends(trust: pd.DataFrame, title: str, subtitle: str = ""):
    """Per district, the survey score (its colour, 95% margin of error as error bars where
    published) beside the city average (dotted grey), from ``compare.trust_table``. Scores from
    too few respondents are blank and leave gaps."""
    if trust.empty or trust["score"].notna().sum() == 0:
        return vega.empty(title, _("No survey result with enough respondents"), subtitle)
    order = _order(trust)
    colors = district_colors(order)
    district, month, line, score = _("District"), _("Month"), _("Line"), _("Score (0–100)")
    respondents, margin, moe = _("Respondents"), _("Margin of error"), _("95% margin of error")
    city = _("City average")
    names = [_name(d) for d in order] + [city]
    encodings = _legend_encodings(line, names, [colors[d] for d in order] + [PRIOR_COLOR],
                                  [SOLID] * len(order) + [DOTTED])
    lo_hi = [f"datum[{json.dumps(score)}] - datum[{json.dumps(moe)}]",
             f"datum[{json.dumps(score)}] + datum[{json.dumps(moe)}]"]
    margins = trust["margin_of_error"].astype(float).fillna(0.0)
    scores = trust["score"].astype(float)
    city_scores = trust["city_score"] if "city_score" in trust else pd.Series(dtype=float)
    domain = _domain(pd.concat([scores + margins, city_scores]), pd.concat([scores - margins, city_scores]), 5.0)
    panels = []
    for i, did in enumerate(order):
        part = trust[trust["district_id"] == did].sort_values("period_start").reset_index(drop=True)
        months = pd.to_datetime(part["period_start"]).to_list()
        y = alt.Y(field=score, type="quantitative", scale=alt.Scale(domain=domain),
                  title=_axis_title(_("Score (0–100, higher is better)"), i % COLUMNS == 0))
        layers = []
        if "city_score" in part and part["city_score"].notna().any():
            frame = pd.DataFrame({month: months, line: city, score: _floats(part["city_score"])})
            layers.append(alt.Chart(frame).mark_line(strokeWidth=1.5, invalid="break-paths-show-domains").encode(
                x=_month_x(month), y=y, **encodings,
                tooltip=[vega.month_tooltip(month, month), alt.Tooltip(field=line, type="nominal"),
                         alt.Tooltip(field=score, type="quantitative", format=vega.ONE_DECIMAL)]))
        margins = part["margin_of_error"].astype(float)
        frame = pd.DataFrame({
            district: _name(did), month: months, line: _name(did), score: _floats(part["score"]),
            respondents: part["respondents"].map(lambda r: _("not published") if pd.isna(r) else f"{int(r):,}"
                                                 ).to_list(),
            margin: margins.map(lambda m: _("not published") if pd.isna(m) else f"±{m:.1f}").to_list()})
        tips = [alt.Tooltip(field=district, type="nominal"), vega.month_tooltip(month, month),
                alt.Tooltip(field=score, type="quantitative", format=vega.ONE_DECIMAL),
                alt.Tooltip(field=respondents, type="nominal"), alt.Tooltip(field=margin, type="nominal")]
        bars = pd.DataFrame({month: months, score: _floats(part["score"]), moe: margins.to_list()})
        bars = bars[bars[moe].notna() & bars[score].notna()]
        if len(bars):
            layers.append(alt.Chart(bars).transform_calculate(lo=lo_hi[0], hi=lo_hi[1]).mark_rule(
                color=colors[did], strokeWidth=1, opacity=0.7).encode(
                x=_month_x(month), y=alt.Y(field="lo", type="quantitative"), y2=alt.Y2(field="hi")))
        layers.append(alt.Chart(frame).mark_line(strokeWidth=2.5, invalid="break-paths-show-domains",
                                                 point=alt.OverlayMarkDef(size=14, filled=True)).encode(
            x=_month_x(month), y=y, **encodings, tooltip=tips))
        panels.append(alt.layer(*layers))
    return vega.finish(_facets(panels, _titles(trust)), title, subtitle)
