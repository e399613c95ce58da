"""Issue 16, state that follows the reader: filters held across pages and carried by the address, the grouped
offense filter, the Compare picker, staff pages by URL in public mode, downloads that do not rerun the page, and
the demo data-source line in Spanish. Everything is read from what the pages show (AppTest)."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from community_policing import settings
from community_policing.data.store import DB_ENV_VAR, LEDGER_ENV_VAR

APP = str(Path(__file__).resolve().parent.parent / "dashboard.py")
EM = "\u2003"


@pytest.fixture()
def demo_env(demo_db, monkeypatch, tmp_path):
    monkeypatch.setenv(DB_ENV_VAR, str(demo_db))
    monkeypatch.setenv(LEDGER_ENV_VAR, str(tmp_path / "ledger.sqlite"))
    monkeypatch.delenv(settings.MODE_ENV, raising=False)
    return demo_db


def _app(**params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, at.exception
    return at


def _go(at: AppTest, page: str) -> AppTest:
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _captions(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption)


def _texts(at: AppTest) -> str:
    return " ".join(e.value for kind in ("markdown", "caption", "title", "info", "warning", "error")
                    for e in getattr(at, kind))


def test_filters_hold_across_every_page_and_reach_the_briefing(demo_env):
    at = _app()
    at.selectbox(key="offense_group").select("robbery").run()
    at.selectbox(key="period_preset").select("Last 28 days").run()
    at.radio(key="date_basis").set_value("reported").run()
    shown = at.sidebar.caption[-1].value  # "Showing <dates> (28 days), compared with ..."
    assert "(28 days)" in shown
    for page in ("pages/map.py", "pages/methodology.py", "pages/district.py"):
        _go(at, page)
        if page == "pages/methodology.py":  # no filters drawn here: nothing to read, but they must survive it
            continue
        assert at.selectbox(key="offense_group").value == "robbery", page
        assert at.selectbox(key="period_preset").value == "Last 28 days", page
        assert at.radio(key="date_basis").value == "reported", page
        assert at.sidebar.caption[-1].value == shown, page
    # The District page's "Printable briefing" prints what the reader was looking at.
    assert "Robbery, counted by date reported" in _captions(at)
    # The button switches to the Briefings page with ?district=<id> (AppTest stays on the page it was switched to,
    # so the test takes the same step; tests/test_links_browser.py clicks it in Chromium).
    at.button(key="district_briefing").click().run()
    at.switch_page("pages/briefing.py")
    at.query_params.clear()
    at.query_params["district"] = "1"
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Briefings"
    assert at.selectbox(key="briefing_scope").value == "1"
    chosen = next(m.value for m in at.markdown if "compared with" in m.value)
    assert "robbery, counted by date reported" in chosen and shown.split("Showing ")[1].split(" (")[0] in chosen


def test_a_map_click_keeps_the_district_and_the_offense(demo_env, monkeypatch):
    """A click on district 3 of the Map page's Vega-Lite map comes back as its point selection "pick"
    (``{"selection": {"pick": [{"id": "3"}]}}``, as on the Overview) and opens the District page with ?district=3,
    the offense kept."""
    from community_policing.figures import areamap
    from community_policing.web import display
    from tests import overview_charts
    from tests.charts import vega_charts

    at = _app()
    _go(at, "pages/map.py")
    at.selectbox(key="offense_group").select("category:violent").run()
    # The map's areas carry the click (a point selection of the area's id) and the page listens for it.
    chart = next(c for c in vega_charts(at) if "map_page_chart" in c["key"])
    element = next(e for e in at.get("vega_lite_chart") if "map_page_chart" in e.proto.id)
    assert areamap.SELECTION in element.proto.selection_mode
    assert set(areamap.NUMBER_SELECTIONS) <= set(element.proto.selection_mode)  # a click on a drawn number too
    pick = next(p for p in chart["spec"]["params"] if p["name"] == areamap.SELECTION)
    assert pick["views"] == ["areas"] and pick["select"]["fields"] == ["id"] and pick["select"]["on"] == "click"
    assert "3" in overview_charts.ids(chart)
    # What Streamlit hands the page for a click on district 3 (the browser's side: tests/test_browser.py).
    real = display.altair_chart

    def clicked(chart, **options):
        event = real(chart, **options)
        return {"selection": {areamap.SELECTION: [{"id": "3"}]}} if options.get("key") == "map_page_chart" else event

    monkeypatch.setattr(display, "altair_chart", clicked)
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value.startswith("District 3")
    assert "Violent crime (Part I), counted by date occurred" in _captions(at)
    assert at.query_params["offense"] == "category:violent" and at.query_params["district"] == "3"


def test_a_click_on_either_map_opens_the_district_it_was_on(monkeypatch):
    """The Overview's and the Map page's Vega-Lite maps report a clicked district as their point selection
    (figures.areamap.SELECTION, "pick"), or a click on its drawn number as that number's own selection
    (areamap.NUMBER_SELECTIONS); a Plotly map's selected point is still read by its location. Each opens that
    district's page; no click, a neighborhood map or the unassigned row opens nothing."""
    import pandas as pd

    from community_policing.figures import areamap, maps as map_figures, overview as overview_figures
    from community_policing.web import display

    assert overview_figures.SELECTION == map_figures.SELECTION == areamap.SELECTION == "pick"  # one click, both maps
    opened = []
    monkeypatch.setattr(display.st, "switch_page", lambda page, query_params=None: opened.append(
        (page, dict(query_params or {}))))
    table = pd.DataFrame({"area_id": ["3"]})
    pick = areamap.SELECTION
    display.open_district_on_click({"selection": {"points": [{"location": "3"}]}}, "district", table)
    display.open_district_on_click({"selection": {pick: [{"id": "5"}]}}, "district", table)
    for number in areamap.NUMBER_SELECTIONS:
        display.open_district_on_click({"selection": {pick: [], number: [{"id": "7"}]}}, "district", table)
    display.open_district_on_click({"selection": {pick: []}}, "district", table)
    display.open_district_on_click({"selection": {pick: [{"id": "5"}]}}, "neighborhood", table)
    display.open_district_on_click({"selection": {"points": [], pick: [{"id": "unassigned"}]}}, "district", table)
    display.open_district_on_click(None, "district", table)
    assert opened == [("pages/district.py", {"district": "3"}), ("pages/district.py", {"district": "5"})] + [
        ("pages/district.py", {"district": "7"})] * len(areamap.NUMBER_SELECTIONS)


def test_the_address_carries_the_filters_and_a_shared_link_reproduces_the_view(demo_env):
    at = _app()
    _go(at, "pages/map.py")
    at.selectbox(key="offense_group").select("burglary").run()
    at.selectbox(key="period_preset").select("Year to date").run()
    at.radio(key="map_layer").set_value("change").run()
    at.radio(key="map_level_page").set_value("neighborhood").run()
    at.selectbox(key="lang").select("es").run()
    assert not at.exception, at.exception
    link = dict(at.query_params)
    assert link == {"period": "ytd", "offense": "burglary", "layer": "change", "level": "neighborhood", "lang": "es"}
    before = (_captions(at), [t.value for t in at.title], at.sidebar.caption[-1].value)

    shared = AppTest.from_file(APP, default_timeout=60)  # another reader opens the link: a new session
    shared.switch_page("pages/map.py")
    for name, value in link.items():
        shared.query_params[name] = value
    shared.run()
    assert not shared.exception, shared.exception
    assert shared.selectbox(key="offense_group").value == "burglary"
    assert shared.radio(key="map_layer").value == "change"
    assert shared.radio(key="map_level_page").value == "neighborhood"
    assert (_captions(shared), [t.value for t in shared.title], shared.sidebar.caption[-1].value) == before


def test_a_custom_range_travels_in_the_address(demo_env):
    at = _app(period="custom", **{"from": "2025-01-01", "to": "2025-03-31"})
    assert at.selectbox(key="period_preset").value == "Custom range"
    assert "(90 days)" in at.sidebar.caption[-1].value
    assert at.query_params["from"] == "2025-01-01" and at.query_params["to"] == "2025-03-31"


ATTACK = "[click](https://evil.example/x) **bold**"


@pytest.mark.parametrize("params", [
    {"offense": ATTACK, "period": ATTACK, "count_by": ATTACK},
    {"period": "custom", "from": "1900-01-01", "to": ATTACK},
])
def test_unknown_or_hostile_values_in_the_address_are_ignored_never_shown(demo_env, params):
    at = _app(**params)
    assert at.selectbox(key="offense_group").value == "all"
    assert at.radio(key="date_basis").value == "occurred"
    assert "evil.example" not in _texts(at) and "click" not in _texts(at)
    assert "evil.example" not in str(dict(at.query_params).get("offense", "")) + str(dict(at.query_params).get("to", ""))


def test_the_offense_filter_lists_each_group_indented_under_its_category(demo_env):
    at = _app()
    options = at.selectbox(key="offense_group").options
    assert options[0] == "All offenses"
    headers = [i for i, o in enumerate(options) if not o.startswith(EM)]
    assert [options[i] for i in headers] == ["All offenses", "Violent crime (Part I)", "Property crime (Part I)",
                                             "Other offenses (Part II)"]
    groups = {o.strip(): o for o in options if o.startswith(EM)}
    assert len(groups) == 13 and all(o.startswith(EM * 2) for o in groups.values())
    assert options.count(EM * 2 + "All other offenses") == 1
    # Each group sits under its own category.
    under = {}
    for option in options:
        if not option.startswith(EM):
            header = option
        else:
            under[option.strip()] = header
    assert under["Robbery"] == under["Homicide"] == "Violent crime (Part I)"
    assert under["Burglary"] == "Property crime (Part I)"
    assert under["All other offenses"] == under["Vandalism"] == "Other offenses (Part II)"
    # The pages name the choice without the indent.
    at.selectbox(key="offense_group").select("vandalism").run()
    assert "Vandalism, counted by date occurred" in _captions(at)


def test_compare_offers_no_select_all_and_at_most_four(demo_env):
    at = _go(_app(), "pages/compare.py")
    picker = at.multiselect(key="compare_districts")
    assert picker.proto.max_selections == 4
    assert picker.proto.select_all == 0  # no "Select all" entry in the list
    for district in ("3", "4"):
        picker = at.multiselect(key="compare_districts").select(district)
        at.run()
    assert not at.exception, at.exception
    assert at.multiselect(key="compare_districts").value == ["1", "2", "3", "4"]
    assert not [i.value for i in at.info if "at most" in i.value]


STAFF_PAGES = ("pages/ledger.py", "pages/meetings.py", "pages/training.py", "pages/data.py")


def test_a_staff_page_opened_by_url_in_public_mode_says_staff_only(demo_env, monkeypatch):
    monkeypatch.setenv(settings.MODE_ENV, "public")
    listed: list[tuple[str, str]] = []
    navigation = st.navigation

    def spy(pages, *args, **kwargs):
        listed.extend((str(p._page), p.visibility) for p in pages)
        return navigation(pages, *args, **kwargs)

    monkeypatch.setattr(st, "navigation", spy)
    at = _app()
    for page in STAFF_PAGES:
        _go(at, page)  # what opening /ledger, /data… does: the page registered for its URL
        assert [t.value for t in at.title] == ["Staff only"], page
        assert "public" in at.info[0].value
        assert not at.get("form") and not at.text_input and not at.dataframe
    # Reachable by their URLs, yet not listed in the navigation; the public pages are.
    visibility = {Path(p).relative_to(Path(APP).parent).as_posix(): v for p, v in listed}
    assert {visibility[p] for p in STAFF_PAGES} == {"hidden"}
    assert visibility["pages/overview.py"] == visibility["pages/map.py"] == "visible"


def test_download_buttons_do_not_rerun_the_page(demo_env):
    at = _app()
    # Closed, a "Show the numbers" builds nothing (no table, no file): the Compare page's downloads are all in them.
    assert not _go(at, "pages/compare.py").get("download_button")
    at = _app(tables="open")  # ?tables=open: every table open, on every page of the visit
    workbooks = 0
    for page in ("pages/overview.py", "pages/compare.py", "pages/map.py"):
        buttons = _go(at, page).get("download_button")
        assert buttons, page
        assert all(b.proto.ignore_rerun for b in buttons), [b.proto.label for b in buttons if not b.proto.ignore_rerun]
        # Workbooks are made only when their button is clicked; a CSV is made with the table (cheap, and the
        # public-mode property tests read every file a page offers).
        excel = [b for b in buttons if b.proto.label.endswith("(Excel)")]
        assert all(b.proto.deferred_file_id for b in excel)
        workbooks += len(excel)
    assert workbooks


def test_a_closed_table_is_built_when_opened(demo_env):
    at = _go(_app(), "pages/district.py")
    assert "Show the numbers" in [e.label for e in at.expander]
    closed = [b.proto.label for b in at.get("download_button")]
    assert not [label for label in closed if label.startswith("Download these numbers")], closed
    at.session_state["download_monthly__open"] = True  # the reader opens the monthly chart's numbers
    at.run()
    assert not at.exception, at.exception
    opened = [b.proto.label for b in at.get("download_button") if b.proto.label.startswith("Download these numbers")]
    assert opened == ["Download these numbers (CSV)", "Download these numbers (Excel)"], opened
    assert any("incidents" in d.value.columns for d in at.dataframe)


def test_the_demo_source_line_speaks_spanish(demo_env):
    at = _app(lang="es")
    note = " ".join(m.value for m in at.markdown)
    assert "No son datos reales de delitos" in note and "semilla 7" in note
    assert "Not real crime data" not in note
    english = _app()
    assert "Not real crime data" in " ".join(m.value for m in english.markdown)
