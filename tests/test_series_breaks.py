"""Series breaks: declared in a city manifest, validated with a clear error, stored, drawn on the
monthly charts where they fall inside the months shown, explained, and flagged on comparisons."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from community_policing.data import freshness, series_breaks
from community_policing.figures import briefing as briefing_figures, compare as compare_figures, district as district_figures
from community_policing.data.importers.errors import ManifestError
from community_policing.data.loader import Manifest, load_city
from community_policing.views.metrics import Period
from community_policing.data.store import DB_ENV_VAR, write_database
from tests.charts import texts, vega_charts
from tests.conftest import tiny_city_tables
from tests.test_loader import write_zip_city

PROJECT_ROOT = Path(__file__).resolve().parent.parent

BREAKS = pd.DataFrame([
    {"day": dt.date(2023, 7, 1), "label": "NIBRS", "kind": "counting_rules", "scope": "all", "district_id": None,
     "offense_group": None, "description": "Every offense of an incident counts from here on.", "source": "Test memo"},
    {"day": dt.date(2024, 1, 1), "label": "New district map", "kind": "boundaries", "scope": "districts",
     "district_id": None, "offense_group": None, "description": "District 1 took in part of District 2.",
     "source": None},
    {"day": dt.date(2010, 1, 1), "label": "Old system", "kind": "records_system", "scope": "all", "district_id": None,
     "offense_group": None, "description": "Long before the data.", "source": None},
]).assign(label_es=None, description_es=None)  # no Spanish given: the city's words as written


# --- The manifest -----------------------------------------------------------------------------


def _with_breaks(manifest: Path, text: str) -> Path:
    manifest.write_text(manifest.read_text() + "\n" + text)
    return manifest


def test_manifest_breaks_are_loaded_into_the_table(tmp_path):
    manifest = _with_breaks(write_zip_city(tmp_path / "src"), """
[[series_breaks]]
date = "2024-03"
label = "New records system"
kind = "records_system"
description = "The department moved to a new records system."
source = "Department memo"
label_es = "Nuevo sistema de registros"
description_es = "El departamento pasó a un nuevo sistema de registros."

[[series_breaks]]
date = 2024-03-10
label = "ZIP 63102 redrawn"
kind = "boundaries"
scope = "districts"
district = "63102"
offense_group = "Violent"
description = "The ZIP code's boundary moved."
""")
    db = tmp_path / "zip.duckdb"
    summary = load_city(manifest, tmp_path / "src", db)
    assert summary.rows["series_breaks"] == 2
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT * FROM series_breaks ORDER BY day").df()
    finally:
        con.close()
    assert [d.date() for d in rows["day"]] == [dt.date(2024, 3, 1), dt.date(2024, 3, 10)]  # YYYY-MM: its first day
    first, second = rows.iloc[0], rows.iloc[1]
    assert (first["scope"], first["kind"], first["source"]) == ("all", "records_system", "Department memo")
    assert pd.isna(first["district_id"]) and pd.isna(first["offense_group"])
    assert (second["scope"], second["district_id"], second["offense_group"]) == ("districts", "63102", "violent")
    assert first["label_es"] == "Nuevo sistema de registros" and pd.isna(second["label_es"])


def test_a_break_speaks_the_citys_spanish_where_it_gave_one():
    from community_policing import i18n

    breaks = BREAKS.assign(label_es=["NIBRS (registro)", None, None],
                           description_es=["Cada delito de un incidente cuenta desde aquí.", None, None])
    inside = series_breaks.within(breaks, dt.date(2023, 1, 1), dt.date(2024, 6, 30))
    english = series_breaks.caption(inside)
    assert "NIBRS: Every offense of an incident counts from here on." in english
    with i18n.speaking("es"):
        spanish = series_breaks.caption(inside)
        labels = [series_breaks.chart_label(r) for _i, r in series_breaks.normalise(inside).iterrows()]
        warning = series_breaks.comparison_warning(inside)
    assert "1 jul 2023, NIBRS (registro): Cada delito de un incidente cuenta desde aquí." in spanish
    # No Spanish given: the city's own words, as written.
    assert "1 ene 2024, New district map: District 1 took in part of District 2." in spanish
    assert labels == ["NIBRS (registro) (jul 2023)", "New district map (ene 2024)"]
    assert warning.startswith("La comparación con un año antes cruza una ruptura de la serie: NIBRS (registro) el "
                              "1 jul 2023 (cambiaron las reglas de conteo)")


def test_a_manifest_without_breaks_loads_none(tmp_path):
    db = tmp_path / "zip.duckdb"
    summary = load_city(write_zip_city(tmp_path / "src"), tmp_path / "src", db)
    assert summary.rows["series_breaks"] == 0


@pytest.mark.parametrize("entry, message", [
    ('date = "2024-13"\nlabel = "X"\ndescription = "d"',
     "entry 2 ('X'): date '2024-13' is not a date; expected YYYY-MM-DD or YYYY-MM"),
    ('label = "X"\ndescription = "d"', "entry 2 ('X'): needs 'date'"),
    ('date = "2024-01"\ndescription = "d"', "entry 2: needs 'label'"),
    ('date = "2024-01"\nlabel = "X"', "entry 2 ('X'): needs 'description'"),
    ('date = "2024-01"\nlabel = "X"\ndescription = "d"\nwhen = "now"', "entry 2 ('X'): unknown key(s) when"),
])
def test_a_malformed_entry_names_the_file_and_the_entry(tmp_path, entry, message):
    manifest = tmp_path / "city.toml"
    manifest.write_text('name = "T"\n[districts]\nfile = "d.geojson"\nid_field = "id"\n'
                        '[[series_breaks]]\ndate = "2020-01"\nlabel = "fine"\ndescription = "ok"\n'
                        f"[[series_breaks]]\n{entry}\n")
    with pytest.raises(ManifestError) as raised:
        Manifest.read(manifest)
    assert str(raised.value).startswith(f"{manifest}: [[series_breaks]] {message}")


@pytest.mark.parametrize("entry, message", [
    ('kind = "weather"', "entry 1 \\('Break'\\): kind 'weather': value not allowed; expected one of boundaries, "
                         "counting_rules, records_system, classification, other"),
    ('scope = "neighborhoods"', "entry 1 \\('Break'\\): scope 'neighborhoods': value not allowed; expected one of "
                                "all, districts"),
    ('district = "99999"', "entry 1 \\('Break'\\): district '99999' is not in the district layer; expected one of "
                           "63101, 63102, 63103"),
    ('offense_group = "jaywalking"', "entry 1 \\('Break'\\): offense_group 'jaywalking' is not an offense group or "
                                     "category"),
])
def test_a_bad_value_stops_the_load_and_changes_nothing(tmp_path, entry, message):
    manifest = _with_breaks(write_zip_city(tmp_path / "src"),
                            f'[[series_breaks]]\ndate = "2024-01"\nlabel = "Break"\ndescription = "d"\n{entry}\n')
    db = tmp_path / "zip.duckdb"
    with pytest.raises(ManifestError, match=r"city\.toml: \[\[series_breaks\]\] " + message):
        load_city(manifest, tmp_path / "src", db)
    assert not db.exists()  # all or nothing


def test_the_st_louis_manifest_records_both_breaks():
    breaks = Manifest.read(PROJECT_ROOT / "data" / "cities" / "st_louis" / "city.toml").series_breaks
    by_day = {b["date"]: b for b in breaks}
    district_map = by_day[dt.date(2014, 1, 1)]
    assert district_map["kind"] == "boundaries" and district_map["scope"] == "districts"
    assert "old map" in district_map["description"] and "coordinates" in district_map["description"]
    nibrs = [b for b in breaks if "NIBRS" in b["label"]][0]
    assert nibrs["kind"] == "counting_rules" and nibrs["scope"] == "all"
    assert dt.date(2020, 12, 1) <= nibrs["date"] <= dt.date(2021, 1, 1)
    assert "UCR summary" in nibrs["description"] and nibrs["source"]
    assert district_map["label_es"] == "Nuevo mapa de distritos" and "NIBRS" in nibrs["description_es"]


# --- Which breaks concern a series ------------------------------------------------------------


def test_breaks_concern_their_scope_district_and_offense():
    breaks = pd.concat([BREAKS, pd.DataFrame([
        {"day": dt.date(2023, 9, 1), "label": "D2 only", "kind": "other", "scope": "districts", "district_id": "2",
         "offense_group": None, "description": "d", "source": None},
        {"day": dt.date(2023, 10, 1), "label": "Robbery recoded", "kind": "classification", "scope": "all",
         "district_id": None, "offense_group": "robbery", "description": "d", "source": None},
    ])], ignore_index=True)
    categories = {"robbery": "violent", "larceny": "property"}
    labels = lambda frame: list(frame["label"])  # noqa: E731
    assert labels(series_breaks.applicable(breaks, None)) == ["Old system", "NIBRS", "Robbery recoded"]
    assert labels(series_breaks.applicable(breaks, "1")) == ["Old system", "NIBRS", "Robbery recoded",
                                                             "New district map"]
    assert "D2 only" in labels(series_breaks.applicable(breaks, "2"))
    assert "Robbery recoded" not in labels(series_breaks.applicable(breaks, None, "larceny", categories))
    assert "Robbery recoded" in labels(series_breaks.applicable(breaks, None, "violent", categories))
    assert "Robbery recoded" in labels(series_breaks.applicable(breaks, None, "robbery", categories))
    assert labels(series_breaks.for_places(breaks, ["1", "3"])) == labels(series_breaks.applicable(breaks, "1"))


def test_a_comparison_crosses_a_break_when_it_spans_it():
    period = Period(dt.date(2023, 9, 1), dt.date(2024, 2, 29))
    crossed = series_breaks.crossed(BREAKS, period.start, period.end, period.prior.start)
    assert list(crossed["label"]) == ["NIBRS", "New district map"]
    warning = series_breaks.comparison_warning(crossed)
    assert warning.startswith("The comparison with a year earlier crosses a series break: NIBRS on Jul 1, 2023")
    late = Period(dt.date(2025, 1, 1), dt.date(2025, 6, 30))
    assert series_breaks.crossed(BREAKS, late.start, late.end, late.prior.start).empty
    assert series_breaks.comparison_warning(series_breaks.empty()) is None


# --- Figures: a line and its label inside the range, nothing outside --------------------------


def _series(first: dt.date, months: int, end: dt.date | None = None) -> pd.DataFrame:
    rows = []
    for i in range(months):
        month = (pd.Timestamp(first) + pd.DateOffset(months=i)).date()
        last = (pd.Timestamp(month) + pd.offsets.MonthEnd(0)).date()
        rows.append({"month": month, "last_day": min(last, end or last), "partial": bool(end and end < last),
                     "incidents": 100 + i, "prior_month": (pd.Timestamp(month) - pd.DateOffset(years=1)).date(),
                     "prior_last_day": last, "incidents_prior_year": 90 + i})
    frame = pd.DataFrame(rows)
    frame["incidents"] = frame["incidents"].astype("Int64")
    frame["incidents_prior_year"] = frame["incidents_prior_year"].astype("Int64")
    return frame


def _break_lines(fig) -> list:
    return [s for s in fig.layout.shapes if s.type == "line" and s.line.dash == "dash"]


def _labels(fig) -> list[str]:
    return [a.text for a in fig.layout.annotations if a.text and "(" in a.text]


def _vega_layers(chart) -> tuple[dict, list[dict]]:
    """A District chart (Vega-Lite) as its spec and its single-mark layers."""
    spec = chart.to_dict()

    def leaves(node):
        return [leaf for part in node["layer"] for leaf in leaves(part)] if "layer" in node else [node]
    return spec, leaves(spec)


def _vega_rows(spec: dict, layer: dict) -> pd.DataFrame:
    return pd.DataFrame(spec["datasets"][(layer.get("data") or spec["data"])["name"]])


def _vega_break_days(chart) -> list[dt.date]:
    spec, layers = _vega_layers(chart)
    return [pd.Timestamp(day).date() for layer in layers if layer["mark"]["type"] == "rule"
            and layer["mark"].get("strokeDash") for day in _vega_rows(spec, layer)["Day"]]


def _vega_break_labels(chart) -> pd.DataFrame:
    spec, layers = _vega_layers(chart)
    found = [_vega_rows(spec, layer) for layer in layers if layer["mark"]["type"] == "text"
             and layer["encoding"].get("text", {}).get("field") == "Series break"]
    return pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=["Series break", "What changed"])


def test_monthly_chart_draws_a_break_inside_its_months_and_nothing_outside():
    series = _series(dt.date(2022, 4, 1), 24)  # Apr 2022 - Mar 2024
    chart = district_figures.monthly_incidents(series, "t", breaks=BREAKS)
    assert _vega_break_days(chart) == [dt.date(2023, 7, 1), dt.date(2024, 1, 1)]
    labels = _vega_break_labels(chart)
    assert list(labels["Series break"]) == ["NIBRS (Jul 2023)", "New district map (Jan 2024)"]
    assert list(labels.loc[labels["Series break"] == "NIBRS (Jul 2023)", "What changed"]) == [
        "Every offense of an incident counts from here on."]  # the description, in the label's tooltip
    before = district_figures.monthly_incidents(_series(dt.date(2020, 1, 1), 24), "t", breaks=BREAKS)
    assert not _vega_break_days(before) and _vega_break_labels(before).empty  # the breaks lie outside: nothing drawn
    assert not _vega_break_days(district_figures.monthly_incidents(series, "t"))  # no breaks given


def test_a_break_on_the_first_day_shown_is_not_drawn():
    chart = district_figures.monthly_incidents(_series(dt.date(2023, 7, 1), 3), "t", breaks=BREAKS)
    assert not _vega_break_days(chart)


def _shaded(chart, colour: str) -> list[tuple[dt.date, dt.date]]:
    spec, layers = _vega_layers(chart)
    return [(pd.Timestamp(r["From"]).date(), pd.Timestamp(r["To"]).date()) for layer in layers
            if layer["mark"]["type"] == "rect" and layer["mark"].get("color") == colour
            for _i, r in _vega_rows(spec, layer).iterrows()]


def test_monthly_chart_shades_the_preliminary_days():
    series = _series(dt.date(2022, 4, 1), 24, end=dt.date(2024, 3, 20))
    chart = district_figures.monthly_incidents(series, "t", preliminary_from=dt.date(2024, 3, 5))
    assert _shaded(chart, district_figures.PRELIMINARY_SHADE) == [(dt.date(2024, 3, 5), dt.date(2024, 3, 21))]
    spec, layers = _vega_layers(chart)
    assert any(layer["mark"].get("text") == "preliminary" for layer in layers)
    counted = _vega_rows(spec, {}).query("Series == 'Incidents'")["Counted"]  # the tooltip's month
    assert "preliminary" in counted.iloc[-1] and "preliminary" not in counted.iloc[0]
    later = district_figures.monthly_incidents(series, "t", preliminary_from=dt.date(2024, 4, 1))
    assert not _shaded(later, district_figures.PRELIMINARY_SHADE)


def test_compare_charts_draw_a_district_break_in_its_own_column():
    one = _series(dt.date(2022, 4, 1), 24)
    monthly = pd.concat([one.assign(district_id=d, title=f"District {d}", population=10_000, population_year=2020,
                                    rate_per_1000=1.0) for d in ("1", "2")], ignore_index=True)
    breaks = pd.DataFrame([{"day": dt.date(2023, 9, 1), "label": "D2 only", "kind": "other", "scope": "districts",
                            "district_id": "2", "offense_group": None, "description": "d", "source": None}])
    fig = compare_figures.monthly_incidents(monthly, "t", breaks=pd.concat([BREAKS, breaks], ignore_index=True))
    spec = fig.to_dict()

    def drawn(layers: list[dict], what: str) -> list:  # the dashed rules (days) or their labels, of Vega-Lite layers
        found = []
        for layer in layers:
            mark = layer["mark"]["type"]
            if (what == "day" and (mark, layer["mark"].get("strokeDash")) == ("rule", [5, 3])
                    or what == "label" and mark == "text"):
                rows = spec["datasets"][layer["data"]["name"]]
                key = layer["encoding"]["x"]["field"] if what == "day" else layer["encoding"]["text"]["field"]
                found += [pd.Timestamp(r[key]).date() if what == "day" else r[key] for r in rows]
        return found

    by_panel = {p["title"]["text"][0]: drawn(p["layer"], "day") for p in spec["concat"]}
    assert by_panel == {"District 1": [dt.date(2023, 7, 1), dt.date(2024, 1, 1)],
                        "District 2": [dt.date(2023, 7, 1), dt.date(2023, 9, 1), dt.date(2024, 1, 1)]}
    rates = compare_figures.rate_lines(monthly, "t", breaks=breaks)
    spec = rates.to_dict()
    assert [t for t in drawn(spec["layer"], "label") if "(" in t] == ["D2 only, District 2 (Sep 2023)"]


def test_print_trend_marks_breaks_and_preliminary_days_for_paper():
    series = _series(dt.date(2022, 4, 1), 24)
    fig = briefing_figures.print_trend(series, "t", "s", breaks=BREAKS, preliminary_from=dt.date(2024, 3, 10))
    assert _labels(fig) == ["NIBRS (Jul 2023)", "New district map (Jan 2024)"]
    box = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(box) == 1 and box[0].line.dash == "dot"  # outlined, not filled: prints in black and white


def test_captions_explain_each_break_drawn():
    text = series_breaks.caption(series_breaks.within(BREAKS, dt.date(2022, 4, 1), dt.date(2024, 3, 31)))
    assert text.startswith("The 2 dashed lines mark series breaks")
    assert "Jul 1, 2023, NIBRS: Every offense of an incident counts from here on. Source: Test memo." in text
    assert series_breaks.caption(series_breaks.within(BREAKS, dt.date(2025, 1, 1), dt.date(2025, 12, 31))) is None
    assert series_breaks.note_lines(None) == ["Series breaks: none declared for this city (see How to read these "
                                              "numbers)."]
    assert "Jan 1, 2024 New district map (district counts only)" in series_breaks.note_lines(BREAKS)[0]


# --- The District page ------------------------------------------------------------------------


def test_district_page_draws_and_explains_breaks_and_preliminary_days(tmp_path, monkeypatch):
    tables = tiny_city_tables()
    tables["series_breaks"] = BREAKS
    monkeypatch.setenv(DB_ENV_VAR, str(write_database(tables, tmp_path / "tiny.duckdb")))
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / "district.py"), default_timeout=60)
    at.query_params["district"] = "1"
    at.run()
    assert not at.exception, at.exception
    captions = " ".join(c.value for c in at.caption)
    # Last 12 months to Mar 4, 2024 against a year earlier: spans both breaks and the preliminary days.
    assert "The comparison with a year earlier crosses a series break: NIBRS on Jul 1, 2023" in captions
    assert "New district map on Jan 1, 2024" in captions
    assert ("Preliminary: Jan 26 – Mar 4, 2024 (39 of the period's 366 days) still rise as late reports arrive"
            in captions)
    assert "The 2 dashed lines mark series breaks" in captions and "Old system" not in captions
    assert "grey band marks preliminary days" in captions
    chart = vega_charts(at)[1]  # [0] is the locator map (issue 16)
    labels = texts(chart)
    assert "NIBRS (Jul 2023)" in labels and "New district map (Jan 2024)" in labels and "preliminary" in labels
    note = " ".join(m.value for m in at.markdown)
    assert "Reporting lag (measured from this data)" in note
    assert "Series breaks declared for this city" in note


def test_demo_district_page_says_what_is_preliminary_and_that_no_break_is_declared(demo_db, monkeypatch):
    monkeypatch.setenv(DB_ENV_VAR, str(demo_db))
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / "district.py"), default_timeout=60)
    at.query_params["district"] = "2"
    at.run()
    assert not at.exception, at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "Preliminary: Oct 16 – Oct 31, 2026" in captions  # the default period ends on the last day of data
    assert "crosses a series break" not in captions
    note = " ".join(m.value for m in at.markdown)
    assert "Preliminary: offenses from Oct 16, 2026 to Oct 31, 2026" in note
    assert "Series breaks: none declared for this city" in note
    at.radio(key="date_basis").set_value("reported").run()
    assert "Preliminary: Oct" not in " ".join(c.value for c in at.caption)  # reported counts are final


def test_window_cautions_add_to_the_standard_comparisons():
    fresh = freshness.measure(pd.DataFrame({"occurred_month": [dt.date(2022, 1, 1)], "months_later": [0],
                                            "days_later": [9], "records": [100]}), "day", dt.date(2024, 3, 31))
    windows = pd.DataFrame({"window": ["rolling 28 days", "last full year"],
                            "start": [dt.date(2024, 3, 4), dt.date(2023, 1, 1)],
                            "end": [dt.date(2024, 3, 31), dt.date(2023, 12, 31)],
                            "prior_start": [dt.date(2023, 3, 4), dt.date(2022, 1, 1)], "warning": [None, "Earlier."]})
    out = freshness.window_cautions(windows, fresh, BREAKS, "occurred")
    assert "Preliminary: Mar 23 – Mar 31, 2024 (9 of the period's 28 days)" in out["warning"][0]
    assert out["warning"][1].startswith("Earlier. The comparison with a year earlier crosses a series break: NIBRS")
    assert freshness.window_cautions(windows, fresh, None, "reported")["warning"].tolist() == [None, "Earlier."]


def test_data_dictionary_page_lists_the_new_tables(tmp_path, monkeypatch):
    monkeypatch.setenv(DB_ENV_VAR, str(write_database(tiny_city_tables(), tmp_path / "tiny.duckdb")))
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / "data_dictionary.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    labels = [e.label for e in at.expander]
    assert any(label.startswith("**`series_breaks`** – Dates on which an incident series") for label in labels)
    assert any(label.startswith("**`reporting_delays`** – How long records take to arrive") for label in labels)
    shown = [d.value for d in at.dataframe if "column" in d.value.columns]
    assert any(set(frame["column"]) == {"day", "label", "kind", "scope", "district_id", "offense_group", "description",
                                        "source", "label_es", "description_es"} for frame in shown)


# --- Program evaluation: a break inside the months an estimate compares ------------------------

def test_a_program_estimate_warns_of_a_break_inside_its_window_only():
    inside = series_breaks.program_warning(BREAKS, dt.date(2022, 1, 1), dt.date(2023, 12, 31))
    assert inside.startswith("The months this estimate compares cross a series break: NIBRS on Jul 1, 2023 "
                             "(counting rules changed).")
    assert "New district map" not in inside and "can bias the estimate" in inside
    assert series_breaks.program_warning(BREAKS, dt.date(2024, 2, 1), dt.date(2025, 12, 31)) is None
    assert series_breaks.program_warning(series_breaks.empty(), dt.date(2000, 1, 1), dt.date(2030, 1, 1)) is None


def test_program_evaluation_page_warns_of_a_break_in_the_program_window(demo_tables, tmp_path, monkeypatch):
    tables = dict(demo_tables)
    first = evaluation_program(tables)
    start = pd.Timestamp(first["start_date"]).date()
    moved = start.replace(year=start.year - 1, day=1)  # a year before the start: inside the ±24-month window
    tables["series_breaks"] = pd.DataFrame([
        {"day": moved, "label": "New district map", "kind": "boundaries", "scope": "districts", "district_id": None,
         "offense_group": None, "description": "Districts redrawn.", "source": None, "label_es": None,
         "description_es": None}])
    monkeypatch.setenv(DB_ENV_VAR, str(write_database(tables, tmp_path / "demo.duckdb")))
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / "programs.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="program").value == first["name"]
    warnings = [w.value for w in at.warning if "cross a series break" in w.value]
    assert len(warnings) == 1 and "New district map on" in warnings[0] and "(area map changed)" in warnings[0]


def evaluation_program(tables: dict[str, pd.DataFrame]) -> pd.Series:
    """The program the page opens on (the first by name), with its earliest start."""
    programs = tables["programs"].sort_values(["name", "start_date"])
    return programs.iloc[0]
