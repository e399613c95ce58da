"""Engagement log (staff): record community-engagement activities in the ledger, correct or delete
recent ones, and read the audit trail. Entries count on every page at once."""

import datetime as dt

import pandas as pd
import streamlit as st

from community_policing import ledger_bulk
from community_policing import ledger_form as lf
from community_policing import ui
from community_policing.importers.errors import SourceFileError
from community_policing.ledger import Ledger, LedgerError, validate_entry
from community_policing.store import resolve_ledger_path

store = ui.get_store()
key = ui.cache_key(store)
info = ui.dataset_info(store, key)

ERRORS = "_ledger_errors"          # form field -> message, kept across the rerun after a submit
ROW_ERRORS = "_ledger_row_errors"  # entry id -> messages from the last "Save changes"
FLASH = "_ledger_flash"            # success message shown once after a rerun
RESET = "_ledger_reset"             # set after a save: empty the form on the next run
FORM_KEYS = ("ledger_date", "ledger_start_time", "ledger_neighborhood", "ledger_type", "ledger_title", "ledger_place",
             "ledger_lon", "ledger_lat", "ledger_attendees", "ledger_officers", "ledger_officer_hours",
             "ledger_partners", "ledger_cost", "ledger_notes",
             *(f"ledger_race_{g}" for g in lf.RACE_GROUPS), *(f"ledger_age_{g}" for g in lf.AGE_GROUPS))


@st.cache_data(show_spinner=False, max_entries=16)
def _neighborhoods(_store, key: tuple) -> pd.DataFrame:
    areas = _store.query("areas", level="neighborhood")
    return areas[["area_id", "area_name", "district_id"]].astype({"area_id": str, "district_id": str})


def field_error(name: str) -> None:
    """The message for one field, right under its widget."""
    message = st.session_state.get(ERRORS, {}).get(name)
    if message:
        st.error(message, icon=":material/error:")


st.title("Engagement log")
ui.simulated_banner(info)
st.caption("For staff: record a community-engagement activity, correct or delete recent ones, and see who "
           "changed what. Every entry counts on every page of the dashboard as soon as it is saved.")

districts = ui.district_list(store, key)
titles = dict(zip(districts["district_id"].astype(str), districts["title"]))
neighborhoods = _neighborhoods(store, key)
nbhd_names = dict(zip(neighborhoods["area_id"], neighborhoods["area_name"]))
ledger_path = resolve_ledger_path()

if not titles:
    st.info(f"No districts are loaded for {info.city_name}, so there is nowhere to record an activity yet.")
    ui.data_note(info)
    st.stop()

if st.session_state.pop(RESET, False):
    # Assigning (not deleting) the widget values, before the widgets exist, also empties them in the browser.
    for name in FORM_KEYS:
        if name == "ledger_type":
            continue  # the type is kept: staff often record several of a kind
        st.session_state[name] = lf.form_default(name.removeprefix("ledger_"))

flash = st.session_state.pop(FLASH, None)
if flash:
    st.success(flash, icon=":material/check_circle:")

user = st.text_input("Recorded by", key="ledger_user", placeholder="your name or staff id",
                     help="Required. Saved with every entry, edit and delete in the audit trail.")
field_error("user")

# --- Record an activity -----------------------------------------------------------------------
st.subheader("Record an activity")
errors = st.session_state.get(ERRORS, {})
if errors:
    st.error("The activity was not saved. Please fix: " + "; ".join(f"{k.replace('_', ' ')} – {v}"
                                                                    for k, v in errors.items()))
# The district sits outside the form so that the neighborhood list follows it at once.
district_id = st.selectbox("District", list(titles), format_func=titles.get, key="ledger_district")
field_error("district_id")
choices = ["", *neighborhoods.loc[neighborhoods["district_id"] == district_id, "area_id"]]

with st.form("ledger_form"):
    c1, c2 = st.columns(2)
    with c1:
        date = st.date_input("Date", value=dt.date.today(), key="ledger_date", format="YYYY-MM-DD")
        field_error("date")
    with c2:
        start_time = st.time_input("Start time (optional)", value=None, key="ledger_start_time", step=900)
        field_error("start_time")
    c1, c2 = st.columns(2)
    with c1:
        neighborhood = st.selectbox("Neighborhood (optional)", choices, key="ledger_neighborhood",
                                    format_func=lambda n: "— none / district-wide —" if not n else
                                    f"{nbhd_names.get(n, n)} ({n})")
        field_error("neighborhood_id")
    with c2:
        kind = st.selectbox("Type", list(lf.TYPE_LABELS), format_func=lf.TYPE_LABELS.get, key="ledger_type")
        field_error("type")
    title = st.text_input("Title", key="ledger_title", max_chars=200, placeholder="e.g. Listening session at the library")
    field_error("title")
    place = st.text_input("Place (optional)", key="ledger_place", max_chars=200)
    field_error("place")
    c1, c2 = st.columns(2)
    with c1:
        lon = st.number_input("Longitude (optional)", value=None, min_value=-180.0, max_value=180.0,
                              format="%.6f", key="ledger_lon")
        field_error("lon")
    with c2:
        lat = st.number_input("Latitude (optional)", value=None, min_value=-90.0, max_value=90.0,
                              format="%.6f", key="ledger_lat")
        field_error("lat")
    c1, c2, c3, c4 = st.columns(4)
    with c1:
        attendees = st.number_input("Attendees", value=None, min_value=0, step=1, key="ledger_attendees")
        field_error("attendees")
    with c2:
        officers = st.number_input("Officers", value=None, min_value=0, step=1, key="ledger_officers")
        field_error("officers")
    with c3:
        officer_hours = st.number_input("Officer hours", value=None, min_value=0.0, step=0.5,
                                        key="ledger_officer_hours", help="Summed over officers.")
        field_error("officer_hours")
    with c4:
        cost = st.number_input("Cost ($)", value=None, min_value=0.0, step=10.0, key="ledger_cost")
        field_error("cost")
    partners = st.text_input("Partner organizations (optional)", key="ledger_partners", max_chars=500)
    field_error("partners")
    notes = st.text_area("Notes (optional)", key="ledger_notes", max_chars=10_000)
    field_error("notes")
    with st.expander("Attendees by group (optional)"):
        st.caption("From a voluntary sign-in sheet, for instance. Zeros mean not recorded; the groups of "
                   "each breakdown may not add up to more than the attendees.")
        st.markdown("**Race / ethnicity**")
        cols = st.columns(len(lf.RACE_GROUPS))
        race = {g: col.number_input(lf.RACE_LABELS[g], value=0, min_value=0, step=1, key=f"ledger_race_{g}")
                for g, col in zip(lf.RACE_GROUPS, cols)}
        st.markdown("**Age**")
        cols = st.columns(len(lf.AGE_GROUPS))
        age = {g: col.number_input(g, value=0, min_value=0, step=1, key=f"ledger_age_{g}")
               for g, col in zip(lf.AGE_GROUPS, cols)}
        field_error("attendance")
    submitted = st.form_submit_button("Record activity", type="primary")

if submitted:
    entry = lf.build_entry({
        "date": date, "start_time": start_time, "district_id": district_id, "neighborhood_id": neighborhood or None,
        "type": kind, "title": title, "place": place, "lon": lon, "lat": lat, "attendees": attendees,
        "officers": officers, "officer_hours": officer_hours, "partners": partners, "cost": cost, "notes": notes,
        "race_ethnicity": race, "age": age,
    })
    found: dict[str, str] = {}
    if lf.blank(user):
        found["user"] = "required; say who is recording this"
    problem = lf.neighborhood_error(neighborhood, district_id, neighborhoods)
    if problem:
        found["neighborhood_id"] = problem
    new_id = None
    try:
        # Validate before opening the ledger: an invalid first entry must not even create the file
        # (and every problem shows at once).
        validate_entry(entry, valid_district_ids=set(titles), valid_neighborhood_ids=set(choices[1:]))
        if not found:
            new_id = Ledger(ledger_path).add(entry, user, valid_district_ids=list(titles),
                                             valid_neighborhood_ids=choices[1:])
    except LedgerError as exc:
        found.update(lf.form_errors(exc))
    if found:
        st.session_state[ERRORS] = found
    else:
        st.session_state.pop(ERRORS, None)
        st.session_state[RESET] = True  # a fresh form for the next activity (applied before the widgets)
        st.session_state[FLASH] = (f"Recorded {new_id}: {entry['title']} ({titles[district_id]}, {entry['date']}). "
                                   "It already counts on every page.")
    st.rerun()

# --- Recent entries -----------------------------------------------------------------------------
st.subheader("Recent entries")
book = Ledger(ledger_path) if ledger_path.exists() else None
entries = book.entries() if book else pd.DataFrame()
original = lf.editor_frame(entries)
row_errors = st.session_state.get(ROW_ERRORS, {})
if original.empty:
    st.info("No activities recorded yet. The first one you record above starts the ledger.")
else:
    st.caption(f"The latest {min(len(entries), lf.RECENT_LIMIT)} of {len(entries):,} entries, newest first. "
               "Edit a cell or tick **delete**, then save. Deleted entries leave the analytics but stay in the "
               "ledger and its audit trail.")
    edited = st.data_editor(
        original, key="ledger_editor", hide_index=True, width="stretch", num_rows="fixed",
        column_order=["delete", *[c for c in original.columns if c != "delete"]],
        disabled=[c for c in original.columns if c not in (*lf.EDITABLE_COLUMNS, "delete")],
        column_config={
            "id": st.column_config.TextColumn("Entry"),
            "district_id": st.column_config.TextColumn("District"),
            "date": st.column_config.DateColumn("Date", format="YYYY-MM-DD", required=True),
            "type": st.column_config.SelectboxColumn("Type", options=list(lf.TYPE_LABELS), required=True),
            "title": st.column_config.TextColumn("Title", required=True, max_chars=200),
            "attendees": st.column_config.NumberColumn("Attendees", min_value=0, step=1),
            "officers": st.column_config.NumberColumn("Officers", min_value=0, step=1),
            "officer_hours": st.column_config.NumberColumn("Officer hours", min_value=0.0),
            "cost": st.column_config.NumberColumn("Cost ($)", min_value=0.0, format="%.2f"),
            "notes": st.column_config.TextColumn("Notes"),
            "neighborhood_id": st.column_config.SelectboxColumn("Neighborhood", options=list(nbhd_names)),
            "created_by": st.column_config.TextColumn("Recorded by"),
            "delete": st.column_config.CheckboxColumn("delete", help="Soft delete: kept in the ledger and audit."),
        },
    )
    reason = st.text_input("Reason for deleting (optional)", key="ledger_delete_reason")
    for entry_id, messages in row_errors.items():
        label = "Recorded by" if entry_id == "user" else f"Entry {entry_id}"
        st.error(f"{label} not saved: " + "; ".join(messages), icon=":material/error:")
    if st.button("Save changes", key="ledger_save"):
        changes = lf.editor_changes(original, edited)
        if changes.empty:
            st.session_state[ROW_ERRORS] = {}
            st.toast("Nothing to save.")
        else:
            result = lf.apply_changes(
                book, changes, user, reason=reason, neighborhoods=neighborhoods,
                districts_of=dict(zip(original["id"].astype(str), original["district_id"].astype(str))),
                valid_district_ids=list(titles), valid_neighborhood_ids=list(nbhd_names),
            )
            st.session_state[ROW_ERRORS] = result.errors
            if result.edited or result.deleted:
                st.session_state[FLASH] = (f"Saved {len(result.edited)} edit(s) and {len(result.deleted)} "
                                           "delete(s). They already count on every page.")
            # Keep the editor's pending cells while some rows were refused (so nothing typed is lost),
            # unless a delete shifted the rows under it.
            if not result.errors or result.deleted:
                st.session_state.pop("ledger_editor", None)
            st.rerun()

# --- Many at once ----------------------------------------------------------------------------------
st.subheader("Many activities at once")
st.caption("Download the template, fill one row per activity (the example row shows the format and is never "
           "loaded), and upload it. Every row is checked like the form; rows with problems come back with their "
           "line and reason, and nothing else is lost.")
first_district = next(iter(titles), "1")
t1, t2 = st.columns(2)
t1.download_button("Template (CSV)", ledger_bulk.template_csv(first_district), file_name="engagement_template.csv",
                   mime="text/csv", key="ledger_template_csv")
t2.download_button("Template (Excel, with allowed values)", ledger_bulk.template_excel(first_district),
                   file_name="engagement_template.xlsx", key="ledger_template_xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
upload = st.file_uploader("Filled template", type=["csv", "xlsx"], key="ledger_upload")
if upload is not None and st.button("Record the uploaded activities", key="ledger_upload_go"):
    if not user.strip():
        st.error("Fill in 'Recorded by' first: every entry is recorded with who made it.")
    else:
        try:
            frame = ledger_bulk.read_upload(upload.name, upload.getvalue())
        except SourceFileError as exc:
            st.error(str(exc))
        else:
            result = ledger_bulk.load_rows(Ledger(ledger_path), frame, user.strip(), valid_district_ids=set(titles),
                                           valid_neighborhood_ids=set(nbhd_names))
            # Rerun so the recent entries above include the new rows; the outcome is shown after it.
            st.session_state["ledger_upload_result"] = result
            st.rerun()
if (uploaded := st.session_state.pop("ledger_upload_result", None)) is not None:
    rejected = uploaded.rejects["line"].nunique()
    st.success(f"{uploaded.rows_read} rows read: {len(uploaded.recorded)} recorded, {rejected} rejected.")
    if rejected:
        st.dataframe(uploaded.rejects, hide_index=True, width="stretch")

# --- Audit trail --------------------------------------------------------------------------------
st.subheader("Audit trail")
audit = lf.audit_frame(book.audit() if book else None)
if audit.empty:
    st.caption("Nothing recorded yet.")
else:
    st.caption("The latest 50 changes, newest first. The trail only grows: nothing in it can be changed or removed.")
    st.dataframe(audit, hide_index=True, width="stretch",
                 column_config={"change": st.column_config.TextColumn("before → after", width="large")})

st.caption(f"Entries are written to a separate ledger file ({ledger_path.name}, SQLite, safe for many staff "
           "saving at once), not to the analytics database, which the dashboard only reads. The dashboard "
           "reads the ledger live, so a saved entry shows on all pages at once.")
ui.data_note(info)
