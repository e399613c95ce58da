"""The Overview's two first-view charts drawn with Vega-Lite (``figures.vega``): the area map and the
engagement scatter. Pure: a DataFrame (and boundaries) in, a finished Altair chart out. No Streamlit here.

The map keeps what the Plotly map said: shaded by the size-adjusted rate per ``base`` residents (or the % change
on a diverging scale centred on 0, red = more); every area drawn (grey with the reason when it has no value,
white with a heavy dark outline when a small count hides it in public mode); a tooltip in the reader's words
with the counts, change and its noise reading, the size-adjusted and the raw rate with what it is made of, the
residents and any caution; and what every area map shares (``figures.areamap``: outlines inline, district
numbers, the city's context lines, the click that opens a district), the colour legend lying under the map.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from community_policing.figures import areamap, vega
from community_policing.figures.areamap import LABEL_INK
from community_policing.figures.style import (
    ASSOCIATION_NOT_EFFECT, METRIC_STYLE, NO_POPULATION, POINT_COLOR, RATE_BAR_PER, SUPPRESSED_LINE,
    _areas_only, metric_label, rate_texts, shrunk_rate_line, why_no_value, wrap_title)
from community_policing.i18n import N_, _
from community_policing.stats import funnel
from community_policing.views import privacy
from community_policing.views.district import district_title
from community_policing.views.metrics import MIN_COUNT_FOR_PCT, noise_label, per_base

SELECTION = areamap.SELECTION  # the click on an area, read by display.open_district_on_click
MAP_HEIGHT = 480  # with the legend under it (a phone-wide map fits the width, a wide one this height)
BUBBLE_FILL = "#9ecae1"  # a light blue: dark numbers read on it (10:1)
# Vega-Lite colour schemes matching the Plotly ones of ``style.METRIC_STYLE``.
SCHEMES = {"rate_per_1000": ("yelloworangebrown", False), "pct_change": ("redblue", True)}
HIDDEN_WHY = N_("not shown: a small count (public view)")


def choropleth(table: pd.DataFrame, features: dict, metric: str, title: str, subtitle: str = "",
               base: int = 1000, context: dict | None = None) -> alt.LayerChart:
    """Areas shaded by ``metric`` (``rate_per_1000`` or ``pct_change``) from an area_comparison table, a
    finished Vega-Lite chart whose areas can be clicked (``SELECTION``).

    Rates are drawn and said per ``base`` residents (``metrics.view_rate_base``: 100,000 for a rare offense).
    A rate map is shaded by the size-adjusted rate (``funnel.add_shrunk_rates``: small areas pulled toward
    the city rate, large ones keep theirs); every tooltip gives the raw rate with the counts it is made of,
    the size-adjusted one with its 95 % interval, and the denominator caution where there is one
    (``funnel.add_denominator_notes``)."""
    if metric not in METRIC_STYLE:
        raise ValueError(f"metric must be one of {', '.join(METRIC_STYLE)}, not {metric!r}")
    data = _areas_only(table).copy()
    if "rate_eb_per_1000" not in data.columns:
        data = funnel.add_shrunk_rates(data)
    if "denominator_note" not in data.columns:
        data = funnel.add_denominator_notes(data)
    data["noise"] = [_(n) for n in privacy.noise_labels(data, noise_label)]
    shade = "rate_eb_per_1000" if metric == "rate_per_1000" else metric
    values = data[shade].astype(float) * (base / 1000 if metric == "rate_per_1000" else 1)
    inputs = ("incidents",) if metric == "rate_per_1000" else privacy.COUNT_COLUMNS
    suppressed = pd.Series(False, index=data.index)
    for column in inputs:
        suppressed |= privacy.hidden(data, column)
    kinds = pd.Series("value", index=data.index).mask(values.isna(), "none").mask(values.isna() & suppressed, "hidden")
    shrunk, raw, notes = rate_texts(data, base)

    # Every column in the reader's words: the tooltip's titles are the fields' names.
    # The shading's value is named as its legend (the tooltip says the same rate in words, with its interval).
    value_name = (_(RATE_BAR_PER).format(base=per_base(base)).replace("<br>", " ") if metric == "rate_per_1000"
                  else metric_label(metric))
    f_area, f_incidents, f_prior, f_change = _("Area"), _("Incidents"), _("A year earlier"), _("Change")
    # "Per 1,000 residents, size-adjusted", the words of the Plotly hover's line (``style.shrunk_rate_line``).
    f_shrunk = shrunk_rate_line("", base).rstrip().rstrip(":")
    f_raw, f_residents = _("Raw rate"), _("Residents (denominator)")
    f_note = _("Caution")
    hidden_why = _(HIDDEN_WHY)
    areas = []
    ids = set(data["area_id"])
    by_id = {f["id"]: f for f in features.get("features", []) if f.get("id") in ids}
    for (_i, row), value, kind, shrunk_text, raw_text, note in zip(data.iterrows(), values, kinds, shrunk, raw, notes):
        feature = by_id.get(row["area_id"])
        if feature is None:
            continue
        pct = (f"{float(row['pct_change']):+.1f}%" if pd.notna(row["pct_change"])
               else why_no_value(row, "pct_change"))
        residents = _(NO_POPULATION) if pd.isna(row["population"]) else f"{int(row['population']):,}"
        area = {"type": "Feature", "id": str(row["area_id"]), "geometry": areamap.geometry(feature["geometry"]),
                "kind": kind, value_name: None if kind != "value" else round(float(value), 4),
                f_area: str(row["area_name"]),
                f_incidents: _(privacy.row_text(row, "incidents", missing=N_("no data"))),
                f_prior: _(privacy.row_text(row, "incidents_prior_year", missing=N_("no data")))}
        if kind == "hidden":  # said in words, styled apart from "no value"; no rate made from a hidden count
            area.update({f_change: hidden_why, f_shrunk: hidden_why, f_raw: hidden_why, f_residents: residents,
                         f_note: hidden_why})
        else:
            area.update({f_change: f"{pct} · {row['noise']}" if row["noise"] else pct, f_shrunk: shrunk_text,
                         f_raw: raw_text, f_residents: residents,
                         f_note: " · ".join(t for t in (why_no_value(row, metric) if kind == "none" else "", note) if t)})
        areas.append(area)
    # Hidden areas last: their heavy outline is drawn over their neighbours' thin ones.
    areas.sort(key=lambda a: ("value", "none", "hidden").index(a["kind"]))

    scheme, reverse = SCHEMES[metric]
    colour = areamap.shading(value_name, values[kinds == "value"], scheme, reverse=reverse,
                             centred=metric == "pct_change", percent=metric == "pct_change")
    cautions = areamap.keep_cautions(areas, f_note)
    tooltip = [alt.Tooltip(field=vega.field(name), type="nominal", title=name)
               for name in (f_area, f_incidents, f_prior, f_change, f_shrunk, f_raw, f_residents, f_note)
               if name != f_note or cautions]
    shapes = alt.Chart(alt.Data(values=areas)).mark_geoshape(fillOpacity=0.9, invalid="show").encode(
        color=colour,
        stroke=alt.condition("datum.kind === 'hidden'", alt.value(SUPPRESSED_LINE["color"]), alt.value(areamap.AREA_LINE)),
        strokeWidth=alt.condition("datum.kind === 'hidden'", alt.value(SUPPRESSED_LINE["width"]), alt.value(0.8)),
        tooltip=tooltip,
        # What a screen reader hears of an area: its name and the value it is shaded by, in words.
        description=alt.Description(field="described", type="nominal"),
    ).transform_calculate(
        described=areamap.described(f_area, f_shrunk if metric == "rate_per_1000" else f_change)
    ).properties(name="areas").add_params(areamap.pick())
    layers = [*areamap.context_layers(context, list(by_id.values())), shapes,
              *(areamap.number_layers(areas) if areamap.labelled(features) else [])]
    chart = alt.layer(*layers).project(type="mercator").properties(height=MAP_HEIGHT, width="container")
    return vega.finish(chart, title, subtitle or None)


# --- The engagement scatter -------------------------------------------------------------------------

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


def scatter_columns(intensity: str) -> dict[str, str]:
    """The scatter's columns in the reader's words (its "Show data" table and tooltip titles)."""
    return {"number": _("Number"), "area": _("District"), "x": _(INTENSITY_LABELS[intensity]),
            "y": _("% change in incidents vs a year earlier"), "population": _("Residents"),
            "incidents": _("Incidents"), "prior": _("A year earlier"), "noise": _("Reading"),
            "events": _("Engagement events"), "hours": _("Officer hours")}


def engagement_scatter(table: pd.DataFrame, intensity: str, title: str):
    """Engagement intensity (x) against % change in incidents (y), one bubble per district sized by
    population with its number inside, a dotted line at no change, subtitled "association, not effect";
    a chart that says why when no district can be drawn."""
    if intensity not in INTENSITY_LABELS:
        raise ValueError(f"intensity must be one of {', '.join(INTENSITY_LABELS)}, not {intensity!r}")
    subtitle = _(ASSOCIATION_NOT_EFFECT)
    data = scatter_points(table, intensity)
    if data.empty:  # an empty chart says why it is empty
        return vega.empty(title, scatter_left_out(table, intensity) or _("No district has figures to draw."),
                          wrap_title(subtitle, 46))
    c = scatter_columns(intensity)
    noise = [_(n) for n in privacy.noise_labels(data, noise_label)]
    frame = pd.DataFrame({
        c["number"]: data["area_id"].astype(str).to_numpy(),
        c["area"]: [district_title(str(i), str(n)) for i, n in zip(data["area_id"], data["area_name"])],
        c["x"]: data[intensity].astype(float).to_numpy(),
        c["y"]: data["pct_change"].astype(float).to_numpy(),
        c["population"]: data["population"].astype(float).to_numpy(),
        c["incidents"]: [_(privacy.row_text(r, "incidents", missing=N_("no data"))) for _i, r in data.iterrows()],
        c["prior"]: [_(privacy.row_text(r, "incidents_prior_year", missing=N_("no data"))) for _i, r in data.iterrows()],
        c["noise"]: noise,
        c["events"]: pd.to_numeric(data["engagement_events"], errors="coerce").astype(float).to_numpy(),
        c["hours"]: pd.to_numeric(data["officer_hours"], errors="coerce").astype(float).to_numpy(),
    })
    # Few enough ticks that no label is hidden for overlapping (Vega hides one by making it transparent).
    x = alt.X(field=vega.field(c["x"]), type="quantitative", title=vega.lines(c["x"], 40),
              scale=alt.Scale(zero=False, nice=True, padding=24), axis=alt.Axis(tickCount=5, labelOverlap=False))
    y = alt.Y(field=vega.field(c["y"]), type="quantitative", title=vega.lines(c["y"], 40),
              scale=alt.Scale(nice=True, padding=24), axis=alt.Axis(labelExpr="datum.label + '%'"))
    tooltip = [alt.Tooltip(field=vega.field(c["area"]), type="nominal", title=c["area"]),
               alt.Tooltip(field=vega.field(c["x"]), type="quantitative", format=vega.ONE_DECIMAL, title=c["x"]),
               alt.Tooltip(field=vega.field(c["y"]), type="quantitative", format="+.1f", title=c["y"]),
               alt.Tooltip(field=vega.field(c["population"]), type="quantitative", format=vega.COUNT,
                           title=c["population"]),
               alt.Tooltip(field=vega.field(c["incidents"]), type="nominal", title=c["incidents"]),
               alt.Tooltip(field=vega.field(c["prior"]), type="nominal", title=c["prior"]),
               alt.Tooltip(field=vega.field(c["noise"]), type="nominal", title=c["noise"]),
               alt.Tooltip(field=vega.field(c["events"]), type="quantitative", format=vega.COUNT, title=c["events"]),
               alt.Tooltip(field=vega.field(c["hours"]), type="quantitative", format=vega.COUNT, title=c["hours"])]
    base = alt.Chart(frame).encode(x=x, y=y)
    # Light blue bubbles outlined in the darker blue (3:1 on white), the district number in dark ink on them.
    bubbles = base.mark_circle(color=BUBBLE_FILL, opacity=0.85, stroke=POINT_COLOR, strokeWidth=1.5).encode(
        size=alt.Size(field=vega.field(c["population"]), type="quantitative", legend=None,
                      scale=alt.Scale(range=[0, 1600])),  # area proportional to residents
        tooltip=tooltip)
    numbers = base.mark_text(color=LABEL_INK, fontSize=12, fontWeight="bold", font=vega.FONT_FAMILY).encode(
        text=alt.Text(field=vega.field(c["number"]), type="nominal"), tooltip=tooltip)
    zero = alt.Chart(pd.DataFrame({c["y"]: [0.0]})).mark_rule(color="#888888", strokeDash=[2, 3]).encode(
        y=alt.Y(field=vega.field(c["y"]), type="quantitative"))
    chart = alt.layer(zero, bubbles, numbers).properties(height=400, width="container")
    # The subtitle is long: wrapped narrower than ``vega.finish`` would, so a phone never cuts it.
    return vega.finish(chart, title, wrap_title(subtitle, 46))
