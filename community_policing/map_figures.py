"""Pure figure functions for the Map page: a layer table and a FeatureCollection in, a plotly
Figure out. No Streamlit here.

Every map is a ``Choroplethmap`` on the ``white-bg`` style (no tiles, so it renders offline),
centred and zoomed to the areas, with each outline sent once per trace. Areas without a value are
drawn grey and their hover says why.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from community_policing import i18n, privacy
from community_policing.i18n import N_, _, ngettext
from community_policing.figures import (CATEGORICAL, FONT, METRIC_STYLE, NO_POPULATION, NO_VALUE_GREY,
                                        SHRUNK_RATE_LABEL, SUPPRESSED_FILL, SUPPRESSED_LINE, _subset, _zoom_for,
                                        rate_hover_parts)
from community_policing.metrics import MIN_POPULATION_FOR_RATE, MIN_RESPONDENTS

# Stevens-style 3 × 3 bivariate palette (teal for engagement, pink for crime change, blue where
# both are high), index = (change tercile - 1) * 3 + (engagement tercile - 1). Distinguishable
# with the common colour-vision deficiencies because lightness varies along both axes.
BIVARIATE_COLORS = ["#e8e8e8", "#ace4e4", "#5ac8c8",
                    "#dfb0d6", "#a5add3", "#5698b9",
                    "#be64ac", "#8c62aa", "#3b4994"]
# Labels are marked for translation here and translated where drawn (``_(label)``); the
# "why_blank" texts take {n}: residents for a rate, respondents for a trust score.
LAYER_STYLE = {
    # Shaded by the size-adjusted (empirical-Bayes) rate; the hover gives the raw rate and its counts.
    "rate": {"column": "rate_eb_per_1000", "label": SHRUNK_RATE_LABEL,
             "scale": METRIC_STYLE["rate_per_1000"]["scale"],
             "bar": N_("Incidents<br>per 1,000<br>residents<br>(size-adjusted)"),
             "why_blank": N_("no rate: fewer than {n} residents"), "n": MIN_POPULATION_FOR_RATE},
    "change": {"column": "pct_change", "label": METRIC_STYLE["pct_change"]["label"],
               "scale": METRIC_STYLE["pct_change"]["scale"],
               "why_blank": N_("no % change: nothing to compare with a year earlier")},
    "engagement": {"column": "events_per_1000_per_year",
                   "label": N_("Engagement activities per 1,000 residents per year"),
                   "scale": "GnBu", "bar": N_("Activities<br>per 1,000<br>residents<br>per year"),
                   "why_blank": N_("no intensity: fewer than {n} residents"), "n": MIN_POPULATION_FOR_RATE},
    "trust": {"column": "trust_score", "label": N_("Trust score (0–100, latest month)"),
              "scale": [[0, "#dadaeb"], [0.5, "#807dba"], [1, "#3f007d"]], "bar": N_("Trust<br>score<br>(0–100)"),
              "why_blank": N_("no score: no survey month with at least {n} respondents in the period"),
              "n": MIN_RESPONDENTS},
    "bivariate": {"column": "bivariate_class", "label": N_("Engagement × crime change"),
                  "why_blank": N_("not classed: no engagement intensity or no % change")},
}


def why_blank(layer: str, row=None) -> str:
    """Why an area of ``layer`` has no value, in the current language; with its ``row``, the reason of that
    area: no population figure at all (a park), or nothing loaded a year earlier to compare with."""
    if row is not None:
        population = row.get("population")
        if layer in ("rate", "engagement") and (population is None or pd.isna(population)):
            return _(NO_POPULATION)
        comparison = row.get("comparison")
        if layer in ("change", "bivariate") and isinstance(comparison, str) and comparison:
            return _(comparison)
    style = LAYER_STYLE[layer]
    text = style["why_blank"]
    return _(text).format(n=style.get("n", ""))
# The counts each layer's value is made from: in public mode an area whose value is blank because one
# of them is hidden ("fewer than 4") is drawn apart from an area with no value.
LAYER_COUNTS = {"rate": ("incidents",), "change": privacy.COUNT_COLUMNS, "bivariate": privacy.COUNT_COLUMNS,
                "engagement": (), "trust": ()}
HIDDEN_WHY = N_("not shown: a small count (public view)")  # translated where drawn
LINE = dict(color="#555555", width=0.8)
MUTED_LINE = dict(color="#9a9a9a", width=0.6)
MUTED_OPACITY = 0.3


def _num(value, fmt: str, missing: str | None = None) -> str:
    return (_("n/a") if missing is None else missing) if value is None or pd.isna(value) else fmt.format(float(value))


def hover_text(row: pd.Series, layer: str) -> str:
    """Counts, the rate and its denominator (residents and their year), then the layer's value; the rate
    size-adjusted (with its interval) and raw (with the counts it is made of), and any caution about the
    denominator."""
    no_population = pd.isna(row.get("population"))
    year = ("" if no_population or pd.isna(row.get("population_year"))
            else _(" ({year} population)").format(year=int(row["population_year"])))
    residents = _(NO_POPULATION) if no_population else f"{int(row['population']):,}"
    noise = row.get("noise", "")
    comparison = row.get("comparison")
    not_comparable = isinstance(comparison, str) and bool(comparison)
    if "rate_eb_per_1000" in row.index:
        shrunk, raw, note = rate_hover_parts(row)
        rate_lines = [_("Per 1,000 residents, size-adjusted: {rate}").format(rate=shrunk),
                      _("Raw rate: {rate}").format(rate=raw)]
    else:
        rate_lines = [_("Per 1,000 residents: {rate}").format(
            rate=_num(row.get("rate_per_1000"), "{:.1f}",
                      _(NO_POPULATION) if no_population else _("not shown (too few residents)")))]
        note = ""
    lines = [
        f"<b>{row['area_name']}</b>",
        _("Incidents: {count} · a year earlier: {prior}").format(
            count=_(privacy.row_text(row, "incidents", missing=N_("no data"))),
            prior=_(privacy.row_text(row, "incidents_prior_year", missing=N_("no data")))),
        (_("Change: {change}").format(change=_(comparison)) if not_comparable
         else _("Change: {change} · {noise}").format(
            change=_num(row.get("pct_change"), "{:+.1f}%", _("no % (none a year earlier)")),
            noise=_(noise) if isinstance(noise, str) and noise else "")),
        *rate_lines,
        _("Residents (denominator): {residents}{year}").format(residents=residents, year=year),
    ]
    if layer in ("engagement", "bivariate"):
        lines.append(_("Engagement activities: {events} · officer hours: {hours}").format(
            events=f"{int(row['engagement_events']):,}", hours=f"{float(row['officer_hours']):,.0f}"))
        lines.append(_("Activities per 1,000 residents per year: {rate}").format(
            rate=_num(row.get("events_per_1000_per_year"), "{:.1f}")))
    if layer == "trust":
        if pd.isna(row.get("trust_score")):
            lines.append(_("Trust score: not available in this period"))
        else:
            who = (_("respondents not published") if pd.isna(row.get("respondents"))
                   else _("{n} respondents, ±{moe}").format(n=f"{int(row['respondents']):,}",
                                                             moe=f"{float(row['margin_of_error']):.1f}"))
            lines.append(_("Trust score: {score} ({month}; {who})").format(
                score=f"{float(row['trust_score']):.1f}", month=i18n.format_month_short(row["trust_period"]), who=who))
    if layer == "bivariate":
        lines.append(f"<b>{row.get('bivariate_label', '')}</b>")
    if note:
        lines.append(f"<i>{note}</i>")
    return "<br>".join(lines)


def _trace(data: pd.DataFrame, features: dict, z, name: str, **kwargs) -> go.Choroplethmap:
    return go.Choroplethmap(
        geojson=_subset(features, set(data["area_id"])), locations=data["area_id"], z=z, name=name,
        text=data["hover"], hovertemplate="%{text}<extra></extra>", **kwargs)


def layer_map(table: pd.DataFrame, features: dict, layer: str, title: str, subtitle: str = "",
              events: pd.DataFrame | None = None) -> go.Figure:
    """One layer of the Map page from a ``map_layers.build_layer`` table; ``events`` (from
    ``map_layers.engagement_points``) adds engagement activities as points coloured by type."""
    if layer not in LAYER_STYLE:
        raise ValueError(f"layer must be one of {', '.join(LAYER_STYLE)}, not {layer!r}")
    style = LAYER_STYLE[layer]
    column = style["column"]
    data = table.copy()
    data["hover"] = [hover_text(row, layer) for _, row in data.iterrows()]
    has = data[column].notna()
    suppressed = pd.Series(False, index=data.index)
    for count in LAYER_COUNTS[layer]:
        suppressed |= privacy.hidden(data, count)
    shown, blank, hidden_areas = data[has], data[~has & ~suppressed], data[~has & suppressed]
    values = shown[column].astype(float)
    # With points on top, areas are lighter so the points (some orange on orange scales) stay visible.
    fade = 0.65 if events is not None and len(events) else 1.0
    fig = go.Figure()
    if layer == "bivariate":
        scale = []
        for i, colour in enumerate(BIVARIATE_COLORS):
            scale += [[i / 9, colour], [(i + 1) / 9, colour]]
        fig.add_trace(_trace(shown, features, values, _("engagement × change"), colorscale=scale, zmin=-0.5, zmax=8.5,
                             showscale=False, marker_line=LINE, marker_opacity=0.95 * fade))
    elif layer == "change":
        reach = max(float(values.abs().max()) if len(values) else 1.0, 1.0)
        muted = shown["muted"].astype(bool)
        if muted.any():
            # Outlines of the faded areas underneath, at full strength, so they keep their edges.
            fig.add_trace(go.Choroplethmap(
                geojson=_subset(features, set(shown.loc[muted, "area_id"])), locations=shown.loc[muted, "area_id"],
                z=[0] * int(muted.sum()), colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]], showscale=False,
                marker_line=dict(color="#8a8a8a", width=1), hoverinfo="skip", showlegend=False, name="outline"))
        for part, name, line, opacity in ((~muted, _("solid: beyond normal variation (|z| ≥ 2)"), LINE, 0.9 * fade),
                                          (muted, _("faded: within normal variation (|z| < 2)"), MUTED_LINE,
                                           MUTED_OPACITY * fade)):
            if part.any():
                fig.add_trace(_trace(shown[part], features, values[part], name, coloraxis="coloraxis",
                                     marker_line=line, marker_opacity=opacity, showlegend=True))
        fig.update_layout(coloraxis=dict(colorscale=style["scale"], cmin=-reach, cmax=reach, colorbar=dict(
            title=dict(text=_("% change<br>vs a year<br>earlier")), ticksuffix="%")))
    else:
        label = style["label"]
        label = _(label)
        fig.add_trace(_trace(shown, features, values, label, colorscale=style["scale"], marker_line=LINE,
                             marker_opacity=0.85 * fade,
                             colorbar=dict(title=dict(text=_(bar) if (bar := style.get("bar")) is not None
                                                      else label.replace(" ", "<br>", 3)))))
    if len(blank):
        # Grey, one trace per reason (no population, too few residents, nothing loaded a year earlier...).
        whys = pd.Series([why_blank(layer, row) for _i, row in blank.iterrows()], index=blank.index)
        for why in dict.fromkeys(whys):
            part = blank[whys == why]
            part = part.assign(hover=[f"{h}<br><i>{why}</i>" for h in part["hover"]])
            fig.add_trace(_trace(part, features, [0] * len(part), why, showscale=False,
                                 colorscale=[[0, NO_VALUE_GREY], [1, NO_VALUE_GREY]], marker_line=LINE,
                                 showlegend=True))
    if len(hidden_areas):
        hidden_why = _(HIDDEN_WHY)
        hidden_areas = hidden_areas.assign(hover=[f"{h}<br><i>{hidden_why}</i>" for h in hidden_areas["hover"]])
        fig.add_trace(_trace(hidden_areas, features, [0] * len(hidden_areas), hidden_why, showscale=False,
                             colorscale=[[0, SUPPRESSED_FILL], [1, SUPPRESSED_FILL]], marker_line=SUPPRESSED_LINE,
                             showlegend=True))
    if events is not None and len(events):
        for i, (label, part) in enumerate(events.groupby("type_label", sort=True)):
            attendees = part["attendees"].map(lambda a: _("not recorded") if pd.isna(a) else f"{int(a):,}")
            fig.add_trace(go.Scattermap(
                lon=part["lon"], lat=part["lat"], mode="markers", name=str(label),
                marker=dict(size=5, color=CATEGORICAL[i % len(CATEGORICAL)], opacity=0.8),
                customdata=list(zip(part["type_label"], [i18n.format_date(d) for d in part["date"]], attendees,
                                    part["district_name"].fillna(""))),
                hovertemplate=_("<b>%{customdata[0]}</b><br>%{customdata[1]}<br>attendees: %{customdata[2]}"
                                "<br>district: %{customdata[3]}<extra></extra>"),
            ))
    centre, zoom = _zoom_for(features)
    fig.update_layout(
        title={"text": title, "subtitle": {"text": subtitle}},
        map=dict(style="white-bg", center=centre, zoom=zoom),
        margin=dict(l=0, r=0, t=70, b=0),
        height=560,
        font=FONT,
        legend=dict(orientation="h", y=-0.02, yanchor="top", x=0, bgcolor="rgba(255,255,255,0.8)"),
        showlegend=True,
    )
    return fig


def bivariate_legend(legend: pd.DataFrame) -> go.Figure:
    """The 3 × 3 key as a small grid whose 9 cells read in words (and give the number of areas)."""
    legend = legend.sort_values("bivariate_class")
    first = legend.drop_duplicates("engagement_class").set_index("engagement_class")
    eng = first["engagement_range"]
    chg = legend.drop_duplicates("change_class").set_index("change_class")
    x_labels = [f"<b>{w}</b><br>{eng[e]}" for e, w in zip((1, 2, 3), (_("less"), _("middle"), _("more")))]
    y_labels = [f"<b>{chg.loc[c, 'label'].split(' · ')[1]}</b><br>{chg.loc[c, 'change_range']}" for c in (1, 2, 3)]
    z = [[(c - 1) * 3 + e - 1 for e in (1, 2, 3)] for c in (1, 2, 3)]
    scale = []
    for i, colour in enumerate(BIVARIATE_COLORS):
        scale += [[i / 9, colour], [(i + 1) / 9, colour]]
    cells = legend.set_index("bivariate_class")
    hover = [[ngettext("{label}: {n} area", "{label}: {n} areas", int(cells.loc[v, "areas"])).format(
        label=cells.loc[v, "label"], n=cells.loc[v, "areas"]) for v in row] for row in z]
    fig = go.Figure(go.Heatmap(z=z, x=x_labels, y=y_labels, colorscale=scale, zmin=-0.5, zmax=8.5, showscale=False,
                               text=hover, hovertemplate="%{text}<extra></extra>", xgap=3, ygap=3))
    for c in (1, 2, 3):
        for e in (1, 2, 3):
            v = (c - 1) * 3 + e - 1
            eng_word, change_word = cells.loc[v, "label"].split(" · ")
            n = int(cells.loc[v, "areas"])
            eng_word = eng_word.replace(" engagement", "<br>engagement").replace(" participación", "<br>participación")
            fig.add_annotation(x=x_labels[e - 1], y=y_labels[c - 1], showarrow=False,
                               text=f"{eng_word}<br>· {change_word}<br>"
                                    f"<i>{ngettext('{n} area', '{n} areas', n).format(n=n)}</i>",
                               font=dict(size=10, color="white" if v in (7, 8) else "black"))  # 4.5:1 or more on every cell
    fig.update_layout(
        title={"text": _("How to read the colours"), "font": {"size": 14}},
        xaxis=dict(title=dict(text=_("Engagement per 1,000 residents per year →"), font=dict(size=11)), tickangle=0,
                   fixedrange=True, tickfont=dict(size=10)),
        yaxis=dict(title=dict(text=_("Crime change vs a year earlier →"), font=dict(size=11)), fixedrange=True,
                   tickfont=dict(size=10)),
        height=440, margin=dict(l=10, r=10, t=40, b=10), font=FONT, plot_bgcolor="white",
    )
    return fig


def place_picker(features: dict, area_id: str, grid: tuple[list[float], list[float]],
                 picked: tuple[float, float] | None = None, title: str = "") -> go.Figure:
    """One area's outline with a fine grid of faint click targets; ``picked`` (lon, lat) is marked.

    Plotly reports clicks on points only, so the grid is what makes "click on the map" work; a
    click anywhere inside the area lands on a grid point ~1/45 of the area's width away at most.
    """
    area = _subset(features, {area_id})
    fig = go.Figure(go.Choroplethmap(
        geojson=area, locations=[area_id], z=[0], colorscale=[[0, "#f3efe6"], [1, "#f3efe6"]], showscale=False,
        marker_line=dict(color="#333333", width=1.5), hoverinfo="skip", name=_("area")))
    lons, lats = grid
    fig.add_trace(go.Scattermap(
        lon=lons, lat=lats, mode="markers", name=_("click to place"), marker=dict(size=9, color="#0072B2", opacity=0.08),
        hovertemplate=_("Place the activity here") + "<br>%{lon:.5f}, %{lat:.5f}<extra></extra>"))
    if picked is not None:
        fig.add_trace(go.Scattermap(
            lon=[picked[0]], lat=[picked[1]], mode="markers", name=_("chosen place"),
            marker=dict(size=14, color="#D55E00"),
            hovertemplate=_("Chosen place") + "<br>%{lon:.5f}, %{lat:.5f}<extra></extra>"))
    centre, zoom = _zoom_for(area, width_px=520, height_px=320)
    fig.update_layout(title={"text": title}, map=dict(style="white-bg", center=centre, zoom=zoom),
                      margin=dict(l=0, r=0, t=40 if title else 0, b=0), height=340, font=FONT, showlegend=False,
                      clickmode="event+select")
    return fig
