"""Pure figure functions for the Map page: a layer table and a FeatureCollection in, a finished Vega-Lite chart
out (``figures.vega``, ``figures.areamap``), and the staff place picker (Plotly). No Streamlit here.

Why Vega-Lite: the Map page drew a Plotly WebGL map, whose 4.6 MB script and software-drawn MapLibre canvas kept
its first visit at the 3 s line (2.7–3.4 s) when every other chart page was at 2.0–2.7 s (benchmarks/README.md).
The Vega-Lite map is SVG from the spec, offline, fits a phone's width by itself, and keeps what the Plotly map
said:

* one layer at a time: the size-adjusted incident rate (per ``base`` residents), the % change from a year
  earlier on a scale centred on 0 (red = more) with the areas within normal variation *faded with a light
  outline*, engagement per 1,000 residents per year, the trust score, or engagement × change in nine colours
  (``bivariate_legend`` is its key, in words);
* every area drawn: grey with the reason in its tooltip when it has no value, white with a heavy dark outline
  when a small count hides it in the public view;
* a tooltip in the reader's words: counts, change and its reading, the rates with what they are made of and
  their denominator (residents, and the year of that figure), the layer's own value, any caution;
* engagement activities as points coloured by type (never an incident location);
* way-finding (``figures.areamap``): district numbers, the city's context lines, and ``highlight``: the
  neighborhood a reader searched for, outlined thickly in black; a click on a district opens its page.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import plotly.graph_objects as go

from community_policing import i18n
from community_policing.figures import areamap, vega
from community_policing.figures.style import (
    FONT, NO_POPULATION, RATE_BAR_PER, SUPPRESSED_LINE, _raw_rate, _subset, _zoom_for, rate_hover_parts,
    shrunk_rate_line)
from community_policing.i18n import N_, _, ngettext
from community_policing.views import privacy
from community_policing.views.metrics import MIN_POPULATION_FOR_RATE, MIN_RESPONDENTS, per_base

# Stevens-style 3 × 3 bivariate palette (teal for engagement, pink for crime change, blue where
# both are high), index = (change band - 1) * 3 + (engagement tercile - 1). Distinguishable
# with the common colour-vision deficiencies because lightness varies along both axes.
BIVARIATE_COLORS = ["#e8e8e8", "#ace4e4", "#5ac8c8",
                    "#dfb0d6", "#a5add3", "#5698b9",
                    "#be64ac", "#8c62aa", "#3b4994"]
# Labels are marked for translation here and translated where drawn (``_(label)``); the
# "why_blank" texts take {n}: residents for a rate, respondents for a trust score.
LAYER_STYLE = {
    # Shaded by the size-adjusted (empirical-Bayes) rate; the tooltip gives the raw rate and its counts.
    "rate": {"column": "rate_eb_per_1000", "scheme": "yelloworangebrown",
             "why_blank": N_("no rate: fewer than {n} residents"), "n": MIN_POPULATION_FOR_RATE},
    "change": {"column": "pct_change", "label": N_("% change vs a year earlier"), "scheme": "redblue",
               "why_blank": N_("no % change: nothing to compare with a year earlier")},
    "engagement": {"column": "events_per_1000_per_year",
                   "label": N_("Engagement activities per 1,000 residents per year"), "scheme": "greenblue",
                   "why_blank": N_("no intensity: fewer than {n} residents"), "n": MIN_POPULATION_FOR_RATE},
    "trust": {"column": "trust_score", "label": N_("Trust score (0–100, latest month)"), "scheme": "purples",
              "why_blank": N_("no score: no survey month with at least {n} respondents in the period"),
              "n": MIN_RESPONDENTS},
    "bivariate": {"column": "bivariate_class", "label": N_("Engagement × crime change"),
                  "why_blank": N_("not classed: no engagement intensity or no % change")},
}
# The counts each layer's value is made from: in public mode an area whose value is blank because one
# of them is hidden ("fewer than 4") is drawn apart from an area with no value.
LAYER_COUNTS = {"rate": ("incidents",), "change": privacy.COUNT_COLUMNS, "bivariate": privacy.COUNT_COLUMNS,
                "engagement": (), "trust": ()}
HIDDEN_WHY = N_("not shown: a small count (public view)")  # translated where drawn
MUTED_LINE = dict(color="#8a8a8a", width=1.0)
MUTED_OPACITY = 0.3  # a change within normal variation: faded, read as no clear change
MAP_HEIGHT = 520  # px, the map itself (a phone-wide map fits the width and is shorter)
HIGHLIGHT_LINE = dict(color="#000000", width=4)
SELECTION = areamap.SELECTION  # the click on an area, read by display.open_district_on_click


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
    why = style["why_blank"]  # marked with N_ in LAYER_STYLE, translated here
    return _(why).format(n=style.get("n", ""))


def value_name(layer: str, base: int = 1000) -> str:
    """The name of the value a layer is shaded by, in the reader's words: its legend's title and its column in
    the chart's data."""
    if layer == "rate":
        return _(RATE_BAR_PER).format(base=per_base(base)).replace("<br>", " ")
    label = LAYER_STYLE[layer]["label"]  # marked with N_ in LAYER_STYLE, translated here
    return _(label)


def _num(value, fmt: str, missing: str | None = None) -> str:
    return (_("n/a") if missing is None else missing) if value is None or pd.isna(value) else fmt.format(float(value))


def tooltip_fields(row: pd.Series, layer: str, base: int = 1000) -> dict[str, str]:
    """What a reader reads of one area, {title: text} in order: its name, counts, the change and its reading,
    the rate and its denominator (residents and their year), then the layer's own figures; rates per ``base``
    residents (``metrics.view_rate_base``). The last, "Caution", is any note on the denominator."""
    no_population = pd.isna(row.get("population"))
    year = ("" if no_population or pd.isna(row.get("population_year"))
            else _(" ({year} population)").format(year=int(row["population_year"])))
    noise = row.get("noise", "")
    comparison = row.get("comparison")
    hidden_count = any(isinstance(row.get(privacy.note_column(c)), str) and row.get(privacy.note_column(c))
                       for c in privacy.COUNT_COLUMNS)
    fields = {
        _("Area"): str(row["area_name"]),
        _("Incidents"): _(privacy.row_text(row, "incidents", missing=N_("no data"))),
        _("A year earlier"): _(privacy.row_text(row, "incidents_prior_year", missing=N_("no data"))),
        _("Change"): (_(comparison) if isinstance(comparison, str) and comparison
                      # a count behind the change is hidden: say that, not "none a year earlier" (it was 1 to 3)
                      else _(privacy.NOT_SHOWN_READING) if pd.isna(row.get("pct_change")) and hidden_count
                      else " · ".join(t for t in (_num(row.get("pct_change"), "{:+.1f}%", _("no % (none a year earlier)")),
                                                  _(noise) if isinstance(noise, str) and noise else "") if t)),
    }
    note = ""
    if "rate_eb_per_1000" in row.index:
        shrunk, raw, note = rate_hover_parts(row, base)
        fields[shrunk_rate_line("", base).rstrip().rstrip(":")] = shrunk
        fields[_("Raw rate")] = raw
    else:
        rate = (f"{_raw_rate(row, base):,.1f}" if pd.notna(row.get("rate_per_1000"))
                else _(NO_POPULATION) if no_population else _("not shown (too few residents)"))
        fields[_("Per 1,000 residents") if base == 1000
               else _("Per {base} residents").format(base=per_base(base))] = rate
    fields[_("Residents (denominator)")] = (_(NO_POPULATION) if no_population
                                            else f"{int(row['population']):,}{year}")
    if layer in ("engagement", "bivariate"):
        fields[_("Engagement activities")] = f"{int(row['engagement_events']):,}"
        fields[_("Officer hours")] = f"{float(row['officer_hours']):,.0f}"
        fields[_("Activities per 1,000 residents per year")] = _num(row.get("events_per_1000_per_year"), "{:,.1f}")
    if layer == "trust":
        if pd.isna(row.get("trust_score")):
            fields[_("Trust score")] = _("not available in this period")
        else:
            who = (_("respondents not published") if pd.isna(row.get("respondents"))
                   else _("{n} respondents, ±{moe}").format(n=f"{int(row['respondents']):,}",
                                                             moe=f"{float(row['margin_of_error']):.1f}"))
            fields[_("Trust score")] = _("{score} ({month}; {who})").format(
                score=f"{float(row['trust_score']):.1f}", month=i18n.format_month_short(row["trust_period"]), who=who)
    if layer == "bivariate":  # the colour in words ("not classed" when the area has no colour)
        label = row.get("bivariate_label")
        fields[_("Colour means")] = str(label) if isinstance(label, str) and label else _("not classed")
    fields[_("Caution")] = note or ""
    return fields


def _kinds(data: pd.DataFrame, layer: str, has: pd.Series) -> pd.Series:
    """Each area's kind: "value" (shaded), "faded" (a change within normal variation), "none" (grey: no
    value) or "hidden" (a small count hides it in the public view)."""
    suppressed = pd.Series(False, index=data.index)
    for count in LAYER_COUNTS[layer]:
        suppressed |= privacy.hidden(data, count)
    kinds = pd.Series("value", index=data.index).mask(~has, "none").mask(~has & suppressed, "hidden")
    if layer == "change" and "muted" in data.columns:
        kinds = kinds.mask(has & data["muted"].fillna(False).astype(bool), "faded")
    return kinds


def _events_layer(events: pd.DataFrame) -> alt.Chart:
    """Engagement activities as small points coloured by type; their tooltip gives the date and attendees."""
    f_type, f_date, f_attendees, f_district = _("Activity"), _("Date"), _("Attendees"), _("District")
    points = [{"lon": round(float(lon), 5), "lat": round(float(lat), 5), f_type: str(kind),
               f_date: i18n.format_date(date),
               f_attendees: _("not recorded") if pd.isna(attendees) else f"{int(attendees):,}",
               f_district: "" if pd.isna(district) else str(district)}
              for lon, lat, kind, date, attendees, district in zip(
            events["lon"], events["lat"], events["type_label"], events["date"], events["attendees"],
            events["district_name"])]
    types = sorted({p[f_type] for p in points})
    return alt.Chart(alt.Data(values=points)).mark_circle(size=30, opacity=0.85, stroke="#ffffff",
                                                           strokeWidth=0.5).encode(
        longitude=alt.Longitude(field="lon", type="quantitative"),
        latitude=alt.Latitude(field="lat", type="quantitative"),
        color=alt.Color(field=vega.field(f_type), type="nominal", scale=vega.categorical(types),
                        legend=alt.Legend(title=_("Engagement activities"), orient="bottom", columns=2)),
        tooltip=[alt.Tooltip(field=vega.field(name), type="nominal", title=name)
                 for name in (f_type, f_date, f_attendees, f_district)],
    ).properties(name="events")


def layer_map(table: pd.DataFrame, features: dict, layer: str, title: str, subtitle: str = "",
              events: pd.DataFrame | None = None, *, highlight: str | None = None, context: dict | None = None,
              area_labels: bool | None = None, base: int = 1000):
    """One layer of the Map page from a ``map_layers.build_layer`` table, a finished Vega-Lite chart whose
    areas can be clicked (``areamap.SELECTION``); ``events`` (from ``map_layers.engagement_points``) adds
    engagement activities as points coloured by type.

    ``highlight``: an area id outlined thickly (the reader's search). ``context``: the city's context lines
    (``geo.context_features``), drawn under the areas. ``area_labels``: draw each area's number on it;
    by default when the map has at most ``areamap.MAX_LABELLED_AREAS`` areas (a district map). ``base``: the residents
    every incident rate (colours, legend, tooltip) is per (``metrics.view_rate_base``)."""
    if layer not in LAYER_STYLE:
        raise ValueError(f"layer must be one of {', '.join(LAYER_STYLE)}, not {layer!r}")
    style = LAYER_STYLE[layer]
    data = table.reset_index(drop=True)
    has = data[style["column"]].notna()
    kinds = _kinds(data, layer, has)
    name = value_name(layer, base)
    if layer == "bivariate":
        values = data["bivariate_label"].astype(object).where(has, None)
    else:
        values = (data[style["column"]].astype(float) * (base / 1000 if layer == "rate" else 1)).round(4)
    f_area, f_note = _("Area"), _("Caution")
    ids = set(data["area_id"])
    by_id = {f["id"]: f for f in features.get("features", []) if f.get("id") in ids}
    hidden_why = _(HIDDEN_WHY)
    areas = []
    for (_i, row), value, kind in zip(data.iterrows(), values, kinds):
        feature = by_id.get(row["area_id"])
        if feature is None:
            continue
        fields = tooltip_fields(row, layer, base)
        if kind == "hidden":  # said in words, styled apart from "no value"; nothing shown made from a hidden count
            fields = {title_: (text if title_ in (f_area, _("Incidents"), _("A year earlier"),
                                                   _("Residents (denominator)")) else hidden_why)
                      for title_, text in fields.items()}
        elif kind == "none":
            fields[f_note] = " · ".join(t for t in (why_blank(layer, row), fields[f_note]) if t)
        area = {"type": "Feature", "id": str(row["area_id"]), "geometry": areamap.geometry(feature["geometry"]),
                "kind": kind, name: None if kind in ("none", "hidden") or pd.isna(value) else value, **fields}
        areas.append(area)
    # Faded areas first and hidden ones last: a heavy outline is drawn over its neighbours' thin ones.
    areas.sort(key=lambda a: ("faded", "value", "none", "hidden").index(a["kind"]))
    areamap.keep_cautions(areas, f_note)
    titles = [t for t in (areas[0] if areas else {}) if t not in ("type", "id", "geometry", "kind", name)]
    tooltip = [alt.Tooltip(field=vega.field(t), type="nominal", title=t) for t in titles]

    shown = pd.Series([a[name] for a in areas if a["kind"] in ("value", "faded")], dtype=object)
    if layer == "bivariate":
        labels = list(dict.fromkeys(table.sort_values("bivariate_class").dropna(subset=["bivariate_class"])
                                    ["bivariate_label"]))
        classes = table.dropna(subset=["bivariate_class"]).drop_duplicates("bivariate_label")
        colour_of = dict(zip(classes["bivariate_label"], classes["bivariate_class"].astype(int)))
        colour = alt.Color(field=vega.field(name), type="nominal", legend=None,
                           scale=alt.Scale(domain=labels, range=[BIVARIATE_COLORS[colour_of[label]] for label in labels]),
                           condition=[{"test": "datum.kind === 'hidden'", "value": areamap.SUPPRESSED_FILL},
                                      {"test": "datum.kind === 'none'", "value": areamap.NO_VALUE_GREY}])
    else:
        colour = areamap.shading(name, shown.astype(float), style["scheme"], reverse=layer == "change",
                                 centred=layer == "change", percent=layer == "change")
    fade = 0.65 if events is not None and len(events) else 1.0  # with points on top, lighter areas
    # What a screen reader hears of an area: its name and the layer's value in words.
    described = {"rate": shrunk_rate_line("", base).rstrip().rstrip(":"), "change": _("Change"),
                 "engagement": _("Activities per 1,000 residents per year"), "trust": _("Trust score"),
                 "bivariate": _("Colour means")}[layer]
    shapes = alt.Chart(alt.Data(values=areas)).mark_geoshape(invalid="show").encode(
        color=colour,
        fillOpacity=alt.condition("datum.kind === 'faded'", alt.value(MUTED_OPACITY * fade), alt.value(0.9 * fade)),
        # A faded area keeps a light outline at full strength, so it keeps its edges; a hidden one a heavy dark one.
        stroke=alt.StrokeValue(areamap.AREA_LINE, condition=[
            {"test": "datum.kind === 'hidden'", "value": SUPPRESSED_LINE["color"]},
            {"test": "datum.kind === 'faded'", "value": MUTED_LINE["color"]}]),
        strokeWidth=alt.StrokeWidthValue(0.8, condition=[
            {"test": "datum.kind === 'hidden'", "value": SUPPRESSED_LINE["width"]},
            {"test": "datum.kind === 'faded'", "value": MUTED_LINE["width"]}]),
        tooltip=tooltip,
        description=alt.Description(field="described", type="nominal"),
    ).transform_calculate(described=areamap.described(f_area, described)
    ).properties(name="areas").add_params(areamap.pick())
    layers = [*areamap.context_layers(context, list(by_id.values())), shapes]
    if highlight is not None and highlight in by_id:
        chosen = next((a for a in areas if a["id"] == str(highlight)), None)
        if chosen is not None:
            layers.append(alt.Chart(alt.Data(values=[{"type": "Feature", "id": chosen["id"],
                                                      "geometry": chosen["geometry"], f_area: chosen[f_area]}]))
                          .mark_geoshape(filled=False, stroke=HIGHLIGHT_LINE["color"],
                                         strokeWidth=HIGHLIGHT_LINE["width"])
                          .encode(tooltip=[alt.Tooltip(field=vega.field(f_area), type="nominal", title=f_area)])
                          .properties(name="highlight"))
    if events is not None and len(events):
        layers.append(_events_layer(events))
    if area_labels if area_labels is not None else areamap.labelled(features):
        layers += areamap.number_layers(areas)
    chart = alt.layer(*layers).project(type="mercator").properties(height=MAP_HEIGHT, width="container")
    if events is not None and len(events):
        chart = chart.resolve_scale(color="independent")
    return vega.finish(chart, title, subtitle or None)


LEGEND_LINE_PX = 12  # the key's cell text: 10 px type, 12 px a line
LEGEND_CELL_CHARS = 11  # characters a legend cell line holds at 10 px on a phone (a cell is about 95 px wide)


def _cell_lines(text: str, width: int) -> list[str]:
    wrapped = vega.lines(text, width)
    return wrapped if isinstance(wrapped, list) else [wrapped]


def _centred_lines(text: str, lines: int) -> str:
    """A Vega expression: the lines of ``text`` (an expression of a string with "\\n" between lines) padded with
    blank lines above and below to ``lines`` lines, as an array. Vega draws a text of several lines from its
    first line down; padding every text to the same count and moving all up by half makes each one centred."""
    count = f"length(split({text}, '\\n'))"
    return (f"split(pad('', floor(({lines} - {count}) / 2), '\\n') + {text} + "
            f"pad('', ceil(({lines} - {count}) / 2), '\\n'), '\\n')")


def bivariate_legend(legend: pd.DataFrame):
    """The 3 × 3 key as a small grid whose 9 cells read in words (and give the number of areas). Across:
    engagement thirds; up: the crime-change bands (fell / no clear change / rose beyond normal variation).
    Cell text is wrapped to ``LEGEND_CELL_CHARS`` characters a line so it stays inside its cell on a phone."""
    legend = legend.sort_values("bivariate_class")
    first = legend.drop_duplicates("engagement_class").set_index("engagement_class")
    eng = first["engagement_range"]
    chg = legend.drop_duplicates("change_class").set_index("change_class")
    f_engagement, f_change = _("Engagement per 1,000 residents per year →"), _("Crime change vs a year earlier →")
    f_means, f_areas, f_cell = _("Colour means"), _("Areas"), _("In words")
    x_labels = {e: "\n".join([w, str(eng[e])]) for e, w in zip((1, 2, 3), (_("less"), _("middle"), _("more")))}
    y_labels = {}
    for c in (1, 2, 3):
        word = chg.loc[c, "label"].split(" · ")[1]
        rule = str(chg.loc[c, "change_rule"]) if "change_rule" in chg.columns else ""
        head, _sep, z_rule = rule.rpartition(": ")  # "beyond normal variation: z ≥ 2": the z rule on its own line
        y_labels[c] = "\n".join(_cell_lines(word, 14) + (_cell_lines(head, 16) if head else [])
                                 + ([z_rule] if z_rule else []) + [str(chg.loc[c, "change_range"])])
    rows = []
    for v, row in legend.set_index("bivariate_class").iterrows():
        e, c = int(row["engagement_class"]), int(row["change_class"])
        eng_word, change_word = str(row["label"]).split(" · ")
        n = int(row["areas"])
        rows.append({f_engagement: x_labels[e], f_change: y_labels[c], f_means: str(row["label"]), f_areas: n,
                     f_cell: "\n".join(_cell_lines(eng_word, LEGEND_CELL_CHARS)
                                         + _cell_lines(change_word, LEGEND_CELL_CHARS)
                                         + [ngettext("{n} area", "{n} areas", n).format(n=n)]),
                     "dark": int(v) in (7, 8)})  # white text on the two darkest cells: 4.5:1 or more on every cell
    frame = pd.DataFrame(rows)
    order_x = [x_labels[e] for e in (1, 2, 3)]
    order_y = [y_labels[c] for c in (3, 2, 1)]  # crime rose at the top
    split = "split(datum.label, '\\n')"
    base = alt.Chart(frame).encode(
        x=alt.X(field=vega.field(f_engagement), type="ordinal", sort=order_x, title=f_engagement,
                axis=alt.Axis(labelAngle=0, labelExpr=split, labelFontSize=11, labelLimit=120, titleFontSize=12)),
        y=alt.Y(field=vega.field(f_change), type="ordinal", sort=order_y, title=f_change,
                axis=alt.Axis(labelExpr=_centred_lines("datum.label", max(len(y.split("\n")) for y in order_y)),
                              labelLineHeight=LEGEND_LINE_PX + 1, labelFontSize=11, labelLimit=150, titleFontSize=12,
                              labelOffset=-(max(len(y.split("\n")) for y in order_y) - 1) * (LEGEND_LINE_PX + 1) / 2)))
    cells = base.mark_rect(stroke="#ffffff", strokeWidth=3).encode(
        color=alt.Color(field=vega.field(f_means), type="nominal", legend=None,
                        scale=alt.Scale(domain=list(frame[f_means]), range=[BIVARIATE_COLORS[int(v)] for v in
                                                                            legend["bivariate_class"]])),
        tooltip=[alt.Tooltip(field=vega.field(f_means), type="nominal", title=f_means),
                 alt.Tooltip(field=vega.field(f_areas), type="quantitative", title=f_areas, format=vega.COUNT)])
    # Vega puts a text's first line at the cell's middle and runs the others down: every cell's text is padded
    # to as many lines as the longest (blank lines above and below, in the browser only) and the block moved up
    # by half its height, so each cell's words sit centred inside it.
    most = max(len(text.split("\n")) for text in frame[f_cell])
    words = base.mark_text(fontSize=10, lineHeight=LEGEND_LINE_PX, lineBreak="\n", font=vega.FONT_FAMILY,
                           dy=-(most - 1) * LEGEND_LINE_PX / 2).encode(
        text=alt.Text(field="centred", type="nominal"),
        color=alt.condition("datum.dark", alt.value("#ffffff"), alt.value("#000000")),
        tooltip=[alt.Tooltip(field=vega.field(f_means), type="nominal", title=f_means),
                 alt.Tooltip(field=vega.field(f_areas), type="quantitative", title=f_areas, format=vega.COUNT)]
    ).transform_calculate(centred=f"join({_centred_lines(f'datum[{areamap.expr(f_cell)}]', most)}, '\\n')")
    chart = alt.layer(cells, words).properties(height=420, width="container")
    return vega.finish(chart, _("How to read the colours"))


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
