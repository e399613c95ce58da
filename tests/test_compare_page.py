"""The Compare districts page: its library equals the District library per district, its figures
are small multiples on shared scales, and the page renders through AppTest."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from community_policing.figures import compare as compare_figures, vega
from community_policing.views import compare, district, metrics
from community_policing.figures.base import CATEGORICAL
from community_policing.data.store import DB_ENV_VAR, Store, write_database
from tests.charts import subtitle_of, title_of, vega_charts
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


# --- Figures: one panel per district, shared y scale ----------------------------------------------


def _layers(view: dict) -> list[dict]:
    return view.get("layer", [view])


def _encodings(view: dict, channel: str) -> list[dict]:
    return [layer["encoding"][channel] for layer in _layers(view) if channel in layer.get("encoding", {})]


def _heading(panel: dict) -> str:
    return " ".join(line for line in panel["title"]["text"] if line.strip())


@pytest.mark.parametrize("ids", [["2", "5"], ["1", "3", "7"], ["1", "2", "3", "4"]])
def test_figures_are_small_multiples_on_shared_axes(demo, ids):
    s, period = demo
    start = district.window_start(period.end)
    monthly = compare.monthly_table(s, ids, period.end)
    figs = {
        "monthly": compare_figures.monthly_incidents(monthly, "t", "s"),
        "mix": compare_figures.offense_mix(compare.offense_mix_table(s, ids, period.start, period.end), "t", "s"),
        "engagement": compare_figures.engagement_rates(compare.engagement_table(s, ids, start, period.end), "t", "s"),
        "trust": compare_figures.trust_trends(compare.trust_table(s, ids, period.end, start=start), "t", "s"),
    }
    titles = [district.get_district(s, i).title for i in ids]
    for name, fig in figs.items():
        spec = fig.to_dict()
        panels = spec["concat"]
        assert len(panels) == len(ids), name  # one panel per district
        assert spec["resolve"]["scale"]["y"] == "shared", name  # one y scale...
        # ... stated in every panel: the same height is the same number in each (the offense mix: the same
        # length is the same share, and the groups line up in one order).
        value = "x" if name == "mix" else "y"
        domains = [[json.dumps(e["scale"].get("domain")) for e in _encodings(p, value) if "scale" in e] for p in panels]
        assert all(domains) and len({d for p in domains for d in p}) == 1, (name, domains)
        if name == "mix":
            assert len({json.dumps(e["sort"]) for p in panels for e in _encodings(p, "y")}) == 1
        assert [_heading(p) for p in panels] == titles, name  # headed by the district, in the order chosen
        # Every panel fits two to a row on a 390 px phone (358 px of chart).
        assert spec["columns"] == 2 and all(p["width"] <= 120 for p in panels), name
        assert title_of({"spec": spec}) == "t" and subtitle_of({"spec": spec}) == "s", name
    # One Okabe-Ito colour per district, the year-earlier line grey and dashed.
    colour = _encodings(figs["monthly"].to_dict()["concat"][0], "color")[0]["scale"]
    dash = _encodings(figs["monthly"].to_dict()["concat"][0], "strokeDash")[0]["scale"]
    assert colour["domain"] == [f"District {i}" for i in ids] + ["Same month a year earlier"]
    assert colour["range"] == CATEGORICAL[:len(ids)] + [vega.PRIOR_COLOR]
    assert all(d == [1, 0] for d in dash["range"][:-1]) and dash["range"][-1] != [1, 0]  # only the year earlier
    rate = compare_figures.rate_lines(monthly, "t").to_dict()
    lines = [layer for layer in rate["layer"] if layer.get("mark", {}).get("type") == "line"]
    assert len(lines) == 1 and lines[0]["encoding"]["color"]["scale"]["domain"] == titles  # one line each
    assert lines[0]["encoding"]["color"]["scale"]["range"] == CATEGORICAL[:len(ids)]
    assert "1,000 residents" in " ".join(lines[0]["encoding"]["y"]["title"])


def test_figures_say_so_when_empty():
    empty = pd.DataFrame(columns=["district_id", "title", "incidents", "share_pct", "events", "events_per_1000",
                                  "score", "rate_per_1000"])
    for draw in (compare_figures.monthly_incidents, compare_figures.offense_mix, compare_figures.engagement_rates,
                 compare_figures.trust_trends, compare_figures.rate_lines):
        chart = draw(empty, "Nothing")
        assert vega.message_of(chart) and "concat" not in chart.to_dict()


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
    assert not at.get("plotly_chart")  # no Plotly chart: the page's first visit loads no Plotly script
    return vega_charts(at)


@pytest.mark.parametrize("districts", ["2,5", "1,3,7", "1,2,3,4"])
def test_page_renders_with_two_to_four_districts(demo_env, demo, districts):
    at = _run(districts)
    ids = districts.split(",")
    assert at.multiselect(key="compare_districts").value == ids
    assert at.query_params["districts"] == districts
    charts = _charts(at)
    assert len(charts) == 5  # monthly, rate, offense mix, engagement, trust
    assert all(title_of(c) and subtitle_of(c) for c in charts)
    assert all(c["alt"] for c in charts)  # a text alternative each
    for c in [charts[0], *charts[2:]]:
        assert len(c["spec"]["concat"]) == len(ids)
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
    assert not at.get("plotly_chart") and not at.get("vega_lite_chart")


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


def test_public_view_charts_show_no_small_count_and_mark_hidden_months(demo_env, monkeypatch):
    # Homicides per district and month: small counts, which the public view hides. Each chart's data is what its
    # tooltips and the chart menu's "Show data" show a reader, so no count from 1 to 3 may be in it; a hidden month
    # has a cross on the baseline whose tooltip gives the note ("fewer than 4"), never the number.
    monkeypatch.setenv("COMMON_GROUND_MODE", "public")
    at = open_tables(AppTest.from_file(PAGE, default_timeout=90))
    at.query_params["districts"] = "2,5"
    at.session_state["offense_group"] = "homicide"
    at.run()
    assert not at.exception, at.exception
    charts = _charts(at)
    counts = {"Incidents", "A year earlier", "Activities"}
    for chart in charts:
        for frame in chart["data"].values():
            for column in counts & set(frame.columns):
                values = frame[column].dropna().tolist()
                assert not [v for v in values if str(v).strip() in {"1", "2", "3", "1.0", "2.0", "3.0"}], (
                    title_of(chart), column, values)
            assert not [c for c in frame.columns if "_" in c or c[:1].islower()], frame.columns  # the reader's words
    crosses = [layer for panel in charts[0]["spec"]["concat"] for layer in panel["layer"]
               if layer["mark"].get("shape") == "cross"]
    assert crosses  # some months are hidden, and say so
    notes = {r["Incidents"] for frame in charts[0]["data"].values() if "Line" in frame and "Month a year earlier"
             not in frame for r in frame.to_dict("records") if isinstance(r.get("Incidents"), str)}
    assert "fewer than 4" in notes and not [n for n in notes if n.strip().isdigit()], notes  # notes, not numbers
