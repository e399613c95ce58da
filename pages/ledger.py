"""Engagement log (staff): record community-engagement activities in the ledger, correct or delete
recent ones, and read the audit trail. Entries count on every page at once."""

import datetime as dt

import streamlit as st

from community_policing.data import geo
from community_policing.figures import maps as map_figures
from community_policing.ledger import form as lf
from community_policing.web import about, cached, display, staff
from community_policing.i18n import _
from community_policing.ledger.book import Ledger, upper_bounds

ERRORS = "_ledger_errors"          # form field -> message, kept across the rerun after a submit
RESET = "_ledger_reset"             # set after a save: empty the form on the next run
BOUNDS = upper_bounds()  # the largest number each count or amount accepts (schema.yaml), so the form agrees


@st.cache_data(show_spinner=False, max_entries=64)
def _click_grid(_store, key: tuple, district_id: str) -> tuple[list[float], list[float]]:
    return geo.click_grid(cached.area_features(_store, key, "district"), district_id)


def field_error(name: str) -> None:
    staff.field_error(ERRORS, name)


page = staff.staff_page(
    _("Engagement log"),
    _("For staff: record a community-engagement activity, correct or delete recent ones, and see who "
      "changed what. Every entry counts on every page of the dashboard as soon as it is saved."),
    _("No districts are loaded for {city}, so there is nowhere to record an activity yet."))
store, key, info, ledger_path = page.store, page.key, page.info, page.ledger_path
titles, neighborhoods, nbhd_names = page.places.titles, page.places.neighborhoods, page.places.nbhd_names

if st.session_state.pop(RESET, False):
    # Assigning (not deleting) the widget values, before the widgets exist, also empties them in the browser.
    st.session_state.update(lf.emptied_activity_form())

staff.ledger_flash()
user = staff.recorded_by()
field_error("user")

# --- Record an activity -----------------------------------------------------------------------
st.subheader(_("Record an activity"))
staff.not_saved(ERRORS, _("activity"))
# The district sits outside the form so that the neighborhood list follows it at once.
district_id = st.selectbox(_("District"), list(titles), format_func=titles.get, key="ledger_district")
field_error("district_id")
choices = ["", *lf.district_neighborhoods(neighborhoods, district_id)]

with st.expander(_("Pick the place on the map (optional)")):
    st.caption(_("Click where the activity took place: its longitude and latitude go into the form below. "
                 "Only engagement activities are placed; no incident location is ever shown here."))
    features = cached.area_features(store, key, "district")
    grid = _click_grid(store, key, district_id)
    lon_now, lat_now = st.session_state.get("ledger_lon"), st.session_state.get("ledger_lat")
    picked = (lon_now, lat_now) if lon_now is not None and lat_now is not None else None
    event = display.plotly_chart(map_figures.place_picker(features, district_id, grid, picked, titles[district_id]),
                                 kind="Map to click the place on (or type its longitude and latitude in the form)",
                                 key=f"ledger_place_map_{district_id}", on_select="rerun", selection_mode="points",
                                 config={"displayModeBar": False, "scrollZoom": True})
    point = lf.picked_point(event)
    if point is not None and point != st.session_state.get("_ledger_place_applied"):
        # Apply a click once (the selection stays on the chart across reruns; a typed value must win after).
        st.session_state["_ledger_place_applied"] = point
        st.session_state["ledger_lon"], st.session_state["ledger_lat"] = point
        st.rerun()

with st.form("ledger_form"):
    c1, c2 = st.columns(2)
    with c1:
        date = st.date_input(_("Date"), value=dt.date.today(), key="ledger_date", format="YYYY-MM-DD")
        field_error("date")
    with c2:
        start_time = st.time_input(_("Start time (optional)"), value=None, key="ledger_start_time", step=900)
        field_error("start_time")
    c1, c2 = st.columns(2)
    with c1:
        neighborhood = st.selectbox(_("Neighborhood (optional)"), choices, key="ledger_neighborhood",
                                    format_func=lambda n: _("— none / district-wide —") if not n else
                                    f"{nbhd_names.get(n, n)} ({n})")
        field_error("neighborhood_id")
    with c2:
        kind = st.selectbox(_("Type"), list(lf.TYPE_LABELS), format_func=lf.type_label, key="ledger_type")
        field_error("type")
    title = st.text_input(_("Title"), key="ledger_title", max_chars=200,
                          placeholder=_("e.g. Listening session at the library"))
    field_error("title")
    place = st.text_input(_("Place (optional)"), key="ledger_place", max_chars=200)
    field_error("place")
    c1, c2 = st.columns(2)
    with c1:
        lon = st.number_input(_("Longitude (optional)"), value=None, min_value=-180.0, max_value=180.0,
                              format="%.6f", key="ledger_lon")
        field_error("lon")
    with c2:
        lat = st.number_input(_("Latitude (optional)"), value=None, min_value=-90.0, max_value=90.0,
                              format="%.6f", key="ledger_lat")
        field_error("lat")
    c1, c2, c3, c4 = st.columns(4)
    with c1:
        attendees = st.number_input(_("Attendees"), value=None, min_value=0, max_value=BOUNDS["attendees"], step=1,
                                    key="ledger_attendees")
        field_error("attendees")
    with c2:
        officers = st.number_input(_("Officers"), value=None, min_value=0, max_value=BOUNDS["officers"], step=1,
                                   key="ledger_officers")
        field_error("officers")
    with c3:
        officer_hours = st.number_input(_("Officer hours"), value=None, min_value=0.0, step=0.5,
                                        max_value=float(BOUNDS["officer_hours"]), key="ledger_officer_hours",
                                        help=_("Summed over officers."))
        field_error("officer_hours")
    with c4:
        cost = st.number_input(_("Cost ($)"), value=None, min_value=0.0, max_value=float(BOUNDS["cost"]), step=10.0,
                               key="ledger_cost")
        field_error("cost")
    partners = st.text_input(_("Partner organizations (optional)"), key="ledger_partners", max_chars=500)
    field_error("partners")
    notes = st.text_area(_("Notes (optional)"), key="ledger_notes", max_chars=10_000)
    field_error("notes")
    with st.expander(_("Attendees by group (optional)")):
        st.caption(_("From a voluntary sign-in sheet, for instance. Zeros mean not recorded; the groups of "
                     "each breakdown may not add up to more than the attendees."))
        st.markdown(_("**Race / ethnicity**"))
        cols = st.columns(len(lf.RACE_GROUPS))
        race = {g: col.number_input(lf.race_label(g), value=0, min_value=0, step=1, key=f"ledger_race_{g}")
                for g, col in zip(lf.RACE_GROUPS, cols)}
        st.markdown(_("**Age**"))
        cols = st.columns(len(lf.AGE_GROUPS))
        age = {g: col.number_input(g, value=0, min_value=0, step=1, key=f"ledger_age_{g}")
               for g, col in zip(lf.AGE_GROUPS, cols)}
        field_error("attendance")
    submitted = st.form_submit_button(_("Record activity"), type="primary")

if submitted:
    entry = lf.build_entry({
        "date": date, "start_time": start_time, "district_id": district_id, "neighborhood_id": neighborhood or None,
        "type": kind, "title": title, "place": place, "lon": lon, "lat": lat, "attendees": attendees,
        "officers": officers, "officer_hours": officer_hours, "partners": partners, "cost": cost, "notes": notes,
        "race_ethnicity": race, "age": age,
    })
    saved = lf.record_activity(ledger_path, store.city, entry, user, district_title=titles[district_id],
                               neighborhoods=neighborhoods, district_ids=list(titles))
    if saved.problems:
        st.session_state[ERRORS] = saved.problems
    else:
        st.session_state.pop(ERRORS, None)
        st.session_state[RESET] = True  # a fresh form for the next activity (applied before the widgets)
        st.session_state[staff.LEDGER_FLASH] = saved.message
    st.rerun()

# --- Recent entries -----------------------------------------------------------------------------
st.subheader(_("Recent entries"))
book = Ledger(ledger_path, city=store.city) if ledger_path.exists() else None
staff.ledger_editor(
    book, "activity", user, neighborhoods=neighborhoods, valid_district_ids=list(titles),
    valid_neighborhood_ids=list(nbhd_names),
    empty_text=_("No activities recorded yet. The first one you record above starts the ledger."),
    column_config={
        "date": st.column_config.DateColumn(_("Date"), format="YYYY-MM-DD", required=True),
        "type": st.column_config.SelectboxColumn(_("Type"), options=list(lf.TYPE_LABELS), required=True,
                                                 format_func=lf.type_label),
        "title": st.column_config.TextColumn(_("Title"), required=True, max_chars=200),
        "attendees": st.column_config.NumberColumn(_("Attendees"), min_value=0, step=1),
        "officers": st.column_config.NumberColumn(_("Officers"), min_value=0, step=1),
        "officer_hours": st.column_config.NumberColumn(_("Officer hours"), min_value=0.0),
        "cost": st.column_config.NumberColumn(_("Cost ($)"), min_value=0.0, format="%.2f"),
        "notes": st.column_config.TextColumn(_("Notes")),
        "neighborhood_id": st.column_config.SelectboxColumn(_("Neighborhood"), options=list(nbhd_names)),
    },
)

# --- Many at once ----------------------------------------------------------------------------------
st.subheader(_("Many activities at once"))
st.caption(_("Download the template, fill one row per activity (the example row shows the format and is never "
             "loaded), and upload it. Every row is checked like the form; rows with problems come back with their "
             "line and reason, and nothing else is lost."))
staff.ledger_bulk_entry(ledger_path, "activity", user, next(iter(titles), "1"), valid_district_ids=set(titles),
                        valid_neighborhood_ids=set(nbhd_names))

# --- Audit trail --------------------------------------------------------------------------------
st.subheader(_("Audit trail"))
st.caption(_("Every insert, edit and delete of every kind of record: activities (L…), recurring meetings (S…), "
             "training (T…) and programs (P…)."))
staff.ledger_audit(book)

st.caption(_("Entries are written to a separate ledger file ({file}, SQLite, safe for many staff saving at once), "
             "not to the analytics database, which the dashboard only reads. The dashboard reads the ledger live, "
             "so a saved entry shows on all pages at once.").format(file=ledger_path.name))
about.data_note(info)
