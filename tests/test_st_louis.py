"""St. Louis from the SLMPD monthly files as published, through data/cities/st_louis/city.toml."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

import datetime as dt

from community_policing.data import geo
from community_policing.views import map_layers, metrics
from community_policing.data.store import Store
from tests import overview_charts
from tests.conftest import shared_data_or_skip

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# SLMPD-convention yearly totals (FlagCrime = 'Y' rows, Count summed, by coded month), from SOURCES.md.
OFFICIAL = {2008: 64174, 2009: 61725, 2010: 56658, 2011: 54295, 2012: 52598, 2013: 51098, 2014: 47115,
            2015: 50421, 2016: 49637, 2017: 48212, 2018: 45947, 2019: 48202}


# ``stl`` (tests/conftest.py): the St. Louis warehouse, built once per test session and shared.


def test_every_row_is_loaded_or_rejected(stl):
    _, summary, q = stl
    all_files = q("SELECT * FROM load_files")
    assert (all_files["rows_read"] == all_files["rows_loaded"] + all_files["rows_merged"]
            + all_files["rows_rejected"]).all()
    # Boundary and population files are accounted like every source (issue 13).
    layers = all_files.set_index("file")
    assert layers.loc["stl_population/STL_PopByNhood.csv", "rows_loaded"] == 79
    assert layers.loc["stl_boundaries/stl_neighborhoods.geojson", "rows_read"] == 88
    files = all_files[all_files["table_name"] == "incidents"]
    assert len(files) == 144
    assert files["rows_read"].sum() == 644_056
    assert set(files["note"].str[:24]) == {"SLMPD header variant 1", "SLMPD header variant 2", "SLMPD header variant 3"}
    orgs = all_files[all_files["table_name"] == "neighborhood_organizations"]
    assert list(orgs["rows_read"]) == [103] and list(orgs["rows_loaded"]) == [103]  # tests/test_organizations.py
    rejects = q("SELECT kind, COUNT(*) AS n FROM rejects GROUP BY kind").set_index("kind")["n"]
    assert rejects.sum() == all_files["rows_rejected"].sum()
    lines = q("SELECT line, file, reason FROM rejects WHERE kind = 'invalid' AND table_name = 'incidents'")
    assert (lines["line"] >= 2).all() and lines["file"].str.startswith("stl_crime_slmpd_monthly/").all()


def _cli_districts(db, *args) -> pd.DataFrame:
    """What a user sees: ``python -m community_policing districts`` (its entry point, in this process
    to save a start-up per call; test_overview_and_cli_work_on_st_louis runs it as a command), read back."""
    import contextlib
    import io

    from community_policing import cli

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(["districts", "--db", str(db), *args, "--format", "json"]) == 0
    return pd.DataFrame(json.loads(out.getvalue()))


def test_cli_yearly_totals_equal_slmpds_published_totals(stl):
    """Issue 13: by date reported, every calendar year 2008-2019 equals SOURCES.md section 1 exactly, through
    the command line a user runs (districts plus the unplaced row add up to the city)."""
    db, _, _ = stl
    got = {}
    for year in OFFICIAL:
        rows = _cli_districts(db, "--start", f"{year}-01-01", "--end", f"{year}-12-31", "--date-basis", "reported")
        got[year] = int(rows["incidents"].sum())
    assert got == OFFICIAL


def test_corrections_are_their_own_symmetric_figure(stl):
    """Later corrections are kept and shown beside the count; a correction is subtracted only when the
    record it corrects is a counted one (symmetric), never otherwise."""
    _, summary, q = stl
    corrections = q("SELECT COUNT(*) AS n, COUNT(corrects_id) AS linked FROM incidents WHERE count = -1").iloc[0]
    assert corrections["n"] == 9_912  # every -1 row of the 144 files is kept
    originals = q("SELECT o.count, COUNT(*) AS n FROM incidents c JOIN incidents o ON o.id = c.corrects_id "
                  "WHERE c.count = -1 GROUP BY 1")
    assert list(originals["count"]) == [1]  # linked only to counted records
    assert q("SELECT COUNT(*) - COUNT(DISTINCT corrects_id) AS n FROM incidents WHERE count = -1 "
             "AND corrects_id IS NOT NULL")["n"][0] == 0  # each original corrected at most once
    daily = q("SELECT SUM(corrected) AS c FROM incident_counts_daily WHERE date_basis = 'reported'")["c"][0]
    assert daily == corrections["linked"] > 9_000
    assert any(line.startswith("corrections (count -1): 9,912;") for line in summary.lines()[-4:] + summary.notes)
    rows = _cli_districts(stl[0], "--start", "2019-01-01", "--end", "2019-12-31", "--date-basis", "reported")
    assert 0 < rows["corrected"].sum() < rows["incidents"].sum() // 20


def test_placeholder_occurrence_dates_count_by_date_reported(stl):
    """Rows with the 1900-01-01 placeholder (and the two dated after their coded month) are crimes SLMPD
    counts: kept with an empty occurrence date and a note, not rejects."""
    _, _, q = stl
    unknown = q("SELECT occurred_note FROM incidents WHERE occurred_at IS NULL")
    assert len(unknown) == 17 and unknown["occurred_note"].str.contains("occurrence date unknown").all()
    assert unknown["occurred_note"].str.startswith("placeholder occurrence date").sum() == 15
    assert q("SELECT COUNT(*) AS n FROM rejects WHERE kind = 'invalid'")["n"][0] == 0
    by_basis = q("SELECT date_basis, SUM(incidents) AS n, SUM(occurrence_unknown) AS u, "
                 "SUM(incidents) FILTER (WHERE day IS NULL) AS undated FROM incident_counts_daily GROUP BY 1"
                 ).set_index("date_basis")
    assert by_basis.loc["occurred", "n"] == by_basis.loc["reported", "n"] == sum(OFFICIAL.values())
    assert by_basis.loc["occurred", "undated"] == by_basis.loc["reported", "u"] == 17


def test_district_counts_by_date_occurred_match_the_recorded_district_field(stl):
    """Issue 13: after 2014, a district's count by date occurred stays within 0.5 % of SLMPD's own
    District field, counted straight from the files (independently of the loader)."""
    from community_policing.data.importers.slmpd import read_slmpd_file

    db, _, q = stl
    source = shared_data_or_skip("stl_crime_slmpd_monthly")
    recorded = []
    for path in sorted(source.glob("slmpd_201[4-9]-*.csv.gz")) + sorted(source.glob("slmpd_202*.csv.gz")):
        rows = read_slmpd_file(path).rows
        rows = rows[rows["is_crime"] & (rows["count"] == 1) & rows["occurred_at"].notna()]
        recorded.append(pd.DataFrame({"year": rows["occurred_at"].dt.year, "district": rows["district_code"]}))
    recorded = pd.concat(recorded)
    expected = recorded[recorded["district"] > 0].groupby(["year", "district"]).size()
    for year in range(2015, 2020):
        rows = _cli_districts(db, "--start", f"{year}-01-01", "--end", f"{year}-12-31")
        got = rows[rows["area_id"] != "unassigned"].set_index("area_id")["incidents"]
        for district_id, n in got.items():
            want = expected.loc[(year, int(district_id))]
            assert abs(n - want) <= 0.005 * want, (year, district_id, n, want)


def test_districts_neighborhoods_and_population(stl):
    _, _, q = stl
    districts = q("SELECT id, population, population_year FROM districts ORDER BY id")
    assert list(districts["id"]) == ["1", "2", "3", "4", "5", "6"]
    assert 300_000 < districts["population"].sum() < 330_000 and (districts["population_year"] == 2017).all()
    neighborhoods = q("SELECT id, district_id, population FROM neighborhoods")
    assert len(neighborhoods) == 88
    parks = neighborhoods[neighborhoods["id"].astype(int) >= 80]
    assert parks["population"].isna().all()  # no residents: rates undefined


def test_district_assignment_never_reads_old_district_numbers(stl):
    _, summary, q = stl
    methods = dict(zip(summary.assignment["method"], summary.assignment["incidents"]))
    # The recorded district first (from 2014), else coordinates (all of 2008-2013), else the neighborhood.
    assert methods["district_code"] + methods["coordinates"] > 0.98 * sum(methods.values())
    assert methods["district_code"] > 0.4 * sum(methods.values()) and methods["coordinates"] > 0.4 * sum(methods.values())
    assert methods["neighborhood"] > 0 and methods["unassigned"] > 0
    # Before 2014 district numbers meant another map: an incident with no coordinates and no
    # neighborhood from then must stay unassigned.
    old = q("SELECT COUNT(*) AS n FROM incidents WHERE reported_at < DATE '2014-01-01' "
            "AND lon IS NULL AND neighborhood_id IS NULL AND district_id IS NOT NULL")
    assert old["n"][0] == 0
    stored = q("SELECT method, incidents FROM incident_assignment")
    assert dict(zip(stored["method"], stored["incidents"])) == methods


def test_overview_and_cli_work_on_st_louis(stl, monkeypatch):
    import subprocess
    import sys

    from streamlit.testing.v1 import AppTest

    db, _, _ = stl
    monkeypatch.setenv("COMMON_GROUND_DB", str(db))
    at = AppTest.from_file(str(PROJECT_ROOT / "dashboard.py"), default_timeout=60).run()
    assert not at.exception
    assert not at.warning or "Simulated" not in at.warning[0].value  # real data: no simulated banner
    the_map = overview_charts.map_chart(at)  # the Overview's Vega-Lite map
    assert the_map["spec"]["projection"]["type"] == "mercator" and len(overview_charts.ids(the_map)) == 6
    assert any("No community-engagement activity is recorded" in i.value for i in at.info)
    at.radio(key="map_level").set_value("neighborhood").run()
    assert not at.exception
    assert len(overview_charts.ids(overview_charts.map_chart(at))) == 88  # parks drawn too, grey: "no rate"
    out = subprocess.run([sys.executable, "-m", "community_policing", "districts", "--db", str(db),
                          "--start", "2019-01-01", "--end", "2019-12-31", "--date-basis", "reported",
                          "--format", "json"], capture_output=True, text=True, check=True)
    rows = pd.DataFrame(json.loads(out.stdout))
    assert len(rows) == 7 and rows["area_id"].iloc[-1] == "unassigned"
    assert rows["incidents"].sum() == 48_202


def test_full_neighborhood_map_is_light(stl):
    """Issue: a full neighborhood choropleth of St. Louis sends at most 300 KB to the browser."""
    import datetime as dt

    from community_policing.data import geo
    from community_policing.figures import overview as overview_figures
    from community_policing.views import metrics
    from community_policing.data.store import Store

    db, _, _ = stl
    with Store(db) as s:
        table = metrics.area_comparison(s, dt.date(2019, 1, 1), dt.date(2019, 12, 31), level="neighborhood")
        chart = overview_figures.choropleth(table, geo.area_features(s, "neighborhood"), "rate_per_1000", "t",
                                            context=geo.context_features(s))
    # The whole Vega-Lite spec as Streamlit sends it (json.dumps): outlines, context lines and tooltips inline.
    size = len(json.dumps(chart.to_dict()).encode())
    assert size <= 300 * 1024, f"{size / 1024:.0f} KB"


PAGES = ["pages/overview.py", "pages/map.py", "pages/district.py", "pages/compare.py", "pages/engagement.py",
         "pages/programs.py", "pages/trust.py",
         "pages/methodology.py", "pages/data_dictionary.py"]


def test_every_page_says_what_is_missing_rather_than_break(stl, monkeypatch):
    from streamlit.testing.v1 import AppTest

    db, _, _ = stl
    monkeypatch.setenv("COMMON_GROUND_DB", str(db))
    at = AppTest.from_file(str(PROJECT_ROOT / "dashboard.py"), default_timeout=90).run()
    said = {}
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        said[page] = " ".join(i.value for i in at.info)
    assert "No community-policing programs are recorded" in said["pages/programs.py"]
    assert "No resident survey results are loaded" in said["pages/trust.py"]
    assert "engagement" in said["pages/engagement.py"].lower()


def test_series_breaks_and_freshness_on_real_data(stl):
    """Issue: the 2014 district map change and the NIBRS switch are recorded; only the one inside a chart's
    months is drawn; the reporting lag is measured from SLMPD's coded months."""
    import datetime as dt

    from community_policing.data import series_breaks
    from community_policing.figures import district as district_figures
    from community_policing.views import district, metrics
    from community_policing.data.store import Store

    db, summary, _ = stl
    assert summary.rows["series_breaks"] == 2
    with Store(db) as s:
        info = metrics.dataset_info(s)
        breaks = info.series_breaks
        assert list(breaks["label"]) == ["New district map", "NIBRS reporting"]
        assert breaks["day"].iloc[0] == dt.date(2014, 1, 1) and breaks["scope"].iloc[0] == "districts"
        assert breaks["day"].iloc[1].year == 2020 and breaks["kind"].iloc[1] == "counting_rules"
        # The data end in December 2019: the NIBRS break lies outside every chart of this data.
        series = district.monthly_series(s, "3", dt.date(2014, 12, 31))
        def drawn(chart) -> list[str]:  # the labels beside the dashed lines of a District chart (Vega-Lite)
            spec = chart.to_dict()
            return [row["Series break"] for layer in spec["layer"] if layer["mark"]["type"] == "text"
                    and layer["encoding"].get("text", {}).get("field") == "Series break"
                    for row in spec["datasets"][layer["data"]["name"]]]

        fig = district_figures.monthly_incidents(series, "t", breaks=series_breaks.applicable(breaks, "3"))
        assert drawn(fig) == ["New district map (Jan 2014)"]
        late = district.monthly_series(s, "3", dt.date(2019, 12, 31))
        fig = district_figures.monthly_incidents(late, "t", breaks=series_breaks.applicable(breaks, "3"))
        assert not drawn(fig)
        # The map change moved only the district fallback: citywide series do not break there.
        assert list(series_breaks.applicable(breaks, None)["label"]) == ["NIBRS reporting"]
        fresh = info.freshness
        assert fresh.precision == "month" and fresh.settle == 1  # SLMPD dates each record to its coded month
        assert 0.05 < fresh.share_later_month < 0.15
        assert fresh.as_of == dt.date(2019, 12, 31) and fresh.preliminary_from == dt.date(2019, 12, 1)


def test_st_louis_parks_are_grey_with_no_population(stl):
    """The 9 park neighborhoods of St. Louis (80-88) have no population: on both maps they are grey and say so."""
    path = stl[0]
    from community_policing.figures import maps as map_figures, overview as overview_figures

    with Store(path) as s:
        period = metrics.Period(dt.date(2019, 1, 1), dt.date(2019, 12, 31))
        table = metrics.area_comparison(s, period.start, period.end, level="neighborhood")
        features = geo.area_features(s, "neighborhood")
        data = map_layers.layer_data(s, "rate", "neighborhood", period)
    parks = {str(i) for i in range(80, 89)}
    chart = overview_figures.choropleth(table, features, "rate_per_1000", "t")
    assert parks <= set(overview_charts.ids(chart, "none"))
    assert all("Caution: no population" in overview_charts.tooltip(chart, p) for p in parks)
    layer = map_figures.layer_map(data.table, features, "rate", "t").to_dict()
    no_population = {a for a in overview_charts.ids(layer, "none")
                     if "Residents (denominator): no population" in overview_charts.tooltip(layer, a)}
    assert no_population == parks
    assert all(overview_charts.values(layer)[p] is None for p in parks)  # not shaded: grey
    assert all("Caution: no population" in overview_charts.tooltip(layer, p) for p in parks)  # and says why


def test_st_louis_counts_its_unknown_occurrence_dates(stl):
    with Store(stl[0]) as s:
        info = metrics.dataset_info(s)
        assert metrics.occurrence_unknown(s, info.first_day, info.last_day) == 17
        assert info.has_corrections and info.linked_corrections == 9_638


def test_noise_readings_allow_for_how_much_st_louis_counts_vary(stl):
    """Issue 14: St. Louis district counts vary far more than chance alone (measured here: 8-19 times at the year
    level, 3-6 times at the month level), so the old reading (z = 2(√C − √P)) called 4 of the 6 districts'
    2019 change from 2018 "significant" and 5 a change. The reading allows for each district's own variation:
    all 6 read "within normal variation" (by date occurred and by date reported), and of the 89 neighborhood
    rows 3-5 read "possible" and none "significant" (the old reading: 12-19 "significant")."""
    db, _, _ = stl
    for basis in ("occurred", "reported"):
        rows = _cli_districts(db, "--start", "2019-01-01", "--end", "2019-12-31", "--date-basis", basis)
        districts = rows[rows["area_id"] != metrics.UNASSIGNED_ID]
        old = 2 * (districts["incidents"] ** 0.5 - districts["incidents_prior_year"] ** 0.5)
        assert (old.abs() >= 3).sum() >= 4  # what the old reading said
        assert (districts["noise"] == "significant change").sum() == 0
        assert (districts["noise"] == "within normal variation").sum() >= 5
        assert districts["dispersion"].between(5, 30).all() and (districts["noise_basis"] == "own history").all()
        hoods = _cli_districts(db, "--start", "2019-01-01", "--end", "2019-12-31", "--date-basis", basis,
                               "--level", "neighborhood")
        assert (hoods["noise"] == "significant change").sum() <= 2
        assert (hoods["noise"] != "within normal variation").mean() <= 0.1
        assert hoods["dispersion"].median() > 2  # neighborhoods too: several times chance over a year
    with Store(db) as s:  # a month: 2019's twelve, each against the same month of 2018
        months = pd.concat([metrics.area_comparison(s, dt.date(2019, m, 1), (pd.Timestamp(2019, m, 1)
                                                    + pd.offsets.MonthEnd(0)).date(), date_basis="reported")
                            for m in range(1, 13)])
    months = months[months["area_id"] != metrics.UNASSIGNED_ID]
    assert months["dispersion"].between(2.5, 8).all() and 3 <= months["dispersion"].median() <= 6
    assert (months["noise"] == "significant change").sum() <= 1
    assert (months["noise"] != "within normal variation").mean() <= 0.1
