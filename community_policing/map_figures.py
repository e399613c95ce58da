"""Pure figure functions for the Map page: a layer table and a FeatureCollection in, a plotly
Figure out. No Streamlit here.

Every map is a ``Choroplethmap`` on the ``white-bg`` style (no tiles, so it renders offline),
centred and zoomed to the areas, with each outline sent once per trace. Areas without a value are
drawn grey and their hover says why.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from community_policing import privacy
from community_policing.figures import (CATEGORICAL, FONT, METRIC_STYLE, NO_VALUE_GREY, SUPPRESSED_FILL, SUPPRESSED_LINE,
                                        _subset, _zoom_for)
from community_policing.metrics import MIN_POPULATION_FOR_RATE, MIN_RESPONDENTS

# Stevens-style 3 × 3 bivariate palette (teal for engagement, pink for crime change, blue where
# both are high), index = (change tercile - 1) * 3 + (engagement tercile - 1). Distinguishable
# with the common colour-vision deficiencies because lightness varies along both axes.
BIVARIATE_COLORS = ["#e8e8e8", "#ace4e4", "#5ac8c8",
                    "#dfb0d6", "#a5add3", "#5698b9",
                    "#be64ac", "#8c62aa", "#3b4994"]
LAYER_STYLE = {
    "rate": {"column": "rate_per_1000", "label": METRIC_STYLE["rate_per_1000"]["label"],
             "scale": METRIC_STYLE["rate_per_1000"]["scale"], "bar": "Incidents<br>per 1,000<br>residents",
             "why_blank": f"no rate: fewer than {MIN_POPULATION_FOR_RATE} residents"},
    "change": {"column": "pct_change", "label": METRIC_STYLE["pct_change"]["label"],
               "scale": METRIC_STYLE["pct_change"]["scale"],
               "why_blank": "no % change: nothing to compare with a year earlier"},
    "engagement": {"column": "events_per_1000_per_year", "label": "Engagement activities per 1,000 residents per year",
                   "scale": "GnBu", "bar": "Activities<br>per 1,000<br>residents<br>per year",
                   "why_blank": f"no intensity: fewer than {MIN_POPULATION_FOR_RATE} residents"},
    "trust": {"column": "trust_score", "label": "Trust score (0–100, latest month)",
              "scale": [[0, "#dadaeb"], [0.5, "#807dba"], [1, "#3f007d"]], "bar": "Trust<br>score<br>(0–100)",
              "why_blank": f"no score: no survey month with at least {MIN_RESPONDENTS} respondents in the period"},
    "bivariate": {"column": "bivariate_class", "label": "Engagement × crime change",
                  "why_blank": "not classed: no engagement intensity or no % change"},
}
# The counts each layer's value is made from: in public mode an area whose value is blank because one
# of them is hidden ("fewer than 4") is drawn apart from an area with no value.
LAYER_COUNTS = {"rate": ("incidents",), "change": privacy.COUNT_COLUMNS, "bivariate": privacy.COUNT_COLUMNS,
                "engagement": (), "trust": ()}
HIDDEN_WHY = "not shown: a small count (public view)"
LINE = dict(color="#555555", width=0.8)
MUTED_LINE = dict(color="#9a9a9a", width=0.6)
MUTED_OPACITY = 0.3


def _num(value, fmt: str, missing: str = "n/a") -> str:
    return missing if value is None or pd.isna(value) else fmt.format(float(value))


def hover_text(row: pd.Series, layer: str) -> str:
    """Counts, the rate and its denominator (residents and their year), then the layer's value."""
    year = "" if pd.isna(row.get("population_year")) else f" ({int(row['population_year'])} population)"
    residents = "unknown" if pd.isna(row.get("population")) else f"{int(row['population']):,}"
    lines = [
        f"<b>{row['area_name']}</b>",
        f"Incidents: {privacy.row_text(row, 'incidents')} · a year earlier: "
        f"{privacy.row_text(row, 'incidents_prior_year')}",
        f"Change: {_num(row.get('pct_change'), '{:+.1f}%', 'no % (none a year earlier)')} · {row.get('noise', '')}",
        f"Per 1,000 residents: {_num(row.get('rate_per_1000'), '{:.1f}', 'not shown (too few residents)')}",
        f"Residents (denominator): {residents}{year}",
    ]
    if layer in ("engagement", "bivariate"):
        lines.append(f"Engagement activities: {int(row['engagement_events']):,} · officer hours: "
                     f"{float(row['officer_hours']):,.0f}")
        lines.append(f"Activities per 1,000 residents per year: {_num(row.get('events_per_1000_per_year'), '{:.1f}')}")
    if layer == "trust":
        if pd.isna(row.get("trust_score")):
            lines.append("Trust score: not available in this period")
        else:
            who = ("respondents not published" if pd.isna(row.get("respondents"))
                   else f"{int(row['respondents']):,} respondents, ±{float(row['margin_of_error']):.1f}")
            lines.append(f"Trust score: {float(row['trust_score']):.1f} ({row['trust_period']:%b %Y}; {who})")
    if layer == "bivariate":
        lines.append(f"<b>{row.get('bivariate_label', '')}</b>")
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
        fig.add_trace(_trace(shown, features, values, "engagement × change", colorscale=scale, zmin=-0.5, zmax=8.5,
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
        for part, name, line, opacity in ((~muted, "solid: beyond normal variation (|z| ≥ 2)", LINE, 0.9 * fade),
                                          (muted, "faded: within normal variation (|z| < 2)", MUTED_LINE,
                                           MUTED_OPACITY * fade)):
            if part.any():
                fig.add_trace(_trace(shown[part], features, values[part], name, coloraxis="coloraxis",
                                     marker_line=line, marker_opacity=opacity, showlegend=True))
        fig.update_layout(coloraxis=dict(colorscale=style["scale"], cmin=-reach, cmax=reach, colorbar=dict(
            title=dict(text="% change<br>vs a year<br>earlier"), ticksuffix="%")))
    else:
        fig.add_trace(_trace(shown, features, values, style["label"], colorscale=style["scale"], marker_line=LINE,
                             marker_opacity=0.85 * fade,
                             colorbar=dict(title=dict(text=style.get("bar", style["label"].replace(" ", "<br>", 3))))))
    if len(blank):
        blank = blank.assign(hover=[f"{h}<br><i>{style['why_blank']}</i>" for h in blank["hover"]])
        fig.add_trace(_trace(blank, features, [0] * len(blank), style["why_blank"], showscale=False,
                             colorscale=[[0, NO_VALUE_GREY], [1, NO_VALUE_GREY]], marker_line=LINE,
                             showlegend=True))
    if len(hidden_areas):
        hidden_areas = hidden_areas.assign(hover=[f"{h}<br><i>{HIDDEN_WHY}</i>" for h in hidden_areas["hover"]])
        fig.add_trace(_trace(hidden_areas, features, [0] * len(hidden_areas), HIDDEN_WHY, showscale=False,
                             colorscale=[[0, SUPPRESSED_FILL], [1, SUPPRESSED_FILL]], marker_line=SUPPRESSED_LINE,
                             showlegend=True))
    if events is not None and len(events):
        for i, (label, part) in enumerate(events.groupby("type_label", sort=True)):
            attendees = part["attendees"].map(lambda a: "not recorded" if pd.isna(a) else f"{int(a):,}")
            fig.add_trace(go.Scattermap(
                lon=part["lon"], lat=part["lat"], mode="markers", name=str(label),
                marker=dict(size=5, color=CATEGORICAL[i % len(CATEGORICAL)], opacity=0.8),
                customdata=list(zip(part["type_label"], [f"{d:%b %-d, %Y}" for d in part["date"]], attendees,
                                    part["district_name"].fillna(""))),
                hovertemplate=("<b>%{customdata[0]}</b><br>%{customdata[1]}<br>attendees: %{customdata[2]}"
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
    x_labels = [f"<b>{w}</b><br>{eng[e]}" for e, w in zip((1, 2, 3), ("less", "middle", "more"))]
    y_labels = [f"<b>{chg.loc[c, 'label'].split(' · ')[1]}</b><br>{chg.loc[c, 'change_range']}" for c in (1, 2, 3)]
    z = [[(c - 1) * 3 + e - 1 for e in (1, 2, 3)] for c in (1, 2, 3)]
    scale = []
    for i, colour in enumerate(BIVARIATE_COLORS):
        scale += [[i / 9, colour], [(i + 1) / 9, colour]]
    cells = legend.set_index("bivariate_class")
    hover = [[f"{cells.loc[v, 'label']}: {cells.loc[v, 'areas']} area(s)" for v in row] for row in z]
    fig = go.Figure(go.Heatmap(z=z, x=x_labels, y=y_labels, colorscale=scale, zmin=-0.5, zmax=8.5, showscale=False,
                               text=hover, hovertemplate="%{text}<extra></extra>", xgap=3, ygap=3))
    for c in (1, 2, 3):
        for e in (1, 2, 3):
            v = (c - 1) * 3 + e - 1
            eng_word, change_word = cells.loc[v, "label"].split(" · ")
            n = int(cells.loc[v, "areas"])
            fig.add_annotation(x=x_labels[e - 1], y=y_labels[c - 1], showarrow=False,
                               text=f"{eng_word.replace(' engagement', '<br>engagement')}<br>· {change_word}<br>"
                                    f"<i>{n} area{'' if n == 1 else 's'}</i>",
                               font=dict(size=10, color="white" if v in (7, 8) else "black"))  # 4.5:1 or more on every cell
    fig.update_layout(
        title={"text": "How to read the colours", "font": {"size": 14}},
        xaxis=dict(title=dict(text="Engagement per 1,000 residents per year →", font=dict(size=11)), tickangle=0,
                   fixedrange=True, tickfont=dict(size=10)),
        yaxis=dict(title=dict(text="Crime change vs a year earlier →", font=dict(size=11)), fixedrange=True,
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
        marker_line=dict(color="#333333", width=1.5), hoverinfo="skip", name="area"))
    lons, lats = grid
    fig.add_trace(go.Scattermap(
        lon=lons, lat=lats, mode="markers", name="click to place", marker=dict(size=9, color="#0072B2", opacity=0.08),
        hovertemplate="Place the activity here<br>%{lon:.5f}, %{lat:.5f}<extra></extra>"))
    if picked is not None:
        fig.add_trace(go.Scattermap(
            lon=[picked[0]], lat=[picked[1]], mode="markers", name="chosen place",
            marker=dict(size=14, color="#D55E00"), hovertemplate="Chosen place<br>%{lon:.5f}, %{lat:.5f}<extra></extra>"))
    centre, zoom = _zoom_for(area, width_px=520, height_px=320)
    fig.update_layout(title={"text": title}, map=dict(style="white-bg", center=centre, zoom=zoom),
                      margin=dict(l=0, r=0, t=40 if title else 0, b=0), height=340, font=FONT, showlegend=False,
                      clickmode="event+select")
    return fig
