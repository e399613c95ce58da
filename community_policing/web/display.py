"""Charts, tables and expanders as every page draws them: charts with a text alternative, tables built
only when opened (``?tables=open`` opens them all), column formats, a visible keyboard focus, and a
click on a map or a row that opens the District page.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from community_policing import i18n
from community_policing.i18n import _
from community_policing.views import metrics


DISTRICT_PAGE = "pages/district.py"


def _open_district(area_id: str | None) -> None:
    if area_id and area_id != metrics.UNASSIGNED_ID:
        st.switch_page(DISTRICT_PAGE, query_params={"district": area_id})


def open_district_on_click(event, level: str, table: pd.DataFrame) -> None:
    """A click on a district of a map opens that district's page: a Plotly map's selected point
    (``{"selection": {"points": [{"location": "3"}]}}``) or a Vega-Lite map's point selection
    (``{"selection": {"pick": [{"id": "3"}]}}``, ``figures.areamap.SELECTION``)."""
    if level != "district" or not event:
        return
    selection = event.get("selection", {})
    points = selection.get("points", [])
    if points:
        _open_district(points[0].get("location"))
        return
    picked = [p for name, chosen in selection.items() if name != "points" and isinstance(chosen, list)
              for p in chosen if isinstance(p, dict) and p.get("id") is not None]
    if picked:
        _open_district(str(picked[0]["id"]))


def open_district_on_row(event, table: pd.DataFrame) -> None:
    """Selecting a row of a district table opens that district's page."""
    rows = (event or {}).get("selection", {}).get("rows", [])
    if rows:
        _open_district(str(table.iloc[rows[0]]["area_id"]))


# Keyboard focus that anyone can see (WCAG 2.4.7). Streamlit marks a focused navigation link, radio
# option or button only by a faint grey background or halo (1.0–2.9:1 against the unfocused look); this
# adds a 2px outline in the theme's primary blue (5.9:1 on white). Plain CSS on Streamlit's test ids and
# standard elements; tests/test_accessibility.py checks that the focus shows.
FOCUS_CSS = """<style>
.stApp a:focus-visible, .stApp button:focus-visible, .stApp summary:focus-visible,
.stApp [data-testid="stRadioOption"]:has(input:focus-visible),
.stApp [data-testid="stCheckbox"] label:has(input:focus-visible) {
  outline: 2px solid #2166ac !important; outline-offset: 2px; border-radius: 0.25rem;
}
.stApp [data-testid="stSidebarNavLink"]:focus-visible { outline-offset: -2px; }
</style>"""


def focus_styles() -> None:
    """The visible keyboard focus above, for every page (called once per run by dashboard.py)."""
    st.html(FOCUS_CSS)


def plotly_chart(fig, *, kind: str | None = None, **options):
    """st.plotly_chart with a text alternative: screen readers hear the chart named by its kind, title
    and subtitle (``accessibility.chart_alt``; ``kind`` overrides the guessed "Line chart", "Map"…), and
    with chart text dark enough to read (``accessibility.readable_text``: Streamlit's chart theme draws
    ticks and subtitles in a light grey). The numbers behind it go in a table beside it or under it
    (``numbers_behind``)."""
    from community_policing.accessibility import chart_alt, readable_text

    config = {**i18n.plotly_config(), **options.pop("config", {})}  # dates and mode bar in the page's language
    return st.plotly_chart(readable_text(fig), alt=chart_alt(fig, kind), config=config or None, **options)


def altair_chart(chart, *, kind: str | None = None, **options):
    """st.altair_chart with a text alternative (``accessibility.vega_alt``: kind, title and subtitle read from
    the chart itself), the full width of its column unless told. For charts made by ``figures.vega``,
    which set the readable text colours and the page's language themselves."""
    from community_policing.accessibility import vega_alt

    options.setdefault("width", "stretch")
    return st.altair_chart(chart, alt=vega_alt(chart.to_dict(validate=False), kind), **options)


TABLES_PARAM = "tables"  # ?tables=open: every table of numbers opens with its chart (screen readers, portals)
TABLES_OPEN_STATE = "_tables_open"  # held for the session once asked for, on every page


def tables_open() -> bool:
    """True when the reader asked for every table open (``?tables=open`` in the link, held for the session)."""
    if st.query_params.get(TABLES_PARAM) == "open":
        st.session_state[TABLES_OPEN_STATE] = True
    return bool(st.session_state.get(TABLES_OPEN_STATE, False))


def lazy_expander(label: str, key: str):
    """An expander whose content is built only once the reader opens it: test ``.open`` inside it.

    Why: a closed st.expander still runs its code and the browser still builds what is inside (a table grid,
    download buttons, a chart), which on the District page's seven "Show the numbers" was a good part of its
    first visit. Opening one reruns the page (from cache) with its content. ``?tables=open`` opens them all."""
    return st.expander(label, expanded=tables_open(), key=f"{key}__open", on_change="rerun")


def lazy_tabs(labels: list[str], key: str) -> list[tuple]:
    """Tabs whose content is built only for the tab the reader has chosen: [(tab, build it?)] in order.

    Why, as ``lazy_expander``: each tab holds a chart or a table, and a page that built every tab drew them all
    on its first visit. Choosing a tab reruns the page (from cache) with that tab's content. ``?tables=open``
    builds every tab (for tests and readers who asked for everything)."""
    tabs = st.tabs(labels, key=key, on_change="rerun")
    everything = tables_open()
    return [(tab, everything or tab.open) for tab in tabs]


def area_column_config(area_word: str | None = None, **extra) -> dict:
    """Column labels and formats for any per-area table (same words on every page); ``extra`` adds or
    overrides columns. ``area_word``: the id column's heading, already translated (default "District")."""
    small = _("Public view: small counts are not shown")
    config = {
        "area_id": area_word or _("District"), "area_name": _("Name"),
        "incidents": st.column_config.NumberColumn(_("Incidents"), format="localized"),
        "incidents_prior_year": st.column_config.NumberColumn(_("A year earlier"), format="localized"),
        "change": st.column_config.NumberColumn(_("Change"), format="%+d"),
        "pct_change": st.column_config.NumberColumn(_("% change"), format="%+.1f%%"),
        "noise_z": st.column_config.NumberColumn("z", format="%+.2f", help=_(
            "The score of the test of the change, allowing for how much this area's counts normally vary; 2 or more "
            "either way reads 'possible change', 3 or more 'significant change'")),
        "dispersion": st.column_config.NumberColumn(_("Usual variation (× chance)"), format="%.1f", help=_(
            "How many times the variation of chance alone this area's counts normally show, measured from its own "
            "history at this period length")),
        "noise": _("Reading"),
        "population": st.column_config.NumberColumn(_("Residents"), format="localized"),
        "population_year": st.column_config.NumberColumn(_("Population year"), format="%d"),
        "rate_per_1000": st.column_config.NumberColumn(_("Per 1,000 residents"), format="%.1f"),
        "engagement_events": st.column_config.NumberColumn(_("Engagement activities"), format="localized"),
        "officer_hours": st.column_config.NumberColumn(_("Officer hours"), format="%.0f"),
        "events_per_1000_per_year": st.column_config.NumberColumn(_("Activities per 1,000 per year"), format="%.1f"),
        # Public mode (privacy): why a count is blank ("fewer than 4"), unlike a blank for no data.
        "incidents_note": st.column_config.TextColumn(_("Incidents: note"), help=small),
        "incidents_prior_year_note": st.column_config.TextColumn(_("A year earlier: note"), help=small),
    }
    if "comparison" not in extra:
        config["comparison"] = _("Comparison")
    config.update(extra)
    return config


def rate_column_config(base: int) -> dict:
    """Formats of the rate columns of a table per ``base`` residents (``metrics.rates_per``: per 100,000 they are
    named by their headings); empty per 1,000, where ``area_column_config`` and the callers' labels apply."""
    if int(base) == 1_000:
        return {}
    return {metrics.rate_heading(c, base): st.column_config.NumberColumn(metrics.rate_heading(c, base, translate=True),
                                                                         format="%.1f")
            for c in metrics.RATE_HEADINGS}


# What a table shows in a cell with no value (``st.dataframe(placeholder=MISSING)``), never "None" or "nan".
MISSING = "—"


def correction_column_config() -> dict:
    """Column labels of the corrections figures (beside the official counts, where the source has corrections)."""
    small = _("Public view: small counts are not shown")
    return {
        "corrected": st.column_config.NumberColumn(_("Later corrected"), format="%d", help=_(
            "Of the incidents counted, how many later corrections (unfounded or reclassified reports) remove.")),
        "after_corrections": st.column_config.NumberColumn(_("After later corrections"), format="%d", help=_(
            "Incidents counted minus those later corrected. The official count is the Incidents column.")),
        "corrected_note": st.column_config.TextColumn(_("Later corrected: note"), help=small),
        "after_corrections_note": st.column_config.TextColumn(_("After later corrections: note"), help=small),
    }
