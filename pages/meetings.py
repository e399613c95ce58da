"""Recurring meetings (staff): define a meeting that recurs ("3rd Tues every month - 6:30 pm") once,
then confirm each occurrence with its attendance; each confirmation is an engagement activity that
counts on every page at once. For cities that publish their neighborhood organizations' meeting
schedules (St. Louis does), those schedules are offered as suggestions."""

import datetime as dt

import pandas as pd
import streamlit as st

from community_policing.ledger import form as lf
from community_policing import i18n
from community_policing.ledger import meetings
from community_policing.web import ui
from community_policing.i18n import _
from community_policing.ledger.book import Ledger, LedgerError, validate

DEFINE_ERRORS = "_meeting_errors"
CONFIRM_ERRORS = "_confirm_errors"
PREFILL = "_meeting_prefill"  # values from a suggestion, applied before the widgets exist
ORG = "_meeting_org"          # the organization a suggestion came from
DEFINE_DEFAULTS = {"meeting_title": "", "meeting_schedule": "", "meeting_neighborhood": "", "meeting_time": None,
                   "meeting_place": "", "meeting_partners": "", "meeting_last": None, "meeting_notes": ""}
CONFIRM_DEFAULTS = {"confirm_attendees": None, "confirm_officers": None, "confirm_officer_hours": None,
                    "confirm_cost": None, "confirm_notes": "",
                    **{f"confirm_race_{g}": 0 for g in lf.RACE_GROUPS}, **{f"confirm_age_{g}": 0 for g in lf.AGE_GROUPS}}


@st.cache_data(show_spinner=False, max_entries=16)
def _suggestions(_store, key: tuple, lang: str) -> pd.DataFrame:  # lang: "reads as" is in the current language
    return meetings.suggestions(_store.query("neighborhood_organizations"), ui.neighborhood_list(_store, key))


page = ui.staff_page(
    _("Recurring meetings"),
    _("For staff: define a meeting that recurs once, then confirm each time it took place with its "
      "attendance. Each confirmation is recorded as an engagement activity and counts on every page at "
      "once."),
    _("No districts are loaded for {city}, so there is nowhere to hold a meeting yet."))
store, key, info, ledger_path = page.store, page.key, page.info, page.ledger_path
titles, neighborhoods, nbhd_names = page.places.titles, page.places.neighborhoods, page.places.nbhd_names
today = dt.date.today()

ui.reset_form_after_save(f"{DEFINE_ERRORS}_reset", {**DEFINE_DEFAULTS, "meeting_first": today})
ui.reset_form_after_save(f"{CONFIRM_ERRORS}_reset", CONFIRM_DEFAULTS)
if (values := st.session_state.pop(PREFILL, None)) is not None:
    st.session_state.update({
        "meeting_title": values["title"], "meeting_schedule": values["schedule"], "meeting_place": values["place"],
        "meeting_first": values["first_date"], "meeting_neighborhood": values["neighborhood_id"] or "",
        **({"meeting_district": values["district_id"]} if values["district_id"] in titles else {}),
    })
    st.session_state[ORG] = values["organization_id"]

ui.ledger_flash()
user = ui.recorded_by()
book = Ledger(ledger_path, city=store.city) if ledger_path.exists() else None
series = book.entries(kind="series") if book else pd.DataFrame()

# --- Confirm -----------------------------------------------------------------------------------------
st.subheader(_("Confirm the meetings that took place"))
due = meetings.due_occurrences(series, book.confirmed_occurrences() if book else pd.DataFrame(), today)
if series.empty:
    st.info(_("No recurring meetings are defined yet. Define one below (or start from a suggestion); its "
              "meetings then wait here to be confirmed."))
elif due.empty:
    soon = meetings.upcoming(series, today)
    st.success(_("Nothing waits: no meeting of the last {days} days is left to confirm.").format(
        days=meetings.LOOKBACK_DAYS) + (" " + _("Next: {dates}.").format(dates="; ".join(soon)) if soon else ""),
        icon=":material/task_alt:")
else:
    st.caption(_("{count} meeting(s) of the last {days} days wait for confirmation, newest first. Pick one, give "
                 "its attendance and save. A meeting that moved to another day is recorded on the Engagement log "
                 "instead.").format(count=len(due), days=meetings.LOOKBACK_DAYS))
    ui.not_saved(CONFIRM_ERRORS, _("meeting"))
    labels = dict(zip(due["label"], due.index))
    choice = st.selectbox(_("Meeting"), list(labels), key="confirm_choice")
    occurrence = due.loc[labels[choice]]
    with st.form("confirm_form"):
        c1, c2, c3, c4 = st.columns(4)
        attendees = c1.number_input(_("Attendees"), value=None, min_value=0, step=1, key="confirm_attendees")
        with c1:
            ui.field_error(CONFIRM_ERRORS, "attendees")
        officers = c2.number_input(_("Officers"), value=None, min_value=0, step=1, key="confirm_officers")
        officer_hours = c3.number_input(_("Officer hours"), value=None, min_value=0.0, step=0.5,
                                        key="confirm_officer_hours", help=_("Summed over officers."))
        with c3:
            ui.field_error(CONFIRM_ERRORS, "officer_hours")
        cost = c4.number_input(_("Cost ($)"), value=None, min_value=0.0, step=10.0, key="confirm_cost")
        notes = st.text_input(_("Notes (optional)"), key="confirm_notes", max_chars=10_000)
        with st.expander(_("Attendees by group (optional)")):
            cols = st.columns(len(lf.RACE_GROUPS))
            race = {g: col.number_input(lf.race_label(g), value=0, min_value=0, step=1, key=f"confirm_race_{g}")
                    for g, col in zip(lf.RACE_GROUPS, cols)}
            cols = st.columns(len(lf.AGE_GROUPS))
            age = {g: col.number_input(g, value=0, min_value=0, step=1, key=f"confirm_age_{g}")
                   for g, col in zip(lf.AGE_GROUPS, cols)}
            ui.field_error(CONFIRM_ERRORS, "attendance")
        confirmed = st.form_submit_button(_("Confirm this meeting"), type="primary")
    if confirmed:
        details = {"attendees": attendees, "officers": officers, "officer_hours": officer_hours, "cost": cost,
                   "notes": notes.strip() or None, "start_time": occurrence["start_time"]}
        attendance = lf.attendance_from(race, age)
        if attendance:
            details["attendance"] = attendance
        found: dict[str, str] = {} if user else {"user": _("required; say who is recording this")}
        if not found:
            try:
                new_id = book.confirm_occurrence(occurrence["series_id"], occurrence["date"], details, user,
                                                 valid_district_ids=set(titles),
                                                 valid_neighborhood_ids=set(nbhd_names))
            except LedgerError as exc:
                found.update(lf.form_errors(exc))
            else:
                st.session_state[ui.LEDGER_FLASH] = _("Confirmed {title} on {day} as {entry_id}. It already counts "
                                                      "on every page.").format(
                    title=occurrence["title"], day=meetings.day_label(occurrence["date"]), entry_id=new_id)
                st.session_state[f"{CONFIRM_ERRORS}_reset"] = True
        st.session_state[CONFIRM_ERRORS] = found
        st.rerun()

# --- Suggestions ---------------------------------------------------------------------------------------
suggested = _suggestions(store, key, i18n.language())
if not suggested.empty:
    st.subheader(_("Suggested from neighborhood organizations"))
    st.caption(meetings.parse_summary(suggested) + " " + _("Published schedules were read as written; check the "
                                                           "'reads as' column, pick a row and press the button to "
                                                           "start a recurring meeting from it."))
    picked = st.dataframe(
        suggested, key="meeting_suggestions", hide_index=True, width="stretch", on_select="rerun",
        selection_mode="single-row", placeholder=ui.MISSING,
        column_order=["name", "meeting_schedule", "reads_as", "neighborhood_id", "district_id", "meeting_place"],
        column_config={"name": st.column_config.TextColumn(_("Organization"), width="medium"),
                       "meeting_schedule": st.column_config.TextColumn(_("Published schedule"), width="medium"),
                       "reads_as": st.column_config.TextColumn(_("Reads as"), width="medium"),
                       "neighborhood_id": st.column_config.TextColumn(_("Neighborhood"), width="small"),
                       "district_id": st.column_config.TextColumn(_("District"), width="small"),
                       "meeting_place": st.column_config.TextColumn(_("Where"), width="small")},
    )
    rows = (picked or {}).get("selection", {}).get("rows", [])
    if rows:
        row = suggested.iloc[rows[0]]
        if row["status"] != "parsed":
            st.caption(_("{name}: the schedule {reads_as}; define the meeting by hand if it meets.").format(
                name=row["name"], reads_as=row["reads_as"]))
        elif st.button(_("Use “{name}”").format(name=row["name"]), key="meeting_use_suggestion"):
            st.session_state[PREFILL] = meetings.prefill(row, today)
            st.rerun()

# --- Define -------------------------------------------------------------------------------------------
st.subheader(_("Define a recurring meeting"))
ui.not_saved(DEFINE_ERRORS, _("recurring meeting"))
c1, c2 = st.columns(2)
title = c1.text_input(_("Title"), key="meeting_title", max_chars=200,
                      placeholder=_("e.g. Tower Grove South association"))
with c1:
    ui.field_error(DEFINE_ERRORS, "title")
schedule = c2.text_input(_("When it meets"), key="meeting_schedule", max_chars=300,
                         placeholder=_("e.g. 3rd Tues every month - 6:30 pm"),
                         help=_("Written in English, the way neighborhood groups publish their schedules."))
with c2:
    ui.field_error(DEFINE_ERRORS, "schedule")
    if schedule.strip():
        upcoming = meetings.next_dates(schedule, None, today)
        st.caption(_("Reads as: {words}").format(words=meetings.reads_as(schedule))
                   + ((". " + _("Next: {dates}.").format(dates="; ".join(upcoming))) if upcoming else ""))
c1, c2, c3 = st.columns(3)
district_id = c1.selectbox(_("District"), list(titles), format_func=titles.get, key="meeting_district")
with c1:
    ui.field_error(DEFINE_ERRORS, "district_id")
choices = ["", *neighborhoods.loc[neighborhoods["district_id"] == district_id, "area_id"]]
if st.session_state.get("meeting_neighborhood") not in choices:
    st.session_state["meeting_neighborhood"] = ""
neighborhood = c2.selectbox(_("Neighborhood (optional)"), choices, key="meeting_neighborhood",
                            format_func=lambda n: _("— none / district-wide —") if not n else
                            f"{nbhd_names.get(n, n)} ({n})")
kind = c3.selectbox(_("Type"), list(lf.TYPE_LABELS), format_func=lf.type_label, key="meeting_type")
c1, c2, c3 = st.columns(3)
first = c1.date_input(_("First meeting on or after"), value=today, key="meeting_first", format="YYYY-MM-DD")
with c1:
    ui.field_error(DEFINE_ERRORS, "first_date")
last = c2.date_input(_("Last meeting (optional)"), value=None, key="meeting_last", format="YYYY-MM-DD")
with c2:
    ui.field_error(DEFINE_ERRORS, "last_date")
start_time = c3.time_input(_("Time (optional; else the schedule's)"), value=None, key="meeting_time", step=900)
place = st.text_input(_("Place (optional)"), key="meeting_place", max_chars=200)
partners = st.text_input(_("Partner organizations (optional)"), key="meeting_partners", max_chars=500)
notes = st.text_input(_("Notes (optional)"), key="meeting_notes", max_chars=10_000)
if st.button(_("Save recurring meeting"), type="primary", key="meeting_save"):
    entry = {"title": title, "schedule": schedule, "district_id": district_id, "neighborhood_id": neighborhood or None,
             "type": kind, "start_time": start_time.strftime("%H:%M") if start_time else None, "place": place,
             "partners": partners, "first_date": first, "last_date": last, "notes": notes,
             "organization_id": st.session_state.get(ORG)}
    found = {} if user else {"user": _("required; say who is recording this")}
    try:
        validate("series", entry, set(titles), set(nbhd_names))  # nothing is written for a bad entry
        if not found:
            new_id = Ledger(ledger_path, city=store.city).add(entry, user, kind="series", valid_district_ids=set(titles),
                                             valid_neighborhood_ids=set(nbhd_names))
            st.session_state[ui.LEDGER_FLASH] = _("Saved {entry_id}: {title} ({reads_as}). Its meetings wait under "
                                                  "'Confirm' once they are held.").format(
                entry_id=new_id, title=title.strip(), reads_as=meetings.reads_as(schedule))
            st.session_state[f"{DEFINE_ERRORS}_reset"] = True
            st.session_state.pop(ORG, None)
    except LedgerError as exc:
        found.update(lf.form_errors(exc))
    st.session_state[DEFINE_ERRORS] = found
    st.rerun()

# --- Recent -------------------------------------------------------------------------------------------
st.subheader(_("Recurring meetings"))
ui.ledger_editor(
    book, "series", user, valid_district_ids=list(titles), valid_neighborhood_ids=list(nbhd_names),
    empty_text=_("None yet."),
    column_config={
        "title": st.column_config.TextColumn(_("Title"), required=True, max_chars=200),
        "schedule": st.column_config.TextColumn(_("When it meets"), required=True, max_chars=300),
        "start_time": st.column_config.TextColumn(_("Time (HH:MM)")),
        "place": st.column_config.TextColumn(_("Place")),
        "first_date": st.column_config.DateColumn(_("From"), format="YYYY-MM-DD"),
        "last_date": st.column_config.DateColumn(_("Until"), format="YYYY-MM-DD"),
        "notes": st.column_config.TextColumn(_("Notes")),
    },
)
st.subheader(_("Audit trail"))
ui.ledger_audit(book, prefixes="S")
ui.data_note(info)
