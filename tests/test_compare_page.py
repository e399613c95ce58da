"""The Compare districts page: its library equals the District library per district, its figures
are small multiples on shared scales, and the page renders through AppTest."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from community_policing.figures import compare as compare_figures
from community_policing.views import compare, district, metrics
from community_policing.figures.base import CATEGORICAL
from community_policing.data.store import DB_ENV_VAR, Store, write_database
from tests.conftest import open_tables, tiny_city_tables

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "compare.py")
IDS = ["2", "5"]


@pytest.fixture(scope="module")
def demo(demo_db):
    with Store(demo_db) as s:
        info = metrics.dataset_info(s)
        yield s, metrics.preset_period("Last 12 months", info.last_day)


# --- Library: the same numbers as the District page's library ------------------------------------


def _own(table: pd.DataFrame, district_id: str) -> pd.DataFrame:
    return table[table["district_id"] == district_id].drop(columns=["district_id", "title"]).reset_index(drop=True)


def test_kpis_equal_the_district_kpis(demo):
    s, period = demo
    table = compare.kpi_table(s, IDS, period.start, period.end)
    assert list(table["district_id"]) == IDS
    for did in IDS:
        k = district.district_kpis(s, did, period.start, period.end)
        row = table[table["district_id"] == did].iloc[0]
        assert (row["incidents"], row["incidents_prior_year"], row["change"]) == (
            k.incidents, k.incidents_prior_year, k.change)
        assert row["noise"] == k.noise and row["noise_z"] == k.noise_z and row["dispersion"] == k.dispersion
        assert float(row["rate_per_1000"]) == pytest.approx(k.rate_per_1000)
        assert (row["engagement_events"], row["officer_hours"]) == (k.engagement_events, k.officer_hours)
        assert float(row["trust"]) == pytest.approx(k.trust) and row["trust_respondents"] == k.trust_respondents


def test_monthly_offense_engagement_and_trust_equal_the_district_library(demo):
    s, period = demo
    start = district.window_start(period.end)
    monthly = compare.monthly_table(s, IDS, period.end, "category:violent", "reported")
    mix = compare.offense_mix_table(s, IDS, period.start, period.end)
    engagement = compare.engagement_table(s, IDS, start, period.end)
    trust = compare.trust_table(s, IDS, period.end)
    for did in IDS:
        series = district.monthly_series(s, did, period.end, "category:violent", "reported")
        pd.testing.assert_frame_equal(_own(monthly, did)[list(series.columns)], series)
        population = district.get_district(s, did).population
        rate = _own(monthly, did)["rate_per_1000"].astype(float)
        assert rate.to_numpy() == pytest.approx((series["incidents"].astype(float) / population * 1000).round(2))
        pd.testing.assert_frame_equal(_own(mix, did), district.offense_mix(s, did, period.start, period.end))
        timeline = district.engagement_timeline(s, did, start, period.end)
        own = _own(engagement, did)
        assert len(own) == district.SERIES_MONTHS
        assert own["events"].sum() == timeline["events"].sum()
        by_month = timeline.groupby("month")["events"].sum()
        for month, n in by_month.items():
            assert own.loc[own["month"] == month, "events"].iloc[0] == n
        pd.testing.assert_frame_equal(_own(trust, did), district.trust_trend(s, did, period.end))
    hidden = trust[~trust["shown"]]
    assert hidden["score"].isna().all() and (hidden["respondents"] < metrics.MIN_RESPONDENTS).all()


def test_parse_and_selection_problem():
    assert compare.parse_districts("2, 5,,2") == ["2", "5"]
    assert compare.parse_districts(None) == []
    assert "at least 2" in compare.selection_problem(["1"])
    assert "at most 4" in compare.selection_problem(["1", "2", "3", "4", "5"])
    assert compare.selection_problem(["1", "2"]) is None and compare.selection_problem(list("1234")) is None


def test_unknown_district_names_the_valid_ids(demo):
    s, period = demo
    with pytest.raises(ValueError, match="Valid district ids"):
        compare.kpi_table(s, ["2", "99"], period.start, period.end)


# --- Figures: one facet per district, shared y-axes ------------------------------------------------


@pytest.mark.parametrize("ids", [["2", "5"], ["1", "3", "7"], ["1", "2", "3", "4"]])
def test_figures_are_small_multiples_on_shared_axes(demo, ids):
    s, period = demo
    start = district.window_start(period.end)
    monthly = compare.monthly_table(s, ids, period.end)
    figs = {
        "monthly": compare_figures.monthly_incidents(monthly, "t"),
        "mix": compare_figures.offense_mix(compare.offense_mix_table(s, ids, period.start, period.end), "t"),
        "engagement": compare_figures.engagement_rates(compare.engagement_table(s, ids, start, period.end), "t"),
        "trust": compare_figures.trust_trends(compare.trust_table(s, ids, period.end, start=start), "t"),
    }
    titles = [district.get_district(s, i).title for i in ids]
    for name, fig in figs.items():
        layout = fig.to_dict()["layout"]
        xaxes = sorted(k for k in layout if k.startswith("xaxis"))
        yaxes = sorted(k for k in layout if k.startswith("yaxis"))
        assert len(xaxes) == len(yaxes) == len(ids), name  # one facet per district
        assert all(layout[y].get("matches") == "y" for y in yaxes if y != "yaxis"), name  # shared y
        assert [a["text"] for a in layout["annotations"]][:len(ids)] == [f"<b>{t}</b>" for t in titles], name
        assert layout["title"]["text"] and layout["title"]["subtitle"]["text"] is not None
        used = {t.yaxis or "y" for t in fig.data}
        assert len(used) == len(ids), name
    # One Okabe-Ito colour per district, the year-earlier line grey and dashed.
    lines = [t for t in figs["monthly"].data if t.name.startswith("District")]
    assert [t.line.color for t in lines] == CATEGORICAL[:len(ids)]
    assert all(t.line.dash == "dash" for t in figs["monthly"].data if t.name == "Same month a year earlier")
    rate = compare_figures.rate_lines(monthly, "t")
    assert len(rate.data) == len(ids) and "1,000 residents" in rate.layout.yaxis.title.text


def test_figures_say_so_when_empty():
    empty = pd.DataFrame(columns=["district_id", "title", "incidents", "share_pct", "events", "events_per_1000",
                                  "score", "rate_per_1000"])
    for draw in (compare_figures.monthly_incidents, compare_figures.offense_mix, compare_figures.engagement_rates,
                 compare_figures.trust_trends, compare_figures.rate_lines):
        fig = draw(empty, "Nothing")
        assert fig.layout.annotations and not fig.data


# --- The page -------------------------------------------------------------------------------------


@pytest.fixture()
def demo_env(demo_db, monkeypatch):
    monkeypatch.setenv(DB_ENV_VAR, str(demo_db))
    return demo_db


def _run(districts: str | None = None) -> AppTest:
    at = open_tables(AppTest.from_file(PAGE, default_timeout=60))
    if districts is not None:
        at.query_params["districts"] = districts
    at.run()
    assert not at.exception, at.exception
    return at


def _charts(at) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


@pytest.mark.parametrize("districts", ["2,5", "1,3,7", "1,2,3,4"])
def test_page_renders_with_two_to_four_districts(demo_env, demo, districts):
    at = _run(districts)
    ids = districts.split(",")
    assert at.multiselect(key="compare_districts").value == ids
    assert at.query_params["districts"] == districts
    charts = _charts(at)
    assert len(charts) == 5  # monthly, rate, offense mix, engagement, trust
    assert all(c["layout"]["title"]["text"] for c in charts)
    for c in [charts[0], *charts[2:]]:
        assert len([k for k in c["layout"] if k.startswith("yaxis")]) == len(ids)
    kpis = at.dataframe[0].value
    assert list(kpis["District"].str.slice(0, 10).str.strip()) == [f"District {i}" for i in ids]
    s, period = demo
    expected = compare.kpi_table(s, ids, period.start, period.end)
    assert list(kpis["Incidents"]) == list(expected["incidents"])
    assert len(at.expander) == 5 and all(e.label == "Show the numbers" for e in at.expander)
    assert len(at.get("download_button")) == 10  # CSV and Excel for each of the 5 tables
    assert any("About this data" in h.value for h in at.subheader)


def test_no_url_defaults_to_the_first_two_and_writes_the_url(demo_env):
    at = _run()
    assert at.multiselect(key="compare_districts").value == ["1", "2"]
    assert at.query_params["districts"] == "1,2"


@pytest.mark.parametrize("districts, words", [("3", "at least 2"), ("1,2,3,4,5", "at most 4")])
def test_one_or_five_districts_give_a_sentence(demo_env, districts, words):
    at = _run(districts)
    assert any(words in i.value for i in at.info)
    assert not at.get("plotly_chart")


def test_picker_changes_the_url(demo_env):
    at = _run("2,5")
    at.multiselect(key="compare_districts").select("7").run()
    assert not at.exception and at.query_params["districts"] == "2,5,7"
    assert len(_charts(at)) == 5
    at.multiselect(key="compare_districts").unselect("2").unselect("5").run()
    assert not at.exception and any("at least 2" in i.value for i in at.info)
    assert at.query_params["districts"] == "7"


def test_unknown_district_in_the_url_is_named(demo_env):
    at = _run("2,99,5")
    assert any("'99'" in w.value for w in at.warning)
    assert at.multiselect(key="compare_districts").value == ["2", "5"]


def test_city_without_engagement_or_surveys(tmp_path, monkeypatch):
    tables = tiny_city_tables()
    tables["engagement_events"] = tables["engagement_events"].iloc[0:0]
    tables["trust_surveys"] = tables["trust_surveys"].iloc[0:0]
    monkeypatch.setenv(DB_ENV_VAR, str(write_database(tables, tmp_path / "bare.duckdb")))
    at = _run("1,2")
    infos = " ".join(i.value for i in at.info)
    assert "No community-engagement activity is recorded" in infos
    assert "No resident survey is loaded" in infos
    assert any("About this data" in h.value for h in at.subheader)
