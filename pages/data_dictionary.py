"""Data dictionary: every table and column, straight from the schema file."""

import streamlit as st

from community_policing import schema, ui

store = ui.get_store()
info = ui.dataset_info(store, ui.cache_key(store))

st.title("Data dictionary")
ui.simulated_banner(info)
st.write("Every table and column in the warehouse, with its type, unit and allowed values. "
         "This page is generated from the same schema file that creates the tables and validates "
         "imported rows, so it cannot drift from the data.")
dictionary = schema.data_dictionary()
for t in schema.load_schema().values():
    with st.expander(f"**{t.name}** – {t.description}", expanded=False):
        st.dataframe(dictionary[dictionary["table"] == t.name].drop(columns="table"), hide_index=True,
                     width="stretch")
ui.download_table(dictionary, None, "data_dictionary", key="download_dictionary", label="Download the data dictionary")
ui.data_note(info)
