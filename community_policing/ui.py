"""The one Streamlit helper module: store access, shared filters, banner and data note.

Pages stay thin: widgets, layout and calls into the library. Everything they show is computed
by ``metrics`` and drawn by ``figures``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from community_policing import exports, ledger_bulk, metrics
from community_policing import ledger_form as lf
from community_policing.importers.errors import SourceFileError
from community_policing.ledger import Ledger
from community_policing.store import (DatabaseLocked, DatabaseMissing, DatabaseOutdated, Store, StoreError,
                                      resolve_db_path)


@st.cache_resource(show_spinner=False)
def _store_holder() -> dict:
    # One read-only connection per process (a DuckDB file allows many readers, one writer).
    return {}


def _ensure_entrypoint() -> None:
    """Run every page through dashboard.py, even when a fresh server's first request is a page URL.

    With a pages/ folder next to the entrypoint, Streamlit starts in its older multipage mode and,
    until some session has run dashboard.py (whose st.navigation switches the mode off), serves a
    page URL such as /district?district=2 by running the page file alone: no navigation, no page
    config. Switch the mode off and rerun, so the same URL goes through the entrypoint.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def get_store() -> Store:
    """The process-wide read-only Store, reopened when a new build has been swapped in."""
    _ensure_entrypoint()
    holder = _store_holder()
    path = resolve_db_path()
    store: Store | None = holder.get(path)
    try:
        if store is None or store.is_stale():
            # Drop (do not close) a stale store: other sessions may still be mid-query on it;
            # DuckDB closes it once the last cursor is gone.
            store = holder[path] = Store(path)
    except DatabaseMissing as exc:
        st.error(f"There is no data to show yet. {exc}")
        st.stop()
    except DatabaseOutdated as exc:
        st.error(f"The data needs rebuilding. {exc}")
        st.stop()
    except DatabaseLocked as exc:
        st.warning(f"The data is being updated right now. {exc}")
        st.stop()
    except StoreError as exc:
        st.error(str(exc))
        st.stop()
    return store


def cache_key(store: Store) -> tuple:
    """Part of every cached computation's key, so neither a swapped-in build nor a new ledger entry
    is ever served stale."""
    return (str(store.path), store.identity, store.ledger_version())


@st.cache_data(show_spinner=False, max_entries=256)
def dataset_info(_store: Store, key: tuple) -> metrics.DatasetInfo:
    return metrics.dataset_info(_store)


@st.cache_data(show_spinner=False, max_entries=16)
def district_list(_store: Store, key: tuple) -> pd.DataFrame:
    from community_policing import district

    return district.districts(_store)


@st.cache_data(show_spinner=False, max_entries=64)
def offense_choices(_store: Store, key: tuple) -> list[tuple[str, str]]:
    return metrics.offense_choices(_store)


@st.cache_data(show_spinner=False, max_entries=256)
def area_comparison(_store: Store, key: tuple, start: dt.date, end: dt.date, level: str,
                    offense_group: str, date_basis: str) -> pd.DataFrame:
    return metrics.area_comparison(_store, start, end, level=level, offense_group=offense_group,
                                   date_basis=date_basis)


@st.cache_data(show_spinner=False, max_entries=64)
def window_comparisons(_store: Store, key: tuple, as_of: dt.date, offense_group: str, date_basis: str) -> pd.DataFrame:
    from community_policing import evaluation

    return evaluation.window_comparisons(_store, as_of, offense_group, date_basis)


@st.cache_data(show_spinner=False, max_entries=16)
def trust_coverage(_store: Store, key: tuple) -> pd.DataFrame:
    return metrics.trust_coverage(_store)


@st.cache_data(show_spinner=False, max_entries=64)
def trust_by_district(_store: Store, key: tuple, measure: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    return metrics.trust_by_district(_store, measure, start, end)


@st.cache_data(show_spinner=False, max_entries=16)
def area_features(_store: Store, key: tuple, level: str) -> dict:
    from community_policing.geo import area_features as load

    return load(_store, level)


@dataclass(frozen=True)
class Filters:
    period: metrics.Period
    period_name: str
    offense_group: str
    offense_label: str
    date_basis: str


def sidebar_filters(store: Store, info: metrics.DatasetInfo) -> Filters:
    """Period, offense and date-basis filters, shared by every page through widget keys."""
    with st.sidebar:
        st.header("Filters")
        as_of = info.last_day or dt.date.today()
        first = info.first_day or as_of
        preset = st.selectbox("Period", [*metrics.PERIOD_PRESETS, "Custom range"], key="period_preset",
                              help=f"Periods end on the last day with data ({as_of:%b %-d, %Y}).")
        if preset == "Custom range":
            default = metrics.preset_period("Last 12 months", as_of)
            picked = st.date_input("From – to", value=(default.start, default.end), min_value=first,
                                   max_value=as_of, key="period_custom")
            if isinstance(picked, (tuple, list)) and len(picked) == 2:
                period = metrics.Period(picked[0], picked[1])
            else:
                st.info("Pick both a first and a last day.")
                period = default
        else:
            period = metrics.preset_period(preset, as_of)
        choices = offense_choices(store, cache_key(store))
        labels = dict(choices)
        offense = st.selectbox("Offenses", [v for v, _ in choices], format_func=lambda v: labels[v],
                               key="offense_group")
        basis = st.radio("Count incidents by", metrics.DATE_BASES, key="date_basis", horizontal=True,
                         format_func=lambda b: {"occurred": "date occurred", "reported": "date reported"}[b],
                         help="Occurred: when the offense happened. Reported: when police recorded it. "
                              "Late reports make recent 'occurred' counts rise for weeks afterwards.")
        st.caption(f"Showing {period.label()} ({period.days} days), compared with {period.prior.label()}.")
        if preset == "Year to date" and period.days < 90:
            st.caption("Early in the year, year-to-date numbers are small and swing widely.")
    return Filters(period, preset, offense, labels[offense].strip(), basis)


def simulated_banner(info: metrics.DatasetInfo) -> None:
    if info.is_simulated:
        st.warning(
            f"**Simulated demo data.** {info.city_name} is a fictional city; every number on this "
            "page was generated to demonstrate the dashboard and describes no real place or people.",
            icon=":material/science:",
        )


def data_note(info: metrics.DatasetInfo, extra: str = "") -> None:
    """The 'about this data' note every page ends with."""
    st.divider()
    st.subheader("About this data")
    span = (f"reported {info.first_day:%b %-d, %Y} to {info.last_day:%b %-d, %Y}"
            if info.first_day and info.last_day else "none loaded")
    st.markdown(
        f"- **{info.label}** for {info.city_name}. Source: {info.source}\n"
        f"- Incidents {span}: {info.incident_rows:,} records (corrections included as "
        f"negative records); {info.engagement_rows:,} engagement activities; "
        f"{info.survey_rows:,} survey results; {info.districts} districts, {info.neighborhoods} neighborhoods.\n"
        f"- Data as of {info.last_day or 'n/a'}; database built {info.built_at}.\n"
        "- Counts are net of corrections. Rates are per 1,000 residents of the area (population and "
        "its year are in each hover) and are not shown for areas with fewer than "
        f"{metrics.MIN_POPULATION_FOR_RATE} residents."
        + (f"\n- {extra}" if extra else "")
    )


def data_label(info: metrics.DatasetInfo | None) -> str | None:
    """What every row of a download says it is ("Simulated demo data - Riverbend, Missouri")."""
    return f"{info.label} - {info.city_name}" if info is not None else None


def csv_bytes(frame: pd.DataFrame, info: metrics.DatasetInfo | None) -> bytes:
    """CSV for download, labelled with what the data is (simulated or recorded) on every row, and safe
    to open in a spreadsheet (``exports``: formula-like text neutralised, UTF-8 with a byte-order mark)."""
    return exports.csv_bytes(frame, data_label(info))


def about_notes(info: metrics.DatasetInfo | None, notes: list[str] | None = None) -> list[str]:
    """The lines of a download workbook's 'about' sheet after the data label: source, dates, the page's notes
    (filters) and why some text starts with a quote."""
    lines = []
    if info is not None:
        lines.append(f"Source: {info.source}")
        lines.append(f"Data as of {info.last_day or 'n/a'}; database built {info.built_at}.")
    lines.extend(notes or [])
    lines.append("Text that began with =, +, -, @, a tab or a carriage return starts with ' in this file, so "
                 "that no spreadsheet reads it as a formula.")
    return lines


def filter_notes(filters: Filters) -> list[str]:
    """The page's filters, for the 'about' sheet of a download."""
    basis = {"occurred": "date occurred", "reported": "date reported"}.get(filters.date_basis, filters.date_basis)
    return [f"Page filters when downloaded: {filters.period.label()} ({filters.period_name}), compared with "
            f"{filters.period.prior.label()}; offenses: {filters.offense_label}; incidents counted by {basis}."]


def download_table(frame: pd.DataFrame, info: metrics.DatasetInfo | None, file_stem: str, key: str, *,
                   label: str = "Download these numbers", excel: bool = True,
                   notes: list[str] | None = None) -> None:
    """The one way a table leaves the app: "… (CSV)" and, side by side, "… (Excel)" buttons.

    Both files go through ``exports`` (formula-like text neutralised; ``data_label`` on every row
    when ``info`` is given; "_simulated" in the file name for simulated data). The CSV is made now
    (it is small and quick); the workbook only when its button is clicked. ``info=None`` is for
    tables that describe no data (the data dictionary): no label, no source.
    """
    stem = file_stem.removesuffix(".csv")
    if info is not None and info.is_simulated and not stem.endswith("_simulated"):
        stem += "_simulated"
    row = st.container(horizontal=True) if excel else st
    row.download_button(f"{label} (CSV)", exports.csv_bytes(frame, data_label(info)), file_name=f"{stem}.csv",
                        mime=exports.CSV_MIME, key=key)
    if excel:
        # Deferred: the workbook is built on click, so pages with many tables do not pay for it on every
        # run (about 25 ms per 100 rows). It is built from the table as shown now.
        shown, lines = frame.copy(), about_notes(info, notes)
        row.download_button(f"{label} (Excel)",
                            lambda: exports.excel_bytes(shown, sheet="data", label=data_label(info), notes=lines),
                            file_name=f"{stem}.xlsx", mime=exports.EXCEL_MIME, key=f"{key}_xlsx")


DISTRICT_PAGE = "pages/district.py"


def _open_district(area_id: str | None) -> None:
    if area_id and area_id != metrics.UNASSIGNED_ID:
        st.switch_page(DISTRICT_PAGE, query_params={"district": area_id})


def open_district_on_click(event, level: str, table: pd.DataFrame) -> None:
    """A click on a district of a map opens that district's page."""
    if level != "district" or not event:
        return
    points = event.get("selection", {}).get("points", [])
    if points:
        _open_district(points[0].get("location"))


def open_district_on_row(event, table: pd.DataFrame) -> None:
    """Selecting a row of a district table opens that district's page."""
    rows = (event or {}).get("selection", {}).get("rows", [])
    if rows:
        _open_district(str(table.iloc[rows[0]]["area_id"]))


def engagement_metrics(events_col, hours_col, recorded: bool, events: int, events_prior: int, hours: float,
                       hours_prior: float) -> None:
    """The two engagement KPIs (activities, officer hours) with their year-earlier comparison, or
    'not recorded' when the city keeps no engagement ledger."""
    if not recorded:
        events_col.metric("Engagement activities", "not recorded")
        hours_col.metric("Officer engagement hours", "not recorded")
        events_col.caption("No engagement ledger is loaded for this city.")
        return
    events_col.metric("Engagement activities", f"{events:,}", delta=f"{events - events_prior:+,} vs a year earlier",
                      delta_color="off")
    events_col.caption(f"{events_prior:,} a year earlier")
    hours_col.metric("Officer engagement hours", f"{hours:,.0f}",
                     delta=f"{hours - hours_prior:+,.0f} vs a year earlier", delta_color="off")
    hours_col.caption(f"{hours_prior:,.0f} a year earlier")


#: Files a spreadsheet opens as a table: these leave the app only through ``download_table``.
SPREADSHEET_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".ods")


def download_document(label: str, data, file_name: str, key: str, mime: str, **options) -> None:
    """A download that is not a table (a PDF briefing, a slide deck): passed through as it is.
    Spreadsheet files are refused here, so that every table goes through ``download_table`` and is
    neutralised against formula injection."""
    if file_name.lower().endswith(SPREADSHEET_SUFFIXES) or mime in (exports.CSV_MIME, exports.EXCEL_MIME):
        raise ValueError(f"{file_name}: tables are downloaded with ui.download_table (neutralised by exports)")
    st.download_button(label, data, file_name=file_name, mime=mime, key=key, **options)


def numbers_behind(frame: pd.DataFrame, info: metrics.DatasetInfo, file_name: str, key: str,
                   column_config: dict | None = None, notes: list[str] | None = None) -> None:
    """The table behind a chart, one click away, with CSV and Excel downloads (simulated data say so
    in the name; ``notes`` go on the workbook's 'about' sheet)."""
    with st.expander("Show the numbers"):
        st.dataframe(frame, hide_index=True, width="stretch", column_config=column_config)
        download_table(frame, info, file_name, key, notes=notes)


def area_column_config(area_word: str = "District", **extra) -> dict:
    """Column labels and formats for any per-area table (same words on every page); ``extra`` adds or
    overrides columns."""
    config = {
        "area_id": area_word, "area_name": "Name",
        "incidents": st.column_config.NumberColumn("Incidents", format="%d"),
        "incidents_prior_year": st.column_config.NumberColumn("A year earlier", format="%d"),
        "change": st.column_config.NumberColumn("Change", format="%+d"),
        "pct_change": st.column_config.NumberColumn("% change", format="%+.1f%%"),
        "poisson_z": st.column_config.NumberColumn("z", help="2(√current − √prior); |z| ≥ 2 is beyond normal variation"),
        "noise": "Reading",
        "population": st.column_config.NumberColumn("Residents", format="%d"),
        "population_year": st.column_config.NumberColumn("Population year", format="%d"),
        "rate_per_1000": st.column_config.NumberColumn("Per 1,000 residents", format="%.1f"),
        "engagement_events": st.column_config.NumberColumn("Engagement activities", format="%d"),
        "officer_hours": st.column_config.NumberColumn("Officer hours", format="%.0f"),
        "events_per_1000_per_year": st.column_config.NumberColumn("Activities per 1,000 per year", format="%.1f"),
    }
    config.update(extra)
    return config


@st.cache_data(show_spinner=False, max_entries=16)
def neighborhood_list(_store: Store, key: tuple) -> pd.DataFrame:
    """Neighborhoods for the staff forms: area_id, area_name, district_id (as text)."""
    areas = _store.query("areas", level="neighborhood")
    return areas[["area_id", "area_name", "district_id"]].astype({"area_id": str, "district_id": str})


@dataclass(frozen=True)
class StaffPlaces:
    """Where staff can record things: district titles and neighborhood names by id."""

    titles: dict
    neighborhoods: pd.DataFrame
    nbhd_names: dict


def staff_places(store: Store, key: tuple) -> StaffPlaces:
    districts = district_list(store, key)
    neighborhoods = neighborhood_list(store, key)
    return StaffPlaces(dict(zip(districts["district_id"].astype(str), districts["title"])), neighborhoods,
                       dict(zip(neighborhoods["area_id"], neighborhoods["area_name"])))


# -- the staff ledger pages (Engagement log, Recurring meetings, Training and programs) ----------------

LEDGER_FLASH = "_ledger_flash"  # a success message shown once, after the rerun that follows a save
_KEY_PREFIX = {"activity": "ledger", "training": "training", "program": "program", "series": "series"}


def recorded_by() -> str:
    """The 'Recorded by' box, remembered across the staff pages (a widget's own state is dropped
    when the page that shows it is left)."""
    if "ledger_user" not in st.session_state:
        st.session_state["ledger_user"] = st.session_state.get("_recorded_by", "")
    user = st.text_input("Recorded by", key="ledger_user", placeholder="your name or staff id",
                         help="Required. Saved with every entry, edit and delete in the audit trail.")
    st.session_state["_recorded_by"] = user
    return user.strip()


def ledger_flash() -> None:
    """Show (once) what the last save did."""
    flash = st.session_state.pop(LEDGER_FLASH, None)
    if flash:
        st.success(flash, icon=":material/check_circle:")


def ledger_editor(book, kind: str, user: str, column_config: dict, *, valid_district_ids,
                  valid_neighborhood_ids=None, neighborhoods: pd.DataFrame | None = None,
                  existing_programs=None, empty_text: str) -> None:
    """Recent records of one kind in st.data_editor: edit cells or tick delete, then save. Every
    change goes through the ledger (validated, audited; deletes are soft)."""
    prefix = _KEY_PREFIX[kind]
    errors_key = f"_{prefix}_row_errors"
    entries = book.entries(kind=kind) if book else pd.DataFrame()
    original = lf.editor_frame(entries, kind=kind)
    if original.empty:
        st.info(empty_text)
        return
    noun = "entries" if kind == "activity" else "records"
    st.caption(f"The latest {min(len(entries), lf.RECENT_LIMIT)} of {len(entries):,} {noun}, newest first. "
               "Edit a cell or tick **delete**, then save. Deleted records leave the analytics but stay in the "
               "ledger and its audit trail.")
    config = {"id": st.column_config.TextColumn("Entry"), "district_id": st.column_config.TextColumn("District"),
              "created_by": st.column_config.TextColumn("Recorded by"),
              "delete": st.column_config.CheckboxColumn("delete", help="Soft delete: kept in the ledger and audit."),
              **column_config}
    edited = st.data_editor(
        original, key=f"{prefix}_editor", hide_index=True, width="stretch", num_rows="fixed",
        column_order=["delete", *[c for c in original.columns if c != "delete"]],
        disabled=[c for c in original.columns if c not in (*lf.EDITABLE[kind], "delete")],
        column_config=config,
    )
    reason = st.text_input("Reason for deleting (optional)", key=f"{prefix}_delete_reason")
    for entry_id, messages in st.session_state.get(errors_key, {}).items():
        label = "Recorded by" if entry_id == "user" else f"Entry {entry_id}"
        st.error(f"{label} not saved: " + "; ".join(messages), icon=":material/error:")
    if st.button("Save changes", key=f"{prefix}_save"):
        changes = lf.editor_changes(original, edited, kind=kind)
        if changes.empty:
            st.session_state[errors_key] = {}
            st.toast("Nothing to save.")
            return
        result = lf.apply_changes(
            book, changes, user, reason=reason, neighborhoods=neighborhoods,
            districts_of=dict(zip(original["id"].astype(str), original["district_id"].astype(str))),
            valid_district_ids=valid_district_ids, valid_neighborhood_ids=valid_neighborhood_ids,
            existing_programs=existing_programs,
        )
        st.session_state[errors_key] = result.errors
        if result.edited or result.deleted:
            st.session_state[LEDGER_FLASH] = (f"Saved {len(result.edited)} edit(s) and {len(result.deleted)} "
                                              "delete(s). They already count on every page.")
        # Keep the editor's pending cells while some rows were refused (so nothing typed is lost),
        # unless a delete shifted the rows under it.
        if not result.errors or result.deleted:
            st.session_state.pop(f"{prefix}_editor", None)
        st.rerun()


def ledger_bulk_entry(ledger_path, kind: str, user: str, first_district: str, *, valid_district_ids,
                      valid_neighborhood_ids=None, existing_programs=None) -> None:
    """Download the kind's template (CSV, or Excel with the allowed values); upload it filled."""
    prefix = _KEY_PREFIX[kind]
    spec = ledger_bulk.template_for(kind)
    result_key = f"{prefix}_upload_result"
    t1, t2 = st.columns(2)
    # Templates are written by exports too (one way out of the app): a district id read from a
    # city's files could start like a formula.
    t1.download_button("Template (CSV)", ledger_bulk.template_csv(first_district, kind),
                       file_name=f"{spec.sheet}_template.csv", mime=exports.CSV_MIME, key=f"{prefix}_template_csv")
    t2.download_button("Template (Excel, with allowed values)", ledger_bulk.template_excel(first_district, kind),
                       file_name=f"{spec.sheet}_template.xlsx", key=f"{prefix}_template_xlsx", mime=exports.EXCEL_MIME)
    upload = st.file_uploader("Filled template", type=["csv", "xlsx"], key=f"{prefix}_upload")
    if upload is not None and st.button(f"Record the uploaded {spec.sheet}", key=f"{prefix}_upload_go"):
        if not user:
            st.error("Fill in 'Recorded by' first: every entry is recorded with who made it.")
        else:
            try:
                frame = ledger_bulk.read_upload(upload.name, upload.getvalue(), kind)
            except SourceFileError as exc:
                st.error(str(exc))
            else:
                st.session_state[result_key] = ledger_bulk.load_rows(
                    Ledger(ledger_path), frame, user, valid_district_ids=valid_district_ids,
                    valid_neighborhood_ids=valid_neighborhood_ids, kind=kind, existing_programs=existing_programs)
                st.rerun()  # so the recent records above include the new rows; the outcome shows after it
    if (uploaded := st.session_state.pop(result_key, None)) is not None:
        rejected = uploaded.rejects["line"].nunique()
        st.success(f"{uploaded.rows_read} rows read: {len(uploaded.recorded)} recorded, {rejected} rejected.")
        if rejected:
            st.dataframe(uploaded.rejects, hide_index=True, width="stretch")


def ledger_audit(book, prefixes: str | None = None) -> None:
    """The latest audit rows (of ids starting with one of ``prefixes``, else all), newest first."""
    trail = book.audit() if book else None
    if trail is not None and prefixes:
        trail = trail[trail["entry_id"].str[:1].isin(list(prefixes))]
    audit = lf.audit_frame(trail)
    if audit.empty:
        st.caption("Nothing recorded yet.")
        return
    st.caption("The latest 50 changes, newest first. The trail only grows: nothing in it can be changed or removed.")
    st.dataframe(audit, hide_index=True, width="stretch",
                 column_config={"change": st.column_config.TextColumn("before → after", width="large")})


def field_error(errors_key: str, name: str) -> None:
    """The message for one form field, right under its widget (kept across the rerun after a submit)."""
    message = st.session_state.get(errors_key, {}).get(name)
    if message:
        st.error(message, icon=":material/error:")


def not_saved(errors_key: str, what: str) -> None:
    """One line above a form listing every problem of its last submit."""
    errors = st.session_state.get(errors_key, {})
    if errors:
        st.error(f"The {what} was not saved. Please fix: "
                 + "; ".join(f"{k.replace('_', ' ')} – {v}" for k, v in errors.items()))


def reset_form_after_save(flag_key: str, defaults: dict) -> None:
    """Empty a form on the run after a successful save (assigning, not deleting, the widget values
    before the widgets exist also empties them in the browser); a refused save keeps what was typed."""
    if st.session_state.pop(flag_key, False):
        for widget_key, value in defaults.items():
            st.session_state[widget_key] = value


# -- who is looking (public or staff) -----------------------------------------------------------------


def viewer() -> settings.Viewer:
    """This session's viewer: the effective mode and whether staff pages and exact counts are theirs."""
    return settings.effective_viewer(settings.configured_mode(), st.get_option("server.address"),
                                     sign_in_configured=False, signed_in=False)


def privacy_rules() -> privacy.Rules | None:
    """The public-mode privacy rules when they apply to this viewer, else None (staff see everything)."""
    return privacy.rules_from_env() if viewer().privacy_applies else None
