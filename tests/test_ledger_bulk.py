"""Template round trip: download, fill, upload loads exactly the filled rows; the rest come back with reasons."""

import io

import pandas as pd
import pytest

from community_policing.ledger import bulk as ledger_bulk
from community_policing.data.importers.errors import SourceFileError
from community_policing.ledger.book import Ledger


def filled(template: pd.DataFrame) -> pd.DataFrame:
    rows = template.iloc[[0, 0, 0]].reset_index(drop=True).copy()
    rows.loc[0, ["title", "district_id"]] = ["Block party", "1"]
    rows.loc[1, ["title", "attendees"]] = ["Coffee with a cop", "12"]
    rows.loc[2, ["title", "attendees", "type"]] = ["Bad row", "-4", "bingo"]
    return rows


@pytest.mark.parametrize("kind", ["csv", "excel"])
def test_download_fill_upload_loads_exactly_the_filled_rows(tmp_path, kind):
    book = Ledger(tmp_path / "ledger.sqlite")
    if kind == "csv":
        template = pd.read_csv(io.BytesIO(ledger_bulk.template_csv("1")), dtype=str, keep_default_na=False)
        data, name = filled(template).to_csv(index=False).encode(), "activities.csv"
    else:
        raw = ledger_bulk.template_excel("1")
        sheets = pd.read_excel(io.BytesIO(raw), sheet_name=None, dtype=str, keep_default_na=False)
        assert set(sheets) == {"activities", "allowed values"}
        assert "community_meeting" in " ".join(sheets["allowed values"]["accepts"])
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            filled(sheets["activities"]).to_excel(writer, sheet_name="activities", index=False)
        data, name = buffer.getvalue(), "activities.xlsx"
    frame = ledger_bulk.read_upload(name, data)
    result = ledger_bulk.load_rows(book, frame, user="coordinator", valid_district_ids={"1", "2"})
    assert result.rows_read == 3 and len(result.recorded) == 2
    assert list(book.entries()["title"]) == ["Block party", "Coffee with a cop"]
    assert set(result.rejects["line"]) == {4}  # the bad row, every problem listed
    assert {"type", "attendees"} <= set(result.rejects["column"])
    assert result.rows_read == len(result.recorded) + result.rejects["line"].nunique()


def test_the_example_row_is_never_loaded(tmp_path):
    book = Ledger(tmp_path / "ledger.sqlite")
    frame = ledger_bulk.read_upload("t.csv", ledger_bulk.template_csv("1"))
    result = ledger_bulk.load_rows(book, frame, user="coordinator")
    assert result.recorded == [] and "example row" in result.rejects["reason"][0]


def test_a_file_without_the_required_columns_is_one_line_error():
    with pytest.raises(SourceFileError, match="missing column\\(s\\) district_id, title, type"):
        ledger_bulk.read_upload("t.csv", b"date,notes\n2026-01-01,hello\n")


def test_a_neutralised_cell_comes_back_as_typed(tmp_path):
    """Text like "=..." leaves in a download with a leading quote; uploaded again, the quote comes off."""
    from community_policing import exports

    book = Ledger(tmp_path / "ledger.sqlite")
    rows = ledger_bulk.template("1")
    rows.loc[0, "title"] = "=1+1 is not a formula here"
    data = exports.csv_bytes(rows)
    assert b"'=1+1" in data
    result = ledger_bulk.load_rows(book, ledger_bulk.read_upload("t.csv", data), user="coordinator")
    assert result.rejects.empty and book.entries()["title"][0] == "=1+1 is not a formula here"
