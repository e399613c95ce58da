"""The Overview's funnel plot, drawn with Plotly (built only when a reader opens "How we know"), and the shared
look re-exported for the pages that name it through this module (``figures.metric_label``, ...).

The Overview's map and scatter are Vega-Lite (``figures.overview``; why two chart libraries: ``figures.vega``);
the Map page's maps are in ``figures.maps``. Colours are colour-blind safe and fixed per metric, so the same
measure looks the same everywhere.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from community_policing.stats import funnel
from community_policing.i18n import N_, _
from community_policing.views.metrics import per_base, rate_values

from community_policing.figures.style import (  # noqa: F401  (pages name the look through this module too)
    ASSOCIATION_NOT_EFFECT, CATEGORICAL, FONT, POINT_COLOR, RARE_BASE_NOTE, metric_label, rate_definition, rate_label,
    rate_map_title)


# The readings the funnel (``stats.funnel``) gives each area (English: code compares them), translated where shown.
FUNNEL_POSITIONS = (N_("within expected range"), N_("above 95% limit"), N_("below 95% limit"),
                    N_("above 99.8% limit"), N_("below 99.8% limit"))

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
