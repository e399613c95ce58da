"""Pages on a thin or new city say true things.

* A city with one year of data has nothing loaded a year earlier: no change, % or z anywhere (pages, maps,
  briefing, command line), only "not comparable: no data a year earlier"; that is not a 0.
* No table, metric, caption or text on a public page shows "None", "nan", "NaN" or "<NA>", on the thin city
  and on the demo city.
* Areas with no population figure are drawn grey with "no population" in the hover, on both maps and
  both levels.
* An incident whose occurrence date is unknown is said, not silently dropped, by date occurred.
* The offense filter: every choice is distinct and selectable and counts what it says.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from community_policing import cli, i18n
from community_policing.briefing import content as briefing
from community_policing.data import geo
from community_policing.views import district, map_layers, metrics, privacy
from community_policing.data.store import DB_ENV_VAR, Store
from tests.conftest import open_tables

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard.py")
PUBLIC_PAGES = ["overview", "map", "district", "compare", "engagement", "programs", "trust", "briefing",
                "methodology", "data_dictionary"]
MISSING_WORDS = re.compile(r"(?<![A-Za-z<])(None|nan|NaN|<NA>|NaT)(?![A-Za-z>])")
NOT_COMPARABLE = metrics.NOT_COMPARABLE
YEAR_2024 = (dt.date(2024, 3, 1), dt.date(2024, 3, 31))


@pytest.fixture(autouse=True)
def english_after():
    yield
    i18n.set_language("en")


def _cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(args))
    return code, out.getvalue(), err.getvalue()


# --- nothing loaded a year earlier ----------------------------------------------------------------------


def test_a_new_city_has_no_comparison_and_says_why(thin_db):
    with Store(thin_db) as s:
        info = metrics.dataset_info(s)
        assert info.first_day == dt.date(2024, 3, 1) and not info.has_corrections
        period = metrics.Period(*YEAR_2024)
        assert not info.comparable(period, "occurred") and not info.comparable(period, "reported")
        table = metrics.area_comparison(s, *YEAR_2024)
        assert table["incidents"].sum() == 4 and (table["comparison"] == NOT_COMPARABLE).all()
        for col in ("incidents_prior_year", "change", "pct_change", "noise_z", "dispersion"):
            assert table[col].isna().all(), col  # not 0: nothing was loaded there
        assert table[["corrected", "after_corrections"]].isna().all().all()  # the source has no corrections
        totals = metrics.city_totals(s, table, *YEAR_2024)
        assert totals.incidents_prior_year is None and totals.noise_z is None and totals.pct_change is None
        assert totals.noise == NOT_COMPARABLE and not totals.comparable
        kpis = district.district_kpis(s, "1", *YEAR_2024)
        assert kpis.noise == NOT_COMPARABLE and kpis.change is None and kpis.noise_z is None
        mix = district.offense_mix(s, "1", *YEAR_2024)
        assert (mix["noise"] == NOT_COMPARABLE).all() and mix["noise_z"].isna().all()
        ranking = district.neighborhoods_ranked(s, "1", *YEAR_2024)
        assert (ranking.table["noise"] == NOT_COMPARABLE).all() and ranking.district_incidents_prior_year is None
        layer = map_layers.layer_data(s, "change", "neighborhood", period)
        assert layer.table["pct_change"].isna().all() and (layer.table["noise"] == NOT_COMPARABLE).all()
        # Public mode: the same, with nothing to hide in a count that is not there.
        public = metrics.area_comparison(s, *YEAR_2024, rules=privacy.Rules())
        assert public["incidents_prior_year"].isna().all() and (public["comparison"] == NOT_COMPARABLE).all()


def test_a_true_zero_a_year_earlier_is_still_a_comparison(tiny_db):
    with Store(tiny_db) as s:
        table = metrics.area_comparison(s, *YEAR_2024).set_index("area_id")
    assert table.loc["2", "incidents_prior_year"] == 0 and table.loc["2", "comparison"] == ""
    # A comparison (a count of 0 is a count), though a city this new has no history to read its noise by.
    assert pd.isna(table.loc["2", "pct_change"]) and table.loc["2", "change"] == table.loc["2", "incidents"]
    assert table.loc["2", "noise"] == metrics.NO_HISTORY_READING


def test_the_comparison_starts_with_the_first_day_reported():
    """By date occurred, offenses before the first day reported were partly reported before the data begin."""
    cov = metrics.IncidentCoverage(dt.date(1916, 10, 26), dt.date(2008, 1, 1), 10)
    assert cov.comparison_start("occurred") == dt.date(2008, 1, 1) == cov.comparison_start("reported")
    assert not cov.comparable(metrics.Period(dt.date(2008, 6, 1), dt.date(2008, 6, 30)), "occurred")
    assert cov.comparable(metrics.Period(dt.date(2009, 1, 1), dt.date(2009, 6, 30)), "occurred")
    assert not cov.comparable(metrics.Period(dt.date(2008, 12, 31), dt.date(2009, 6, 30)), "reported")  # partly


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_cli_prints_no_z_or_percent_without_data_a_year_earlier(thin_db, fmt):
    code, out, err = _cli("districts", "--db", str(thin_db), "--start", "2024-03-01", "--end", "2024-03-31",
                          "--format", fmt)
    assert code == 0, err
    table = (pd.read_csv(io.StringIO(out), dtype={"area_id": str}, keep_default_na=True) if fmt == "csv"
             else pd.DataFrame(json.loads(out)))
    assert list(table.columns) == metrics.CLI_COLUMNS
    assert (table["comparison"] == NOT_COMPARABLE).all()
    for col in ("incidents_prior_year", "change", "pct_change", "noise_z", "dispersion", "corrected"):
        assert table[col].isna().all(), col
    assert "not comparable" in err and "z =" not in out


def test_cli_corrected_column_and_an_ordinary_comparison(tiny_db):
    code, out, err = _cli("districts", "--db", str(tiny_db), "--start", "2024-03-01", "--end", "2024-03-31",
                          "--format", "json")
    assert code == 0, err
    table = pd.DataFrame(json.loads(out)).set_index("area_id")
    assert table.loc["1", "corrected"] == 1 and table.loc["2", "corrected"] == 0  # i2 is corrected later
    assert table.loc["1", "incidents"] == 2 and (table["comparison"] == "").all()
    assert (table["noise"] == metrics.NO_HISTORY_READING).all()  # compared, but no history for a reading
    assert (table["noise_basis"] == "no history: no reading").all()


def test_briefing_of_a_new_city_says_not_comparable(thin_db, monkeypatch):
    monkeypatch.setattr(briefing, "_program_table", lambda store, request: (
        pd.DataFrame(columns=["Program", "Outcome", "Estimate", "95% interval", "Checks", "_clear"]), "none"))
    with Store(thin_db) as s:
        for place in (None, "1"):
            content = briefing.build_briefing(s, briefing.BriefingRequest(*YEAR_2024, place))
            row = content.kpis.iloc[0]
            assert row["reading"].startswith(NOT_COMPARABLE) and row["change"] == "" and row["a_year_earlier"] == "no data"
            assert "z =" not in content.takeaways[0] and "not comparable" in content.takeaways[0]
            assert not any("corrections" in n for n in content.notes)  # the source has none
            assert "Incidents after later corrections" not in set(content.kpis["measure"])


def test_briefing_shows_the_reconciled_figure_where_the_source_has_corrections(tiny_db, monkeypatch):
    monkeypatch.setattr(briefing, "_program_table", lambda store, request: (
        pd.DataFrame(columns=["Program", "Outcome", "Estimate", "95% interval", "Checks", "_clear"]), "none"))
    with Store(tiny_db) as s:
        content = briefing.build_briefing(s, briefing.BriefingRequest(*YEAR_2024, "1"))
    row = content.kpis.set_index("measure").loc["Incidents after later corrections"]
    assert row["this_period"] == "1"
    assert row["reading"] == "official count 2; after 1 later correction, 1"
    assert any("not subtracted" in n for n in content.notes)


# --- every public page: no "None", "nan" ... ----------------------------------------------------------------


def _texts(at: AppTest) -> list[tuple[str, str]]:
    out = []
    for kind in ("title", "header", "subheader", "caption", "markdown", "info", "warning", "error", "success"):
        out += [(kind, str(e.value)) for e in getattr(at, kind)]
    for m in at.metric:
        out += [("metric", str(m.label)), ("metric", str(m.value))]
        out += [("metric delta", str(m.delta))] if m.delta not in (None, "") else []
    return out


def missing_text(at: AppTest) -> list[str]:
    """Every place a page shows a missing value as "None", "nan", "NaN", "<NA>" (a dataframe cell with no
    value shows its ``placeholder``, "None" unless one is set)."""
    found = [f"{kind}: {text[:120]}" for kind, text in _texts(at) if MISSING_WORDS.search(text)]
    for frame in at.dataframe:
        value = frame.value
        placeholder = frame.proto.placeholder if frame.proto.HasField("placeholder") else None
        if value.isna().to_numpy().any() and (placeholder is None or MISSING_WORDS.search(placeholder)):
            cols = [c for c in value.columns if value[c].isna().any()]
            found.append(f"dataframe {frame.key or ''}: empty cells shown as 'None' in {cols}")
        for col in value.columns:
            if value[col].dtype == object:
                bad = [v for v in value[col] if isinstance(v, str) and MISSING_WORDS.search(v)]
                if bad:
                    found.append(f"dataframe {frame.key or ''} column {col}: {bad[:3]}")
    return found


def _page(db: Path, monkeypatch, page: str, public: bool = False) -> AppTest:
    monkeypatch.setenv(DB_ENV_VAR, str(db))
    if public:
        monkeypatch.setenv("COMMON_GROUND_MODE", "public")
    at = open_tables(AppTest.from_file(APP, default_timeout=120))
    at.run()
    assert not at.exception, at.exception
    if page != "overview":
        at.switch_page(str(ROOT / "pages" / f"{page}.py")).run()
        assert not at.exception, (page, at.exception)
    return at


@pytest.mark.parametrize("page", PUBLIC_PAGES)
def test_no_missing_value_words_on_a_thin_city(thin_db, monkeypatch, page):
    at = _page(thin_db, monkeypatch, page)
    assert not missing_text(at), missing_text(at)
    if page in ("overview", "district"):  # every count that is compared says why it is not
        text = " ".join(t for _k, t in _texts(at))
        assert NOT_COMPARABLE in text and "z =" not in text
        assert "corrections" not in text.lower()  # a source without corrections never mentions them
        # The incident with an unknown occurrence date is said beside counts by date occurred.
        assert "1 incident reported in this period has no known occurrence date" in text


@pytest.mark.parametrize("page", PUBLIC_PAGES)
def test_no_missing_value_words_on_the_demo(demo_db, monkeypatch, page):
    at = _page(demo_db, monkeypatch, page)
    assert not missing_text(at), missing_text(at)


@pytest.mark.parametrize("page", ["overview", "map", "district", "compare"])
def test_no_missing_value_words_in_public_mode_on_a_thin_city(thin_db, monkeypatch, page):
    at = _page(thin_db, monkeypatch, page, public=True)
    assert not missing_text(at), missing_text(at)


def test_the_overview_table_and_map_of_a_new_city(thin_db, monkeypatch):
    at = _page(thin_db, monkeypatch, "overview")
    table = next(d for d in at.dataframe if d.key == "district_table")
    assert table.proto.placeholder == "—"
    assert table.value["pct_change"].isna().all() and table.value["noise_z"].isna().all()
    assert set(table.value["comparison"]) == {NOT_COMPARABLE}
    assert "corrected" not in table.value  # no corrections in the source: no such column
    assert not at.metric[0].delta  # no arrow: nothing to compare with
    at.radio(key="map_metric").set_value("pct_change").run()
    at.radio(key="map_level").set_value("neighborhood").run()
    from tests import overview_charts

    the_map = overview_charts.map_chart(at)
    grey = overview_charts.ids(the_map, "none")
    assert grey and all(NOT_COMPARABLE in overview_charts.tooltip(the_map, a) for a in grey)  # no colour; says why
    assert not overview_charts.ids(the_map, "value")  # none coloured


# --- areas with no population -----------------------------------------------------------------------------


def test_areas_without_population_are_grey_and_say_so_on_the_overview_map(thin_db):
    with Store(thin_db) as s:
        table = metrics.area_comparison(s, *YEAR_2024, level="neighborhood")
        features = geo.area_features(s, "neighborhood")
    from community_policing.figures import overview as overview_figures
    from tests import overview_charts

    chart = overview_figures.choropleth(table, features, "rate_per_1000", "t")
    assert overview_charts.ids(chart, "none") == ["P"] and "Caution: no population" in overview_charts.tooltip(chart, "P")
    assert "P" not in overview_charts.ids(chart, "value") and overview_charts.values(chart)["P"] is None


@pytest.mark.parametrize("layer", ["rate", "engagement"])
def test_areas_without_population_are_grey_and_say_so_on_the_map_page(thin_db, layer):
    from community_policing.figures import maps as map_figures

    with Store(thin_db) as s:
        data = map_layers.layer_data(s, layer, "neighborhood", metrics.Period(*YEAR_2024))
        features = geo.area_features(s, "neighborhood")
    from tests import overview_charts

    chart = map_figures.layer_map(data.table, features, layer, "t").to_dict()
    assert overview_charts.ids(chart, "none") == ["P"] and overview_charts.values(chart)["P"] is None  # grey
    hover = overview_charts.tooltip(chart, "P")
    assert "Residents (denominator): no population" in hover
    assert "Caution: no population" in hover  # why it has no colour
    assert "nan" not in hover.lower()


# --- the offense filter -----------------------------------------------------------------------------------


def test_every_offense_choice_is_distinct_and_counts_what_it_says(demo_db):
    start, end = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
    with Store(demo_db) as s:
        choices = metrics.offense_choices(s)
        values = [v for v, _label in choices]
        labels = [label.strip() for _v, label in choices]
        assert len(set(values)) == len(values) and len(set(labels)) == len(labels)
        assert "other" in values and "category:other" in values
        groups = s.query("offense_groups")
        by_group = {g: int(metrics.area_comparison(s, start, end, offense_group=g)["incidents"].sum())
                    for g in groups["offense_group"]}
        total = int(metrics.area_comparison(s, start, end)["incidents"].sum())
        assert sum(by_group.values()) == total
        for value in values:
            got = int(metrics.area_comparison(s, start, end, offense_group=value)["incidents"].sum())
            if value == "all":
                expected = total
            elif value.startswith(metrics.CATEGORY_PREFIX):
                members = groups.loc[groups["category"] == value.removeprefix(metrics.CATEGORY_PREFIX), "offense_group"]
                expected = sum(by_group[g] for g in members)
            else:
                expected = by_group[value]
            assert got == expected, value
        assert by_group["other"] < int(metrics.area_comparison(s, start, end, offense_group="category:other")
                                       ["incidents"].sum())


def test_the_command_line_reads_offense_values_unambiguously(demo_db):
    with Store(demo_db) as s:
        assert metrics.resolve_offense(s, "other") == "other"                  # the group "All other offenses"
        assert metrics.resolve_offense(s, "category:other") == "category:other"  # every Part II offense
        assert metrics.resolve_offense(s, "violent") == "category:violent"
        assert metrics.resolve_offense(s, "group:robbery") == "robbery"
        assert metrics.resolve_offense(s, None) == "all"
        with pytest.raises(ValueError, match="unknown offense group"):
            metrics.resolve_offense(s, "jaywalking")
    args = ["districts", "--db", str(demo_db), "--start", "2025-01-01", "--end", "2025-12-31", "--format", "json"]
    group = pd.DataFrame(json.loads(_cli(*args, "--offense-group", "other")[1]))
    category = pd.DataFrame(json.loads(_cli(*args, "--offense-group", "category:other")[1]))
    assert group["incidents"].sum() < category["incidents"].sum()
    code, _out, err = _cli(*args, "--offense-group", "jaywalking")
    assert code == 2 and "unknown offense group" in err


def test_every_offense_choice_can_be_picked_on_the_page(demo_db, monkeypatch):
    at = _page(demo_db, monkeypatch, "overview")
    box = at.selectbox(key="offense_group")
    values = list(box.options)
    assert len(values) == len(set(values))  # labels, as shown: "All other offenses" once
    with Store(demo_db) as s:
        info = metrics.dataset_info(s)
        period = metrics.preset_period("Last 12 months", info.last_day)
        choices = metrics.offense_choices(s)
    for value, _label in choices:
        if value not in ("other", "category:other", "category:violent", "robbery"):
            continue
        at.selectbox(key="offense_group").set_value(value).run()
        assert not at.exception, at.exception
        assert at.selectbox(key="offense_group").value == value
        with Store(demo_db) as s:
            expected = metrics.area_comparison(s, period.start, period.end, offense_group=value)["incidents"].sum()
        assert at.metric[0].value == f"{expected:,}", value


# --- corrections beside the counts, and the unknown occurrence dates ----------------------------------------


def test_the_overview_and_district_pages_show_the_reconciled_figure(demo_db, monkeypatch):
    with Store(demo_db) as s:
        info = metrics.dataset_info(s)
        period = metrics.preset_period("Last 12 months", info.last_day)
        table = metrics.area_comparison(s, period.start, period.end)
    assert info.has_corrections
    count, corrected = int(table["incidents"].sum()), int(table["corrected"].sum())
    at = _page(demo_db, monkeypatch, "overview")
    sentence = (f"Official count {count:,}; after {corrected:,} later corrections, {count - corrected:,}.")
    assert sentence in [c.value for c in at.caption]
    shown = next(d for d in at.dataframe if d.key == "district_table").value
    assert list(shown["corrected"]) == list(table["corrected"])
    assert list(shown["after_corrections"]) == list(table["incidents"] - table["corrected"])
    assert "comparison" not in shown  # every change here has its comparison
    notes = " ".join(m.value for m in at.markdown)
    assert "later corrections (unfounded or reclassified reports)" in notes and "never subtracted" in notes
    at.switch_page(str(ROOT / "pages" / "district.py")).run()
    row = table.set_index("area_id").loc[at.selectbox(key="district").value]
    assert (f"Official count {row['incidents']:,}; after {row['corrected']:,} later correction"
            in " ".join(c.value for c in at.caption))


def test_occurrence_unknown_note_in_public_mode_says_nothing_of_a_small_count():
    rules = privacy.Rules()
    assert metrics.occurrence_unknown_note(0) == ""
    assert metrics.occurrence_unknown_note(1).startswith("1 incident reported in this period has no known")
    assert metrics.occurrence_unknown_note(17, rules).startswith("17 incidents reported in this period have")
    hidden = {metrics.occurrence_unknown_note(n, rules) for n in (1, 2, 3)}
    assert len(hidden) == 1 and hidden.pop().startswith("fewer than 4 incidents reported in this period have")


