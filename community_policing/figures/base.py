"""Pure figure functions: DataFrame (and boundaries) in, plotly Figure out. No Streamlit here.

Maps use ``choropleth_map`` with the ``white-bg`` style: it needs no tiles, so it renders with
no network (the older "geo" choropleth fetches a world outline from a CDN and shows blank).
Colours are colour-blind safe and fixed per metric so the same measure looks the same everywhere.
"""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from community_policing.stats import funnel
from community_policing.views import privacy
from community_policing.i18n import N_, _
from community_policing.views.metrics import MIN_COUNT_FOR_PCT, noise_label, per_base, rate_values

from community_policing.figures import maps as map_figures
from community_policing.figures.district import wrap_title
from community_policing.views import evaluation
from community_policing.views.district import district_title
from community_policing.figures.style import (  # noqa: F401  (pages name the look through this module too)
    ASSOCIATION_NOT_EFFECT, CATEGORICAL, FONT, METRIC_STYLE, NO_POPULATION, NO_VALUE_GREY, POINT_COLOR, RARE_BASE_NOTE, RATE_BAR_PER, SUPPRESSED_FILL, SUPPRESSED_LINE, _areas_only, _subset, area_hover, metric_label, rate_definition, rate_label, rate_map_title, rate_texts, why_no_value)


def choropleth(table: pd.DataFrame, features: dict, metric: str, title: str, subtitle: str = "",
               base: int = 1000, context: dict | None = None) -> go.Figure:
    """Areas shaded by ``metric`` (``rate_per_1000`` or ``pct_change``) from an area_comparison table.

    Rates are drawn and said per ``base`` residents (``metrics.view_rate_base``: 100,000 for a rare offense).
    A rate map is shaded by the size-adjusted rate (``funnel.add_shrunk_rates``: small areas pulled toward
    the city rate, large ones keep theirs); every hover gives the raw rate with the counts it is made of,
    the size-adjusted one with its 95 % interval, and the denominator caution where there is one
    (``funnel.add_denominator_notes``)."""
    if metric not in METRIC_STYLE:
        raise ValueError(f"metric must be one of {', '.join(METRIC_STYLE)}, not {metric!r}")
    style = METRIC_STYLE[metric]
    label = rate_label(base, shrunk=True) if metric == "rate_per_1000" else metric_label(metric)
    data = _areas_only(table).copy()
    if "rate_eb_per_1000" not in data.columns:
        data = funnel.add_shrunk_rates(data)
    if "denominator_note" not in data.columns:
        data = funnel.add_denominator_notes(data)
    data["noise"] = [_(n) for n in privacy.noise_labels(data, noise_label)]
    data["population_text"] = data["population"].map(lambda p: _(NO_POPULATION) if pd.isna(p) else f"{int(p):,}")
    # Counts as text, so that a count hidden in public mode reads "fewer than 4" (never a number); a count
    # with no data (nothing loaded a year earlier) reads "no data".
    data["incidents_text"] = [_(privacy.row_text(r, "incidents", missing=N_("no data"))) for _i, r in data.iterrows()]
    data["prior_text"] = [_(privacy.row_text(r, "incidents_prior_year", missing=N_("no data")))
                          for _i, r in data.iterrows()]
    data["why_text"] = [why_no_value(r, metric) for _i, r in data.iterrows()]
    # Values as text for the hover: a blank reads as why (never "NaN").
    data["pct_text"] = [f"{float(v):+.1f}%" if pd.notna(v) else why_no_value(r, "pct_change")
                        for v, (_i, r) in zip(data["pct_change"], data.iterrows())]
    shrunk, raw, notes = rate_texts(data, base)
    data["note_text"] = notes
    data["hover"] = [area_hover(r, a, b, c, base) for (_i, r), a, b, c in zip(data.iterrows(), shrunk, raw, notes)]
    shade = "rate_eb_per_1000" if metric == "rate_per_1000" else metric
    values = data[shade].astype(float) * (base / 1000 if metric == "rate_per_1000" else 1)
    if metric == "pct_change" and values.notna().any():
        reach = max(abs(values.min()), abs(values.max()), 1.0)
        low, high = -reach, reach  # centre the diverging scale on "no change"
    else:
        low, high = (float(values.min()), float(values.max())) if values.notna().any() else (0.0, 1.0)
    # Fit the whole city into a phone's width, with the colour bar lying under the map (issue 16).
    centre, zoom = map_figures.fit_view(features, 400)
    has_value = values.notna()
    shown = data[has_value]
    fig = go.Figure(go.Choroplethmap(
        geojson=_subset(features, set(shown["area_id"])),  # each outline is sent once
        locations=shown["area_id"], z=values[has_value], coloraxis="coloraxis", marker_opacity=0.85,
        marker_line_color="#555555", marker_line_width=0.8, name=label, text=shown["hover"],
        hovertemplate="%{text}<extra></extra>"))
    bar = (_(RATE_BAR_PER).format(base=per_base(base)) if metric == "rate_per_1000"
           else label.replace(" ", "<br>", 2))
    fig.update_layout(coloraxis=dict(colorscale=style["scale"], cmin=low, cmax=high,
                                     colorbar=map_figures.horizontal_colorbar(bar)))
    inputs = ("incidents",) if metric == "rate_per_1000" else privacy.COUNT_COLUMNS
    suppressed = pd.Series(False, index=data.index)
    for column in inputs:
        suppressed |= privacy.hidden(data, column)
    hidden_areas = data[values.isna() & suppressed]
    blank = data[values.isna() & ~suppressed]
    if len(hidden_areas):
        # Public mode: no value because a count is hidden; said in words, styled apart from "no value".
        fig.add_trace(go.Choroplethmap(
            geojson=_subset(features, set(hidden_areas["area_id"])), locations=hidden_areas["area_id"],
            z=[0] * len(hidden_areas), showscale=False, colorscale=[[0, SUPPRESSED_FILL], [1, SUPPRESSED_FILL]],
            marker_line_color=SUPPRESSED_LINE["color"], marker_line_width=SUPPRESSED_LINE["width"],
            name=_("not shown: small count"), text=hidden_areas["area_name"],
            customdata=hidden_areas[["incidents_text", "prior_text"]].to_numpy(),
            hovertemplate=_("<b>%{text}</b><br>not shown: a small count (public view)<br>Incidents: %{customdata[0]}"
                            "<br>A year earlier: %{customdata[1]}<extra></extra>"),
        ))
    if len(blank):
        # Areas with no value are drawn grey and say why (no population, too few residents, nothing loaded a
        # year earlier), rather than vanishing from the map; a park also says residents are the wrong denominator.
        fig.add_trace(go.Choroplethmap(
            geojson=_subset(features, set(blank["area_id"])), locations=blank["area_id"], z=[0] * len(blank),
            showscale=False,
            colorscale=[[0, NO_VALUE_GREY], [1, NO_VALUE_GREY]], marker_line_color="#555555", marker_line_width=0.8,
            name=_("no value"), text=blank["area_name"],
            customdata=blank[["incidents_text", "why_text", "note_text"]].to_numpy(),
            hovertemplate="<b>%{text}</b><br>%{customdata[1]}<br>" + _("Incidents: %{customdata[0]}")
                          + "<br><i>%{customdata[2]}</i><extra></extra>",
        ))
    if len(features["features"]) <= map_figures.MAX_LABELLED_AREAS:  # district numbers; neighborhoods on hover
        fig.add_traces(map_figures.area_label_traces(features, zoom, set(data["area_id"])))
    fig.update_layout(
        title={"text": map_figures.wrap(title), "subtitle": {"text": subtitle}},
        # The city's outline, rivers and roads (``geo.context_features``) under the areas, for finding one's way.
        map=dict(style="white-bg", center=centre, zoom=zoom, layers=map_figures.context_layers(context)),
        margin=dict(l=0, r=0, t=70, b=110),
        height=560,
        font=FONT,
    )
    return fig


# The readings the funnel (``stats.funnel``) gives each area (English: code compares them), translated where shown.
FUNNEL_POSITIONS = (N_("within expected range"), N_("above 95% limit"), N_("below 95% limit"),
                    N_("above 99.8% limit"), N_("below 99.8% limit"))

INTENSITY_LABELS = {  # translated where shown
    "events_per_1000_per_year": N_("Engagement events per 1,000 residents per year"),
    "officer_hours_per_1000_per_year": N_("Officer engagement hours per 1,000 residents per year"),
}


def scatter_points(table: pd.DataFrame, intensity: str) -> pd.DataFrame:
    """The districts the engagement scatter draws: those with an intensity and a % change from at least
    ``MIN_COUNT_FOR_PCT`` incidents a year earlier (a % from fewer is too few to compare)."""
    data = _areas_only(table)
    data = data[pd.to_numeric(data[intensity], errors="coerce").notna() & data["pct_change"].notna()]
    prior = pd.to_numeric(data["incidents_prior_year"], errors="coerce")
    return data[prior >= MIN_COUNT_FOR_PCT].copy()


def scatter_left_out(table: pd.DataFrame, intensity: str) -> str | None:
    """Which districts the engagement scatter leaves out and why, in one sentence (None: none)."""
    areas = _areas_only(table)
    drawn = set(scatter_points(table, intensity)["area_id"])
    left = areas[~areas["area_id"].isin(drawn)]
    if left.empty:
        return None
    # The page's language: "Distrito 6 – Westview", not the source's "District 6 – Westview".
    names = ", ".join(district_title(str(i), str(n)) for i, n in zip(left["area_id"], left["area_name"]))
    if pd.to_numeric(areas[intensity], errors="coerce").isna().all():
        return _("No bubbles: engagement is not recorded for this period.")
    return _("Not drawn: {names}. A bubble needs a % change from at least {n} incidents a year earlier (fewer are "
             "too few to compare) and a population figure.").format(names=names, n=MIN_COUNT_FOR_PCT)


def engagement_scatter(table: pd.DataFrame, intensity: str, title: str) -> go.Figure:
    """Engagement intensity (x) against % change in incidents (y), one bubble per area sized
    by population, captioned "association, not effect"."""
    if intensity not in INTENSITY_LABELS:
        raise ValueError(f"intensity must be one of {', '.join(INTENSITY_LABELS)}, not {intensity!r}")
    data = scatter_points(table, intensity)
    data[intensity] = data[intensity].astype(float)
    data["pct_change"] = data["pct_change"].astype(float)
    data["population"] = data["population"].astype(float)
    data["noise"] = [_(n) for n in privacy.noise_labels(data, noise_label)]
    fig = px.scatter(
        data,
        x=intensity,
        y="pct_change",
        size="population",
        size_max=40,
        hover_name="area_name",
        text="area_id",
        hover_data={
            "area_id": False,
            "population": ":,.0f",
            "incidents": ":,",
            "incidents_prior_year": ":,",
            "noise": True,
            "engagement_events": ":,",
            "officer_hours": ":,.0f",
        },
        labels={
            intensity: wrap_title(_(INTENSITY_LABELS[intensity]), 40),
            "pct_change": _("% change in incidents vs a year earlier"),
            "population": _("Residents"),
            "incidents": _("Incidents"),
            "incidents_prior_year": _("A year earlier"),
            "noise": _("Reading"),
            "engagement_events": _("Engagement events"),
            "officer_hours": _("Officer hours"),
        },
    )
    # Opacity 0.9: the white district numbers keep 4.8:1 contrast on the blue (at 0.7 they had 3.2:1).
    fig.update_traces(marker=dict(color=POINT_COLOR, opacity=0.9, line=dict(color="white", width=1)),
                      textposition="middle center", textfont=dict(color="white", size=11))
    fig.add_hline(y=0, line_color="#888888", line_dash="dot")
    # Wrapped for a phone (a 390 px screen's chart holds about 54 title characters), with room for every line.
    title, subtitle = wrap_title(title, 52), wrap_title(_(ASSOCIATION_NOT_EFFECT), 62)
    extra = 22 * title.count("<br>") + 18 * subtitle.count("<br>")
    fig.update_layout(
        title={"text": title, "subtitle": {"text": subtitle}},
        margin=dict(l=10, r=10, t=80 + extra, b=10),
        height=460 + extra,
        font=FONT,
        plot_bgcolor="white",
        xaxis=dict(gridcolor="#eeeeee", zeroline=False),
        yaxis=dict(gridcolor="#eeeeee", zeroline=False, ticksuffix="%"),
    )
    if data.empty:  # an empty chart says why it is empty
        fig.add_annotation(text=scatter_left_out(table, intensity) or _("No district has figures to draw."),
                           x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False, font=dict(size=13))
    return fig


def trust_lines(table: pd.DataFrame, measure_label: str, title: str) -> go.Figure:
    """Survey score per district over time; error bars show the 95% margin of error when known."""
    fig = go.Figure()
    for i, (district, part) in enumerate(table.groupby("district_name", sort=False)):
        has_moe = part["margin_of_error"].notna().any()
        respondents = part["respondents"].map(lambda r: _("not published") if pd.isna(r) else f"{int(r):,}")
        fig.add_trace(go.Scatter(
            x=part["period_start"], y=part["score"], mode="lines+markers", name=str(district),
            line=dict(color=CATEGORICAL[i % len(CATEGORICAL)], width=2),
            marker=dict(size=5),
            error_y=dict(type="data", array=part["margin_of_error"], visible=True, thickness=1) if has_moe else None,
            customdata=list(zip(respondents, part["margin_of_error"].fillna(float("nan")))),
            hovertemplate=_("%{x|%b %Y}: %{y:.1f}<br>respondents: %{customdata[0]}"
                            "<br>margin of error: ±%{customdata[1]:.1f}<extra>%{fullData.name}</extra>"),
        ))
    fig.update_layout(
        title={"text": title, "subtitle": {"text": _("{measure}, score 0–100 (higher is better)").format(
            measure=_(measure_label))}},
        yaxis=dict(title=_("Score (0–100)"), gridcolor="#eeeeee"),
        xaxis=dict(title=None, gridcolor="#eeeeee"),
        plot_bgcolor="white", height=460, font=FONT, margin=dict(l=10, r=10, t=80, b=10),
        legend=dict(title=_("District")),
    )
    return fig


def event_study(event: pd.DataFrame, outcome_label: str, title: str, pretrend_ok: bool | None,
                check: str | None = None, staggered: bool = False) -> go.Figure:
    """Relative difference between treated and comparison districts in each period around the start.

    Periods before the start should hover around zero (parallel trends); the reference period
    (just before the start) is fixed at zero by construction. ``pretrend_ok`` None means the check was
    not assessed; ``check`` replaces the default words about it. ``staggered``: districts started on
    different dates, so each is lined up on its own start.
    """
    before = event["rel_period"] < 0
    fig = go.Figure()
    for mask, name, colour in ((before, _("Before the start (should be near 0)"), "#999999"),
                               (~before, _("After the start"), POINT_COLOR)):
        part = event[mask]
        fig.add_trace(go.Scatter(
            x=part["rel_period"], y=part["coef"] * 100, mode="markers+lines", name=name,
            line=dict(color=colour, width=1.5), marker=dict(size=8, color=colour),
            error_y=dict(type="data", symmetric=False, array=(part["ci_high"] - part["coef"]) * 100,
                         arrayminus=(part["coef"] - part["ci_low"]) * 100, thickness=1.2),
            customdata=part[["first_month"]].astype(str).to_numpy(),
            hovertemplate=_("period starting %{customdata[0]}: %{y:+.1f}%<extra></extra>"),
        ))
    fig.add_hline(y=0, line_color="#555555", line_dash="dot")
    fig.add_vline(x=-0.5, line_color="#D55E00", line_dash="dash",
                  annotation_text=_("program starts"), annotation_position="top right")
    if check is None:  # a pass with few districts is weak evidence: never "consistent with parallel trends"
        check = (_("the months before the start were not assessed") if pretrend_ok is None else
                 _("no clear difference before the start (a weak check with few districts)") if pretrend_ok else
                 _("the months before the start differ: the pre-trend check failed"))
    fig.update_layout(
        title={"text": title, "subtitle": {"text": _("{outcome}: treated minus comparison districts, "
                                                     "% difference with 95% intervals; {check}").format(
            outcome=outcome_label, check=check)}},
        xaxis=dict(title=(_("Quarters relative to each district's own start (−1 = the quarter before, the reference)")
                          if staggered else _("Quarters relative to the start (−1 = the quarter before, the reference)")),
                   gridcolor="#eeeeee", dtick=1),
        yaxis=dict(title=_("% difference"), ticksuffix="%", gridcolor="#eeeeee"),
        plot_bgcolor="white", height=430, font=FONT, margin=dict(l=10, r=10, t=80, b=10),
        legend=dict(orientation="h", y=-0.25),
    )
    return fig


def event_study_figure(res, outcome_label: str, title: str):
    """The event-study chart of a program evaluation (``evaluation.evaluate``), its subtitle saying what the check before the start found (or that it was not
    assessed) without claiming more than a weak check can."""
    return event_study(res.event_study, outcome_label, title=title, pretrend_ok=res.pretrend_ok,
                       check=evaluation.pretrend_reading(res), staggered=res.staggered)


def funnel_plot(placed: pd.DataFrame, limits: pd.DataFrame, title: str, area_word: str = "district",
                base: int = 1000) -> go.Figure:
    """Rate per ``base`` residents (1,000, or 100,000 for a rare offense: ``metrics.view_rate_base``) against
    population with control limits (``funnel.funnel_view``): small areas swing more by chance, so only points
    outside the funnel stand out. When the areas are overdispersed the limits are widened for the usual spread
    between areas, and the subtitle says so. ``area_word``: "district" or "neighborhood"."""
    fig = go.Figure()
    factor = base / 1000
    city = float(placed["city_rate_per_1000"].iloc[0]) * factor
    for cov, dash in (("95", "dash"), ("99.8", "dot")):
        for side in ("upper", "lower"):
            fig.add_trace(go.Scatter(
                x=limits["population"], y=limits[f"{side}_{cov}"] * factor, mode="lines",
                line=dict(color="#777777", dash=dash, width=1),
                name=_("{coverage}% limits").format(coverage=cov), legendgroup=cov, showlegend=side == "upper", hoverinfo="skip"))
    fig.add_hline(y=city, line_color="#333333", line_width=1,
                  annotation_text=_("city rate {rate}").format(rate=f"{city:.1f}"), annotation_position="top left")
    shown = placed[placed["rate_per_1000"].notna()]
    outside = shown["position"] != "within expected range"
    notes = (shown["denominator_note"] if "denominator_note" in shown.columns
             else pd.Series("", index=shown.index)).map(lambda n: f"<br><i>{_(n)}</i>" if isinstance(n, str) and n
                                                        else "")
    for mask, name, colour in ((~outside, _("within the expected range"), POINT_COLOR),
                               (outside, _("outside the limits"), "#D55E00")):
        part = shown[mask]
        fig.add_trace(go.Scatter(
            x=part["population"].astype(float), y=rate_values(part, "rate_per_1000", base).astype(float),
            mode="markers+text",
            text=part["area_id"], textposition="top center", name=name,
            marker=dict(size=11, color=colour, line=dict(color="white", width=1)),
            customdata=list(zip(part["area_name"], part["incidents"], [_(p) for p in part["position"]],
                                notes[mask])),
            hovertemplate=(_("<b>%{customdata[0]}</b><br>%{y:.1f} per 1,000 residents<br>%{customdata[1]:,} incidents"
                             " · %{x:,.0f} residents<br>%{customdata[2]}") if base == 1000 else
                           _("<b>%{customdata[0]}</b><br>%{y:.1f} per {base} residents<br>%{customdata[1]:,} "
                             "incidents · %{x:,.0f} residents<br>%{customdata[2]}").replace(
                               "{base}", per_base(base))) + "%{customdata[3]}<extra></extra>"))
    widened = "limits" in placed.columns and (placed["limits"] == funnel.LIMITS_WIDENED).any()
    if widened:
        subtitle = (_("Each neighborhood's rate against its residents; the funnel is how far chance and the usual "
                      "spread between neighborhoods can move a rate at that size") if area_word == "neighborhood" else
                    _("Each district's rate against its residents; the funnel is how far chance and the usual spread "
                      "between districts can move a rate at that size"))
    else:
        subtitle = (_("Each neighborhood's rate against its residents; the funnel is how far chance alone can move a "
                      "rate at that size") if area_word == "neighborhood" else
                    _("Each district's rate against its residents; the funnel is how far chance alone can move a rate "
                      "at that size"))
    fig.update_layout(
        title={"text": title, "subtitle": {"text": subtitle}},
        xaxis=dict(title=_("Residents (the rate's denominator)"), gridcolor="#eeeeee", separatethousands=True),
        yaxis=dict(title=rate_label(base), gridcolor="#eeeeee", rangemode="tozero"),
        plot_bgcolor="white", height=440, font=FONT, margin=dict(l=10, r=10, t=80, b=10),
        legend=dict(orientation="h", y=-0.2),
    )
    return fig


def representativeness_chart(table: pd.DataFrame, district_name: str, dimension_label: str) -> go.Figure:
    """Share of attendees beside share of residents, per group, for one district (with the
    attendee share's 95% interval)."""
    fig = go.Figure()
    fig.add_trace(go.Bar(x=table["demographic_group"], y=table["resident_share"] * 100, name=_("Residents"),
                         marker_color="#BBBBBB", hovertemplate=_("%{x}: %{y:.1f}% of residents<extra></extra>")))
    fig.add_trace(go.Bar(
        x=table["demographic_group"], y=table["attendee_share"] * 100, name=_("Attendees"), marker_color=POINT_COLOR,
        error_y=dict(type="data", symmetric=False, array=(table["share_ci_high"] - table["attendee_share"]) * 100,
                     arrayminus=(table["attendee_share"] - table["share_ci_low"]) * 100),
        customdata=list(zip(table["attendees"], [_(r) for r in table["reading"]])),
        hovertemplate=_("%{x}: %{y:.1f}% of attendees (%{customdata[0]:,} people)<br>%{customdata[1]}"
                        "<extra></extra>")))
    over = table.loc[table["reading"] == "over-represented", "demographic_group"].tolist()
    under = table.loc[table["reading"] == "under-represented", "demographic_group"].tolist()
    takeaway = (_("{district}: {groups} over-represented among attendees").format(
        district=district_name, groups=", ".join(over)) if over
                else _("{district}: attendees resemble residents").format(district=district_name))
    if under:
        takeaway += _("; {groups} under-represented").format(groups=", ".join(under))
    fig.update_layout(
        title={"text": takeaway, "subtitle": {"text": _("{dimension}: share of attendees (with 95% interval) "
                                                        "beside share of residents").format(
            dimension=dimension_label)}},
        barmode="group", yaxis=dict(title=_("% of people"), ticksuffix="%", gridcolor="#eeeeee"),
        plot_bgcolor="white", height=400, font=FONT, margin=dict(l=10, r=10, t=80, b=10),
        legend=dict(orientation="h", y=-0.15),
    )
    return fig
