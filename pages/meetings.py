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
from community_policing.web import about, cached, display, staff
from community_policing.i18n import _
from community_policing.ledger.book import Ledger

DEFINE_ERRORS = "_meeting_errors"
CONFIRM_ERRORS = "_confirm_errors"
PREFILL = "_meeting_prefill"  # values from a suggestion, applied before the widgets exist
ORG = "_meeting_org"          # the organization a suggestion came from


@st.cache_data(show_spinner=False, max_entries=16)
def _suggestions(_store, key: tuple, lang: str) -> pd.DataFrame:  # lang: "reads as" is in the current language
    return meetings.suggestions(_store.query("neighborhood_organizations"), cached.neighborhood_list(_store, key))


page = staff.staff_page(
    _("Recurring meetings"),
    _("For staff: define a meeting that recurs once, then confirm each time it took place with its "
      "attendance. Each confirmation is recorded as an engagement activity and counts on every page at "
      "once."),
    _("No districts are loaded for {city}, so there is nowhere to hold a meeting yet."))
store, key, info, ledger_path = page.store, page.key, page.info, page.ledger_path
titles, neighborhoods, nbhd_names = page.places.titles, page.places.neighborhoods, page.places.nbhd_names
today = dt.date.today()

staff.reset_form_after_save(f"{DEFINE_ERRORS}_reset", {**meetings.DEFINE_DEFAULTS, "meeting_first": today})
staff.reset_form_after_save(f"{CONFIRM_ERRORS}_reset", meetings.CONFIRM_DEFAULTS)
if (values := st.session_state.pop(PREFILL, None)) is not None:
    st.session_state.update(meetings.prefilled_form(values, titles))
    st.session_state[ORG] = values["organization_id"]

staff.ledger_flash()
user = staff.recorded_by()
book = Ledger(ledger_path, city=store.city) if ledger_path.exists() else None
series = book.entries(kind="series") if book else pd.DataFrame()

# --- Confirm -----------------------------------------------------------------------------------------
st.subheader(_("Confirm the meetings that took place"))
due = meetings.due_occurrences(series, book.confirmed_occurrences() if book else pd.DataFrame(), today)
if series.empty:
    st.info(_("No recurring meetings are defined yet. Define one below (or start from a suggestion); its "
              "meetings then wait here to be confirmed."))
elif due.empty:
    st.success(meetings.nothing_waits(series, today), icon=":material/task_alt:")
else:
    st.caption(_("{count} meeting(s) of the last {days} days wait for confirmation, newest first. Pick one, give "
                 "its attendance and save. A meeting that moved to another day is recorded on the Engagement log "
                 "instead.").format(count=len(due), days=meetings.LOOKBACK_DAYS))
    staff.not_saved(CONFIRM_ERRORS, _("meeting"))
    labels = dict(zip(due["label"], due.index))
    choice = st.selectbox(_("Meeting"), list(labels), key="confirm_choice")
    occurrence = due.loc[labels[choice]]
    with st.form("confirm_form"):
        c1, c2, c3, c4 = st.columns(4)
        attendees = c1.number_input(_("Attendees"), value=None, min_value=0, step=1, key="confirm_attendees")
        with c1:
            staff.field_error(CONFIRM_ERRORS, "attendees")
        officers = c2.number_input(_("Officers"), value=None, min_value=0, step=1, key="confirm_officers")
        officer_hours = c3.number_input(_("Officer hours"), value=None, min_value=0.0, step=0.5,
                                        key="confirm_officer_hours", help=_("Summed over officers."))
        with c3:
            staff.field_error(CONFIRM_ERRORS, "officer_hours")
        cost = c4.number_input(_("Cost ($)"), value=None, min_value=0.0, step=10.0, key="confirm_cost")
        notes = st.text_input(_("Notes (optional)"), key="confirm_notes", max_chars=10_000)
        with st.expander(_("Attendees by group (optional)")):
            cols = st.columns(len(lf.RACE_GROUPS))
            race = {g: col.number_input(lf.race_label(g), value=0, min_value=0, step=1, key=f"confirm_race_{g}")
                    for g, col in zip(lf.RACE_GROUPS, cols)}
            cols = st.columns(len(lf.AGE_GROUPS))
            age = {g: col.number_input(g, value=0, min_value=0, step=1, key=f"confirm_age_{g}")
                   for g, col in zip(lf.AGE_GROUPS, cols)}
            staff.field_error(CONFIRM_ERRORS, "attendance")
        confirmed = st.form_submit_button(_("Confirm this meeting"), type="primary")
    if confirmed:
        saved = meetings.confirm(book, occurrence, user, {"attendees": attendees, "officers": officers,
                                                          "officer_hours": officer_hours, "cost": cost},
                                 notes, lf.attendance_from(race, age), district_ids=set(titles),
                                 neighborhood_ids=set(nbhd_names))
        if saved.message:
            st.session_state[staff.LEDGER_FLASH] = saved.message
            st.session_state[f"{CONFIRM_ERRORS}_reset"] = True
        st.session_state[CONFIRM_ERRORS] = saved.problems
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
        selection_mode="single-row", placeholder=display.MISSING,
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
staff.not_saved(DEFINE_ERRORS, _("recurring meeting"))
c1, c2 = st.columns(2)
title = c1.text_input(_("Title"), key="meeting_title", max_chars=200,
                      placeholder=_("e.g. Tower Grove South association"))
with c1:
    staff.field_error(DEFINE_ERRORS, "title")
schedule = c2.text_input(_("When it meets"), key="meeting_schedule", max_chars=300,
                         placeholder=_("e.g. 3rd Tues every month - 6:30 pm"),
                         help=_("Written in English, the way neighborhood groups publish their schedules."))
with c2:
    staff.field_error(DEFINE_ERRORS, "schedule")
    if schedule.strip():
        st.caption(meetings.schedule_caption(schedule, today))
c1, c2, c3 = st.columns(3)
district_id = c1.selectbox(_("District"), list(titles), format_func=titles.get, key="meeting_district")
with c1:
    staff.field_error(DEFINE_ERRORS, "district_id")
choices = ["", *lf.district_neighborhoods(neighborhoods, district_id)]
if st.session_state.get("meeting_neighborhood") not in choices:
    st.session_state["meeting_neighborhood"] = ""
neighborhood = c2.selectbox(_("Neighborhood (optional)"), choices, key="meeting_neighborhood",
                            format_func=lambda n: _("— none / district-wide —") if not n else
                            f"{nbhd_names.get(n, n)} ({n})")
kind = c3.selectbox(_("Type"), list(lf.TYPE_LABELS), format_func=lf.type_label, key="meeting_type")
c1, c2, c3 = st.columns(3)
first = c1.date_input(_("First meeting on or after"), value=today, key="meeting_first", format="YYYY-MM-DD")
with c1:
    staff.field_error(DEFINE_ERRORS, "first_date")
last = c2.date_input(_("Last meeting (optional)"), value=None, key="meeting_last", format="YYYY-MM-DD")
with c2:
    staff.field_error(DEFINE_ERRORS, "last_date")
start_time = c3.time_input(_("Time (optional; else the schedule's)"), value=None, key="meeting_time", step=900)
place = st.text_input(_("Place (optional)"), key="meeting_place", max_chars=200)
partners = st.text_input(_("Partner organizations (optional)"), key="meeting_partners", max_chars=500)
notes = st.text_input(_("Notes (optional)"), key="meeting_notes", max_chars=10_000)
if st.button(_("Save recurring meeting"), type="primary", key="meeting_save"):
    entry = {"title": title, "schedule": schedule, "district_id": district_id, "neighborhood_id": neighborhood or None,
             "type": kind, "start_time": start_time.strftime("%H:%M") if start_time else None, "place": place,
             "partners": partners, "first_date": first, "last_date": last, "notes": notes,
             "organization_id": st.session_state.get(ORG)}
    saved = meetings.define(ledger_path, store.city, entry, user, district_ids=set(titles),
                            neighborhood_ids=set(nbhd_names))
    if saved.message:
        st.session_state[staff.LEDGER_FLASH] = saved.message
        st.session_state[f"{DEFINE_ERRORS}_reset"] = True
        st.session_state.pop(ORG, None)
    st.session_state[DEFINE_ERRORS] = saved.problems
    st.rerun()

# --- Recent -------------------------------------------------------------------------------------------
st.subheader(_("Recurring meetings"))
staff.ledger_editor(
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
staff.ledger_audit(book, prefixes="S")
about.data_note(info)
