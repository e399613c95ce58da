"""The "Engagement vs outcomes" page: its library (on a real demo warehouse), its figures, and the
page itself through AppTest, including cities without an engagement ledger or a survey."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd
import pytest
import numpy as np
import statsmodels.formula.api as smf
from streamlit.testing.v1 import AppTest

from community_policing.stats import did, engagement_stats, trust_stats
from community_policing.views import evaluation, metrics
from community_policing.figures import engagement as ef, vega
from community_policing.views import engagement_view as ev
from community_policing.data.store import DB_ENV_VAR, Store, write_database
from tests.charts import subtitle_of, title_of, vega_charts
from tests.conftest import open_tables, tiny_city_tables

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "engagement.py")


@pytest.fixture(scope="module")
def demo_store(demo_db):
    with Store(demo_db) as store:
        yield store


@pytest.fixture(scope="module")
def demo_frames(demo_store):
    return ev.quarterly_intensity(demo_store), ev.quarterly_outcomes(demo_store)


# --- Library on the demo warehouse ----------------------------------------------------------------


def test_quarterly_intensity_matches_a_recount_of_the_ledger(demo_store, demo_frames):
    intensity, _ = demo_frames
    events = evaluation.engagement_inputs(demo_store)["engagement_events"]
    events = events.assign(quarter=pd.to_datetime(events["date"]).dt.to_period("Q").dt.start_time)
    recount = events.groupby(["district_id", "quarter"]).size()
    by_type = events.groupby(["district_id", "quarter", "type"]).size()
    hours = events.groupby(["district_id", "quarter"])["officer_hours"].sum()
    assert len(intensity) > 0
    for row in intensity.itertuples():
        k = (row.district_id, row.quarter)
        assert row.events_total == recount.get(k, 0), k
        assert row.events_foot_patrol == by_type.get((*k, "foot_patrol"), 0), k
        assert row.officer_hours == pytest.approx(hours.get(k, 0.0)), k
    # Every kept quarter is complete: the ledger covers all three of its months.
    first, last = pd.to_datetime(events["date"]).min(), pd.to_datetime(events["date"]).max()
    assert intensity["quarter"].min() >= first.to_period("M").start_time
    assert (intensity["quarter"] + pd.offsets.QuarterEnd(0)).max() <= last.to_period("M").end_time
    assert intensity.groupby("quarter")["district_id"].nunique().eq(intensity["district_id"].nunique()).all()


def test_quarterly_incidents_match_the_monthly_aggregate(demo_store, demo_frames):
    _, outcomes = demo_frames
    info = metrics.dataset_info(demo_store)
    monthly = evaluation.inputs(demo_store)["monthly_incidents"]
    monthly = monthly.assign(quarter=pd.to_datetime(monthly["month"]).dt.to_period("Q").dt.start_time)
    recount = monthly.groupby(["district_id", "quarter"])["incidents"].sum()
    with_incidents = outcomes.dropna(subset=["incidents"])
    assert len(with_incidents) > 0
    for row in with_incidents.itertuples():
        assert row.incidents == recount.get((row.district_id, row.quarter), 0)
        # Only quarters the incident data cover from their first to their last day.
        assert row.quarter.date() >= info.first_day
        assert (row.quarter + pd.offsets.QuarterEnd(0)).date() <= info.last_day
    dropped = set(recount.index.get_level_values("quarter")) - set(with_incidents["quarter"])
    for quarter in dropped:  # a dropped quarter is one the data only partly cover
        assert quarter.date() < info.first_day or (quarter + pd.offsets.QuarterEnd(0)).date() > info.last_day
    # Trust is the respondent-weighted mean of the quarter's survey results.
    trust = evaluation.inputs(demo_store)["trust_surveys"]
    row = outcomes.dropna(subset=["trust"]).iloc[5]
    part = trust[(trust["measure"] == "trust") & (trust["district_id"] == row.district_id)
                 & (pd.to_datetime(trust["period_start"]).dt.to_period("Q").dt.start_time == row.quarter)]
    part = part[part["respondents"] >= metrics.MIN_RESPONDENTS]
    expected = (part["score"] * part["respondents"]).sum() / part["respondents"].sum()
    assert row.trust == pytest.approx(expected, abs=0.006)
    assert row.trust_respondents == part["respondents"].sum()


@pytest.mark.parametrize("outcome", ["incidents", "trust"])
def test_association_for_every_lag(demo_frames, outcome):
    intensity, outcomes = demo_frames
    for lag in ev.LAGS:
        assoc = ev.associate(intensity, outcomes, "events_total_per_1000", outcome, lag)
        res = assoc.result
        assert res.n > 0 and assoc.enough and res.lag == lag and res.n_districts == 9
        assert -1 <= res.r_ci_low <= res.r <= res.r_ci_high <= 1
        assert res.slope_ci_low <= res.slope <= res.slope_ci_high
        assert 0 < res.p_value <= 1 and res.permutations == engagement_stats.PERMUTATIONS + 1
        # The plotted points are engagement and change less their district and calendar-quarter means;
        # the line is the fixed-effects slope (statsmodels with district and quarter dummies), through them.
        pts = assoc.points.assign(q=assoc.points["engagement_quarter"], c=assoc.points["change"] * assoc.y_scale)
        fit = smf.ols("c ~ intensity + C(district_id) + C(q)", data=pts).fit()
        assert assoc.slope[0] == pytest.approx(fit.params["intensity"], rel=1e-6)
        assert assoc.points.groupby("district_id")["x"].sum().abs().max() < 1e-9
        assert assoc.points.groupby("engagement_quarter")["y"].sum().abs().max() < 1e-6
        assert res.r == pytest.approx(np.corrcoef(assoc.points["x"], assoc.points["y"])[0, 1])
        assert assoc.intercept == pytest.approx(0, abs=1e-9)
        assert "r = " in assoc.r_text() and f"n = {res.n:,} district-quarters in 9 districts" in assoc.r_text()
        assert "p = " in assoc.r_text() or "p < 0.001" in assoc.r_text()


def test_lag_pairs_engagement_with_the_same_quarter_a_year_earlier(demo_frames):
    intensity, outcomes = demo_frames
    value = outcomes.set_index(["district_id", "quarter_label"])["incidents"]
    for lag in (1, 2, 4):
        assoc = ev.associate(intensity, outcomes, "officer_hours_per_1000", "incidents", lag=lag)
        point = assoc.points.iloc[10]
        before = value[(point["district_id"], point["change_from"])]
        after = value[(point["district_id"], point["change_to"])]
        assert point["change"] == pytest.approx(after / before - 1)
        start = pd.Period(point["engagement_quarter"].replace(" ", ""), freq="Q")
        assert point["change_to"] == f"{(start + lag).year} Q{(start + lag).quarter}"
        assert point["change_from"] == f"{(start + lag - 4).year} Q{(start + lag - 4).quarter}"
    assert "in the next quarter, compared with the same quarter a year earlier" in ev.lag_sentence(1)
    assert "3 quarters later, compared with the same quarter a year earlier" in ev.lag_sentence(3)


def test_too_few_quarters_or_districts_is_a_sentence(demo_frames):
    intensity, outcomes = demo_frames
    last = sorted(outcomes["quarter"].unique())[-4:]
    short = outcomes[outcomes["quarter"].isin(last)]
    assoc = ev.associate(intensity[intensity["quarter"].isin(last)], short, "events_total_per_1000", "incidents",
                         lag=1)
    assert assoc.n == 0 and not assoc.enough
    sentence = ev.too_few_sentence(assoc)
    assert sentence.startswith("Too few quarters for a lag of 1")
    assert "1 quarter after the engagement and a year before that" in sentence and "4 complete quarters" in sentence
    four = intensity["district_id"].isin(["1", "2", "3", "4"])
    few = ev.associate(intensity[four], outcomes[outcomes["district_id"].isin(["1", "2", "3", "4"])],
                       "events_total_per_1000", "incidents", lag=1)
    assert few.n > 0 and not few.enough and math.isnan(few.result.p_value)
    assert ev.too_few_sentence(few).startswith("Only 4 districts have engagement and the change in incidents")
    assert "At least 5 are needed" in ev.too_few_sentence(few)


def test_latest_intensity_and_reporting_check(demo_store, demo_frames):
    intensity, outcomes = demo_frames
    table, quarters = ev.latest_intensity(intensity)
    assert len(quarters) == 4 and len(table) == intensity["district_id"].nunique()
    last4 = intensity[intensity["quarter"].isin(sorted(intensity["quarter"].unique())[-4:])]
    assert table["events_total"].sum() == last4["events_total"].sum()
    assert table.set_index("district_id")["attendees_per_1000"].astype(float).to_dict() == pytest.approx(
        last4.groupby("district_id")["attendees_per_1000"].sum().astype(float).round(2).to_dict())
    cols = ev.latest_table_columns(table)
    assert cols[:4] == ["district_id", "district_name", "events_total", "events_total_per_1000"]
    assert "training_hours_per_officer" in cols and "events_feedback_session_per_1000" in cols

    check = ev.reporting_check(outcomes, demo_store.query("districts_table"))
    assert check.missing is None and len(check.table) == 9
    both = (check.table["trust_change"] > ev.TRUST_RISE_POINTS) & (check.table["crime_change"] > ev.CRIME_RISE_PCT)
    assert check.table["flag"].tolist() == both.tolist()
    assert (check.flagged["note"] == trust_stats.REPORTING_NOTE).all()
    none = ev.reporting_check(outcomes.assign(trust=float("nan")))
    assert none.missing == "no resident survey"


def test_complete_quarters():
    assert ev.complete_quarters(dt.date(2020, 1, 1), dt.date(2020, 12, 31))[-1] == pd.Timestamp("2020-10-01")
    assert len(ev.complete_quarters(dt.date(2020, 1, 2), dt.date(2020, 12, 30))) == 2
    assert ev.complete_quarters(dt.date(2020, 2, 1), dt.date(2020, 3, 31)) == []
    assert ev.complete_quarters(None, None) == []


# --- Figures --------------------------------------------------------------------------------------


def _layers(spec: dict) -> list[dict]:
    """The single views of a Vega-Lite spec, in drawing order (layers opened)."""
    if "layer" not in spec:
        return [spec]
    return [view for part in spec["layer"] for view in _layers(part)]


def _mark(view: dict) -> str:
    return view["mark"]["type"] if isinstance(view["mark"], dict) else view["mark"]


def _frames(spec: dict) -> dict[str, pd.DataFrame]:
    return {name: pd.DataFrame(values) for name, values in spec["datasets"].items()}


def _view_data(spec: dict, frames: dict, view: dict) -> pd.DataFrame:
    return frames[(view.get("data") or spec["data"])["name"]]


def test_scatter_has_trend_line_r_and_caption(demo_frames):
    intensity, outcomes = demo_frames
    assoc = ev.associate(intensity, outcomes, "events_total_per_1000", "incidents", 1)
    s, lo, hi = assoc.slope
    chart = ef.association_scatter(assoc.points, title=f"{assoc.takeaway()}: {assoc.r_text()}",
                                   subtitle=assoc.slope_text(), x_label="x", y_label="y", slope=s,
                                   intercept=assoc.intercept, slope_low=lo, slope_high=hi, y_suffix="%")
    spec = chart.to_dict()
    frames = _frames(spec)
    views = _layers(spec)
    series = {_mark(v): _view_data(spec, frames, v) for v in views if "series" in _view_data(spec, frames, v)}
    assert set(series["line"]["series"]) == {ef.TREND_NAME}
    assert set(series["area"]["series"]) == {"95% CI of the slope"}
    key = next(v for v in views if _mark(v) == "line")["encoding"]["color"]["scale"]["domain"]
    assert key == [ef.TREND_NAME, "95% CI of the slope"]  # both in the chart's key
    # The fitted line is y = intercept + slope * x.
    line = series["line"]
    assert line["y"].to_numpy() == pytest.approx(assoc.intercept + s * line["x"].to_numpy())
    # The band pivots on the points' mean, where the fitted line passes: the band's edges are the interval's slopes.
    band = series["area"]
    x_end, upper, lower = band["x"].iloc[-1], band["high"].iloc[-1], band["low"].iloc[-1]
    assert upper - lower == pytest.approx((hi - lo) * (x_end - assoc.points["x"].mean()))
    title = " ".join(spec["title"]["text"]) if isinstance(spec["title"]["text"], list) else spec["title"]["text"]
    assert "r = " in title and "district-quarters" in title
    subtitle = spec["title"]["subtitle"]
    lead = engagement_stats.ASSOCIATION_CAPTION.split(":")[0]
    assert (" ".join(subtitle) if isinstance(subtitle, list) else subtitle).startswith(lead)
    # One colour and shape per district, in Okabe-Ito colours; the ninth reuses a colour with another shape.
    points = next(v for v in views if _mark(v) == "point")
    colour, shape = points["encoding"]["color"]["scale"], points["encoding"]["shape"]["scale"]
    assert len(colour["domain"]) == 9 and set(colour["range"]) <= set(ef.CATEGORICAL)
    assert colour["range"][8] == colour["range"][0] and shape["range"][8] != shape["range"][0]
    assert len(_view_data(spec, frames, points)) == assoc.n
    # The points are the first dataset (Streamlit's "Show data"), under the reader's names.
    shown = next(iter(frames.values()))
    assert len(shown) == assoc.n and {"District", "Engagement quarter", "Change from", "Change to", "x", "y"} \
        == set(shown.columns)
    empty = ef.association_scatter(assoc.points.iloc[0:0], title="t", subtitle="", x_label="x", y_label="y",
                                   slope=math.nan, intercept=math.nan)
    assert "No district-quarter" in vega.message_of(empty)


def test_intensity_bars(demo_frames):
    table, _ = ev.latest_intensity(demo_frames[0])
    chart = ef.intensity_bars(table, "events_total_per_1000", "Activities per 1,000", "Title", "Sub")
    spec = chart.to_dict()
    bars = next(v for v in _layers(spec) if _mark(v) == "bar")
    shown = _view_data(spec, _frames(spec), bars).set_index("District")["Activities per 1,000"]
    order = bars["encoding"]["y"]["sort"]
    assert len(order) == 9 and list(shown[order]) == sorted(shown, reverse=True)  # highest at the top
    assert "No district" in vega.message_of(ef.intensity_bars(table.iloc[0:0], "events_total_per_1000", "x", "t", "s"))


# --- The page through AppTest -------------------------------------------------------------------


def _run(db: Path, monkeypatch) -> AppTest:
    monkeypatch.setenv(DB_ENV_VAR, str(db))
    at = open_tables(AppTest.from_file(PAGE, default_timeout=60))
    at.run()
    assert not at.exception, at.exception
    return at


def _scatter(at: AppTest) -> dict:
    for chart in vega_charts(at):
        if any(ef.TREND_NAME in set(frame.get("series", [])) for frame in chart["data"].values()):
            return chart
    raise AssertionError("no scatter on the page")


def _points(chart: dict) -> list:
    return next(iter(chart["data"].values())).to_numpy().tolist()  # the first dataset: the points


def _axis_title(chart: dict, channel: str) -> str:
    view = next(v for v in _layers(chart["spec"]) if _mark(v) == "point")
    title = view["encoding"][channel]["title"]
    return " ".join(title) if isinstance(title, list) else title


def test_page_on_the_demo_city(demo_db, monkeypatch):
    at = _run(demo_db, monkeypatch)
    assert at.title[0].value == "Engagement vs outcomes"
    assert "Simulated demo data" in at.warning[0].value
    assert "association, not effect" in at.markdown[0].value
    captions = " ".join(c.value for c in at.caption)
    assert engagement_stats.ASSOCIATION_CAPTION.partition(":")[2] in captions
    assert "**Association, not effect:**" in captions and "not independent" in captions
    assert "What is not: engagement sent in response to a district's own recent crime" in captions
    assert "1,999 random reshufflings that hand whole districts' engagement histories" in captions
    assert "in the next quarter, compared with the same quarter a year earlier" in captions
    assert "the seasons and citywide swings drop out" in captions
    spec = _scatter(at)
    assert "r = " in title_of(spec) and "in 9 districts" in title_of(spec)
    assert "less the district's and the quarter's average" in _axis_title(spec, "x")
    assert _axis_title(spec, "y").startswith("% change in incidents from a year earlier")
    assert spec["alt"].startswith("Scatter plot: ") and "r = " in spec["alt"]
    assert not at.get("plotly_chart")  # no Plotly on the page's first view: its 4.6 MB script is not loaded
    assert len(at.dataframe) >= 1 and at.get("download_button")
    subheaders = [s.value for s in at.subheader]
    assert any("latest 4 quarters" in s for s in subheaders)
    assert "Did trust and recorded crime rise together?" in subheaders
    assert any(trust_stats.REPORTING_NOTE in c.value for c in at.caption) or \
        any(trust_stats.REPORTING_NOTE in w.value for w in at.warning)
    assert subheaders[-1] == "About this data"

    before = _points(spec)
    at.radio(key="eng_lag").set_value(3).run()
    assert not at.exception
    after = _scatter(at)
    assert _points(after) != before
    assert "3 quarters on" in title_of(after)

    at.radio(key="eng_outcome").set_value("trust").run()
    assert not at.exception
    trust = _scatter(at)
    assert "trust" in _axis_title(trust, "y").lower()
    assert "trust score from a year earlier" in title_of(trust) or "saw trust that" in title_of(trust)
    notes = " ".join(m.value for m in at.markdown)
    assert "give 40 different associations (measures × outcomes × lags)" in notes

    at.selectbox(key="eng_measure").select("training_hours_per_officer").run()
    assert not at.exception
    assert "training" in _axis_title(_scatter(at), "x").lower()


def _tiny(tmp_path: Path, name: str, **changes) -> Path:
    tables = tiny_city_tables()
    for table, frame in changes.items():
        tables[table] = frame(tables[table])
    return write_database(tables, tmp_path / f"{name}.duckdb")


def test_city_without_engagement_says_so(tmp_path, monkeypatch):
    db = _tiny(tmp_path, "no_engagement", engagement_events=lambda f: f.iloc[0:0])
    at = _run(db, monkeypatch)
    infos = [i.value for i in at.info]
    assert any("Community engagement is not recorded for Tiny Test City" in i for i in infos)
    assert not at.get("plotly_chart") and not at.get("vega_lite_chart")
    assert at.subheader[-1].value == "About this data"


def test_city_without_surveys_and_with_too_few_quarters(tmp_path, monkeypatch):
    db = _tiny(tmp_path, "no_trust", trust_surveys=lambda f: f.iloc[0:0])
    at = _run(db, monkeypatch)
    assert at.radio(key="eng_outcome").options == ["Change in incidents"]
    captions = " ".join(c.value for c in at.caption)
    assert "Change in trust is not offered: no resident survey is loaded" in captions
    infos = " ".join(i.value for i in at.info)
    assert "Too few quarters" in infos or "too few" in infos
    assert "no resident survey" in infos  # the reporting check cannot be made either


def test_takeaway_reads_the_direction_only_when_the_interval_excludes_zero():
    rng = np.random.default_rng(8)
    quarters = pd.period_range("2021Q1", "2024Q4", freq="Q").start_time
    rows_i, rows_o = [], []
    for d in "ABCDEFG":
        engagement = rng.gamma(4.0, 1.0, len(quarters))
        for i, q in enumerate(quarters):
            # By construction: more engagement than usual, more incidents the next quarter; seasons on top.
            prior = engagement[i - 1] if i else 4.0
            rows_i.append((d, d, q, engagement[i]))
            rows_o.append((d, q, 400 * (1 + 0.1 * (i % 4 == 2)) * (1 + 0.04 * (prior - 4.0))))
    intensity = pd.DataFrame(rows_i, columns=["district_id", "district_name", "quarter", "events_total_per_1000"])
    outcomes = pd.DataFrame(rows_o, columns=["district_id", "quarter", "incidents"]).assign(trust=float("nan"))
    assoc = ev.associate(intensity, outcomes, "events_total_per_1000", "incidents", lag=1)
    assert assoc.result.clear and assoc.r > 0.5 and assoc.result.r_ci_low > 0
    assert assoc.takeaway().startswith("Quarters in which a district had more engagement activities per 1,000 "
                                       "residents than its usual (beyond that quarter's citywide level) saw incidents "
                                       "that rose more (or fell less) from a year earlier in the next quarter")
    assert assoc.takeaway().endswith("a strong association")
    # Shuffle the engagement between quarters within each district: nothing left to find.
    shuffled = intensity.assign(events_total_per_1000=intensity.groupby("district_id")["events_total_per_1000"]
                                .transform(lambda s: s.sample(frac=1, random_state=3).to_numpy()))
    unclear = ev.associate(shuffled, outcomes, "events_total_per_1000", "incidents", lag=1)
    assert not unclear.result.clear and unclear.takeaway().startswith("No clear association")
    assert "−0.00" not in ev._signed(-0.001) and ev._signed(-0.25) == "−0.25"
    assert ev._signed(float("-inf")) == "−∞" and ev._signed(float("inf"), plus=True) == "+∞"
    assert ev.p_text(0.0004) == "p < 0.001" and ev.p_text(0.0312) == "p = 0.031" and ev.p_text(0.4) == "p = 0.40"


def test_representativeness_section_on_the_demo(demo_db, monkeypatch):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("COMMON_GROUND_DB", str(demo_db))
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "dashboard.py"), default_timeout=90).run()
    at.switch_page("pages/engagement.py").run()
    assert not at.exception
    rep = [c for c in vega_charts(at) if "share of attendees" in subtitle_of(c)]
    assert len(rep) == 1
    views = _layers(rep[0]["spec"])
    bars = next(v for v in views if _mark(v) == "bar")
    assert bars["encoding"]["color"]["scale"]["domain"] == ["Residents", "Attendees"]
    interval = next(v for v in views if _mark(v) == "rule")  # the attendee share's 95% interval
    assert "y2" in interval["encoding"] and interval["transform"][0]["filter"]["equal"] == "Attendees"
    shown = next(iter(rep[0]["data"].values()))
    groups = set(shown["Group"])
    assert "Black" in groups and not groups & {"black", "white", "hispanic"}  # named, not codes
    attendees = shown[shown["Who"] == "Attendees"]
    assert (attendees["95% interval, low (%)"] <= attendees["% of people"]).all()
    assert (attendees["% of people"] <= attendees["95% interval, high (%)"]).all()
    at.radio(key="rep_dimension").set_value("age").run()
    assert not at.exception
    assert not at.get("plotly_chart")
