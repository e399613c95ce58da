"""Pure figure functions for the Resident trust page: DataFrames in, Vega-Lite charts (Altair) out. No Streamlit.

Small multiples instead of one chart of tangled lines: one small chart per district, all on the SAME score
scale (every panel is given the same y domain, and the same months on x), so the same height is the same
score in every panel and a reader compares districts by looking across a row. Each panel's title is its
district, its subtitle the district's change from a year earlier with its margin of error and its reading;
the districts whose change stands out from normal variation (``trust_stats.district_trust_from``,
``stands_out``) are drawn in the highlight colour, the others in one calm blue. The chosen period is shaded
in every panel; a month's 95% margin of error is a bar through its point when the survey publishes it.
An empty input gives one chart with a plain sentence.

One chart per panel, laid out by the page in rows of ``COLUMNS`` (``st.columns``): a Vega-Lite facet cannot
follow the width of the page, a chart of its own can ("stretch"). On a desktop a row holds three panels; on
a phone Streamlit stacks the columns, so each panel takes the phone's whole width, in district order. Every
panel of a grid gets the same number of title and subtitle lines (``pad_lines``), so the plot areas of a row
line up. Panels are drawn as SVG: crisp text at any zoom, and the words are in the page.
"""

from __future__ import annotations

import json

import altair as alt
import pandas as pd

from community_policing.figures import vega
from community_policing.figures.style import POINT_COLOR, wrap_title
from community_policing.i18n import N_, _

# For "How to read these numbers" (the Methodology page): how to read the Resident trust page's panels.
TRUST_PANELS_METHOD = N_(
    "**Reading the resident trust panels.** The Resident trust page draws each district's survey score in a "
    "small chart of its own, three to a row on a wide screen and one under another on a phone, in district "
    "order. Every panel uses the same score scale and the same months: the same height is the same score in "
    "every district, so compare districts by looking across a row or down the page. The shaded months are the "
    "period chosen in the sidebar; the months before it are the year earlier it is compared with. Above each "
    "panel: the district, its change from a year earlier in points with its 95% margin of error, and what the "
    "change is (within normal variation, a possible change, a significant change). A district drawn in orange "
    "changed by more than normal variation even after allowing for looking at every district at once; the "
    "others are drawn in blue. A vertical bar through a point is that month's margin of error, when the survey "
    "publishes it. A district with no panel is named under the page's title with the reason (no survey results, "
    "or too few respondents)."
)

HIGHLIGHT = "#D55E00"  # Okabe-Ito vermillion: a change beyond normal variation
MARGIN_BAR = "rgba(33, 102, 172, 0.35)"
PERIOD_FILL = "rgba(0, 114, 178, 0.08)"  # the chosen period, as on the District page
COLUMNS = 3  # panels to a row on a wide screen (a phone stacks them: one to a row)
# Characters per title / subtitle line of a panel: a third of a laptop's page (about 230 px) holds about 26
# characters of the 15 px bold title and 32 of the 13 px subtitle; Spanish words are longer, so they wrap.
HEADING_CHARS = {"name": 26, "change": 32}
PANEL_PX = 150  # the height of each panel's plot area
BLANK = " "  # a line kept empty (Vega draws an empty string as no line at all)


def change_words(row) -> str:
    """A panel's heading line: "+4.6 points (±2.6) · possible change", or why there is no change."""
    return " · ".join(change_parts(row))


def change_parts(row) -> list[str]:
    """The change ("+4.6 points (±2.6)") and its reading ("possible change") as separate parts, so a
    narrow panel puts them on lines of their own; or why there is no change."""
    if row is None or pd.isna(row.get("change")):
        return [_("no change from a year earlier")]
    change = f"{row['change']:+.1f}".replace("-", "−")
    text = (_("{change} points (±{margin})").format(change=change, margin=f"{row['margin']:.1f}")
            if pd.notna(row.get("margin")) else _("{change} points").format(change=change))
    reading = row.get("noise")
    return [text, _(reading)] if reading else [text]


def _lines(text: str, width: int) -> list[str]:
    """``text`` broken at spaces into lines of at most ``width`` characters (a longer word stays whole)."""
    return wrap_title(text, width).split("<br>")


def panel_heading(name: str, row) -> tuple[list[str], list[str]]:
    """A panel's title lines (the district, "District 6 – Westview"; a name too long for a narrow panel goes
    under "District 6 –", broken into lines) and its subtitle lines (the change, then its reading, each on
    lines of their own)."""
    width = HEADING_CHARS["name"]
    number, sep, own = name.partition(" – ")  # district.district_title: "District N – name"
    title = _lines(name, width) if len(name) <= width or not own else [number + sep.rstrip()] + _lines(own, width)
    subtitle = [line for part in change_parts(row) for line in _lines(part, HEADING_CHARS["change"])]
    return title, subtitle


def pad_lines(lines: list[str], count: int) -> list[str]:
    """``lines`` with blank lines after them up to ``count``, so every panel's plot starts at the same height."""
    return lines + [BLANK] * (count - len(lines))


def _utc(day) -> alt.DateTime:
    day = pd.Timestamp(day)
    return alt.DateTime(year=day.year, month=day.month, date=day.day, utc=True)


class Panel(alt.LayerChart):
    """A district's panel: a copy of a checked look (``_look``) with its own data and heading. Altair checks a
    chart against the Vega-Lite schema each time it is turned into a spec (about 40 ms a panel, twice a page
    run: the text alternative and Streamlit, nine panels); the look is checked once when it is built, and a
    panel, which differs from it only in its data and title, is not checked again. ``to_dict(validate=True)``
    still checks it."""

    def to_dict(self, *args, validate: bool = False, **kwargs) -> dict:
        return super().to_dict(*args, validate=validate, **kwargs)


def trust_small_multiples(table: pd.DataFrame, changes: pd.DataFrame | None, title: str, subtitle: str,
                          period_start, period_end) -> list:
    """One chart per district (in the order of ``table``) of its survey scores by month, with the 95% margin
    of error as bars when published; all on one score scale and one stretch of months. The page lays them out
    (``COLUMNS`` to a row) under ``title`` and ``subtitle``; with nothing to draw, one chart that says so
    (titled ``title``).

    ``table``: ``metrics.trust_by_district`` rows (period_start, district_id, district_name as shown,
    score, margin_of_error, respondents); ``changes``: ``trust_stats.district_trust_from`` rows (district_id,
    change, margin, noise, stands_out) or None; ``period_start``/``period_end``: the chosen period, shaded."""
    order = list(dict.fromkeys(table["district_id"].astype(str))) if len(table) else []
    if not order or table["score"].notna().sum() == 0:
        return [vega.empty(title, _("No survey scores to draw for these months"), subtitle)]
    by_id = {} if changes is None else {str(r["district_id"]): r for _i, r in changes.iterrows()}
    names = dict(zip(table["district_id"].astype(str), table["district_name"].astype(str)))
    headings = {d: panel_heading(names[d], by_id.get(d)) for d in order}
    title_lines = max(len(t) for t, _s in headings.values())
    subtitle_lines = max(len(s) for _t, s in headings.values())
    # One score scale for every panel, from the scores and their margins, so no margin bar is cut off.
    low = (table["score"] - table["margin_of_error"].fillna(0)).min()
    high = (table["score"] + table["margin_of_error"].fillna(0)).max()
    pad = max(2.0, (high - low) * 0.08)
    y_domain = [round(max(0.0, low - pad), 1), round(min(100.0, high + pad), 1)]
    # One stretch of months for every panel: the months of the table and the whole shaded period.
    months = pd.to_datetime(table["period_start"])
    shade_start, shade_end = pd.Timestamp(period_start), pd.Timestamp(period_end) + pd.Timedelta(days=1)
    x_domain = [_utc(min(months.min(), shade_start)), _utc(max(months.max(), shade_end))]
    # A panel is built once for each look (highlighted or not, with or without margins) and copied for each
    # district with its own data and heading: building and checking an Altair chart costs about 0.1 s.
    looks: dict[tuple[bool, bool], object] = {}
    panels = []
    for did in order:
        part = table[table["district_id"].astype(str) == did]
        stands_out = bool(by_id[did]["stands_out"]) if did in by_id else False
        has_moe = bool(part["margin_of_error"].notna().any())
        if (stands_out, has_moe) not in looks:
            looks[stands_out, has_moe] = _look(stands_out, has_moe, y_domain, x_domain, (shade_start, shade_end))
        panel_title, panel_subtitle = headings[did]
        panels.append(looks[stands_out, has_moe].properties(
            data=_data(part, names[did], has_moe),
            title=vega.title("<br>".join(pad_lines(panel_title, title_lines)),
                             "<br>".join(pad_lines(panel_subtitle, subtitle_lines)))))
    return panels


def _words() -> tuple[str, str, str, str, str]:
    """The panel's column names, in the reader's words (Streamlit's "Show data" shows them)."""
    return _("Month"), _("Score (0–100)"), _("Margin of error"), _("Respondents"), _("District")


def _data(part: pd.DataFrame, name: str, has_moe: bool) -> pd.DataFrame:
    """One district's rows as its panel draws them: only what it draws or says."""
    month, score, margin, respondents, district = _words()
    data = pd.DataFrame({
        district: name,
        # The first of the month as the table writes it, "2025-01-01" (Vega reads a bare ISO date in UTC).
        month: pd.to_datetime(part["period_start"]).dt.strftime("%Y-%m-%d").to_numpy(),
        score: part["score"].astype(float).round(1).to_numpy(),
        respondents: part["respondents"].map(lambda r: _("not published") if pd.isna(r) else f"{int(r):,}").to_numpy(),
    })
    if has_moe:
        data[margin] = part["margin_of_error"].astype(float).round(1).to_numpy()
    return data


def _look(stands_out: bool, has_moe: bool, y_domain: list, x_domain: list, shade):
    """A panel without its data and heading: the shaded period, the margins of error (``has_moe``), the
    scores joined by a line, in the highlight colour if the district's change ``stands_out``; finished."""
    color = HIGHLIGHT if stands_out else POINT_COLOR
    month, score, margin, respondents, district = _words()
    x = alt.X(field=month, type="temporal", timeUnit="utcyearmonth", title=None,
              scale=alt.Scale(type="utc", domain=x_domain),
              axis=alt.Axis(format="%b %Y", labelOverlap=True, grid=True,
                            tickCount={"interval": "month", "step": 6}))
    y_scale = alt.Scale(domain=y_domain, zero=False)
    y = alt.Y(field=score, type="quantitative", title=score, scale=y_scale, axis=alt.Axis(tickCount=5, grid=True))
    tooltip = [alt.Tooltip(field=district, type="nominal", title=district), alt.Tooltip(field="month_name", type="nominal", title=month),
               alt.Tooltip(field=score, type="quantitative", format=vega.ONE_DECIMAL, title=score),
               alt.Tooltip(field=respondents, type="nominal", title=respondents)]
    if has_moe:
        tooltip.append(alt.Tooltip(field=margin, type="quantitative", format=vega.ONE_DECIMAL, title=margin))
    # The shaded period: decoration for a screen reader (the caption above the panels says what it is).
    period = alt.Chart(alt.Data(values=[{}])).mark_rect(color=PERIOD_FILL, aria=False).encode(
        x=alt.datum(_utc(shade[0])), x2=alt.datum(_utc(shade[1])))
    base = alt.Chart()  # the district's rows: the panel's own data (``properties(data=...)``)
    field = json.dumps  # a field name as an expression's string literal (names are the reader's words)
    # A month without a score (too few respondents) breaks the line; the bars and points leave it out (Vega
    # would draw a missing value at the foot of the scale).
    scored = base.transform_filter(f"isValid(datum[{field(score)}]) && isFinite(datum[{field(score)}])")
    layers = [period]
    if has_moe:
        layers.append(scored.transform_filter(f"isFinite(datum[{field(margin)}])").transform_calculate(
            low=f"datum[{field(score)}] - datum[{field(margin)}]", high=f"datum[{field(score)}] + datum[{field(margin)}]",
        ).mark_rule(color=MARGIN_BAR, strokeWidth=1).encode(
            x=x, y=alt.Y(field="low", type="quantitative", title=score, scale=y_scale), y2=alt.Y2(field="high")))
    layers.append(base.mark_line(color=color, strokeWidth=2.5 if stands_out else 1.8,
                                 invalid="break-paths-filter-domains").encode(x=x, y=y))
    # The month in words, "November 2024" (Vega's temporal tooltip format drew "NaN" here): read in UTC.
    layers.append(scored.transform_calculate(month_name=f"utcFormat(datum[{field(month)}], '%B %Y')").mark_point(color=color, filled=True, size=22, opacity=1).encode(x=x, y=y, tooltip=tooltip))
    # The width of its column; the height is the plot's own (Streamlit's theme fits the whole chart, titles
    # included, into the height, which would squeeze the plot of a panel with a long heading). Drawn as SVG.
    look = vega.finish(Panel(layer=layers, height=PANEL_PX, usermeta={"embedOptions": {"renderer": "svg"}},
                             autosize=alt.AutoSizeParams(type="fit-x", contains="padding")))
    look.to_dict(validate=True)  # checked once, here
    return look
