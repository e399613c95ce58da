"""Many ledger records at once: a CSV / Excel template to fill in, and loading a filled one.

There is one template per kind of record (activities, training sessions, program sites). Every
uploaded row goes through the same validation as the form; valid rows are recorded, the others
come back with their line, column and reason, so rows read = recorded + rejected.

A big upload is checked all at once and written in one transaction (``Ledger.record_checked``): a
hundred thousand rows take seconds, not an hour, and a failure part-way records nothing. Each record
still gets its own audit row. The file's size is limited before it is read (``check_upload_size``).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from community_policing import exports
from community_policing.data import limits, schema
from community_policing.i18n import N_, _
from community_policing.data.importers import tabular
from community_policing.data.importers.errors import SourceFileError
from community_policing.ledger.book import Ledger, Progress, validate_many

EXAMPLE_PREFIX = "EXAMPLE:"


@dataclass(frozen=True)
class Template:
    """What one kind's template holds: columns, which are required, the format of each, an example."""

    kind: str
    sheet: str                       # the Excel sheet (and CSV file name stem)
    columns: tuple[str, ...]
    required: frozenset[str]
    formats: dict[str, str]          # English, marked with N_; allowed() shows them translated
    example: dict[str, str]          # one marked example row; ``{district}`` is filled in
    example_field: str               # the text column that carries the EXAMPLE: mark

    def allowed(self, column: str) -> str:
        """What a column accepts, with the schema's allowed values where it has them."""
        lists = {("activity", "type"): ("engagement_events", "type"), ("training", "course"): ("training", "course")}
        if (self.kind, column) in lists:
            table_name, name = lists[(self.kind, column)]
            return ", ".join(schema.table(table_name).column(name).allowed)
        return _(self.formats[column])


_COMMON = {
    "date": N_("YYYY-MM-DD"), "district_id": N_("a district id of this city"), "notes": N_("optional"),
    "title": N_("short title, up to 200 characters"),
}
TEMPLATES: dict[str, Template] = {
    "activity": Template(
        kind="activity", sheet="activities",
        columns=("date", "start_time", "district_id", "neighborhood_id", "type", "title", "place", "lon", "lat",
                 "attendees", "officers", "officer_hours", "partners", "cost", "notes"),
        required=frozenset({"date", "district_id", "type", "title"}),
        formats={**_COMMON, "start_time": N_("HH:MM (24-hour), optional"),
                 "neighborhood_id": N_("a neighborhood id in that district, optional"),
                 "place": N_("address or place name, optional"), "lon": N_("longitude, optional (give lat too)"),
                 "lat": N_("latitude, optional (give lon too)"), "attendees": N_("whole number ≥ 0"),
                 "officers": N_("whole number ≥ 0"), "officer_hours": N_("number ≥ 0 (summed over officers)"),
                 "partners": N_("partner organizations, optional"), "cost": N_("US dollars ≥ 0")},
        example={"date": "2026-01-15", "start_time": "18:30", "district_id": "{district}",
                 "type": "community_meeting", "title": f"{EXAMPLE_PREFIX} replace this row with your own",
                 "place": "Main library", "attendees": "25", "officers": "2", "officer_hours": "4", "cost": "0"},
        example_field="title",
    ),
    "training": Template(
        kind="training", sheet="training",
        columns=("date", "district_id", "unit", "course", "title", "officers", "hours", "notes"),
        required=frozenset({"date", "course", "officers", "hours"}),
        formats={**_COMMON, "district_id": N_("district whose officers were trained (or give unit)"),
                 "unit": N_("unit trained when not a district, e.g. Academy (or give district_id)"),
                 "title": N_("course title, optional"),
                 "officers": N_("whole number ≥ 1 (officers who completed it)"),
                 "hours": N_("hours per officer, number ≥ 0")},
        example={"date": "2026-02-10", "district_id": "{district}", "course": "de_escalation",
                 "title": f"{EXAMPLE_PREFIX} replace this row with your own", "officers": "12", "hours": "8"},
        example_field="title",
    ),
    "program": Template(
        kind="program", sheet="programs",
        columns=("name", "district_id", "start_date", "end_date", "description", "annual_cost", "notes"),
        required=frozenset({"name", "district_id", "start_date"}),
        formats={**_COMMON, "name": N_("program name (one row per district it runs in)"),
                 "start_date": N_("YYYY-MM-DD, first day in that district"),
                 "end_date": N_("YYYY-MM-DD, empty while it runs"),
                 "description": N_("what the program does, optional"),
                 "annual_cost": N_("US dollars per year in that district, ≥ 0")},
        example={"name": f"{EXAMPLE_PREFIX} replace this row with your own", "district_id": "{district}",
                 "start_date": "2026-03-01", "description": "Officers walk the same beat weekly",
                 "annual_cost": "50000"},
        example_field="name",
    ),
}


def template_for(kind: str) -> Template:
    if kind not in TEMPLATES:
        raise ValueError(f"no template for {kind!r}; expected one of {', '.join(TEMPLATES)}")
    return TEMPLATES[kind]


def allowed_values(kind: str = "activity") -> pd.DataFrame:
    """One row per template column: required or not, and what it accepts (headers and text in the
    current language; the column names are the template's, which stay English)."""
    spec = template_for(kind)
    return pd.DataFrame([{_("column"): c, _("required"): _("yes") if c in spec.required else _("no"),
                          _("accepts"): spec.allowed(c)} for c in spec.columns])


def template(district_id: str = "1", kind: str = "activity") -> pd.DataFrame:
    """The columns with one example row (marked, so it is never loaded by mistake)."""
    spec = template_for(kind)
    example = {c: spec.example.get(c, "").replace("{district}", str(district_id)) for c in spec.columns}
    return pd.DataFrame([example], columns=list(spec.columns))


def template_csv(district_id: str = "1", kind: str = "activity") -> bytes:
    return exports.csv_bytes(template(district_id, kind))


def template_excel(district_id: str = "1", kind: str = "activity") -> bytes:
    """The template sheet and an "allowed values" sheet (its name and text in the current language)."""
    return exports.excel_sheets({template_for(kind).sheet: template(district_id, kind),
                                 _("allowed values"): allowed_values(kind)})


def check_upload_size(name: str, size: int) -> None:
    """Refuse a filled template above the upload limit (COMMON_GROUND_MAX_UPLOAD_MB) with SourceFileError;
    a page calls it with the upload's size before reading the upload."""
    limits.check_upload_size(Path(name).name, int(size))


def read_upload(name: str, data: bytes, kind: str = "activity") -> pd.DataFrame:
    """An uploaded template as text cells plus ``_line`` (header = line 1); raises SourceFileError."""
    spec = template_for(kind)
    suffix = Path(name).suffix.lower()
    check_upload_size(name, len(data))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(name).name
        path.write_bytes(data)
        try:
            if suffix in (".xlsx", ".xlsm"):
                limits.check_zip(path)  # a few KB of workbook can unzip to gigabytes: refused before it is parsed
            frame = tabular.read_text_table(path, sheet=spec.sheet if suffix in (".xlsx", ".xls") else None)
            tabular.require_columns(path, frame, sorted(spec.required))
        except SourceFileError as exc:
            # Name the file the person uploaded, not the temporary copy it was read from.
            raise SourceFileError(Path(name).name, exc.message.replace(str(path), Path(name).name)) from None
    # A file downloaded from here, filled and uploaded again keeps the quote that neutralised text
    # such as "=..." on the way out: take it off so the ledger stores what the person typed.
    for column in frame.columns:
        if column != "_line":
            frame[column] = frame[column].map(exports.restore_text, na_action="ignore")
    return frame


@dataclass
class BulkResult:
    rows_read: int
    recorded: list[str]
    rejects: pd.DataFrame  # line, column, value, reason


def load_rows(ledger: Ledger, frame: pd.DataFrame, user: str, valid_district_ids=None,
              valid_neighborhood_ids=None, kind: str = "activity",
              existing_programs: Iterable[tuple[Any, Any]] | None = None, *,
              all_or_nothing: bool = False, progress: Progress | None = None) -> BulkResult:
    """Validate every row like the form does; record the valid ones, return the others with reasons.

    What a person sees stays as it was: rows with problems come back with their line, column and
    reason, and the valid rows are recorded (rows read = recorded + rejected). With ``all_or_nothing``
    any rejected row records nothing at all. Either way the rows are checked all at once, then written
    in ONE transaction: a failure part-way (a full disk, a killed process) leaves the ledger exactly as
    it was, never half an upload. ``progress(fraction, text)`` is called as rows are checked and written.
    """
    spec = template_for(kind)
    rejects: list[tuple[int, str, str, str]] = []
    present = [c for c in spec.columns if c in frame.columns]
    lines = frame["_line"].astype(int).tolist()
    # Plain dicts of the non-blank cells, built column-wise (iterrows would dominate a big upload).
    cells = {c: frame[c].tolist() for c in present}
    entries: list[dict[str, Any]] = []
    for i in range(len(frame)):
        entry = {}
        for c in present:
            value = cells[c][i]
            if value is not None and not (isinstance(value, float) and value != value) and str(value).strip() != "":
                entry[c] = value
        entries.append(entry)

    def reject(line: int, entry: dict, errors: dict[str, str]) -> None:
        for column, message in errors.items():
            rejects.append((line, column, str(entry.get(column, "")), message))

    candidates, positions = [], []
    for position, entry in enumerate(entries):
        mark = str(entry.get(spec.example_field, ""))
        if mark.startswith(EXAMPLE_PREFIX):
            rejects.append((lines[position], spec.example_field, mark,
                            _("the template's example row; replace or delete it")))
        else:
            candidates.append(entry)
            positions.append(position)
    valid, problems = validate_many(kind, candidates, valid_district_ids, valid_neighborhood_ids, progress)
    for index, errors in problems.items():
        reject(lines[positions[index]], candidates[index], errors)
    recorded: list[str] = []
    if valid and not (all_or_nothing and rejects):
        ids, refused = ledger.record_checked(valid, user, kind=kind, existing_programs=existing_programs,
                                             all_or_nothing=all_or_nothing, progress=progress)
        for index, errors in refused.items():
            reject(lines[positions[index]], candidates[index], errors)
        recorded = [ids[index] for index in sorted(ids)]
    table = pd.DataFrame(rejects, columns=["line", "column", "value", "reason"]).sort_values("line", kind="stable")
    return BulkResult(rows_read=len(frame), recorded=recorded, rejects=table.reset_index(drop=True))
