"""Many ledger entries at once: a CSV / Excel template to fill in, and loading a filled one.

Every uploaded row goes through the same validation as the form; valid rows are recorded, the
others come back with their line, column and reason, so rows read = recorded + rejected.
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from community_policing import schema
from community_policing.importers import tabular
from community_policing.ledger import Ledger, LedgerError, validate_entry

TEMPLATE_COLUMNS = ["date", "start_time", "district_id", "neighborhood_id", "type", "title", "place", "lon", "lat",
                    "attendees", "officers", "officer_hours", "partners", "cost", "notes"]
REQUIRED = {"date", "district_id", "type", "title"}
EXAMPLE_PREFIX = "EXAMPLE:"
FORMATS = {
    "date": "YYYY-MM-DD", "start_time": "HH:MM (24-hour), optional", "district_id": "a district id of this city",
    "neighborhood_id": "a neighborhood id in that district, optional", "title": "short title, up to 200 characters",
    "place": "address or place name, optional", "lon": "longitude, optional (give lat too)",
    "lat": "latitude, optional (give lon too)", "attendees": "whole number ≥ 0", "officers": "whole number ≥ 0",
    "officer_hours": "number ≥ 0 (summed over officers)", "partners": "partner organizations, optional",
    "cost": "US dollars ≥ 0", "notes": "optional",
}


def allowed_values() -> pd.DataFrame:
    """One row per template column: required or not, and what it accepts."""
    types = ", ".join(schema.table("engagement_events").column("type").allowed)
    return pd.DataFrame([{"column": c, "required": "yes" if c in REQUIRED else "no",
                          "accepts": types if c == "type" else FORMATS[c]} for c in TEMPLATE_COLUMNS])


def template(district_id: str = "1") -> pd.DataFrame:
    """The columns with one example row (marked, so it is never loaded by mistake)."""
    example = {c: "" for c in TEMPLATE_COLUMNS}
    example.update(date="2026-01-15", start_time="18:30", district_id=district_id, type="community_meeting",
                   title=f"{EXAMPLE_PREFIX} replace this row with your own", place="Main library",
                   attendees="25", officers="2", officer_hours="4", cost="0")
    return pd.DataFrame([example], columns=TEMPLATE_COLUMNS)


def template_csv(district_id: str = "1") -> bytes:
    return template(district_id).to_csv(index=False).encode("utf-8")


def template_excel(district_id: str = "1") -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        template(district_id).to_excel(writer, sheet_name="activities", index=False)
        allowed_values().to_excel(writer, sheet_name="allowed values", index=False)
    return buffer.getvalue()


def read_upload(name: str, data: bytes) -> pd.DataFrame:
    """An uploaded template as text cells plus ``_line`` (header = line 1); raises SourceFileError."""
    suffix = Path(name).suffix.lower()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(name).name
        path.write_bytes(data)
        frame = tabular.read_text_table(path, sheet="activities" if suffix in (".xlsx", ".xls") else None)
        tabular.require_columns(path, frame, sorted(REQUIRED))
    return frame


@dataclass
class BulkResult:
    rows_read: int
    recorded: list[str]
    rejects: pd.DataFrame  # line, column, value, reason


def load_rows(ledger: Ledger, frame: pd.DataFrame, user: str, valid_district_ids=None,
              valid_neighborhood_ids=None) -> BulkResult:
    """Validate every row like the form does; record the valid ones, return the others with reasons."""
    rejects, valid = [], []
    for _, row in frame.iterrows():
        line = int(row["_line"])
        entry = {c: row[c] for c in TEMPLATE_COLUMNS if c in frame.columns and str(row[c]).strip() != ""}
        if str(entry.get("title", "")).startswith(EXAMPLE_PREFIX):
            rejects.append((line, "title", entry["title"], "the template's example row; replace or delete it"))
            continue
        try:
            validate_entry(entry, valid_district_ids, valid_neighborhood_ids)
        except LedgerError as exc:
            for column, message in exc.errors.items():
                rejects.append((line, column, str(entry.get(column, "")), message))
            continue
        valid.append(entry)
    recorded = [ledger.add(entry, user=user, valid_district_ids=valid_district_ids,
                           valid_neighborhood_ids=valid_neighborhood_ids) for entry in valid]
    table = pd.DataFrame(rejects, columns=["line", "column", "value", "reason"])
    return BulkResult(rows_read=len(frame), recorded=recorded, rejects=table)
