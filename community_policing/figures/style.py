"""The shared look of every chart and map, and the words their labels and hovers use: colours that stay
distinguishable for colour-blind readers, the font, each measure's colour scale, and how a rate, a shrunk rate
and a missing value are labelled. The chart modules (``base``, ``maps``, ``district``, ...) import these; this
module imports none of them, so no chart module needs another to find a colour.
"""

from __future__ import annotations

import math

import pandas as pd

from community_policing.views import privacy
from community_policing.data.geo import bounds
from community_policing.i18n import N_, _
from community_policing.views.metrics import MIN_POPULATION_FOR_RATE, UNASSIGNED_ID, per_base

NO_POPULATION = N_("no population")  # an area with no population figure (a park, a cemetery): no rate


def why_no_value(row, metric: str) -> str:
    """Why an area has no value for ``metric`` (``rate_per_1000`` or ``pct_change``), in the current language."""
    if metric == "rate_per_1000":
        population = row.get("population")
        if population is None or pd.isna(population):
            return _(NO_POPULATION)
        return _("no rate: fewer than {n} residents").format(n=MIN_POPULATION_FOR_RATE)
    comparison = row.get("comparison")
    if isinstance(comparison, str) and comparison:
        return _(comparison)
    return _("no % change: none a year earlier")

# Constants are marked for translation here and translated where shown (``_(ASSOCIATION_NOT_EFFECT)``).
ASSOCIATION_NOT_EFFECT = N_(
    "Association, not effect: engagement is often sent where crime is high or rising, "
    "so a link in either direction does not show that engagement changed crime."
)

# One sequential scale for rates, one diverging scale (centred on 0) for change; both ColorBrewer
# schemes that stay distinguishable for the common forms of colour blindness.
METRIC_STYLE = {
    "rate_per_1000": {
        "label": N_("Incidents per 1,000 residents"),
        "scale": "YlOrBr",
        "format": ":.1f",
    },
    "pct_change": {
        "label": N_("% change vs a year earlier"),
        "scale": "RdBu_r",
        "format": ":+.1f",
    },
}
POINT_COLOR = "#2166ac"
NO_VALUE_GREY = "#d9d9d9"
# Public mode: an area whose count is hidden ("fewer than 4") is drawn white with a dark dashed-looking
# heavy outline, unlike the grey of an area with no value.
SUPPRESSED_FILL = "#ffffff"
SUPPRESSED_LINE = dict(color="#222222", width=2.2)
FONT = dict(family="Source Sans Pro, Arial, sans-serif", size=13)


def _zoom_for(features: dict, width_px: int = 700, height_px: int = 480) -> tuple[dict, float]:
    """Centre and zoom that fit the areas in a map of about the given size (512-px tiles)."""
    min_lon, min_lat, max_lon, max_lat = bounds(features)
    centre = {"lon": (min_lon + max_lon) / 2, "lat": (min_lat + max_lat) / 2}
    lon_span = max(max_lon - min_lon, 1e-6)
    lat_span = max((max_lat - min_lat) / math.cos(math.radians(centre["lat"])), 1e-6)
    zoom = min(math.log2(width_px * 360 / (512 * lon_span)), math.log2(height_px * 360 / (512 * lat_span)))
    return centre, round(zoom - 0.35, 2)


def _subset(features: dict, ids: set) -> dict:
    return {"type": "FeatureCollection", "features": [f for f in features["features"] if f["id"] in ids]}


def _areas_only(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["area_id"] != UNASSIGNED_ID]


# A rate map is shaded by the size-adjusted (empirical-Bayes) rate; the hover keeps the raw one. The words per
# ``base`` residents (1,000, or 100,000 for a rare offense: ``metrics.view_rate_base``),
# formatted where shown: every rate of one view says and draws the same base.
RATE_LABEL_PER = N_("Incidents per {base} residents")
SHRUNK_RATE_LABEL_PER = N_("Incidents per {base} residents, size-adjusted")
RATE_BAR_PER = N_("Incidents<br>per {base}<br>residents<br>(size-adjusted)")


def rate_label(base: int = 1000, shrunk: bool = False) -> str:
    """"Incidents per 1,000 residents" (or per 100,000; ", size-adjusted"), in the current language."""
    return _(SHRUNK_RATE_LABEL_PER if shrunk else RATE_LABEL_PER).format(base=per_base(base))


def rate_map_title(offenses: str, level: str, base: int = 1000) -> str:
    """"Robbery: incidents per 1,000 residents by district" (or per 100,000; by neighborhood), in the current
    language; ``offenses`` already translated."""
    return (_("{offenses}: incidents per {base} residents by district") if level == "district"
            else _("{offenses}: incidents per {base} residents by neighborhood")).format(offenses=offenses,
                                                                                        base=per_base(base))


RARE_BASE_NOTE = N_("Per 100,000 residents, as for every rare offense (homicide, or fewer than 1 incident per 1,000 "
                    "residents citywide in the period): per 1,000 the areas would read 0.0 or 0.1.")


def rate_definition(base: int = 1000) -> str:
    """The one-line definition beside a rate map, per ``base`` residents, with why the base is 100,000 when it
    is (in the current language)."""
    text = _("Rate = incidents in the period ÷ residents × {base}. Areas with fewer than {n} residents, or no "
             "population figure (parks), are left grey. Longer periods give higher rates.").format(
        base=per_base(base), n=MIN_POPULATION_FOR_RATE)
    return text + (" " + _(RARE_BASE_NOTE) if base != 1000 else "")


def metric_label(metric: str, base: int = 1000) -> str:
    """The name of a map metric (``METRIC_STYLE``) as a control shows it, the rate per ``base`` residents."""
    if metric == "rate_per_1000":
        return rate_label(base)
    label = METRIC_STYLE[metric]["label"]
    return _(label)


def rate_hover_parts(row, base: int = 1000) -> tuple[str, str, str]:
    """For one area (a row with ``funnel.add_shrunk_rates`` and ``add_denominator_notes`` columns), in the
    current language: the size-adjusted rate with its 95 % interval, the raw rate with the counts it is made
    of ("12 incidents, 340 residents"), and the denominator caution ("" when none); rates per ``base``
    residents."""
    factor = base / 1000
    if pd.notna(row.get("rate_eb_per_1000")):
        shrunk = _("{rate} (95% interval {low}–{high})").format(
            rate=f"{float(row['rate_eb_per_1000']) * factor:,.1f}", low=f"{float(row['rate_eb_low']) * factor:,.1f}",
            high=f"{float(row['rate_eb_high']) * factor:,.1f}")
    else:
        shrunk = why_no_value(row, "rate_per_1000")
    count = _(privacy.row_text(row, "incidents", missing=N_("no data")))
    population = row.get("population")
    made_of = (_("{count} incidents, no residents on record").format(count=count)
               if population is None or pd.isna(population) else
               _("{count} incidents, {residents} residents").format(count=count, residents=f"{int(population):,}"))
    if pd.notna(row.get("rate_per_1000")):
        raw = (_("{rate} per 1,000 ({made_of})") if base == 1000 else _("{rate} per {base} ({made_of})")).format(
            rate=f"{_raw_rate(row, base):,.1f}", base=per_base(base), made_of=made_of)
    else:
        raw = _("none ({made_of})").format(made_of=made_of)  # why: on the size-adjusted line
    note = row.get("denominator_note")
    return shrunk, raw, _(note) if isinstance(note, str) and note else ""


def _raw_rate(row, base: int) -> float:
    """An area's raw rate per ``base`` residents, made again from its counts where it can be (tables keep the
    rate per 1,000 rounded to 0.01, a whole number off per 100,000); per 1,000 the table's own figure, so the
    hover and the table beside the map agree to the last digit."""
    incidents, population = row.get("incidents"), row.get("population")
    if base != 1000 and (incidents is not None and population is not None and pd.notna(incidents) and pd.notna(population)
            and float(population) > 0):
        return float(incidents) / float(population) * base
    return float(row["rate_per_1000"]) * base / 1000


def rate_texts(data: pd.DataFrame, base: int = 1000) -> tuple[list[str], list[str], list[str]]:
    """``rate_hover_parts`` of every area, as three lists."""
    parts = [rate_hover_parts(r, base) for _i, r in data.iterrows()]
    return [p[0] for p in parts], [p[1] for p in parts], [p[2] for p in parts]


def shrunk_rate_line(rate: str, base: int = 1000) -> str:
    """"Per 1,000 residents, size-adjusted: 12.3 (…)" (or per 100,000), in the current language."""
    if base == 1000:
        return _("Per 1,000 residents, size-adjusted: {rate}").format(rate=rate)
    return _("Per {base} residents, size-adjusted: {rate}").format(base=per_base(base), rate=rate)


# Okabe-Ito, distinguishable with every common colour-vision deficiency, in the order that keeps lines and
# markers at least 3:1 against the white background (WCAG 1.4.11): blue, vermillion, bluish green, reddish
# purple and black first. Orange and yellow (1.3-2.3:1 as they are) come darkened, sky blue gives way to a
# wine red (Tol's palette): they only come into use from the sixth category on.
CATEGORICAL = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000", "#A86F00", "#882255", "#7A7100"]


# Titles longer than this many characters are broken onto a second line (plotly does not wrap).
TITLE_WIDTH = 52  # a 390 px phone's chart (358 px) holds about 54 bold title characters
SUBTITLE_WIDTH = 62  # and about 66 subtitle characters


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
