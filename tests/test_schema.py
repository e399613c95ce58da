"""The schema file: complete, and its validation rejects bad rows with a reason each."""

import pandas as pd
import pytest
import shapely

from community_policing.data import schema

REQUIRED_COLUMNS = {
    "districts": {"id", "name", "geometry", "population", "population_year"},
    "neighborhoods": {"id", "name", "district_id", "geometry", "population"},
    "incidents": {"id", "occurred_at", "reported_at", "offense_code", "offense_description", "offense_group",
                  "district_id", "neighborhood_id", "lon", "lat", "count"},
    "engagement_events": {"id", "date", "district_id", "neighborhood_id", "type", "attendees", "officer_hours",
                          "cost", "lon", "lat"},
    "training": {"date", "district_id", "unit", "course", "officers", "hours"},
    "trust_surveys": {"period_start", "period_end", "district_id", "measure", "score", "respondents",
                      "margin_of_error"},
    "programs": {"name", "district_id", "start_date", "end_date", "description", "annual_cost"},
    "demo_truth": {"program", "outcome", "relative_effect"},
}


def test_schema_describes_every_required_table_and_column():
    tables = schema.load_schema()
    for name, columns in REQUIRED_COLUMNS.items():
        assert columns <= set(tables[name].column_names), name
    for t in tables.values():
        assert t.description, t.name
        for c in t.columns:
            assert c.description, f"{t.name}.{c.name} has no description"
            assert c.type in {"VARCHAR", "SMALLINT", "INTEGER", "BIGINT", "DOUBLE", "DATE", "TIMESTAMP",
                              "BOOLEAN", "GEOMETRY"}, f"{t.name}.{c.name}"
        assert set(t.primary_key) <= set(t.column_names)


def test_allowed_values_match_the_product_vocabulary():
    ev = schema.table("engagement_events").column("type")
    assert set(ev.allowed) == {"community_meeting", "neighborhood_event", "foot_patrol", "school_youth",
                               "feedback_session", "other"}
    assert set(schema.table("training").column("course").allowed) == {
        "de_escalation", "cultural_competence", "communication", "other"}
    assert set(schema.table("trust_surveys").column("measure").allowed) == {"trust", "safety", "respect", "listened"}
    assert set(schema.table("incidents").column("count").allowed) == {1, -1}


def _survey_rows():
    return pd.DataFrame({
        "period_start": ["2024-01-01", "2024-01-01", "not a date", "2024-01-01", "2024-01-01", "2024-01-01"],
        "period_end": ["2024-01-31"] * 6,
        "district_id": ["1", None, "1", "1", "1", "2"],
        "measure": ["trust", "trust", "trust", "happiness", "safety", "respect"],
        "score": [55.5, 50, 50, 50, 104, "abc"],
        "respondents": [40, 40, 40, 40, 40, 40],
        "margin_of_error": [7.7, 7.7, 7.7, 7.7, 7.7, 7.7],
    })


def test_validate_keeps_good_rows_and_explains_each_rejected_row():
    result = schema.validate("trust_surveys", _survey_rows())
    assert len(result.valid) == 1
    assert result.valid.loc[0, "score"] == 55.5
    assert len(result.valid) + len(result.rejects) == 6
    reasons = dict(zip(result.rejects["row_number"], zip(result.rejects["column"], result.rejects["reason"])))
    assert reasons[1] == ("district_id", "required value is missing")
    assert reasons[2] == ("period_start", "expected a date (YYYY-MM-DD)")
    assert reasons[3][0] == "measure" and "expected one of trust, safety, respect, listened" in reasons[3][1]
    assert reasons[4] == ("score", "above the maximum 100")
    assert reasons[5] == ("score", "expected a number")
    assert result.rejects.set_index("row_number").loc[5, "value"] == "abc"


def test_whole_number_columns_reject_fractions():
    rows = _survey_rows().iloc[[0]].assign(respondents=[12.5])
    result = schema.validate("trust_surveys", rows)
    assert result.rejects.iloc[0]["reason"] == "expected a whole number"


@pytest.mark.parametrize("huge", ["1e23", str(2**63), 1e300])
def test_whole_numbers_beyond_64_bits_are_rejected_rows_not_a_crash(huge):
    # Issue 15: attendees = 1e23 or officers = 2**63 raised from the cast to Int64 instead of a reject.
    rows = _survey_rows().iloc[[0, 0]].assign(respondents=[huge, "40"])
    result = schema.validate("trust_surveys", rows)
    assert len(result.valid) == 1 and len(result.rejects) == 1
    reject = result.rejects.iloc[0]
    assert reject["column"] == "respondents" and reject["reason"].startswith("above the maximum")


def test_missing_column_is_a_whole_table_error():
    with pytest.raises(schema.SchemaError, match="missing column\\(s\\) margin_of_error"):
        schema.validate("trust_surveys", _survey_rows().drop(columns="margin_of_error"))


def test_invalid_geometry_is_rejected():
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    frame = pd.DataFrame({"id": ["1", "2"], "name": ["ok", "bowtie"], "geometry": [shapely.box(0, 0, 1, 1), bowtie],
                          "population": [10, 10], "population_year": [2020, 2020], "sworn_officers": [1, 1]})
    result = schema.validate("districts", frame)
    assert list(result.valid["id"]) == ["1"]
    assert result.rejects.iloc[0]["reason"] == "geometry is not a valid polygon"


def test_data_dictionary_lists_every_column():
    dictionary = schema.data_dictionary()
    expected = sum(len(t.columns) for t in schema.load_schema().values())
    assert len(dictionary) == expected
    row = dictionary[(dictionary["table"] == "trust_surveys") & (dictionary["column"] == "score")].iloc[0]
    assert row["range"] == "0 to 100" and row["unit"] == "score 0-100"
