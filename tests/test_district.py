"""The District page: its library (on the demo warehouse), its figures, and the page through AppTest."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from community_policing.figures import district as district_figures, base as figures, vega
from community_policing.views import district, metrics
from community_policing.data.store import DB_ENV_VAR, Store, write_database
from tests.charts import plotly_specs, title_of, vega_charts
from tests.conftest import open_tables, tiny_city_tables

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "district.py")


@pytest.fixture(scope="module")
def demo(demo_db):
    with Store(demo_db) as s:
        info = metrics.dataset_info(s)
        yield s, metrics.preset_period("Last 12 months", info.last_day)


def _row(table: pd.DataFrame, area_id: str) -> pd.Series:
    return table[table["area_id"] == area_id].iloc[0]


# --- Library ----------------------------------------------------------------------------------


@pytest.mark.parametrize("end, offense, basis", [
    (None, "all", "occurred"),
    (dt.date(2026, 6, 15), "category:violent", "reported"),  # a month cut short by the end of the period
    (dt.date(2024, 2, 29), "larceny", "occurred"),  # leap day
])
def test_monthly_series_adds_up_to_area_comparison(demo, end, offense, basis):
    s, period = demo
    end = end or period.end
    series = district.monthly_series(s, "2", end, offense, basis)
    assert len(series) == district.SERIES_MONTHS
    assert series["month"].iloc[-1] == end.replace(day=1)
    month_end = (pd.Timestamp(end) + pd.offsets.MonthEnd(0)).date()
    assert bool(series["partial"].iloc[-1]) == (end < month_end)
    assert (pd.to_datetime(series["prior_month"]) == pd.to_datetime(series["month"]) - pd.DateOffset(years=1)).all()
    table = metrics.area_comparison(s, series["month"].iloc[0], end, offense_group=offense, date_basis=basis)
    assert series["incidents"].sum() == _row(table, "2")["incidents"]
    assert series["incidents_prior_year"].sum() == _row(table, "2")["incidents_prior_year"]
    # Each month on its own, too.
    month = series.iloc[5]
    one = metrics.area_comparison(s, month["month"], month["last_day"], offense_group=offense, date_basis=basis)
    assert month["incidents"] == _row(one, "2")["incidents"]
    assert month["incidents_prior_year"] == _row(one, "2")["incidents_prior_year"]


def test_months_before_the_data_are_missing_not_zero(demo):
    s, _ = demo
    series = district.monthly_series(s, "2", dt.date(2021, 6, 30))
    before = series[pd.to_datetime(series["prior_month"]) < pd.Timestamp(2020, 1, 1)]
    assert len(before) and before["incidents_prior_year"].isna().all()
    assert series["incidents"].notna().sum() == 18  # Jan 2020 - Jun 2021


def test_kpis_agree_with_the_overview_numbers(demo):
    s, period = demo
    table = metrics.area_comparison(s, period.start, period.end)
    kpis = district.district_kpis(s, "2", period.start, period.end)
    row = _row(table, "2")
    assert (kpis.incidents, kpis.incidents_prior_year) == (row["incidents"], row["incidents_prior_year"])
    assert kpis.rate_per_1000 == pytest.approx(float(row["rate_per_1000"]))
    assert kpis.engagement_events == row["engagement_events"]
    assert kpis.noise == metrics.noise_label(kpis.noise_z) == row["noise"]
    assert (kpis.noise_z, kpis.dispersion) == (row["noise_z"], row["dispersion"])  # the table's reading
    population = district.get_district(s, "2").population
    assert kpis.denominator == f"per 1,000 of {population:,} residents (2020 population)"
    by_type = district.engagement_by_type(s, "2", period.start, period.end)
    assert by_type["events"].sum() == kpis.engagement_events
    assert by_type["officer_hours"].sum() == pytest.approx(kpis.officer_hours)
    assert kpis.trust is not None and kpis.trust_respondents >= metrics.MIN_RESPONDENTS


def test_neighborhoods_ranked_are_the_districts_and_add_up(demo):
    s, period = demo
    ranking = district.neighborhoods_ranked(s, "2", period.start, period.end)
    areas = s.query("areas", level="neighborhood")
    assert set(ranking.neighborhoods["area_id"]) == set(areas.loc[areas["district_id"] == "2", "area_id"])
    total = ranking.neighborhoods["incidents"].sum() + ranking.outside - ranking.elsewhere
    assert total == ranking.district_incidents
    assert ranking.elsewhere == 0  # demo neighborhoods nest in their districts
    assert ranking.district_incidents == district.district_kpis(s, "2", period.start, period.end).incidents
    rated = ranking.neighborhoods.dropna(subset=["rate_eb_per_1000"])  # ranked by the size-adjusted rate
    assert list(rated["rate_eb_per_1000"]) == sorted(rated["rate_eb_per_1000"], reverse=True)
    assert rated["rate_per_1000"].notna().all()  # the raw rate beside it
    assert list(rated["rank"]) == list(range(1, len(rated) + 1))
    park = ranking.neighborhoods[ranking.neighborhoods["population"] < metrics.MIN_POPULATION_FOR_RATE]
    assert len(park) and park["rate_per_1000"].isna().all() and park["rank"].isna().all()
    has_rate = list(ranking.neighborhoods["rate_per_1000"].notna())
    assert has_rate == sorted(has_rate, reverse=True)  # unrated ones last
    assert ranking.takeaway().startswith("Highest rate (size-adjusted):")


def test_neighborhood_remainders_are_reconciled(tmp_path):
    tables = tiny_city_tables()
    extra = pd.DataFrame([
        # counted in district 1 without a neighborhood; in neighborhood A (district 1) but counted in 2
        ("n1", "2024-03-07 10:00", "2024-03-07 10:00", "robbery", "1", None, 1),
        ("s1", "2024-03-08 10:00", "2024-03-08 10:00", "robbery", "2", "A", 1),
    ], columns=["id", "occurred_at", "reported_at", "offense_group", "district_id", "neighborhood_id", "count"])
    for col in ("occurred_at", "reported_at"):
        extra[col] = pd.to_datetime(extra[col])
    tables["incidents"] = pd.concat([tables["incidents"], extra.reindex(columns=tables["incidents"].columns)],
                                    ignore_index=True)
    db = write_database(tables, tmp_path / "straddle.duckdb")
    with Store(db) as s:
        ranking = district.neighborhoods_ranked(s, "1", dt.date(2024, 3, 1), dt.date(2024, 3, 31))
    assert (ranking.outside, ranking.elsewhere) == (1, 1)
    assert ranking.table["area_id"].iloc[-1] == district.OUTSIDE_ID
    # A (i1 + s1), B (i2; its later correction is its own figure) + outside (n1) - elsewhere (s1)
    # = district 1 (i1, i2, n1)
    assert ranking.neighborhoods["incidents"].sum() + ranking.outside - ranking.elsewhere == ranking.district_incidents == 3


@pytest.mark.parametrize("offense", ["all", "category:violent", "violent", "robbery", "other", "category:other"])
def test_offense_mix_sums_to_the_kpi(demo, offense):
    s, period = demo
    mix = district.offense_mix(s, "5", period.start, period.end, offense)
    kpis = district.district_kpis(s, "5", period.start, period.end, offense)
    assert mix["incidents"].sum() == kpis.incidents
    assert mix["incidents_prior_year"].sum() == kpis.incidents_prior_year
    assert list(mix["incidents"]) == sorted(mix["incidents"], reverse=True)
    if offense in ("robbery", "other"):  # a group (the group "other" is not the category "category:other")
        assert list(mix["offense_group"]) == [offense]
    if offense == "category:other":
        assert set(mix["offense_group"]) > {"other"} and set(mix["category"]) == {"other"}


def test_seasonal_pattern_averages_the_complete_years(demo):
    s, _ = demo
    pattern = district.seasonal_pattern(s, "2")
    assert len(pattern.table) == 12 and list(pattern.table["month"]) == list(range(1, 13))
    assert pattern.years == (2020, 2021, 2022, 2023, 2024, 2025)  # 2026 ends in October
    july = [_row(metrics.area_comparison(s, dt.date(y, 7, 1), dt.date(y, 7, 31)), "2")["incidents"]
            for y in pattern.years]
    assert pattern.table.loc[6, "average"] == pytest.approx(sum(july) / len(july), abs=0.05)
    assert pattern.table.loc[6, "highest"] == max(july)
    assert "peak in" in pattern.takeaway()


def test_no_complete_year_gives_twelve_empty_months(tiny_db):
    with Store(tiny_db) as s:
        pattern = district.seasonal_pattern(s, "1")
    assert pattern.empty and len(pattern.table) == 12 and pattern.table["average"].isna().all()


@pytest.mark.parametrize("call", [
    lambda s: district.get_district(s, "99"),
    lambda s: district.district_kpis(s, "99", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    lambda s: district.monthly_series(s, "99", dt.date(2025, 12, 31)),
    lambda s: district.seasonal_pattern(s, "99"),
    lambda s: district.offense_mix(s, "99", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    lambda s: district.engagement_timeline(s, "99", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    lambda s: district.trust_trend(s, "99", dt.date(2025, 12, 31)),
    lambda s: district.training_hours(s, "99", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    lambda s: district.programs(s, "99"),
    lambda s: district.neighborhoods_ranked(s, "99", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
])
def test_unknown_district_names_the_valid_ids(demo, call):
    with pytest.raises(ValueError, match=r"no district '99'\. Valid district ids: 1, 2, 3, 4, 5, 6, 7, 8, 9"):
        call(demo[0])


def test_programs_of_treated_and_untreated_districts(demo):
    s, period = demo
    two = district.programs(s, "2", period.end)
    assert list(two["name"]) == ["Foot Patrol Initiative"]
    assert two["start_date"].iloc[0] == dt.date(2023, 4, 1) and two["annual_cost"].iloc[0] == 480_000
    assert two["status"].iloc[0] == "running"
    assert list(district.programs(s, "7", period.end)["name"]) == ["Neighborhood Liaison Officers"]
    assert district.programs(s, "1", period.end).empty
    assert district.programs(s, "7", dt.date(2023, 6, 1))["status"].iloc[0] == "starts Jan 1, 2024"


def test_engagement_timeline_matches_the_ledger(demo):
    s, period = demo
    timeline = district.engagement_timeline(s, "2", period.start, period.end)
    by_type = district.engagement_by_type(s, "2", period.start, period.end)
    assert timeline["events"].sum() == by_type["events"].sum() > 0
    assert set(timeline["type"]) <= set(district.ENGAGEMENT_LABELS)
    # Foot patrols tripled in district 2 with the Foot Patrol Initiative.
    assert district.engagement_takeaway(timeline, period.end).endswith("were foot patrols")


def test_trust_trend_hides_small_samples_and_carries_the_city_average(demo):
    s, period = demo
    trend = district.trust_trend(s, "2", period.end)
    assert (trend.loc[trend["shown"], "respondents"] >= metrics.MIN_RESPONDENTS).all()
    assert trend.loc[~trend["shown"], "score"].isna().all()
    assert trend["city_score"].notna().all()
    assert pd.Timestamp(trend["period_start"].max()) <= pd.Timestamp(period.end)
    assert district.trust_takeaway(trend).startswith("Trust in police: ")


def test_training_hours_are_officers_times_hours(demo, demo_tables):
    s, period = demo
    start = district.training_window_start(period.end)
    table = district.training_hours(s, "2", start, period.end)
    raw = demo_tables["training"]
    raw = raw[(raw["district_id"] == "2") & (raw["date"] >= start) & (raw["date"] <= period.end)]
    assert table["officer_hours"].sum() == pytest.approx((raw["officers"] * raw["hours"]).sum())
    sworn = district.get_district(s, "2").sworn_officers
    assert table["hours_per_sworn_officer"].sum() == pytest.approx(table["officer_hours"].sum() / sworn, abs=0.05)
    assert len(district.quarter_labels(start, period.end)) == district.TRAINING_QUARTERS
    summary = district.training_summary(s, "2", period.start, period.end)
    assert summary.hours_per_sworn_officer == pytest.approx(summary.officer_hours / sworn, abs=0.05)


def test_titles_do_not_repeat_the_district_number():
    assert district.district_title("2", "District 2 – Riverfront") == "District 2 – Riverfront"
    assert district.district_title("3", "District 3") == "District 3"
    assert district.district_title("63101", "Downtown West") == "District 63101 – Downtown West"


# --- Figures ----------------------------------------------------------------------------------


def _layers(spec: dict) -> list[dict]:
    """Every single-mark layer of a Vega-Lite spec (layers opened)."""
    return [leaf for part in spec.get("layer", []) for leaf in _layers(part)] if "layer" in spec else [spec]


def _mark(layer: dict) -> str:
    return layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]


def _rows(spec: dict, layer: dict | None = None) -> pd.DataFrame:
    """The rows a layer draws (its own data, else the chart's)."""
    name = ((layer or {}).get("data") or spec.get("data") or {}).get("name")
    return pd.DataFrame(spec["datasets"][name]) if name else pd.DataFrame()


def _title(spec: dict, key: str = "text") -> str:
    text = spec["title"][key]
    return " ".join(text) if isinstance(text, list) else text


def test_monthly_figure_has_the_prior_year_line(demo):
    s, period = demo
    series = district.monthly_series(s, "2", dt.date(2026, 6, 15))
    spec = district_figures.monthly_incidents(series, "Takeaway", "subtitle", period.start, period.end).to_dict()
    lines = [layer for layer in _layers(spec) if _mark(layer) == "line"]
    assert len(lines) == 2  # this year's and the year-earlier line
    colour, dash = lines[0]["encoding"]["color"]["scale"], lines[0]["encoding"]["strokeDash"]["scale"]
    assert colour["domain"] == ["Incidents", "Same month a year earlier"]
    assert colour["range"] == [district_figures.CURRENT_COLOR, district_figures.PRIOR_COLOR]  # the year earlier grey
    assert dash["range"][1] == district_figures.DASH  # ... and dashed
    assert _title(spec) == "Takeaway" and _title(spec, "subtitle") == "subtitle"
    assert lines[0]["encoding"]["y"]["title"] == "Incidents per month"
    rows = _rows(spec)
    assert rows["Counted"].iloc[-2] == "Jun 2026 to Jun 15"  # the partial last month, and its year earlier
    hollow = [layer for layer in _layers(spec) if _mark(layer) == "point" and layer["mark"].get("fill") == "white"]
    assert len(hollow) == 1  # the partial last month is hollow
    last = int(pd.Timestamp(series["month"].iloc[-1]).value // 1_000_000)
    assert str(last) in hollow[0]["transform"][0]["filter"]


def _scale_range(layer: dict) -> list:
    return layer["encoding"]["color"]["scale"]["range"]


def test_bar_figures_use_the_okabe_ito_palette(demo):
    s, period = demo
    mix = district_figures.offense_mix(district.offense_mix(s, "2", period.start, period.end), "Mix").to_dict()
    bars = [layer for layer in _layers(mix) if _mark(layer) == "bar"]
    assert len(bars) == 1 and "yOffset" in bars[0]["encoding"]  # grouped: the period and the year earlier
    assert bars[0]["encoding"]["y"]["type"] == "nominal"  # horizontal: offense groups down the side
    assert bars[0]["encoding"]["x"]["title"] == "Incidents"
    assert _scale_range(bars[0]) == [district_figures.CURRENT_COLOR, district_figures.PRIOR_COLOR]
    timeline = district.engagement_timeline(s, "2", district.window_start(period.end), period.end)
    eng = district_figures.engagement_timeline(timeline, "Engagement").to_dict()
    assert _mark(eng) == "bar" and eng["encoding"]["y"]["stack"] == "zero"
    types = eng["encoding"]["color"]["scale"]["domain"]
    assert len(types) == timeline["type"].nunique() and _scale_range(eng) == figures.CATEGORICAL[:len(types)]
    start = district.training_window_start(period.end)
    training = district_figures.training_hours(district.training_hours(s, "2", start, period.end), "Training",
                                               quarters=district.quarter_labels(start, period.end)).to_dict()
    assert training["encoding"]["y"]["stack"] == "zero"
    assert "officers × hours" in " ".join(training["encoding"]["y"]["title"])
    assert len(training["encoding"]["x"]["scale"]["domain"]) == district.TRAINING_QUARTERS
    seasonal = district_figures.seasonal_pattern(district.seasonal_pattern(s, "2").table, "Season").to_dict()
    assert _mark(_layers(seasonal)[0]) == "bar" and len(_rows(seasonal)) == 12


def test_trust_figure_shows_margin_band_city_average_and_program_start(demo):
    s, period = demo
    trend = district.trust_trend(s, "2", period.end)
    spec = district_figures.trust_trend(trend, "Trust", program_starts=district.programs(s, "2"),
                                        district_name="District 2").to_dict()
    layers = _layers(spec)
    names = layers[0]["encoding"]["color"]["scale"]["domain"]
    assert "95% margin of error" in names and "City average" in names and "District 2" in names
    assert any(_mark(layer) == "area" for layer in layers)  # the band
    starts = [_rows(spec, layer) for layer in layers if _mark(layer) == "text"]
    assert any("Foot Patrol Initiative starts" in list(frame.get("Program", [])) for frame in starts)


@pytest.mark.parametrize("draw", [
    lambda f: district_figures.monthly_incidents(f, "t"),
    lambda f: district_figures.seasonal_pattern(f, "t"),
    lambda f: district_figures.offense_mix(f, "t"),
    lambda f: district_figures.engagement_timeline(f, "t"),
    lambda f: district_figures.trust_trend(f, "t"),
    lambda f: district_figures.training_hours(f, "t"),
])
def test_figures_say_so_when_empty(draw):
    chart = draw(pd.DataFrame())
    assert _title(chart.to_dict()) == "t"
    assert vega.message_of(chart).startswith("No ")


# --- The page ---------------------------------------------------------------------------------


def _run(db, district_id: str | None = None) -> AppTest:
    at = open_tables(AppTest.from_file(PAGE, default_timeout=60))
    if district_id is not None:
        at.query_params["district"] = district_id
    at.run()
    assert not at.exception, at.exception
    return at


def _charts(at) -> list[dict]:
    return vega_charts(at)


@pytest.fixture()
def demo_env(demo_db, monkeypatch):
    monkeypatch.setenv(DB_ENV_VAR, str(demo_db))
    return demo_db


def test_page_for_district_2(demo_env, demo):
    at = _run(demo_env, "2")
    assert at.title[0].value == "District 2 – Riverfront"
    assert "Simulated demo data" in at.warning[0].value
    assert [m.label for m in at.metric] == ["Incidents", "Rate per 1,000 residents", "Engagement activities",
                                            "Officer engagement hours", "Resident trust (0–100)"]
    s, period = demo
    kpis = district.district_kpis(s, "2", period.start, period.end)
    assert at.metric[0].value == f"{kpis.incidents:,}"
    assert any(f"{kpis.population:,} residents (2020 population)" in c.value for c in at.caption)
    assert not plotly_specs(at)  # Vega-Lite only: a first visit loads no Plotly script (issue 16)
    charts = _charts(at)
    # First a small locator map (issue 16): every district, this one filled.
    locator = charts.pop(0)
    assert title_of(locator).startswith("Where District 2 – Riverfront is in the city")
    shapes = [layer for layer in locator["spec"]["layer"] if layer["mark"]["type"] == "geoshape"]
    assert shapes and all(layer["projection"]["type"] == "mercator" for layer in shapes)  # flat shapes, no WebGL
    filled = {layer["mark"].get("fill"): locator["spec"]["datasets"][layer["data"]["name"]] for layer in shapes}
    assert [f["properties"]["district"] for f in filled[district_figures.LOCATOR_FILL]] == ["2"]
    assert len(filled[district_figures.OTHER_FILL]) == len(district.districts(s)) - 1
    kinds = [sorted({_mark(layer) for layer in _layers(c["spec"])}) for c in charts]
    assert {"line", "rect"} <= set(kinds[0])  # monthly, with the year-earlier line and the period shaded
    assert kinds[1] == ["bar"] and kinds[2] == ["bar", "text"]  # season; offense mix with its counts
    assert len(kinds) == 6  # + engagement, trust, training
    series = charts[0]
    shown = next(iter(series["data"].values()))  # the first dataset: what the toolbar's "Show data" shows
    assert list(shown.columns) == ["Month", "Series", "Incidents", "Counted", "Not shown"]  # in the reader's words
    assert set(shown["Series"]) == {"Incidents", "Same month a year earlier"}
    assert all(title_of(c) for c in charts)
    programs = [d.value for d in at.dataframe if "name" in d.value.columns]
    assert "Foot Patrol Initiative" in list(programs[0]["name"])
    neighborhoods = [d.value for d in at.dataframe if "rate_per_1000" in d.value.columns][0]
    areas = s.query("areas", level="neighborhood")
    assert set(neighborhoods["area_id"]) == set(areas.loc[areas["district_id"] == "2", "area_id"])
    keys = {b.proto.id for b in at.get("download_button")}
    assert len(keys) >= 7  # one per chart's numbers and the neighborhood table
    assert len(at.expander) >= 6 and all(e.label == "Show the numbers" for e in at.expander)
    assert any("About this data" in h.value for h in at.subheader)
    assert at.query_params["district"] == "2"


def test_picker_changes_the_district_and_the_url(demo_env):
    at = _run(demo_env, "2")
    before = [m.value for m in at.metric]
    at.selectbox(key="district").select("7").run()
    assert not at.exception
    assert at.title[0].value == "District 7 – Oak Hill"
    assert [m.value for m in at.metric] != before
    assert at.query_params["district"] == "7"
    at.selectbox(key="offense_group").select("category:violent").run()  # the shared filters keep the district
    assert not at.exception and at.title[0].value == "District 7 – Oak Hill"
    assert at.query_params["district"] == "7"


def test_no_district_in_the_url_picks_the_first_and_says_so_in_the_url(demo_env):
    at = _run(demo_env)
    assert at.title[0].value == "District 1 – Northside"
    assert at.query_params["district"] == "1"


def test_unknown_district_shows_an_error_and_a_picker(demo_env):
    at = _run(demo_env, "99")
    assert "There is no district '99'" in at.error[0].value and "1, 2, 3" in at.error[0].value
    assert not at.metric
    at.selectbox(key="district_pick").select("5").run()
    assert not at.exception
    assert at.title[0].value == "District 5 – Southside"
    assert at.query_params["district"] == "5"


def test_city_without_engagement_surveys_training_or_programs(tmp_path, monkeypatch):
    tables = tiny_city_tables()
    tables["engagement_events"] = tables["engagement_events"].iloc[0:0]
    tables["trust_surveys"] = tables["trust_surveys"].iloc[0:0]
    monkeypatch.setenv(DB_ENV_VAR, str(write_database(tables, tmp_path / "bare.duckdb")))
    at = _run(None, "1")
    infos = " ".join(i.value for i in at.info)
    assert "No community-engagement activity is recorded" in infos
    assert "No resident survey is loaded" in infos
    assert "No officer training records" in infos
    assert "No community-policing programs are recorded" in infos
    assert "complete calendar year" in infos  # no seasonal pattern from a few weeks of data
    # No ledger: one "not recorded" across the two engagement columns (the words are not cut off); no survey.
    assert at.metric[2].label == "Engagement activities and officer hours"
    assert at.metric[2].value == "not recorded" and at.metric[3].value == "no survey"
    # In the reader's words (issue 16): no manifest jargon.
    assert "does not publish a record of it" in " ".join(c.value for c in at.caption)


def test_city_without_incidents(tmp_path, monkeypatch):
    tables = tiny_city_tables()
    tables["incidents"] = tables["incidents"].iloc[0:0]
    monkeypatch.setenv(DB_ENV_VAR, str(write_database(tables, tmp_path / "trust_only.duckdb")))
    at = _run(None, "2")
    assert at.title[0].value == "District 2 – East"
    assert at.metric[0].value == "—"
    assert any("No incident data is loaded" in i.value for i in at.info)
    assert at.metric[4].value == "40.0"  # the survey still shows


def test_tiny_city_page(tmp_path, monkeypatch):
    # A private copy: the page's Store stays open for the process, which would block other tests'
    # plain connections to the shared tiny_db file.
    monkeypatch.setenv(DB_ENV_VAR, str(write_database(tiny_city_tables(), tmp_path / "tiny.duckdb")))
    at = _run(None, "1")
    assert at.title[0].value == "District 1 – West"
    assert not at.error
    assert any("Community engagement" in h.value for h in at.subheader)
