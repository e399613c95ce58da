"""The charts drawn with Vega-Lite (``figures.vega``, ``display.altair_chart``; issue 16, "first use is fast"):
titles that fit a phone, text dark enough to read, dates and numbers in the page's language and read in UTC,
an empty chart that says why, a text alternative for screen readers; and, in Chromium, that the pages a
reader lands on first load no Plotly at all (its 4.6 MB script was about a second of every first visit)."""

from __future__ import annotations

import re
import textwrap

import altair as alt
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from community_policing import i18n
from community_policing.accessibility import CHART_TEXT, vega_alt
from community_policing.figures import vega
from tests import charts, servers

MONTHS = pd.DataFrame({"month": pd.date_range("2024-01-01", periods=14, freq="MS"),
                       "incidents": [1200, 1501, 1300, 900, 1000, 1100, 1200, 1501, 1300, 900, 1000, 1100, 3, 4]})


def _line():
    return alt.Chart(MONTHS).mark_line().encode(x=vega.month_x("month", "Month"),
                                                 y=alt.Y(field="incidents", type="quantitative", title="Incidents"))


def test_long_titles_break_into_lines_a_phone_holds():
    title = "Trust rose in District 3 (by 6 points, more than its margin of error), and fell in none of the others"
    found = vega.lines(title)
    assert isinstance(found, list) and len(found) >= 3
    assert all(len(line) <= vega.TITLE_WIDTH for line in found), found
    assert " ".join(found) == title
    assert vega.lines("Short") == "Short" and vega.lines(None) == ""
    spec = vega.finish(_line(), title, "Incidents a month").to_dict()
    assert spec["title"]["text"] == found and spec["title"]["subtitle"] == "Incidents a month"
    assert spec["title"]["anchor"] == "start"


def test_text_is_dark_enough_and_the_legend_sits_below():
    config = vega.finish(_line(), "T").to_dict()["config"]
    for part in ("axis", "legend", "header"):
        assert config[part]["labelColor"] == CHART_TEXT and config[part]["titleColor"] == CHART_TEXT
    assert config["legend"]["orient"] == "bottom"
    title = vega.finish(_line(), "T", "S").to_dict()["title"]
    assert title["color"] == CHART_TEXT and title["subtitleColor"] == CHART_TEXT


def test_dates_and_numbers_speak_the_page_language():
    with i18n.speaking("en"):
        assert "locale" not in vega.finish(_line(), "T").to_dict()["config"]  # Vega's own English
    with i18n.speaking("es"):
        locale = vega.finish(_line(), "T").to_dict()["config"]["locale"]
    assert locale["time"]["months"][0] == "enero" and locale["time"]["shortMonths"][2].lower().startswith("mar")
    assert locale["time"]["days"][0] == "domingo"  # d3 weeks start on Sunday
    assert locale["number"] == {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["$", ""]}


def test_a_month_axis_is_read_in_utc():
    x = vega.finish(_line(), "T").to_dict()["encoding"]["x"]
    assert x["timeUnit"] == "utcyearmonth" and x["scale"]["type"] == "utc"
    assert x["axis"]["format"] == "%b %Y" and "formatType" not in x["axis"]  # Vega-Lite 6 drops a "utc" one
    tip = vega.month_tooltip("month", "Month").to_dict()
    assert tip["timeUnit"] == "utcyearmonth" and "formatType" not in tip  # "utc" there reads "NaN" in a tooltip


def test_number_formats_have_a_type():
    for fmt in (vega.COUNT, vega.ONE_DECIMAL, vega.SIGNED_PERCENT):
        assert re.search(r"[a-z%]$", fmt), fmt  # a bare "," draws 1.5e+3


def test_an_empty_chart_says_why():
    message = "No resident survey results are loaded for this period, so there is nothing to draw here."
    chart = vega.empty("Trust by district", message)
    assert vega.message_of(chart) == message
    assert vega.message_of(vega.finish(_line(), "T")) is None
    assert vega_alt(chart.to_dict()).startswith("Chart: Trust by district.")


@pytest.mark.parametrize("chart, kind", [
    (lambda: _line(), "Line chart"),
    (lambda: alt.Chart(MONTHS).mark_bar().encode(x="month:T", y="incidents:Q"), "Bar chart"),
    (lambda: alt.Chart(MONTHS).mark_point().encode(x="month:T", y="incidents:Q"), "Scatter plot"),
    (lambda: alt.layer(alt.Chart(MONTHS).mark_rule().encode(y="incidents:Q"), _line()), "Line chart"),
    # a shaded period drawn first is not what the chart is
    (lambda: alt.layer(alt.Chart(MONTHS).mark_rect().encode(x="month:T"), _line()), "Line chart"),
    (lambda: alt.Chart(MONTHS).mark_rect().encode(x="month:T", color="incidents:Q"), "Colour key"),
    (lambda: alt.Chart(MONTHS.assign(d="a")).mark_line().encode(x="month:T", y="incidents:Q").facet(column="d:N"),
     "Line chart"),
    (lambda: alt.Chart(alt.Data(values=[])).mark_geoshape(), "Map"),
])
def test_the_text_alternative_names_the_kind_title_and_subtitle(chart, kind):
    spec = vega.finish(chart(), "Incidents fell in District 3", "Incidents a month").to_dict()
    assert vega_alt(spec) == f"{kind}: Incidents fell in District 3. Incidents a month."
    assert vega_alt(spec, "Locator map") == "Locator map: Incidents fell in District 3. Incidents a month."
    with i18n.speaking("es"):
        assert vega_alt(spec).split(":")[0] == i18n.gettext(kind)


def test_a_page_sends_the_chart_with_its_text_alternative_and_readable_data(tmp_path):
    script = tmp_path / "page.py"
    script.write_text(textwrap.dedent("""
        import altair as alt, pandas as pd
        from community_policing.figures import vega
        from community_policing.web import display
        frame = pd.DataFrame({"Month": pd.date_range("2024-01-01", periods=3, freq="MS"), "Incidents": [3, 5, 4]})
        chart = alt.Chart(frame).mark_line().encode(x=vega.month_x("Month"),
                                                    y=alt.Y(field="Incidents", type="quantitative"))
        display.altair_chart(vega.finish(chart, "Incidents rose", "Incidents a month"), key="one")
    """))
    at = AppTest.from_file(str(script), default_timeout=60).run()
    assert not at.exception
    [chart] = charts.vega_charts(at)
    assert chart["alt"] == "Line chart: Incidents rose. Incidents a month."
    assert charts.title_of(chart) == "Incidents rose" and charts.subtitle_of(chart) == "Incidents a month"
    assert list(charts.rows(chart).columns) == ["Month", "Incidents"]  # what "Show data" shows a reader
    assert charts.rows(chart)["Incidents"].tolist() == [3, 5, 4]
    assert "Incidents rose" in charts.texts(chart)


# The pages a reader is sent to by a shared link, each drawn with Vega-Lite only.
VEGA_PAGES = ("district", "compare", "engagement", "programs", "trust", "map")
MAP_PAGES = ("map",)  # its chart is a map: areas, no time axis (no month to read)

_DRAWN = """() => {
  const app = document.querySelector('[data-test-script-state]');
  if (!app || app.dataset.testScriptState !== 'notRunning') return false;
  if (document.querySelector('[data-stale="true"], [data-testid="stSkeleton"]')) return false;
  const charts = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')];
  return charts.length > 0 && charts.every(c => c.querySelector('svg.marks'));
}"""


@pytest.mark.browser
def test_the_pages_a_link_opens_load_no_plotly_and_label_months_right_in_missouri(demo_db, tmp_path):
    """Each page in a fresh browser (a reader following a link) set to Missouri's time zone: no request for
    Plotly's script, no Plotly chart, every chart a Vega-Lite one with its text alternative; month ticks
    read as months ("Jan 2024") with no month named twice in a row (a local-time axis put 1 March in
    February and labelled two ticks "Mar 2024"). The Map page's map has no time axis: there, its areas are
    drawn instead and no axis is drawn at all."""
    servers.need()
    month = re.compile(r"^[A-Z][a-z]{2} \d{4}$")
    with servers.serving(demo_db, tmp_path) as url, servers.chromium() as browser:
        for path in VEGA_PAGES:
            context = browser.new_context(viewport={"width": 1400, "height": 1000}, timezone_id="America/Chicago")
            page = context.new_page()
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(f"{url}/{path}", wait_until="domcontentloaded")
            page.wait_for_function(_DRAWN, timeout=90_000, polling=250)
            page.wait_for_timeout(800)
            page.wait_for_function(_DRAWN, timeout=90_000, polling=250)
            assert not [r for r in requests if "PlotlyChart" in r], f"{path}: loaded Plotly's script"
            assert page.locator('[data-testid="stPlotlyChart"]').count() == 0, path
            unnamed = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
                .filter(c => !(c.getAttribute('aria-label') || '').trim()).length""")
            assert unnamed == 0, f"{path}: a chart without a text alternative"
            ticks = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')].map(c =>
                [...c.querySelectorAll('g.role-axis-label text')].map(t => t.textContent))""")
            if path in MAP_PAGES:  # a map: its areas drawn, no axis (so no month to read)
                areas = page.locator('[data-testid="stVegaLiteChart"] path[aria-roledescription="geoshape"]')
                assert areas.count() >= 9, f"{path}: {areas.count()} areas drawn"
                assert ticks == [[]], f"{path}: {ticks}"
            else:
                assert any(ticks), f"{path}: no axis labels read"
            for labels in ticks:
                months = [label for label in labels if month.match(label)]
                assert all(a != b for a, b in zip(months, months[1:])), f"{path}: {months}"
            if path == VEGA_PAGES[0]:  # the chart toolbar's "Show data" table offers no raw-cell download
                page.locator('[data-testid="stVegaLiteChart"]').first.hover()
                page.get_by_role("button", name=re.compile("^Show data")).first.click()
                page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=30_000)
                page.locator('[data-testid="stDataFrame"]').first.hover()
                toolbar = page.locator('[data-testid="stElementToolbar"] button')
                names = [toolbar.nth(i).get_attribute("aria-label") or "" for i in range(toolbar.count())]
                assert any(n.startswith("Show chart") for n in names), names  # the table is open
                assert not [n for n in names if "CSV" in n], names  # client.disableDataExport: no raw cells out
            context.close()
