"""Common Ground: the Streamlit entry point. Run with `make run`."""

import streamlit as st

from community_policing.web import display, language, signin, warmup
from community_policing.i18n import _

warmup.start()  # the statistics and figure modules import in the background while this first page draws
# The language first: everything below, the browser tab's title and the navigation included, speaks it
# (sidebar picker or ?lang=).
language.language_picker()
st.set_page_config(page_title=_("Common Ground – community policing dashboard"), page_icon="🤝",
                   layout="wide")
language.document_language()  # <html lang> follows it (WCAG 3.1.1), so screen readers pick the right voice

# Public or staff (README, "Modes and sign-in"): the staff pages, the only raw-row views, are listed
# only for staff. For the public they stay registered but hidden from the navigation, so that one opened by
# its URL answers with its own "Staff only" message (signin.require_staff) instead of Streamlit's "Page not found".
viewer = signin.viewer()
staff_visibility = "visible" if viewer.is_staff else "hidden"
pages = {
    "Explore": [
        st.Page("pages/overview.py", title=_("Overview"), icon=":material/dashboard:", default=True),
        st.Page("pages/map.py", title=_("Map"), icon=":material/map:"),
        st.Page("pages/district.py", title=_("District"), icon=":material/location_city:"),
        st.Page("pages/compare.py", title=_("Compare districts"), icon=":material/compare_arrows:"),
        st.Page("pages/engagement.py", title=_("Engagement vs outcomes"), icon=":material/scatter_plot:"),
        st.Page("pages/programs.py", title=_("Program evaluation"), icon=":material/insights:"),
        st.Page("pages/trust.py", title=_("Resident trust"), icon=":material/groups:"),
        st.Page("pages/briefing.py", title=_("Briefings"), icon=":material/picture_as_pdf:"),
    ],
    "Record (staff)": [
        st.Page("pages/ledger.py", title=_("Engagement log"), icon=":material/edit_note:", visibility=staff_visibility),
        st.Page("pages/meetings.py", title=_("Recurring meetings"), icon=":material/event_repeat:",
                visibility=staff_visibility),
        st.Page("pages/training.py", title=_("Training and programs"), icon=":material/school:",
                visibility=staff_visibility),
        st.Page("pages/data.py", title=_("Data"), icon=":material/database:", visibility=staff_visibility),
    ],
    "About the data": [
        st.Page("pages/methodology.py", title=_("How to read these numbers"), icon=":material/help:"),
        st.Page("pages/data_dictionary.py", title=_("Data dictionary"), icon=":material/menu_book:"),
    ],
}
display.focus_styles()  # a keyboard focus anyone can see (WCAG 2.4.7)
with st.sidebar:
    signin.access_sidebar(viewer)  # "Public view" / "Staff view (signed in as ...)", sign-in, sign-out
# One flat list (sections in the order above), not st.navigation(pages): with sections, Streamlit 1.67 puts
# each section's header and <li> items inside a <div> within the <ul>, which screen readers announce as a
# broken list (axe-core rules "list" and "listitem", both serious; tests/test_accessibility.py).
st.navigation([page for section in pages.values() for page in section], expanded=True).run()  # no "View more"
