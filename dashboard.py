"""Common Ground: the Streamlit entry point. Run with `make run`."""

import streamlit as st

st.set_page_config(page_title="Common Ground – community policing dashboard", page_icon=":material/handshake:",
                   layout="wide")

pages = {
    "Explore": [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page("pages/map.py", title="Map", icon=":material/map:"),
        st.Page("pages/district.py", title="District", icon=":material/location_city:"),
        st.Page("pages/compare.py", title="Compare districts", icon=":material/compare_arrows:"),
        st.Page("pages/engagement.py", title="Engagement vs outcomes", icon=":material/scatter_plot:"),
        st.Page("pages/programs.py", title="Program evaluation", icon=":material/insights:"),
        st.Page("pages/trust.py", title="Resident trust", icon=":material/groups:"),
        st.Page("pages/briefing.py", title="Briefings", icon=":material/picture_as_pdf:"),
    ],
    "Record (staff)": [
        st.Page("pages/ledger.py", title="Engagement log", icon=":material/edit_note:"),
        st.Page("pages/meetings.py", title="Recurring meetings", icon=":material/event_repeat:"),
        st.Page("pages/training.py", title="Training and programs", icon=":material/school:"),
    ],
    "About the data": [
        st.Page("pages/methodology.py", title="How to read these numbers", icon=":material/help:"),
        st.Page("pages/data_dictionary.py", title="Data dictionary", icon=":material/menu_book:"),
    ],
}
st.navigation(pages, expanded=True).run()  # every page listed: no "View more"
