"""Data dictionary: every table and column, straight from the schema file."""

import streamlit as st

from community_policing import i18n
from community_policing.data import schema
from community_policing.web import about, cached, display, downloads
from community_policing.i18n import _

store = cached.get_store()
info = cached.dataset_info(store, cached.cache_key(store))



@st.cache_data(show_spinner=False)
def _dictionary(lang: str):
    return schema.data_dictionary()  # units, ranges and meanings in ``lang``


st.title(_("Data dictionary"))
about.simulated_banner(info)
st.write(_("Every table and column in the warehouse, with its type, unit and allowed values. "
           "This page is generated from the same schema file that creates the tables and validates "
           "imported rows, so it cannot drift from the data."))
dictionary = _dictionary(i18n.language())
COLUMNS = {"column": _("Column"), "type": _("Type"), "unit": _("Unit"), "required": _("Required"),
           "allowed values": _("Allowed values"), "range": _("Range"), "meaning": _("Meaning")}
for t in schema.load_schema().values():
    with st.expander(f"**`{t.name}`** – {_(t.description)}", expanded=False):
        st.dataframe(dictionary[dictionary["table"] == t.name].drop(columns="table"), hide_index=True,
                     placeholder=display.MISSING, width="stretch", column_config=COLUMNS)
# The download keeps its machine column names; its units, ranges and meanings are in the page's language.
downloads.download_table(dictionary, None, "data_dictionary", key="download_dictionary",
                         label=_("Download the data dictionary"))
about.data_note(info)
