"""Issue 16, "say what is true when data is old, missing or small; plain words first", read off the pages.

* Old data: a city whose data end years ago says so at the top of the Overview, District and Engagement pages
  ("The latest data is from March 2019, about 8 years ago"), and the Overview's headline names the window's dates.
* Not recorded is not zero: with no engagement ledger (or for a year earlier that the ledger does not reach) the
  KPIs, the district table and its download say "not recorded", never 0.
* Empty states in the reader's words: no manifest jargon for anyone; staff get a link to the Engagement log.
* Small counts: no % from fewer than 10 incidents a year earlier without "too few to compare"; the engagement
  bubbles leave such districts out and say so.
* The Overview opens with a headline sentence (counts beside the %, the reading in words); the funnel plot is
  behind "How we know"; z is defined where it appears.
* No machine text: every page, staff and public, on the demo city, is scanned for "None", "nan", "NaT", ISO
  timestamps (the Map page in each of its layers, its map's tooltips read as Vega writes them: no "null"); the
  Overview, District and Engagement tables show no raw column names.
* One trust figure: the Overview and the District page give trust the same way, with its period.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from community_policing import i18n
from community_policing.data import freshness
from community_policing.stats import trust_stats
from community_policing.views import map_layers, metrics
from community_policing.web import display, downloads
from community_policing.stats.engagement_stats import GROUP_LABELS
from community_policing.data.store import DB_ENV_VAR, LEDGER_ENV_VAR, Store, write_database
from tests import charts
from tests.conftest import tiny_city_tables

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard.py")
PUBLIC_PAGES = ["overview", "map", "district", "compare", "engagement", "programs", "trust", "briefing",
                "methodology", "data_dictionary"]
STAFF_PAGES = ["ledger", "meetings", "training", "data"]
# "None" followed by a lower-case word is English ("None yet."), not a missing value.
MISSING_WORDS = re.compile(r"(?<![A-Za-z<])(None(?! [a-z])|nan|NaN|<NA>|NaT)(?![A-Za-z>])")
ISO_TIMESTAMP = re.compile(r"\b\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")
ZERO_A_YEAR_EARLIER = re.compile(r"(?<![\d.,])0 a year earlier")  # not "50.0 a year earlier"
JARGON = ("manifest", "[[", "ledger source")
YEARS_BACK = 5  # the old city: the tiny city moved back five years (its data end in March 2019)


@pytest.fixture(autouse=True)
def english_after():
    yield
    i18n.set_language("en")


def old_city_tables() -> dict[str, pd.DataFrame]:
    """The tiny city, five years earlier, with no engagement ledger (like St. Louis: data that end long ago)."""
    tables = tiny_city_tables()
    back = pd.DateOffset(years=YEARS_BACK)
    incidents = tables["incidents"].copy()
    for column in ("occurred_at", "reported_at"):
        incidents[column] = incidents[column] - back
    tables["incidents"] = incidents
    trust = tables["trust_surveys"].copy()
    for column in ("period_start", "period_end"):
        trust[column] = (pd.to_datetime(trust[column]) - back).dt.date
    tables["trust_surveys"] = trust
    tables["engagement_events"] = tables["engagement_events"].iloc[0:0]
    tables["metadata"] = pd.DataFrame({"key": ["city_name", "is_simulated", "source"],
                                       "value": ["Old Test City", "false", "hand-made test fixture, ends 2019"]})
    return tables


@pytest.fixture(scope="module")
def old_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("old") / "old.duckdb"
    write_database(old_city_tables(), path)
    return path


def _run(db: Path, monkeypatch, page: str = "overview", public: bool = False, ledger: Path | None = None) -> AppTest:
    monkeypatch.setenv(DB_ENV_VAR, str(db))
    if ledger is not None:
        monkeypatch.setenv(LEDGER_ENV_VAR, str(ledger))
    if public:
        monkeypatch.setenv("COMMON_GROUND_MODE", "public")
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state[display.TABLES_OPEN_STATE] = True  # every "Show the numbers" open: the text scans read the tables too
    at.run()
    assert not at.exception, at.exception
    if page != "overview":
        at.switch_page(str(ROOT / "pages" / f"{page}.py")).run()
        assert not at.exception, (page, at.exception)
    return at


def texts(at: AppTest) -> list[tuple[str, str]]:
    """Everything a person reads on the page: headings, text, notices, metrics and expander labels."""
    out = []
    for kind in ("title", "header", "subheader", "caption", "markdown", "info", "warning", "error", "success"):
        out += [(kind, str(e.value)) for e in getattr(at, kind)]
    for m in at.metric:
        out += [("metric", f"{m.label}: {m.value}")] + ([("metric delta", str(m.delta))] if m.delta else [])
    out += [("expander", e.proto.label) for e in at.expander]
    return out


def all_text(at: AppTest) -> str:
    return " ".join(t for _k, t in texts(at)).replace("\\", "")  # Markdown escapes of echoed text


def metric(at: AppTest, label: str):
    return next(m for m in at.metric if m.label == label)


# --- 1. Old data ------------------------------------------------------------------------------------------


def test_staleness_sentence_counts_years_and_months():
    today = dt.date(2026, 12, 6)
    assert freshness.staleness_text(dt.date(2019, 12, 31), today) == (
        "The latest data is from December 2019, about 7 years ago.")
    assert freshness.staleness_text(dt.date(2026, 3, 4), today) == (
        "The latest data is from March 2026, about 9 months ago.")
    assert freshness.staleness_text(dt.date(2026, 10, 31), today) is None  # an ordinary publication lag
    assert freshness.staleness_text(None, today) is None
    with i18n.speaking("es"):
        assert freshness.staleness_text(dt.date(2019, 12, 31), today) == (
            "Los datos más recientes son de diciembre de 2019, hace aproximadamente 7 años.")


@pytest.mark.parametrize("page", ["overview", "district", "engagement"])
def test_old_data_is_said_at_the_top_of_the_page(old_db, monkeypatch, page):
    at = _run(old_db, monkeypatch, page, public=True)
    years = freshness.data_age(dt.date(2019, 3, 4), dt.date.today())[0]
    stale = [w.value for w in at.warning if "The latest data is from" in w.value]
    assert stale == [f"The latest data is from March 2019, about {years} years ago. Every “last 12 months”, "
                     "“year to date” or “last 28 days” here ends then, not today."]
    assert at.warning.values.index(stale[0]) <= 1  # first, or just after the simulated-data banner


def test_the_last_12_months_name_their_dates_in_the_headline_and_the_filter(old_db, monkeypatch):
    at = _run(old_db, monkeypatch)
    headline = at.markdown[0].value.replace("\\", "")
    assert headline.startswith("#### All offenses in the last 12 months (Mar 5, 2018 – Mar 4, 2019): 7 incidents;")
    assert metrics.preset_label("Last 12 months", dt.date(2019, 3, 4)) == "Last 12 months (Mar 5, 2018 – Mar 4, 2019)"


# --- 2. Not recorded is not zero -------------------------------------------------------------------------------


def test_no_ledger_reads_not_recorded_in_kpis_table_and_download(old_db, monkeypatch):
    at = _run(old_db, monkeypatch)
    assert metric(at, "Engagement activities").value == "not recorded"
    assert metric(at, "Officer engagement hours").value == "not recorded"
    text = all_text(at)
    assert not ZERO_A_YEAR_EARLIER.search(text)
    assert "does not publish a record of it, which is not the same as none" in text
    table = next(d for d in at.dataframe if d.key == "district_table").value
    assert set(table["engagement_events"]) == {"not recorded"}
    assert set(table["officer_hours"]) == {"not recorded"}
    with Store(old_db) as s:  # the download is built from the same table: its cells say it too
        info = metrics.dataset_info(s)
        period = metrics.preset_period("Last 12 months", info.last_day)
        raw = metrics.area_comparison(s, period.start, period.end)
    csv = downloads.csv_bytes(metrics.with_engagement_recorded(raw, False), info).decode("utf-8-sig")
    rows = pd.read_csv(io.StringIO(csv), comment="#")
    assert set(rows["engagement_events"]) == {"not recorded"}
    district = _run(old_db, monkeypatch, "district")
    assert metric(district, "Engagement activities and officer hours").value == "not recorded"
    assert not ZERO_A_YEAR_EARLIER.search(all_text(district))


def test_a_year_before_the_first_ledger_entry_is_not_recorded(tiny_db, monkeypatch):
    at = _run(tiny_db, monkeypatch)  # the ledger starts in March 2023; the year earlier is 2022-23
    events = metric(at, "Engagement activities")
    assert events.value == "1" and not events.delta
    assert "A year earlier: not recorded (the record starts in March 2023)." in all_text(at)
    assert not ZERO_A_YEAR_EARLIER.search(all_text(at))


def test_not_recorded_flags_for_the_briefing(tiny_db):
    with Store(tiny_db) as s:
        table = metrics.area_comparison(s, dt.date(2023, 3, 5), dt.date(2024, 3, 4))
        totals = metrics.city_totals(s, table, dt.date(2023, 3, 5), dt.date(2024, 3, 4))
        assert totals.engagement_recorded and not totals.engagement_prior_recorded
        assert metrics.engagement_coverage(s).first_day == dt.date(2023, 3, 6)


# --- 3. Empty states in the reader's words ----------------------------------------------------------------------


@pytest.mark.parametrize("public", [True, False])
def test_no_manifest_jargon_and_staff_get_the_engagement_log(old_db, monkeypatch, public):
    for page in ("overview", "district", "engagement"):
        at = _run(old_db, monkeypatch, page, public=public)
        text = all_text(at)
        assert not [j for j in JARGON if j in text], (page, [j for j in JARGON if j in text])
        links = [link.proto.page for link in at.get("page_link")]
        assert ("ledger" in links) == (not public), (page, links)


# --- 4. Small counts ------------------------------------------------------------------------------------------


def test_fewer_than_ten_a_year_earlier_gives_no_percentage(tiny_db, monkeypatch):
    at = _run(tiny_db, monkeypatch)
    at.selectbox(key="period_preset").select("Custom range").run()
    at.date_input(key="period_custom").set_value((dt.date(2024, 3, 1), dt.date(2024, 3, 4))).run()
    assert not at.exception
    incidents = metric(at, "Incidents")
    assert "%" not in str(incidents.delta)
    text = all_text(at)
    assert "Too few to compare as a percentage: fewer than 10 incidents a year earlier" in text
    assert "against 1 a year earlier: too few to compare." in at.markdown[0].value.replace("\\", "")
    from tests.charts import rows, title_of, vega_charts

    scatter = [c for c in vega_charts(at) if title_of(c).startswith("Engagement intensity")]
    assert scatter and "layer" not in scatter[0]["spec"]  # no bubble from so few incidents: an empty chart
    message = " ".join(rows(scatter[0])["message"]).replace("\n", " ")
    assert "too few to compare" in message  # the empty chart says why it is empty
    assert "Not drawn: District 1 – West, District 2 – East." in text


def test_a_map_where_every_area_is_zero_says_so(tiny_db, monkeypatch):
    at = _run(tiny_db, monkeypatch)
    at.selectbox(key="offense_group").select("vandalism").run()  # its one incident is placed in no area
    assert not at.exception
    assert any(i.value.startswith("Every area had 0 incidents of this kind in this period") for i in at.info)


def test_homicide_rates_are_per_100000_residents(demo_db, monkeypatch):
    monkeypatch.setenv(DB_ENV_VAR, str(demo_db))
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["district"] = "3"
    at.run()
    at.selectbox(key="offense_group").select("homicide").run()
    at.switch_page(str(ROOT / "pages" / "district.py")).run()
    assert not at.exception
    with Store(demo_db) as s:
        from community_policing.views import district

        info = metrics.dataset_info(s)
        period = metrics.preset_period("Last 12 months", info.last_day)
        kpis = district.district_kpis(s, "3", period.start, period.end, "homicide")
    rate = metric(at, "Rate per 100,000 residents")
    assert rate.value == f"{kpis.rate_per_1000 * 100:,.1f}"
    assert any("a rare offense, so per 100,000 rather than per 1,000" in c.value for c in at.caption)


# --- 5, 6, 8. Headline, how we know, definitions, one trust figure ------------------------------------------------


@pytest.fixture(scope="module")
def demo_overview(demo_db):
    with pytest.MonkeyPatch.context() as mp:
        at = _run(demo_db, mp)
    return at


def test_overview_opens_with_a_headline_and_keeps_the_funnel_behind_how_we_know(demo_overview, demo_db):
    at = demo_overview
    with Store(demo_db) as s:
        info = metrics.dataset_info(s)
        period = metrics.preset_period("Last 12 months", info.last_day)
        table = metrics.area_comparison(s, period.start, period.end)
        totals = metrics.city_totals(s, table, period.start, period.end)
    headline = at.markdown[0].value.replace("\\", "")
    assert headline.startswith(f"#### All offenses in the last 12 months ({period.label()}): "
                               f"{totals.incidents:,} incidents, ")
    assert f"a year earlier ({totals.incidents_prior_year:,}) — " in headline
    assert any(words in headline for words in ("not normal variation", "within normal variation",
                                               "could still be normal variation"))
    how = next(e for e in at.expander if e.proto.label.startswith("How we know"))
    assert len(how.get("plotly_chart")) == 1  # the funnel plot lives there (opened: every table is, see _run)
    assert not any(s.value == "Which districts stand out, fairly compared" for s in at.main.subheader
                   if s not in how.subheader)
    assert any(c.value.startswith("z: how far the change is from no change") for c in at.caption)


def test_trust_is_given_one_way_with_its_period_on_overview_and_district(demo_overview, demo_db, monkeypatch):
    with Store(demo_db) as s:
        info = metrics.dataset_info(s)
        period = metrics.preset_period("Last 12 months", info.last_day)
        city = trust_stats.city_trust(s, period.start, period.end)
        own = trust_stats.city_trust(s, period.start, period.end, districts=["2"])
    kpi = metric(demo_overview, "Resident trust (0–100)")
    assert kpi.value == f"{city.score:.1f}"
    assert any(f"surveys of {period.label()}" in c.value for c in demo_overview.caption)
    monkeypatch.setenv(DB_ENV_VAR, str(demo_db))
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["district"] = "2"
    at.run()
    at.switch_page(str(ROOT / "pages" / "district.py")).run()
    assert not at.exception
    kpi = metric(at, "Resident trust (0–100)")
    assert kpi.value == f"{own.score:.1f}" and kpi.delta == f"{own.change:+.1f} points"
    assert any(f"surveys of {period.label()}" in c.value for c in at.caption)


# --- 7. No machine text -----------------------------------------------------------------------------------------


def machine_text(at: AppTest, page: str, check_columns: bool) -> list[str]:
    """Every place the page shows "None", "nan", "NaT", an ISO timestamp or (``check_columns``) a raw column name."""
    found = [f"{page} {kind}: {text[:100]}" for kind, text in texts(at)
             if MISSING_WORDS.search(text) or ISO_TIMESTAMP.search(text)]
    for frame in at.dataframe:
        config = json.loads(frame.proto.columns or "{}")
        order = list(frame.proto.column_order)
        value = frame.value[[c for c in frame.value.columns if not order or c in order]]
        value = value[[c for c in value.columns if not config.get(str(c), {}).get("hidden")]]
        placeholder = frame.proto.placeholder if frame.proto.HasField("placeholder") else None
        if value.isna().to_numpy().any() and (placeholder is None or MISSING_WORDS.search(placeholder)):
            found.append(f"{page} table {frame.key}: empty cells shown as 'None' in "
                         f"{[c for c in value.columns if value[c].isna().any()]}")
        for column in value.columns:
            spec = config.get(str(column), {})
            if check_columns and not spec.get("label"):
                found.append(f"{page} table {frame.key}: raw column name {column!r}")
            values = value[column]
            if pd.api.types.is_datetime64_any_dtype(values) and spec.get("type_config", {}).get("type") not in (
                    "date", "datetime"):
                if (values.dropna().dt.normalize() != values.dropna()).any() or not spec:
                    found.append(f"{page} table {frame.key}: timestamps in {column!r}")
            elif values.dtype == object:
                bad = [v for v in values if isinstance(v, str) and (MISSING_WORDS.search(v) or ISO_TIMESTAMP.search(v))]
                bad += [str(v) for v in values if isinstance(v, pd.Timestamp)]
                bad += [v for v in values if isinstance(v, str) and v in GROUP_LABELS]  # a code, not a name
                if bad:
                    found.append(f"{page} table {frame.key} column {column!r}: {bad[:2]}")
    for chart in charts.vega_charts(at):  # what a Vega-Lite chart writes, and its "Show data" table's headings
        bad = [t for t in charts.texts(chart) if MISSING_WORDS.search(t) or ISO_TIMESTAMP.search(t) or t in GROUP_LABELS]
        # ... and the tooltips of the rows written into its spec (a map's areas, its activities, the searched area)
        bad += [t for t in tooltip_texts(chart["spec"])
                if MISSING_WORDS.search(t) or VEGA_MISSING.search(t) or ISO_TIMESTAMP.search(t)]
        if bad:
            found.append(f"{page} chart {charts.title_of(chart)[:40]!r}: {bad[:2]}")
        raw = [c for frame in chart["data"].values() for c in map(str, frame.columns)
               if re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", c)]  # snake_case: a machine's name, on every page
        if raw:
            found.append(f"{page} chart {charts.title_of(chart)[:40]!r}: raw column names {raw[:3]}")
    return found


# A missing value as Vega writes it in a tooltip or a label ("" + null): a Python None, NaN or absent field.
VEGA_MISSING = re.compile(r"(?<![A-Za-z])(null|undefined)(?![A-Za-z])")


def tooltip_texts(spec: dict) -> list[str]:
    """What a reader reads in the tooltips of a Vega-Lite chart's layers whose rows are written into the spec (a
    map's areas, its engagement activities, the searched area), one "Title: value" per line, a missing value as
    Vega writes it: "null" (None), "NaN", "undefined" (no such field)."""
    found = []
    for layer in spec.get("layer", [spec]):
        rows = (layer.get("data") or spec.get("data") or {}).get("values")
        tooltip = (layer.get("encoding") or {}).get("tooltip")
        if not isinstance(rows, list) or not isinstance(tooltip, list):
            continue
        for row in rows:
            for line in tooltip:
                field = line["field"].replace("\\.", ".")
                value = row.get(field, "undefined") if isinstance(row, dict) else "undefined"
                shown = ("null" if value is None else "NaN" if isinstance(value, float) and value != value
                         else str(value))
                found.append(f"{line.get('title', field)}: {shown}")
    return found


def _map_page_views(at: AppTest) -> list[str]:
    """The Map page's every layer at both levels, and with the engagement activities: its Vega-Lite map (tooltips
    included) and the bivariate key scanned each time; the page left as it opened."""
    found, maps = [], 0
    for level in metrics.LEVELS:
        at.radio(key="map_level_page").set_value(level).run()
        for layer in map_layers.LAYERS:
            at.radio(key="map_layer").set_value(layer).run()
            assert not at.exception, (level, layer, at.exception)
            found += machine_text(at, f"map {level} {layer}", check_columns=False)
            maps += sum("map_page_chart" in c["key"] and bool(tooltip_texts(c["spec"])) for c in charts.vega_charts(at))
    at.checkbox(key="show_events").check().run()
    found += machine_text(at, "map with engagement activities", check_columns=False)
    assert any(layer.get("name") == "events" for c in charts.vega_charts(at) if "map_page_chart" in c["key"]
               for layer in c["spec"]["layer"])  # the activities were drawn, so scanned
    at.checkbox(key="show_events").uncheck().run()
    at.radio(key="map_level_page").set_value(metrics.LEVELS[0]).run()
    at.radio(key="map_layer").set_value(map_layers.LAYERS[0]).run()
    assert maps >= 2 * len(map_layers.LAYERS) - 1  # a map each time (trust is by district only): none unscanned
    return found


def _walk(db: Path, monkeypatch, pages: list[str], public: bool, ledger: Path | None = None) -> list[str]:
    at = _run(db, monkeypatch, public=public, ledger=ledger)
    found = machine_text(at, "overview", check_columns=True)
    for page in pages[1:]:
        at.switch_page(str(ROOT / "pages" / f"{page}.py")).run()
        assert not at.exception, (page, at.exception)
        found += machine_text(at, page, check_columns=page in ("district", "engagement"))
        if page == "map":
            found += _map_page_views(at)
    return found


def test_no_machine_text_on_any_page_in_public_mode(demo_db, monkeypatch):
    found = _walk(demo_db, monkeypatch, PUBLIC_PAGES, public=True)
    assert not found, "\n".join(found)


def test_no_machine_text_on_any_page_for_staff(demo_db, monkeypatch, tmp_path):
    db = tmp_path / "demo.duckdb"  # a copy: staff pages may start a ledger beside the warehouse
    shutil.copy(demo_db, db)
    found = _walk(db, monkeypatch, PUBLIC_PAGES + STAFF_PAGES, public=False, ledger=tmp_path / "ledger.sqlite")
    assert not found, "\n".join(found)


def test_pages_and_briefings_say_when_the_database_was_built_as_a_date(demo_overview):
    assert freshness.built_day("2026-12-06T19:54:23") == "Dec 6, 2026"  # not "2026-12-06T19:54:23"
    assert freshness.built_day("not recorded") == freshness.built_day(None) == "date not recorded"
    note = " ".join(m.value for m in demo_overview.markdown)
    assert "database built " in note and not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:", note)


def test_the_seasonal_caption_has_no_stray_parenthesis():
    """St. Louis's caption read "(New district map (Jan 2014))": a break's label already holds its month in brackets."""
    from community_policing.data import series_breaks
    from community_policing.i18n import _
    from tests.test_series_breaks import BREAKS

    labels = "; ".join(series_breaks.chart_label(row) for _i, row in BREAKS.iterrows())
    assert "(Jan 2024)" in labels
    sentence = _("The years averaged span a series break — {breaks} — so they mix two ways of counting: see How to "
                 "read these numbers.").format(breaks=labels)
    assert "))" not in sentence
    source = (ROOT / "pages" / "district.py").read_text(encoding="utf-8")
    assert "span a series break ({breaks})" not in source  # the page uses the sentence above
