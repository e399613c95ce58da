"""Training and programs (staff): record officer training sessions and community-policing programs
in the ledger, correct or delete them, or load many from a template. Both count on every page at
once (training hours per officer on the District and Engagement pages; programs on Program
evaluation)."""

import datetime as dt

import streamlit as st

from community_policing.ledger import form as lf
from community_policing.web import about, staff
from community_policing.i18n import _
from community_policing.ledger.book import Ledger, LedgerError, validate

TRAINING_ERRORS = "_training_errors"
PROGRAM_ERRORS = "_program_errors"
UNIT = ""  # the district choice meaning "a unit, not a district"


@st.cache_data(show_spinner=False, max_entries=16)
def _warehouse_programs(_store, key: tuple) -> list[tuple[str, str]]:
    return list(_store.query("warehouse_programs").astype(str).itertuples(index=False, name=None))


def _save(errors_key: str, record, what: str, kind: str, **extra) -> None:
    """Validate, record, and remember either the problems (shown by each field) or a success line."""
    found: dict[str, str] = {} if user else {"user": _("required; say who is recording this")}
    entries = record if isinstance(record, list) else [record]
    try:
        for entry in entries:  # validate before opening the ledger: nothing is written for a bad entry
            validate(kind, entry, set(titles))
        if not found:
            ids = Ledger(ledger_path, city=store.city).add_many(entries, user, kind=kind,
                                                                valid_district_ids=set(titles), **extra)
            st.session_state[staff.LEDGER_FLASH] = _("Recorded {entry_id}: {what}. It already counts on every "
                                                     "page.").format(entry_id=", ".join(ids), what=what)
            st.session_state[f"{errors_key}_reset"] = True
    except LedgerError as exc:
        found.update(lf.form_errors(exc))
    st.session_state[errors_key] = found
    st.rerun()


page = staff.staff_page(
    _("Training and programs"),
    _("For staff: record officer training in community-policing skills and the programs a district runs. "
      "Both are kept in the same ledger as engagement activities: validated, every change in the audit "
      "trail, deletes kept."),
    _("No districts are loaded for {city}, so there is nowhere to record training or programs yet."))
store, key, info, ledger_path = page.store, page.key, page.info, page.ledger_path
titles = page.places.titles
first_district = next(iter(titles))
book = Ledger(ledger_path, city=store.city) if ledger_path.exists() else None
warehouse_programs = _warehouse_programs(store, key)

staff.reset_form_after_save(f"{TRAINING_ERRORS}_reset", {
    "training_date": dt.date.today(), "training_unit": "", "training_title": "", "training_officers": None,
    "training_hours": None, "training_notes": ""})
staff.reset_form_after_save(f"{PROGRAM_ERRORS}_reset", {
    "program_name": "", "program_districts": [], "program_start": None, "program_end": None, "program_cost": None,
    "program_description": ""})
staff.ledger_flash()
user = staff.recorded_by()
staff.field_error(TRAINING_ERRORS, "user")

training_tab, program_tab = st.tabs([_("Officer training"), _("Programs")])

# --- Training ---------------------------------------------------------------------------------------
with training_tab:
    st.subheader(_("Record a training session"))
    st.caption(_("One row per course run: officers who completed it and its length per officer. Officers × hours "
                 "gives the officer training hours shown per district."))
    staff.not_saved(TRAINING_ERRORS, _("training session"))
    with st.form("training_form", clear_on_submit=False):
        c1, c2, c3 = st.columns(3)
        date = c1.date_input(_("Date"), value=dt.date.today(), key="training_date", format="YYYY-MM-DD")
        with c1:
            staff.field_error(TRAINING_ERRORS, "date")
        district = c2.selectbox(_("District trained"), [*titles, UNIT], key="training_district",
                                format_func=lambda d: titles.get(d) or _("— a unit, not a district —"))
        with c2:
            staff.field_error(TRAINING_ERRORS, "district_id")
        unit = c3.text_input(_("Unit (when not a district)"), key="training_unit", placeholder=_("e.g. Academy"))
        with c3:
            staff.field_error(TRAINING_ERRORS, "unit")
        c1, c2 = st.columns(2)
        course = c1.selectbox(_("Course"), list(lf.COURSE_LABELS), format_func=lf.course_label, key="training_course")
        title = c2.text_input(_("Course title (optional)"), key="training_title", max_chars=200,
                              placeholder=_("e.g. ICAT de-escalation"))
        with c2:
            staff.field_error(TRAINING_ERRORS, "title")
        c1, c2 = st.columns(2)
        officers = c1.number_input(_("Officers who completed it"), value=None, min_value=1, step=1,
                                   key="training_officers")
        with c1:
            staff.field_error(TRAINING_ERRORS, "officers")
        hours = c2.number_input(_("Hours per officer"), value=None, min_value=0.0, step=0.5, key="training_hours")
        with c2:
            staff.field_error(TRAINING_ERRORS, "hours")
        notes = st.text_area(_("Notes (optional)"), key="training_notes", max_chars=10_000)
        submitted = st.form_submit_button(_("Record training"), type="primary")
    if submitted:
        entry = {"date": date, "district_id": district or None, "unit": unit, "course": course, "title": title,
                 "officers": officers, "hours": hours, "notes": notes}
        where = titles.get(district) or unit or _("a unit")
        _save(TRAINING_ERRORS, entry, _("{course} for {where} on {date}").format(
            course=lf.course_label(course), where=where, date=date), "training")

    st.subheader(_("Recent training"))
    staff.ledger_editor(
        book, "training", user, valid_district_ids=list(titles),
        empty_text=_("No training recorded in the ledger yet (training loaded with the city's data is not listed "
                     "here)."),
        column_config={
            "date": st.column_config.DateColumn(_("Date"), format="YYYY-MM-DD", required=True),
            "course": st.column_config.SelectboxColumn(_("Course"), options=list(lf.COURSE_LABELS), required=True,
                                                       format_func=lf.course_label),
            "title": st.column_config.TextColumn(_("Course title"), max_chars=200),
            "officers": st.column_config.NumberColumn(_("Officers"), min_value=1, step=1, required=True),
            "hours": st.column_config.NumberColumn(_("Hours per officer"), min_value=0.0, required=True),
            "unit": st.column_config.TextColumn(_("Unit")),
            "notes": st.column_config.TextColumn(_("Notes")),
        },
    )
    st.subheader(_("Many training sessions at once"))
    staff.ledger_bulk_entry(ledger_path, "training", user, first_district, valid_district_ids=set(titles))

# --- Programs ---------------------------------------------------------------------------------------
with program_tab:
    st.subheader(_("Record a program"))
    st.caption(_("A program is recorded once per district it runs in, with the day it started there: Program "
                 "evaluation compares those districts with the others before and after that day."))
    staff.not_saved(PROGRAM_ERRORS, _("program"))
    with st.form("program_form"):
        name = st.text_input(_("Program name"), key="program_name", max_chars=200,
                             placeholder=_("e.g. Walk and Talk"))
        staff.field_error(PROGRAM_ERRORS, "name")
        chosen = st.multiselect(_("Districts it runs in"), list(titles), format_func=titles.get,
                                key="program_districts")
        staff.field_error(PROGRAM_ERRORS, "district_id")
        c1, c2, c3 = st.columns(3)
        start = c1.date_input(_("Start date"), value=None, key="program_start", format="YYYY-MM-DD")
        with c1:
            staff.field_error(PROGRAM_ERRORS, "start_date")
        end = c2.date_input(_("End date (empty while it runs)"), value=None, key="program_end", format="YYYY-MM-DD")
        with c2:
            staff.field_error(PROGRAM_ERRORS, "end_date")
        cost = c3.number_input(_("Cost per year in each district ($, optional)"), value=None, min_value=0.0,
                               step=1000.0, key="program_cost")
        with c3:
            staff.field_error(PROGRAM_ERRORS, "annual_cost")
        description = st.text_area(_("What it does (optional)"), key="program_description", max_chars=10_000)
        submitted = st.form_submit_button(_("Record program"), type="primary")
    if submitted:
        base = {"name": name, "start_date": start, "end_date": end, "annual_cost": cost, "description": description}
        entries = [{**base, "district_id": d} for d in chosen] or [{**base, "district_id": None}]
        where = ", ".join(titles[d] for d in chosen)
        _save(PROGRAM_ERRORS, entries, _("{name} in {where}").format(name=name, where=where), "program",
              existing_programs=warehouse_programs)

    st.subheader(_("Recent programs"))
    staff.ledger_editor(
        book, "program", user, valid_district_ids=list(titles), existing_programs=warehouse_programs,
        empty_text=_("No programs recorded in the ledger yet (programs loaded with the city's data are on Program "
                     "evaluation)."),
        column_config={
            "name": st.column_config.TextColumn(_("Program"), required=True, max_chars=200),
            "start_date": st.column_config.DateColumn(_("Start"), format="YYYY-MM-DD", required=True),
            "end_date": st.column_config.DateColumn(_("End"), format="YYYY-MM-DD"),
            "annual_cost": st.column_config.NumberColumn(_("Cost per year ($)"), min_value=0.0, format="%.0f"),
            "description": st.column_config.TextColumn(_("What it does")),
            "notes": st.column_config.TextColumn(_("Notes")),
        },
    )
    st.subheader(_("Many programs at once"))
    staff.ledger_bulk_entry(ledger_path, "program", user, first_district, valid_district_ids=set(titles),
                            existing_programs=warehouse_programs)

st.subheader(_("Audit trail"))
staff.ledger_audit(book, prefixes="TP")
about.data_note(info)
