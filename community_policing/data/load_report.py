"""What the staff Data page says about the data now, a check and a load, in the page's language (no Streamlit):
its sentences, the tables as they are shown and as their toolbar's "Download as CSV" writes them, and the
labels of the loads to pick from. The work itself (stage, check, load, history) is ``data_admin``'s."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from community_policing import exports, i18n
from community_policing.i18n import N_, _
from community_policing.data import data_admin, loader
from community_policing.data.store import PROJECT_ROOT

# The machine column names of the page's tables, labelled in the page's language.
COLUMN_LABELS = {
    "table_name": N_("Table"), "file": N_("File"), "sha256": N_("Checksum (SHA-256)"),
    "rows_read": N_("Rows read"), "rows_loaded": N_("Loaded"), "rows_merged": N_("Merged into an incident"),
    "rows_rejected": N_("Rejected"), "note": N_("Note"), "finished_at": N_("When"), "loaded_by": N_("By"),
    "uploaded": N_("Uploaded"), "files": N_("Files"), "current": N_("In use now"), "kind": N_("Kind"),
    "reason": N_("Reason"), "rows": N_("Rows"), "line": N_("Line"), "column": N_("Column"),
    "value": N_("Value"), "level": N_("Level"), "id": N_("Id"), "name": N_("Name")}
ROW_COUNTS = ["rows_read", "rows_loaded", "rows_merged", "rows_rejected"]  # a file's rows, as the loader counted them


def shown_path(path: Path) -> str:
    """A manifest's path as the city picker shows it: relative to the project when it lies inside."""
    return str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path)


def plain(text: Any) -> str:
    """Text shown inside Markdown as it is (a name typed by staff)."""
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!|<>~$" else ch for ch in str(text))


def day(value: Any) -> str:
    """A day in the page's language, or "n/a"."""
    return i18n.format_date(value) if value else _("n/a")


def expected_files(manifest: Path) -> str:
    """Where each uploaded file goes: the manifest's file-name patterns, as plain text (no code spans, whose colour
    on a caption's grey falls below 4.5:1: axe, tests/test_accessibility.py). Raises ``DataAdminError``."""
    return ", ".join(plain(p.label()) for p in data_admin.source_patterns(manifest))


def progress_step(what: str, detail: tuple) -> str:
    """A loader's step for the progress bar: its English words translated; a file name, given after, is not."""
    return _(what) + (f" ({detail[0]})" if detail else "")


def as_shown(frame: pd.DataFrame) -> pd.DataFrame:
    """A table as shown and as its toolbar's "Download as CSV" writes it: formula-like text neutralised (that
    download bypasses ``exports``), an empty text cell reading "—", never "None"."""
    text = [c for c in frame.columns
            if pd.api.types.is_object_dtype(frame[c]) or pd.api.types.is_string_dtype(frame[c])]
    frame = frame.astype({c: object for c in text})
    frame[text] = frame[text].where(frame[text].notna(), "—")
    return exports.neutralise(frame)


def current_summary(now: data_admin.CurrentData) -> str:
    """The data now (``data_admin.current``): city, when the database was built, its incident records and
    the last load."""
    return _("- **City:** {city}{simulated}\n- **Database built:** {built}\n- **Incident records:** {rows}, "
             "reported {first} to {last}\n- **Last load:** by {who}, from {folder}").format(
        city=now.city, simulated=_(" (simulated demo data)") if now.is_simulated else "",
        built=now.built_at.replace("T", " ") or _("n/a"), rows=f"{now.incidents:,}", first=day(now.first_reported),
        last=day(now.last_reported), who=plain(now.loaded_by or _("n/a")),
        folder=f"`{now.source_dir}`" if now.source_dir else _("n/a"))


def rejection_warning(report: loader.CheckReport) -> str:
    """A failed check's warning: how many rows would be rejected or have an offense no mapping covers."""
    return _("{rows} row(s) would be rejected as invalid or duplicate, or have an offense value no mapping "
             "covers. Read the reasons below before loading.").format(rows=f"{report.failures:,}")


def report_totals(report: loader.CheckReport) -> pd.DataFrame:
    """A check's rows by table: read, would load, merged and rejected."""
    return report.files.groupby("table_name", sort=False)[ROW_COUNTS].sum().reset_index()


def report_files(report: loader.CheckReport) -> pd.DataFrame:
    """A check's rows by file, with the loader's note."""
    return report.files[["table_name", "file", *ROW_COUNTS, "note"]]


def report_summary(report: loader.CheckReport) -> str:
    """A check's incidents and corrections, the ones no district would hold, and the days they span."""
    return _("- **Incidents:** {incidents} counted, {corrections} corrections; {unplaced} would not be placed "
             "in any district\n- **Reported** {first} to {last}; **occurred** {first_occ} to {last_occ}").format(
        incidents=f"{report.incidents:,}", corrections=f"{report.corrections:,}",
        unplaced=f"{report.unplaced_incidents:,}", first=day(report.first_reported), last=day(report.last_reported),
        first_occ=day(report.first_occurred), last_occ=day(report.last_occurred))


def report_problems(report: loader.CheckReport) -> list[tuple[str, pd.DataFrame]]:
    """A check's tables of problems, each with its title: only those with a row."""
    return [(title, frame) for frame, title in (
        (report.first_reasons, _("Rejected rows by reason (the first of each)")),
        (report.unmapped_offenses, _("Offense values no mapping covers")),
        (report.areas_without_population, _("Areas without population"))) if len(frame)]


def loaded_message(city: str, summary: loader.LoadSummary, user: str) -> str:
    """What a load did, said once after the page reloads with the new data."""
    return _("Loaded {city} (load {batch}, by {user}): {incidents} incident records. "
             "Every page now shows the new data.").format(
        city=city, batch=summary.batch_id, user=plain(user), incidents=f"{summary.rows.get('incidents', 0):,}")


def load_labels(loads: pd.DataFrame) -> dict[str, str]:
    """Each load of ``data_admin.load_summaries`` by its batch id, as the picker names it: when, who and the id."""
    return {r.batch_id: f"{str(r.finished_at)[:16]} – {r.loaded_by} ({r.batch_id})" for r in loads.itertuples()}
